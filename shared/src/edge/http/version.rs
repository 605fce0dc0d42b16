//! Entity versions as ETags: a document at version 3 has `ETag: "3"`, and a write names the
//! version it read with `If-Match: "3"`.

use lambda_http::http::StatusCode;
use lambda_http::Request;

use super::Problem;

pub use crate::domain::preferences::MAX_VERSION;

/// The strong ETag of a version.
pub fn etag(version: u64) -> String {
    format!("\"{version}\"")
}

/// The version named by `If-Match`, `Ok(None)` when the header is absent, and a 400 problem
/// when it is not one quoted version (`*` and lists are refused: a write must name what it read).
pub fn if_match(req: &Request) -> Result<Option<u64>, Problem> {
    let Some(value) = req.headers().get("if-match") else {
        return Ok(None);
    };
    let bad = || {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid-precondition",
            "Invalid If-Match header",
        )
        .detail("If-Match must be the ETag from the last read, such as \"3\".")
    };
    let text = value.to_str().map_err(|_| bad())?.trim();
    let text = text.strip_prefix("W/").unwrap_or(text);
    let inner = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .ok_or_else(bad)?;
    if inner.is_empty() || inner.len() > 20 || !inner.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    match inner.parse::<u64>() {
        Ok(v) if v <= MAX_VERSION => Ok(Some(v)),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(value: &str) -> Result<Option<u64>, Problem> {
        let req = lambda_http::http::Request::builder()
            .header("if-match", value)
            .body(lambda_http::Body::Empty)
            .expect("request");
        if_match(&req)
    }

    #[test]
    fn versions_beyond_any_stored_one_are_refused() {
        assert_eq!(with("\"3\"").ok(), Some(Some(3)));
        assert_eq!(
            with(&format!("\"{MAX_VERSION}\"")).ok(),
            Some(Some(MAX_VERSION))
        );
        for bad in [
            "\"18446744073709551615\"",
            "\"9007199254740992\"",
            "*",
            "\"-1\"",
        ] {
            assert!(with(bad).is_err(), "{bad}");
        }
    }
}
