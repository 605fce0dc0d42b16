//! The AWS adapters: the only code in this crate that calls the AWS SDK. They store and move
//! domain data; they decide nothing. Use [`crate::domain`], [`crate::engine`] (the types they
//! store) and [`crate::views`] (the counters they add).
//!
//! - [`dynamo`]: the four tables and their access patterns.
//! - [`sns`]: mobile-push endpoints and the push payload.
//! - [`eventbridge`]: publishing domain events.
//! - [`sqs`]: work queues (a worker handing work back).
//! - [`retry`]: backoff with jitter for partial batch failures.

pub mod dynamo;
pub mod eventbridge;
pub mod retry;
pub mod sns;
pub mod sqs;

use std::error::Error;
use std::fmt;

use aws_config::{BehaviorVersion, SdkConfig};

/// The cause of an adapter's failure, kept (as the error's `source`) for the log.
pub type Cause = Box<dyn Error + Send + Sync + 'static>;

/// The SDK operation an error type belongs to (`get_item` for `SdkError<GetItemError, _>`),
/// read from the type's path, so every adapter error names its call without each call site
/// spelling it.
pub(crate) fn operation_of<E>() -> &'static str {
    std::any::type_name::<E>()
        .split("::operation::")
        .nth(1)
        .and_then(|s| s.split("::").next())
        .filter(|s| s.starts_with(|c: char| c.is_ascii_lowercase()))
        .unwrap_or("request building")
}

/// An error with its sources (`a: b: c`), for logs: the SDK's own `Display` is terse and the
/// service's error code sits in a source.
pub struct Chain<'a>(pub &'a (dyn Error + 'static));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut next = self.0.source();
        while let Some(e) = next {
            write!(f, ": {e}")?;
            next = e.source();
        }
        Ok(())
    }
}

/// The roots every AWS service endpoint's certificate chains to: Amazon Trust Services' four
/// and Starfield Services Root G2, which cross-signs them (the set AWS documents for clients).
/// Compiled in, so a cold start parses these five instead of the system's ~290.
const AWS_ROOTS: [&str; 5] = [
    include_str!("roots/amazon-root-ca-1.pem"),
    include_str!("roots/amazon-root-ca-2.pem"),
    include_str!("roots/amazon-root-ca-3.pem"),
    include_str!("roots/amazon-root-ca-4.pem"),
    include_str!("roots/starfield-services-root-certificate-authority-g2.pem"),
];

/// The SDK's HTTPS client (rustls with aws-lc, as the SDK's default) trusting [`AWS_ROOTS`]
/// only; `None` if the TLS context cannot be built (then the SDK's default is used).
fn https_client() -> Option<aws_sdk_dynamodb::config::SharedHttpClient> {
    use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode, TlsContext, TrustStore};
    let store = AWS_ROOTS.iter().fold(TrustStore::empty(), |s, pem| {
        s.with_pem_certificate(pem.as_bytes())
    });
    let context = TlsContext::builder().with_trust_store(store).build().ok()?;
    Some(
        aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
            .tls_context(context)
            .build_https(),
    )
}

/// The AWS SDK configuration from the standard chain, loaded once per cold start and shared by
/// every client. Service endpoints come from the SDK's own variables
/// (`AWS_ENDPOINT_URL_DYNAMODB`, …), which is how the local stack is reached.
pub async fn sdk_config() -> SdkConfig {
    let loader = aws_config::defaults(BehaviorVersion::latest());
    match https_client() {
        Some(http) => loader.http_client(http).load().await,
        None => loader.load().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    #[test]
    fn the_compiled_in_roots_are_certificates() {
        for pem in AWS_ROOTS {
            let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
            assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
            assert_eq!(pem.matches("BEGIN CERTIFICATE").count(), 1);
            let der = base64::engine::general_purpose::STANDARD
                .decode(body)
                .expect("base64");
            // DER: a SEQUENCE with a two-byte length covering the rest.
            assert_eq!(der[0..2], [0x30, 0x82]);
            assert_eq!(
                usize::from(der[2]) * 256 + usize::from(der[3]) + 4,
                der.len()
            );
        }
        assert!(https_client().is_some());
    }
}
