//! Request bodies: size checked before parsing, JSON parsed strictly, errors naming the field.

use lambda_http::http::{header, StatusCode};
use lambda_http::{Body, Request};
use serde::de::DeserializeOwned;

use super::Problem;
use crate::domain::preferences::FieldError;

/// The largest request body any route accepts, in bytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Parses the JSON object body into `T`: as [`json_object`], then 422 naming the field for a
/// wrong type, an unknown field or a value that does not parse (the first one).
pub fn json_body<T: DeserializeOwned>(req: &Request, limit: usize) -> Result<T, Problem> {
    let json = serde_json::Value::Object(json_object(req, limit)?);
    serde_path_to_error::deserialize(json).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." {
            "(body)".to_owned()
        } else {
            path
        };
        Problem::validation(vec![FieldError::new(
            field,
            strip_position(&e.inner().to_string()),
        )])
    })
}

/// The body's JSON object: 413 over `limit` bytes (checked before parsing), 415 for a
/// non-JSON content type, 400 for malformed JSON, 422 for a body that is not an object.
pub fn json_object(
    req: &Request,
    limit: usize,
) -> Result<serde_json::Map<String, serde_json::Value>, Problem> {
    let bytes: &[u8] = match req.body() {
        Body::Empty => &[],
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => &[],
    };
    if bytes.len() > limit {
        return Err(Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            "The request body is too large",
        )
        .detail(format!(
            "The body is {} bytes; the limit is {limit}.",
            bytes.len()
        )));
    }
    if let Some(ct) = req.headers().get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or_default().to_ascii_lowercase();
        let essence = ct.split(';').next().unwrap_or_default().trim();
        if essence != "application/json" && !essence.ends_with("+json") {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "The body must be JSON",
            )
            .detail("Send Content-Type: application/json."));
        }
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "malformed-json",
            "The body is not valid JSON",
        )
        .detail("The body is empty; send a JSON object."));
    }
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(Problem::validation(vec![FieldError::new(
            "(body)",
            "expected a JSON object",
        )]));
    }
    let malformed = |e: &serde_json::Error| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "malformed-json",
            "The body is not valid JSON",
        )
        .detail(format!("line {}, column {}", e.line(), e.column()))
    };
    // Syntax first (400), then shape (422): serde_json reports some type mismatches (a number
    // where an enum is expected) as syntax errors when both are checked in one pass.
    match serde_json::from_slice(bytes).map_err(|e| malformed(&e))? {
        serde_json::Value::Object(map) => Ok(map),
        _ => Err(Problem::validation(vec![FieldError::new(
            "(body)",
            "expected a JSON object",
        )])),
    }
}

/// serde_json appends " at line L column C" to data errors; the field path says more.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}
