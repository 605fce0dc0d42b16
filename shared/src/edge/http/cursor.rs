//! Opaque list cursors: the position after the last message of a page, base64url-encoded.
//! A cursor only positions within the caller's own partition (the user comes from the token),
//! so a forged one can reveal nothing; a malformed one is a 400.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::DateTime;
use lambda_http::http::StatusCode;

use super::params::is_message_id;
use super::Problem;
use crate::aws::dynamo::Position;

const VERSION: &str = "c1";

/// The cursor text of a position.
pub fn encode_cursor(p: &Position) -> String {
    URL_SAFE_NO_PAD.encode(format!("{VERSION}|{}", p.time_key))
}

/// The position a cursor names, or 400.
pub fn decode_cursor(text: &str) -> Result<Position, Problem> {
    let bad = || {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid-cursor",
            "The cursor is not valid",
        )
        .detail("Pass back the next_cursor of an earlier page unchanged.")
    };
    if text.len() > 256 {
        return Err(bad());
    }
    let raw = URL_SAFE_NO_PAD.decode(text).map_err(|_| bad())?;
    let raw = String::from_utf8(raw).map_err(|_| bad())?;
    let time_key = raw.strip_prefix("c1|").ok_or_else(bad)?;
    let (time, id) = time_key.split_once('#').ok_or_else(bad)?;
    if DateTime::parse_from_rfc3339(time).is_err() || !is_message_id(id) {
        return Err(bad());
    }
    Ok(Position {
        time_key: time_key.to_owned(),
        id: id.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let p = Position {
            time_key: format!("2026-03-01T09:00:00.000Z#{}", "ab".repeat(16)),
            id: "ab".repeat(16),
        };
        assert_eq!(decode_cursor(&encode_cursor(&p)).unwrap(), p);
        for bad in ["", "!!", "YWJj", &URL_SAFE_NO_PAD.encode("c1|nope#x")] {
            assert!(decode_cursor(bad).is_err(), "{bad}");
        }
    }
}
