//! `DELETE /coaching/me`: erases the caller (GDPR Art. 17): their SNS endpoints, every
//! message (pending ones included, so nothing more is sent) and every profile item. 204; a
//! second call finds nothing and answers 204 too. Per-variant counters are aggregates with no
//! user in them and stay.

use coaching::aws::sns::Push;
use coaching::edge::http::{caller, query_params, Problem};
use lambda_http::{Body, Error, Request, Response};

use crate::api_delete_device::no_content;
use crate::respond::{finish, internal, upstream};
use crate::Stores;

/// Handles one request; every failure is a problem+json response.
pub async fn handle(stores: &Stores, push: &Push, req: Request) -> Result<Response<Body>, Error> {
    finish(respond(stores, push, &req).await)
}

async fn respond(stores: &Stores, push: &Push, req: &Request) -> Result<Response<Body>, Problem> {
    let user = caller(req)?;
    query_params(req, &[])?;
    // Order: endpoints (no more pushes), messages, then the profile that lists the devices, so
    // a failure part-way leaves what a retry needs to finish.
    let profile = stores
        .profiles
        .profile(&user)
        .await
        .map_err(internal("reading the profile"))?;
    for device in &profile.devices {
        push.delete_endpoint(&user, &device.endpoint_arn)
            .await
            .map_err(upstream("deleting a push endpoint"))?;
    }
    let messages = stores
        .messages
        .delete_all(&user)
        .await
        .map_err(internal("deleting messages"))?;
    let items = stores
        .profiles
        .delete_all(&user)
        .await
        .map_err(internal("deleting the profile"))?;
    tracing::info!(
        messages,
        profile_items = items,
        devices = profile.devices.len(),
        "user erased"
    );
    Ok(no_content())
}
