//! What every HTTP handler shares: a result becomes a response, a problem becomes
//! problem+json (a failure of the store, push service or bus became a logged 500/502 that
//! leaks nothing when `?` converted it), and an empty 204.

use coaching::edge::http::Problem;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};

/// The response of a handler's result; a problem becomes problem+json. Never an `Err`, so the
/// runtime never answers a client with a bare 500.
pub fn finish(
    result: Result<Response<Body>, Problem>,
) -> Result<Response<Body>, lambda_http::Error> {
    Ok(result.unwrap_or_else(Problem::into_response))
}

/// An empty 204 response.
pub fn no_content() -> Response<Body> {
    let mut resp = Response::new(Body::Empty);
    *resp.status_mut() = StatusCode::NO_CONTENT;
    resp
}
