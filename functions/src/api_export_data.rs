//! `GET /coaching/me/export`: everything stored about the caller as one JSON document
//! (GDPR Art. 20; `coaching::app::privacy::export`): preferences, behaviour summary, devices,
//! messages, and their interactions and feedback listed on their own as well.

use chrono::Utc;
use coaching::app::privacy::export;
use coaching::edge::http::{caller, json_response, query_params, Problem};
use lambda_http::http::{header, HeaderValue, StatusCode};
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
    let export = export(stores, &user, Utc::now()).await?;
    let mut resp = json_response(StatusCode::OK, &export);
    let headers = resp.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"tug-coach-export.json\""),
    );
    Ok(resp)
}
