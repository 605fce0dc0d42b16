//! What every HTTP handler shares: turning a result into a response and a failure of the
//! store or push service into a logged 500/502 that leaks nothing.

use std::fmt::Display;

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

/// Logs a storage failure and answers 500.
pub fn internal(what: &'static str) -> impl Fn(coaching::aws::dynamo::StoreError) -> Problem {
    move |e| {
        tracing::error!(error = %e, "{what} failed");
        Problem::internal()
    }
}

/// Logs a push-service failure and answers 502: the request was fine, SNS was not.
pub fn upstream(what: &'static str) -> impl Fn(coaching::aws::sns::PushError) -> Problem {
    move |e| log_upstream(what, e)
}

/// Logs an event-bus failure and answers 502; the change is stored, so a retry is safe and
/// publishes again.
pub fn bus_failed(what: &'static str) -> impl Fn(coaching::aws::eventbridge::BusError) -> Problem {
    move |e| {
        tracing::error!(error = %e, "{what} failed");
        Problem::new(
            StatusCode::BAD_GATEWAY,
            "event-bus-unavailable",
            "The event bus did not answer as expected",
        )
        .detail("The change was recorded; retry the call to finish it.")
    }
}

fn log_upstream(what: &str, e: impl Display) -> Problem {
    tracing::error!(error = %e, "{what} failed");
    Problem::new(
        StatusCode::BAD_GATEWAY,
        "push-service-unavailable",
        "The push service did not answer as expected",
    )
    .detail("Nothing was changed; please retry later.")
}
