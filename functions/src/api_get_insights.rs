//! `GET /coaching/insights`: segment, habit strength, formation probability, streak risk,
//! best and most active hours, and which kinds of message worked best for the caller
//! (`coaching::app::overview::user_insights`).

use chrono::Utc;
use coaching::app::overview::user_insights;
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
    let report = user_insights(stores, &user, Utc::now()).await?;
    Ok(json_response(StatusCode::OK, &report))
}
