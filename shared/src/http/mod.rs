//! The API Gateway HTTP API edge: who is calling, bounded JSON bodies, entity versions, and
//! errors as `application/problem+json` (RFC 9457).

mod body;
mod caller;
mod problem;
mod version;

pub use body::{json_body, MAX_BODY_BYTES};
pub use caller::caller;
pub use problem::{json_response, Problem};
pub use version::{etag, if_match};
