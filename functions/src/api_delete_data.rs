//! `DELETE /coaching/me`: erases the caller (GDPR Art. 17; `coaching::app::privacy::erase`):
//! their SNS endpoints, every message (pending ones included, so nothing more is sent) and
//! every profile item. 204; a second call finds nothing and answers 204 too.

use chrono::Utc;
use coaching::app::privacy::erase;
use coaching::aws::sns::Push;
use coaching::edge::http::{caller, query_params, Problem};
use lambda_http::{Body, Error, Request, Response};

use crate::common::respond::{finish, no_content};
use crate::Stores;

/// Handles one request; every failure is a problem+json response.
pub async fn handle(stores: &Stores, push: &Push, req: Request) -> Result<Response<Body>, Error> {
    finish(respond(stores, push, &req).await)
}

async fn respond(stores: &Stores, push: &Push, req: &Request) -> Result<Response<Body>, Problem> {
    let user = caller(req)?;
    query_params(req, &[])?;
    let erased = erase(stores, push, &user, Utc::now()).await?;
    tracing::info!(
        messages = erased.messages,
        profile_items = erased.profile_items,
        devices = erased.devices,
        "user erased"
    );
    Ok(no_content())
}
