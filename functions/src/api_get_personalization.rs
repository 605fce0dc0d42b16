//! `GET /coaching/personalization`: the caller's preference document (defaults at version 0
//! when they have none yet), with its version as `ETag` and the language the coach writes in.

use coaching::app::preferences::current;
use coaching::aws::dynamo::ProfileStore;
use coaching::edge::http::{caller, etag, json_response, Problem};
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
    let doc = current(store, &user).await?;
    let mut resp = json_response(StatusCode::OK, &doc);
    let headers = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag(doc.stored.version)) {
        headers.insert(header::ETAG, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}
