//! The user's push devices (pure domain: ids, platforms, token rules).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::preferences::FieldError;

/// Longest device id the app may choose.
pub const MAX_DEVICE_ID_CHARS: usize = 128;
/// Longest push token accepted (FCM tokens are about 160–200 characters today).
pub const MAX_TOKEN_CHARS: usize = 4096;

/// The push service of a device.
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, strum::AsRefStr, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Platform {
    /// Apple Push Notification service (iOS).
    Apns,
    /// Firebase Cloud Messaging (Android).
    Fcm,
}

/// A device id from the path: 1–128 of `A-Z a-z 0-9 . _ : -`.
pub fn check_device_id(id: &str) -> Result<(), FieldError> {
    let ok = !id.is_empty()
        && id.chars().count() <= MAX_DEVICE_ID_CHARS
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-'));
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(
            "deviceId",
            format!("must be 1 to {MAX_DEVICE_ID_CHARS} of A-Z, a-z, 0-9, '.', '_', ':' or '-'"),
        ))
    }
}

/// A `PUT /coaching/devices/{deviceId}` body.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct DeviceInput {
    pub platform: Platform,
    pub token: String,
}

impl DeviceInput {
    /// The checked token: APNs tokens are hex (64 characters today, up to 200 allowed); FCM
    /// tokens are 32–4096 of `A-Z a-z 0-9 : _ -`.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let t = &self.token;
        let ok = match self.platform {
            Platform::Apns => {
                (64..=200).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_hexdigit())
            }
            Platform::Fcm => {
                (32..=MAX_TOKEN_CHARS).contains(&t.len())
                    && t.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'-'))
            }
        };
        if ok {
            Ok(())
        } else {
            let rule = match self.platform {
                Platform::Apns => "an APNs token is 64 to 200 hexadecimal characters",
                Platform::Fcm => "an FCM token is 32 to 4096 of A-Z, a-z, 0-9, ':', '_' or '-'",
            };
            Err(vec![FieldError::new("token", rule)])
        }
    }
}

/// A registered device: its token and the SNS platform endpoint that reaches it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Device {
    pub device_id: String,
    pub platform: Platform,
    pub token: String,
    pub endpoint_arn: String,
    /// False once SNS reported the endpoint disabled (the token is no longer valid).
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What the app sees of a device (the endpoint ARN is internal).
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct DeviceView {
    pub device_id: String,
    pub platform: Platform,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Device> for DeviceView {
    fn from(d: &Device) -> Self {
        DeviceView {
            device_id: d.device_id.clone(),
            platform: d.platform,
            enabled: d.enabled,
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_ids_and_tokens_are_bounded() {
        assert!(check_device_id("iphone-15.a_b:c").is_ok());
        assert!(check_device_id("").is_err());
        assert!(check_device_id("a/b").is_err());
        assert!(check_device_id(&"a".repeat(129)).is_err());
        let apns = |t: &str| DeviceInput {
            platform: Platform::Apns,
            token: t.into(),
        };
        assert!(apns(&"ab".repeat(32)).check().is_ok());
        assert!(apns(&"zz".repeat(32)).check().is_err());
        assert!(apns("abcd").check().is_err());
        let fcm = DeviceInput {
            platform: Platform::Fcm,
            token: format!("{}:APA91b-_x", "f".repeat(40)),
        };
        assert!(fcm.check().is_ok());
    }
}
