//! `GET /coaching/messages`: the caller's messages, newest first, filtered by `status`,
//! `type` and `unread`, `limit` (1–100, default 20) per page, continued with `cursor`.

use coaching::aws::dynamo::ListFilter;
use coaching::domain::messages::MessageStatus;
use coaching::domain::preferences::{FieldError, MessageType};
use coaching::edge::http::{
    caller, decode_cursor, encode_cursor, json_response, query_params, Problem,
};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Error, Request, Response};
use serde::Serialize;

use crate::common::respond::finish;
use crate::Stores;

/// Largest page.
pub const MAX_LIMIT: usize = 100;
/// Page size when `limit` is absent.
pub const DEFAULT_LIMIT: usize = 20;

#[derive(Serialize)]
struct PageView<'a> {
    messages: &'a [coaching::domain::messages::Message],
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
}

/// Handles one request; every failure is a problem+json response.
pub async fn handle(stores: &Stores, req: Request) -> Result<Response<Body>, Error> {
    finish(respond(stores, &req).await)
}

fn enum_value<T: serde::de::DeserializeOwned>(
    field: &str,
    v: &str,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    match serde_json::from_value(serde_json::Value::String(v.to_owned())) {
        Ok(t) => Some(t),
        Err(_) => {
            errors.push(FieldError::new(
                field,
                format!("'{v}' is not a known value"),
            ));
            None
        }
    }
}

async fn respond(stores: &Stores, req: &Request) -> Result<Response<Body>, Problem> {
    let user = caller(req)?;
    let q = query_params(req, &["status", "type", "unread", "limit", "cursor"])?;
    let mut errors = Vec::new();
    let status: Option<MessageStatus> = q
        .get("status")
        .and_then(|v| enum_value("status", v, &mut errors));
    let message_type: Option<MessageType> = q
        .get("type")
        .and_then(|v| enum_value("type", v, &mut errors));
    let unread_only = match q.get("unread").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            errors.push(FieldError::new("unread", "must be true or false"));
            false
        }
    };
    let limit = match q.get("limit") {
        None => DEFAULT_LIMIT,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => {
                errors.push(FieldError::new(
                    "limit",
                    format!("must be an integer from 1 to {MAX_LIMIT}"),
                ));
                DEFAULT_LIMIT
            }
        },
    };
    if !errors.is_empty() {
        let mut p = Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid-query",
            "The query parameters are not valid",
        );
        p.errors = errors;
        return Err(p);
    }
    let after = q.get("cursor").map(|c| decode_cursor(c)).transpose()?;
    let filter = ListFilter {
        status,
        message_type,
        unread_only,
    };
    let page = stores
        .messages
        .list(&user, &filter, limit, after.as_ref())
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &PageView {
            messages: &page.messages,
            next_cursor: page.next.as_ref().map(encode_cursor),
        },
    ))
}
