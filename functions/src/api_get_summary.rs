//! `GET /coaching/summary`: counts by status and type, read and action rates, unread count,
//! current and longest streak, and the next scheduled message.

use chrono::Utc;
use coaching::edge::http::{caller, json_response, query_params, Problem};
use coaching::engine::summary::BehaviourSummary;
use coaching::views::summary::summarise;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Error, Request, Response};

use crate::respond::finish;
use crate::user_view::profile_and_messages;
use crate::Stores;

/// Handles one request; every failure is a problem+json response.
pub async fn handle(stores: &Stores, req: Request) -> Result<Response<Body>, Error> {
    finish(respond(stores, &req).await)
}

async fn respond(stores: &Stores, req: &Request) -> Result<Response<Body>, Problem> {
    let user = caller(req)?;
    query_params(req, &[])?;
    let (profile, messages) = profile_and_messages(stores, &user).await?;
    let summary = profile
        .summary
        .map(|s| s.summary)
        .unwrap_or_else(BehaviourSummary::default);
    let report = summarise(
        &messages,
        &summary,
        &profile.preferences.preferences,
        Utc::now(),
    );
    Ok(json_response(StatusCode::OK, &report))
}
