//! `application/problem+json` responses with a stable `type` per kind of problem.

use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Response};
use serde::Serialize;

use crate::app::AppError;
use crate::aws::dynamo::StoreError;
use crate::aws::eventbridge::BusError;
use crate::aws::sns::PushError;
use crate::aws::Chain;
use crate::domain::preferences::FieldError;

/// Prefix of every problem `type`; the slug after it is stable API.
pub const PROBLEM_BASE: &str = "https://coach.tug.app/problems/";

/// An HTTP error as RFC 9457 problem details.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Every field that broke a rule, by JSON path.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For `version-conflict`: the version the server holds now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<u64>,
}

impl Problem {
    /// A problem of kind `slug` with HTTP `status` and a short human `title`.
    pub fn new(status: StatusCode, slug: &str, title: &str) -> Self {
        Problem {
            kind: format!("{PROBLEM_BASE}{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: None,
            errors: Vec::new(),
            current_version: None,
        }
    }

    /// Adds a human explanation of this occurrence.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// 422: the body parsed but broke value rules.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        let mut p = Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
            "The request has invalid fields",
        )
        .detail(detail);
        p.errors = errors;
        p
    }

    /// 401: no usable identity.
    pub fn unauthorized(detail: &str) -> Self {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Authentication required",
        )
        .detail(detail)
    }

    /// 409: interactions and feedback wait for the message to reach the user.
    pub fn not_delivered() -> Self {
        Problem::new(
            StatusCode::CONFLICT,
            "message-not-delivered",
            "The message has not been delivered",
        )
        .detail("Interactions and feedback are taken once a message has been delivered.")
    }

    /// 409: the user's erasure overtook this write, which was undone. Work begun after the
    /// erasure stands, so a retry in a few seconds succeeds.
    pub fn erased() -> Self {
        Problem::new(
            StatusCode::CONFLICT,
            "erased",
            "The user's coaching data was being erased",
        )
        .detail("Nothing of this request was kept; retry in a few seconds to start afresh.")
    }

    /// 500 without internals; the cause goes to the log, not the client.
    pub fn internal() -> Self {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Something went wrong on our side",
        )
        .detail("The error was logged; please retry later.")
    }

    /// The response carrying this problem.
    pub fn into_response(self) -> Response<Body> {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_string(&self).unwrap_or_default();
        let mut resp = Response::new(Body::Text(body));
        *resp.status_mut() = status;
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        resp
    }
}

/// A JSON response with `status` and the serialised `value`.
pub fn json_response<T: Serialize>(status: StatusCode, value: &T) -> Response<Body> {
    match serde_json::to_string(value) {
        Ok(body) => {
            let mut resp = Response::new(Body::Text(body));
            *resp.status_mut() = status;
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            resp
        }
        Err(e) => {
            tracing::error!(error = %e, "response serialisation failed");
            Problem::internal().into_response()
        }
    }
}

/// 502: the push service did not answer as expected (the cause is logged).
fn push_unavailable() -> Problem {
    Problem::new(
        StatusCode::BAD_GATEWAY,
        "push-service-unavailable",
        "The push service did not answer as expected",
    )
    .detail("Nothing more was changed; please retry later.")
}

/// 502: the event bus did not take an event; what it announced is stored, so a retry is
/// safe and publishes again.
fn bus_unavailable() -> Problem {
    Problem::new(
        StatusCode::BAD_GATEWAY,
        "event-bus-unavailable",
        "The event bus did not answer as expected",
    )
    .detail("The change was recorded; retry the call to finish it.")
}

/// A storage failure is a logged 500 that leaks nothing.
impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %Chain(&e), "storage failed");
        Problem::internal()
    }
}

/// A push-service failure is a logged 502: the request was fine, SNS was not.
impl From<PushError> for Problem {
    fn from(e: PushError) -> Self {
        tracing::error!(error = %Chain(&e), "push service failed");
        push_unavailable()
    }
}

/// An event-bus failure is a logged 502.
impl From<BusError> for Problem {
    fn from(e: BusError) -> Self {
        tracing::error!(error = %Chain(&e), "event bus failed");
        bus_unavailable()
    }
}

/// A use case's failure, by the adapter that failed.
impl From<AppError> for Problem {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Store(e) => e.into(),
            AppError::Push(e) => e.into(),
            AppError::Bus(e) => e.into(),
        }
    }
}
