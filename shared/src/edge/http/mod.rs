//! The API Gateway HTTP API edge: who is calling, bounded JSON bodies, entity versions, and
//! errors as `application/problem+json` (RFC 9457).

mod body;
mod caller;
mod cursor;
mod params;
mod problem;
mod version;

pub use body::{json_body, json_object, MAX_BODY_BYTES};
pub use caller::{caller, claimed_name};
pub use cursor::{decode_cursor, encode_cursor};
pub use params::{
    is_message_id, message_not_found, path_param, query_params, MAX_QUERY_VALUE_BYTES,
};
pub use problem::{json_response, Problem};
pub use version::{etag, if_match, MAX_VERSION};
