//! Helpers for the integration and end-to-end tests. They run inside `coach-local test`
//! (what `make test` does), which starts the local stack and host and exports where they are.

use std::path::PathBuf;

use coach_local::jwt::{self, Validation};
use serde_json::Value;

/// A variable `coach-local test` exports; a clear failure when the tests run outside it.
pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: run the tests through `make test` (coach-local test -- cargo test)"
        )
    })
}

/// The project's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// A user id no other test uses.
pub fn unique_user(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4())
}

/// The fixture `events/NAME.json`.
pub fn fixture(name: &str) -> Value {
    let path = root().join("events").join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The event with its JWT `sub` claim replaced.
pub fn with_sub(mut event: Value, sub: &str) -> Value {
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = Value::String(sub.into());
    event
}

/// The event as the `lambda_http::Request` a handler receives.
pub fn request(event: &Value) -> lambda_http::Request {
    lambda_http::request::from_str(&event.to_string()).expect("fixture is an API Gateway v2 event")
}

/// Status, headers and JSON body of a handler's response.
pub fn parts(
    resp: lambda_http::Response<lambda_http::Body>,
) -> (u16, lambda_http::http::HeaderMap, Value) {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = match resp.body() {
        lambda_http::Body::Text(t) => serde_json::from_str(t).unwrap_or(Value::Null),
        lambda_http::Body::Binary(b) => serde_json::from_slice(b).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    (status, headers, body)
}

/// What the local host accepts as a token.
pub fn validation() -> Validation {
    Validation {
        secret: env("COACH_LOCAL_JWT_SECRET").into_bytes(),
        issuer: env("COACH_JWT_ISSUER"),
        audience: vec![env("COACH_JWT_AUDIENCE")],
        leeway: 0,
    }
}

/// A valid token for `sub`, good for an hour.
pub fn token(sub: &str) -> String {
    jwt::token_for(sub, &validation(), chrono::Utc::now().timestamp(), 3600)
}

/// The local host's base URL.
pub fn host_url() -> String {
    env("COACH_HOST_URL")
}

/// An HTTP client for the host.
pub fn http() -> reqwest::Client {
    reqwest::Client::new()
}
