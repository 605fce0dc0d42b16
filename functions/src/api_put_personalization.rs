//! `PUT /coaching/personalization`: replaces the caller's preference document.
//!
//! The write names the version it read, by `If-Match: "N"` or `"version": N` in the body
//! (0 for a user with no document yet). A stale version gets 412 with the current one, so two
//! devices never silently overwrite each other. A retry of a write that already succeeded
//! (same document, stored version one past the one named) answers 200 as the first call did.
//! Every broken rule of the body is listed in one 422, before anything is read. Read-only
//! fields `GET` answered (`updated_at`, `effective_language`, `token_name`) may be sent back
//! unchanged; a changed one is a 422 naming it. The ID token's `given_name` (else `name`) is
//! kept as `token_name`, the name messages use when the user set no `display_name`.

use chrono::Utc;
use coaching::app::preferences::{replace, Document, Replaced};
use coaching::aws::dynamo::ProfileStore;
use coaching::domain::preferences::PutDocument;
use coaching::edge::http::{
    caller, claimed_name, etag, if_match, json_object, json_response, Problem, MAX_BODY_BYTES,
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
    let body =
        PutDocument::parse(json_object(req, MAX_BODY_BYTES)?).map_err(Problem::validation)?;
    let expected = match (header_version, body.version) {
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
    let mut preferences = body.preferences;
    preferences.token_name = claimed_name(req);

    let outcome = replace(
        store,
        &user,
        preferences,
        &body.sent_back,
        expected,
        Utc::now(),
    )
    .await?;
    match outcome {
        Replaced::Written(doc) => Ok(ok(&doc)),
        Replaced::Erased => Err(Problem::erased()),
        Replaced::ReadOnlyChanged(errors) => Err(Problem::validation(errors)),
        Replaced::Conflict { current } => {
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

fn ok(doc: &Document) -> Response<Body> {
    let mut resp = json_response(StatusCode::OK, doc);
    if let Ok(v) = HeaderValue::from_str(&etag(doc.stored.version)) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    resp
}
