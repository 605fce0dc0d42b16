//! SNS mobile push: platform endpoints for the user's devices. The only code that calls SNS.
//!
//! Registration follows SNS's token-management pattern: create the endpoint (idempotent for
//! the same token and attributes); if SNS says an endpoint with this token already exists
//! with other attributes, take that endpoint over; then make sure its token is current and
//! it is enabled.

pub mod payload;

use aws_sdk_sns::Client;

use crate::aws::{operation_of, Cause, Chain};

use crate::domain::devices::Platform;
use crate::domain::user::UserId;

/// A push-service failure. Callers log it and answer 502/500; its text never reaches a client.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// An SNS call failed; `op` names it.
    #[error("SNS {op} failed")]
    Sns {
        op: &'static str,
        #[source]
        source: Cause,
    },
    /// SNS answered without what the call must return.
    #[error("SNS {0}")]
    Unexpected(&'static str),
}

fn sns<E: std::error::Error + Send + Sync + 'static>(e: E) -> PushError {
    PushError::Sns {
        op: operation_of::<E>(),
        source: Box::new(e),
    }
}

/// An endpoint made sure of for a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ensured {
    pub arn: String,
    /// The account that held the endpoint before (its device no longer reaches that phone).
    pub taken_from: Option<String>,
}

impl Ensured {
    fn mine(arn: &str) -> Self {
        Ensured {
            arn: arn.to_owned(),
            taken_from: None,
        }
    }
}

/// Why a publish to one endpoint failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublishError {
    /// The endpoint is disabled or deleted (the token is dead): never retry it.
    #[error("endpoint gone: {0}")]
    Gone(String),
    /// Throttling, a 5xx, or no answer: worth retrying.
    #[error("temporary: {0}")]
    Temporary(String),
    /// Anything else (a bad request): retrying will not help.
    #[error("rejected: {0}")]
    Rejected(String),
}

/// The SNS platform applications of each push service.
#[derive(Clone, Debug)]
pub struct PlatformApps {
    pub apns: String,
    pub fcm: String,
}

impl PlatformApps {
    fn arn(&self, p: Platform) -> &str {
        match p {
            Platform::Apns => &self.apns,
            Platform::Fcm => &self.fcm,
        }
    }
}

/// An endpoint's current token, enabled flag and owner.
#[derive(Clone, Debug, PartialEq)]
pub struct EndpointState {
    pub token: Option<String>,
    pub enabled: bool,
    pub user: Option<String>,
}

/// Creates, repairs and deletes platform endpoints.
#[derive(Clone, Debug)]
pub struct Push {
    client: Client,
    apps: PlatformApps,
}

impl Push {
    /// Push over these platform applications with a client built once at cold start.
    pub fn new(client: Client, apps: PlatformApps) -> Self {
        Push { client, apps }
    }

    /// An enabled endpoint for this token, owned by `user`: an existing `known` endpoint is
    /// repaired (fresh token, re-enabled) rather than replaced. Returns its ARN, and the
    /// account it was taken from when the token was another account's (one phone, two logins:
    /// the endpoint follows the account that registered it last).
    pub async fn ensure_endpoint(
        &self,
        user: &UserId,
        platform: Platform,
        token: &str,
        known: Option<&str>,
    ) -> Result<Ensured, PushError> {
        let taken = |s: &EndpointState| s.user.clone().filter(|u| u != user.as_str());
        if let Some(arn) = known {
            match self.state(arn).await? {
                Some(s)
                    if s.enabled
                        && s.token.as_deref() == Some(token)
                        && s.user.as_deref() == Some(user.as_str()) =>
                {
                    return Ok(Ensured::mine(arn))
                }
                Some(s) => {
                    self.repair(arn, user, token).await?;
                    return Ok(Ensured {
                        arn: arn.to_owned(),
                        taken_from: taken(&s),
                    });
                }
                None => {}
            }
        }
        let created = self
            .client
            .create_platform_endpoint()
            .platform_application_arn(self.apps.arn(platform))
            .token(token)
            .custom_user_data(user.as_str())
            .send()
            .await;
        match created {
            Ok(out) => {
                let arn = out.endpoint_arn.ok_or_else(|| {
                    PushError::Unexpected("create_platform_endpoint returned no ARN")
                })?;
                // An endpoint SNS handed back for a known token may be disabled, stale, or
                // another account's, and its owner may not read back (moto keeps a created
                // endpoint's CustomUserData to itself).
                let state = self.state(&arn).await?;
                let taken_from = state.as_ref().and_then(taken);
                // The owner is written whenever it does not read back as `user`, so the next
                // account to register this token finds whom it takes it from.
                match state {
                    Some(s)
                        if s.enabled
                            && s.token.as_deref() == Some(token)
                            && s.user.as_deref() == Some(user.as_str()) => {}
                    _ => self.repair(&arn, user, token).await?,
                }
                Ok(Ensured { arn, taken_from })
            }
            Err(e) => {
                // "Endpoint <arn> already exists with the same Token, but different attributes."
                let text = format!("{}", Chain(&e));
                match existing_arn(&text) {
                    Some(arn) => {
                        let taken_from = self.state(&arn).await?.as_ref().and_then(taken);
                        self.repair(&arn, user, token).await?;
                        Ok(Ensured { arn, taken_from })
                    }
                    None => Err(sns(e)),
                }
            }
        }
    }

