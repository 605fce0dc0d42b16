//! `POST /coaching/generate`: runs the engine now for the caller, within their caps and
//! quiet hours, stores what it planned, and says what that was or why nothing was planned
//! (`coaching::app::generation::generate_now`). Rate-limited per user
//! ([`MAX_RUNS_PER_HOUR`] a clock hour; 429 with `Retry-After`). 201 when something was
//! stored, 200 otherwise.

use chrono::Utc;
use coaching::app::generation::{generate_now, Generated};
use coaching::edge::http::{caller, json_body, json_response, query_params, Problem};
use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Error, Request, Response};
use serde::Deserialize;

pub use coaching::app::generation::MAX_RUNS_PER_HOUR;

use crate::common::respond::finish;
use crate::Stores;

/// Largest body (an empty object is all it takes), in bytes.
pub const MAX_GENERATE_BYTES: usize = 256;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct GenerateInput {}

/// Handles one request; every failure is a problem+json response.
pub async fn handle(stores: &Stores, req: Request) -> Result<Response<Body>, Error> {
    finish(respond(stores, &req).await)
}

async fn respond(stores: &Stores, req: &Request) -> Result<Response<Body>, Problem> {
    let user = caller(req)?;
    query_params(req, &[])?;
    if !matches!(req.body(), Body::Empty) && !req.body().is_empty() {
        let _: GenerateInput = json_body(req, MAX_GENERATE_BYTES)?;
    }
    match generate_now(stores, &user, Utc::now()).await? {
        Generated::RateLimited { retry_after_secs } => {
            let mut resp = Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                "Too many generate runs",
            )
            .detail(format!(
                "At most {MAX_RUNS_PER_HOUR} runs an hour; try again in {retry_after_secs} seconds."
            ))
            .into_response();
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
            Ok(resp)
        }
        Generated::Erased => Err(Problem::erased()),
        Generated::Ran(run) => {
            let status = if run.planned.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            };
            Ok(json_response(status, &run))
        }
    }
}
