//! Path and query parameters, bounded and checked before any I/O.

use std::collections::BTreeMap;

use lambda_http::http::StatusCode;
use lambda_http::{Request, RequestExt};

use super::Problem;
use crate::domain::preferences::FieldError;

/// Longest query-parameter value accepted, in bytes.
pub const MAX_QUERY_VALUE_BYTES: usize = 1024;

/// The path parameter `name` (the route guarantees it is present; absent reads as empty).
pub fn path_param(req: &Request, name: &str) -> String {
    req.path_parameters()
        .first(name)
        .map(str::to_owned)
        .unwrap_or_default()
}

/// The query parameters, each at most once and each one of `allowed`, else 400 naming them.
pub fn query_params(req: &Request, allowed: &[&str]) -> Result<BTreeMap<String, String>, Problem> {
    let params = req.query_string_parameters();
    let mut out = BTreeMap::new();
    let mut errors = Vec::new();
    for (name, _) in params.iter() {
        if out.contains_key(name) || errors.iter().any(|e: &FieldError| e.field == name) {
            continue;
        }
        let values = params.all(name).unwrap_or_default();
        if !allowed.contains(&name) {
            errors.push(FieldError::new(
                name,
                format!("unknown parameter; this route takes {}", allowed.join(", ")),
            ));
        } else if values.len() != 1 {
            errors.push(FieldError::new(name, "give this parameter once"));
        } else if values[0].len() > MAX_QUERY_VALUE_BYTES {
            errors.push(FieldError::new(
                name,
                format!("at most {MAX_QUERY_VALUE_BYTES} bytes"),
            ));
        } else {
            out.insert(name.to_owned(), values[0].to_owned());
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        let mut p = Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid-query",
            "The query parameters are not valid",
        );
        p.errors = errors;
        Err(p)
    }
}

/// 404 for a message the caller does not have (absent, another user's, or an id that cannot
/// exist): the three are indistinguishable on purpose.
pub fn message_not_found() -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        "message-not-found",
        "No such message",
    )
    .detail("You have no message with this id.")
}

/// Whether `id` has the shape of a message id (32 lowercase hex characters).
pub fn is_message_id(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}