    /// Token, enabled flag and owner of an endpoint; `None` if it does not exist.
    pub async fn state(&self, arn: &str) -> Result<Option<EndpointState>, PushError> {
        match self
            .client
            .get_endpoint_attributes()
            .endpoint_arn(arn)
            .send()
            .await
        {
            Ok(out) => {
                let attrs = out.attributes.unwrap_or_default();
                Ok(Some(EndpointState {
                    token: attrs.get("Token").cloned(),
                    enabled: attrs
                        .get("Enabled")
                        .is_some_and(|v| v.eq_ignore_ascii_case("true")),
                    user: attrs.get("CustomUserData").cloned(),
                }))
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_not_found_exception()) =>
            {
                Ok(None)
            }
            Err(e) => Err(sns(e)),
        }
    }

    async fn repair(&self, arn: &str, user: &UserId, token: &str) -> Result<(), PushError> {
        self.client
            .set_endpoint_attributes()
            .endpoint_arn(arn)
            .attributes("Token", token)
            .attributes("Enabled", "true")
            .attributes("CustomUserData", user.as_str())
            .send()
            .await
            .map_err(sns)?;
        Ok(())
    }

    /// Publishes `message` (an SNS JSON message structure, one body per platform) to one
    /// endpoint; returns SNS's message id.
    pub async fn publish(&self, arn: &str, message: &str) -> Result<String, PublishError> {
        let res = self
            .client
            .publish()
            .target_arn(arn)
            .message(message)
            .message_structure("json")
            .send()
            .await;
        match res {
            Ok(out) => Ok(out.message_id.unwrap_or_default()),
            Err(e) => Err(classify(
                e.as_service_error().and_then(|s| s.meta().code()),
                e.raw_response().map(|r| r.status().as_u16()),
                Chain(&e).to_string(),
            )),
        }
    }

    /// Deletes the endpoint if it still belongs to `user` (a token that moved to another
    /// account keeps working there). Deleting an absent endpoint is not an error.
    pub async fn delete_endpoint(&self, user: &UserId, arn: &str) -> Result<(), PushError> {
        match self.state(arn).await? {
            Some(s) if s.user.as_deref().is_some_and(|u| u != user.as_str()) => Ok(()),
            Some(_) => {
                self.client
                    .delete_endpoint()
                    .endpoint_arn(arn)
                    .send()
                    .await
                    .map_err(sns)?;
                Ok(())
            }
            None => Ok(()),
        }
    }
}

/// Sorts a publish failure by SNS error code and HTTP status (none: no response at all).
fn classify(code: Option<&str>, status: Option<u16>, text: String) -> PublishError {
    match code {
        Some("EndpointDisabled" | "NotFound") => PublishError::Gone(text),
        Some(
            "Throttled"
            | "Throttling"
            | "ThrottlingException"
            | "InternalError"
            | "KMSThrottling"
            | "ServiceUnavailable",
        ) => PublishError::Temporary(text),
        _ => match status {
            None => PublishError::Temporary(text),
            Some(s) if s >= 500 || s == 429 => PublishError::Temporary(text),
            Some(_) => PublishError::Rejected(text),
        },
    }
}

/// The endpoint ARN named in SNS's "already exists with the same Token" error.
fn existing_arn(text: &str) -> Option<String> {
    if !text.contains("already exists with the same Token") {
        return None;
    }
    let start = text.find("arn:")?;
    let arn: String = text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '"' && *c != '\\')
        .collect();
    Some(arn)
}

#[cfg(test)]
mod tests {
    use super::{classify, existing_arn, PublishError};

    #[test]
    fn dead_endpoints_are_never_retried_and_throttling_is() {
        let t = String::new;
        assert_eq!(
            classify(Some("EndpointDisabled"), Some(400), t()),
            PublishError::Gone(t())
        );
        assert_eq!(
            classify(Some("NotFound"), Some(404), t()),
            PublishError::Gone(t())
        );
        assert_eq!(
            classify(Some("Throttled"), Some(400), t()),
            PublishError::Temporary(t())
        );
        assert_eq!(
            classify(Some("InternalError"), Some(500), t()),
            PublishError::Temporary(t())
        );
        assert_eq!(classify(None, Some(503), t()), PublishError::Temporary(t()));
        assert_eq!(classify(None, None, t()), PublishError::Temporary(t()));
        assert_eq!(
            classify(Some("InvalidParameter"), Some(400), t()),
            PublishError::Rejected(t())
        );
    }

    #[test]
    fn reads_the_arn_of_an_existing_endpoint() {
        let text = "InvalidParameterException { message: Some(\"Invalid parameter: Token Reason: Endpoint arn:aws:sns:us-east-1:123456789012:endpoint/APNS/app/1f0e already exists with the same Token, but different attributes.\") }";
        assert_eq!(
            existing_arn(text).as_deref(),
            Some("arn:aws:sns:us-east-1:123456789012:endpoint/APNS/app/1f0e")
        );
        assert_eq!(existing_arn("Throttled"), None);
    }
}
