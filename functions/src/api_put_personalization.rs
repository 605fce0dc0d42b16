//! `PUT /coaching/personalization`: replaces the caller's preference document.
//!
//! The write names the version it read, by `If-Match: "N"` or `"version": N` in the body
//! (0 for a user with no document yet). A stale version gets 412 with the current one, so two
//! devices never silently overwrite each other. A retry of a write that already succeeded
//! (same document, stored version one past the one named) answers 200 as the first call did.

use chrono::Utc;
use coaching::app::preferences::replace;
use coaching::aws::dynamo::{PreferencesWrite, ProfileStore, VersionedPreferences};
use coaching::domain::preferences::PreferencesInput;
use coaching::edge::http::{
    caller, etag, if_match, json_body, json_response, Problem, MAX_BODY_BYTES,
};
use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Error, Request, Response};

/// Handles one request; every failure is a problem+json response, never an `Err`.
pub async fn handle(store: &ProfileStore, req: Request) -> Result<Response<Body>, Error> {
    Ok(respond(store, &req)
        .await
        .unwrap_or_else(Problem::into_response))
}

async fn respond(store: &ProfileStore, req: &Request) -> Result<Response<Body>, Problem> {
    let user = caller(req)?;
    let header_version = if_match(req)?;
    let input: PreferencesInput = json_body(req, MAX_BODY_BYTES)?;
    let expected = match (header_version, input.version) {
        (Some(h), Some(b)) if h != b => {
            return Err(Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid-precondition",
                "If-Match and body version disagree",
            )
            .detail(format!("If-Match names version {h}, the body version {b}.")))
        }
        (Some(v), _) | (None, Some(v)) => v,
        (None, None) => {
            return Err(Problem::new(
                StatusCode::PRECONDITION_REQUIRED,
                "precondition-required",
                "The version you read is required",
            )
            .detail("Send If-Match with the ETag of your last GET (\"0\" if you have none)."))
        }
    };
    let preferences = input.into_preferences().map_err(Problem::validation)?;

    let Some(outcome) = replace(store, &user, preferences, expected, Utc::now()).await? else {
        return Err(Problem::erased());
    };
    match outcome {
        PreferencesWrite::Written(doc) => Ok(ok(&doc)),
        PreferencesWrite::Conflict { current } => {
            let mut p = Problem::new(
                StatusCode::PRECONDITION_FAILED,
                "version-conflict",
                "The preferences changed since you read them",
            )
            .detail(format!(
                "You wrote over version {expected}; the current version is {}. Read it again and retry.",
                current.version
            ));
            p.current_version = Some(current.version);
            Err(p)
        }
    }
}

fn ok(doc: &VersionedPreferences) -> Response<Body> {
    let mut resp = json_response(StatusCode::OK, doc);
    if let Ok(v) = HeaderValue::from_str(&etag(doc.version)) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    resp
}
