//! How admin functions (direct invoke, JSON in, JSON out) answer bad input: a function error
//! with a stable `errorType` (`InvalidPayload`, `NotFound`, `Internal`) and a message that
//! names every wrong field (an `Internal` one says only that it failed; the cause, with its
//! sources, is in the log). Payloads are parsed strictly (unknown fields are errors) before
//! anything is read or written, so a bad payload changes nothing.

use coaching::app::delivery::DeliveryError;
use coaching::app::generation::WorkError;
use coaching::app::health::HealthError;
use coaching::app::AppError;
use coaching::aws::dynamo::StoreError;
use coaching::aws::Chain;
use coaching::domain::preferences::FieldError;
use lambda_runtime::Diagnostic;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// An admin function's error.
#[derive(Debug, Clone, PartialEq)]
pub struct AdminError {
    pub kind: &'static str,
    pub message: String,
}

impl AdminError {
    /// The payload broke these rules.
    pub fn invalid(errors: &[FieldError]) -> Self {
        AdminError {
            kind: "InvalidPayload",
            message: errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; "),
        }
    }

    /// What the payload names does not exist.
    pub fn not_found(message: impl Into<String>) -> Self {
        AdminError {
            kind: "NotFound",
            message: message.into(),
        }
    }

    /// A failure of ours; the cause (with its sources) is logged, not returned.
    pub fn internal(e: &(dyn std::error::Error + 'static)) -> Self {
        tracing::error!(error = %Chain(e), "admin call failed");
        AdminError {
            kind: "Internal",
            message: "the call failed on our side; see the function's log".to_owned(),
        }
    }
}

impl From<StoreError> for AdminError {
    fn from(e: StoreError) -> Self {
        AdminError::internal(&e)
    }
}

impl From<AppError> for AdminError {
    fn from(e: AppError) -> Self {
        AdminError::internal(&e)
    }
}

impl From<WorkError> for AdminError {
    fn from(e: WorkError) -> Self {
        AdminError::internal(&e)
    }
}

impl From<DeliveryError> for AdminError {
    fn from(e: DeliveryError) -> Self {
        AdminError::internal(&e)
    }
}

impl From<HealthError> for AdminError {
    fn from(e: HealthError) -> Self {
        AdminError::internal(&e)
    }
}

impl std::fmt::Display for AdminError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for AdminError {}

impl From<AdminError> for Diagnostic {
    fn from(e: AdminError) -> Self {
        Diagnostic {
            error_type: e.kind.to_owned(),
            error_message: e.message,
        }
    }
}

/// The payload as `T` (`null` reads as `{}`); any other JSON than an object, an unknown field
/// or a wrong type is an `InvalidPayload` naming the field.
pub fn payload<T: DeserializeOwned>(v: Value) -> Result<T, AdminError> {
    let v = match v {
        Value::Null => Value::Object(Default::default()),
        Value::Object(o) => Value::Object(o),
        _ => {
            return Err(AdminError::invalid(&[FieldError::new(
                "payload",
                "must be a JSON object",
            )]))
        }
    };
    serde_path_to_error::deserialize(v).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." {
            "payload".to_owned()
        } else {
            path
        };
        AdminError::invalid(&[FieldError::new(field, e.inner().to_string())])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct Days {
        #[allow(dead_code)]
        days: Option<u32>,
    }

    #[test]
    fn bad_payloads_name_the_field() {
        assert!(payload::<Days>(Value::Null).is_ok());
        let e = payload::<Days>(json!({"days": "ten"})).expect_err("wrong type");
        assert_eq!(e.kind, "InvalidPayload");
        assert!(e.message.starts_with("days:"), "{}", e.message);
        let e = payload::<Days>(json!({"dais": 3})).expect_err("unknown field");
        assert!(e.message.contains("dais"), "{}", e.message);
        let e = payload::<Days>(json!([1])).expect_err("not an object");
        assert!(e.message.starts_with("payload:"));
    }
}

/// A payload that takes no fields (`{}` or `null`).
#[derive(serde::Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct NoFields {}

/// An admin payload's `as_of`: the clock a replay runs at. It may not be in the future (that
/// would send messages before their time); `None` is the wall clock.
pub fn replay_clock(
    as_of: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, AdminError> {
    match as_of {
        Some(t) if t > now => Err(AdminError::invalid(&[FieldError::new(
            "as_of",
            "must not be in the future",
        )])),
        other => Ok(other),
    }
}
