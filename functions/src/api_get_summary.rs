//! `GET /coaching/summary`: counts by status and type, read and action rates, unread count,
//! current and longest streak, and the next scheduled message
//! (`coaching::app::overview::summary`).

use chrono::Utc;
use coaching::app::overview::summary;
use coaching::edge::http::{caller, json_response, query_params, Problem};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Error, Request, Response};

use crate::common::respond::finish;
use crate::Stores;

/// Handles one request; every failure is a problem+json response.
pub async fn handle(stores: &Stores, req: Request) -> Result<Response<Body>, Error> {
    finish(respond(stores, &req).await)
}

async fn respond(stores: &Stores, req: &Request) -> Result<Response<Body>, Problem> {
    let user = caller(req)?;
    query_params(req, &[])?;
    let report = summary(stores, &user, Utc::now()).await?;
    Ok(json_response(StatusCode::OK, &report))
}
