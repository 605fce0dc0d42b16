//! The local stack's IAM: a proxy in front of DynamoDB Local and moto that each function's
//! SDK calls go through. A function signs with its own access key (its name, set by the
//! host), so the proxy knows whose call it is, checks every authorization the request needs
//! against that function's policy in template.yaml ([`crate::iam`]), and refuses one outside
//! it with `AccessDenied` in the service's own error format, as AWS would; an allowed request
//! is forwarded unchanged. Requests signed with another key (the tests', the host's own) pass.
//!
//! Keys are the function's name without its dashes ([`access_key`]: DynamoDB Local accepts
//! only letters and digits). A key `probe<key>` is checked like the function's but its
//! refusals are not counted as failures: tests use it to show a call outside a policy is
//! refused.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use crate::iam::{allows, calls, statements, Call, Statement};
use crate::template::{Bindings, Template, TemplateError};

/// Largest request body forwarded (DynamoDB's own request limit is 16 MB).
const MAX_BODY: usize = 32 * 1024 * 1024;
/// The access-key prefix of a test probing a function's policy.
pub const PROBE_PREFIX: &str = "probe";

/// The access key `function` signs with: its name without dashes.
pub fn access_key(function: &str) -> String {
    function.replace('-', "")
}

/// A refused call.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Denial {
    pub function: String,
    #[serde(flatten)]
    pub call: Call,
    /// Refused for a test's probe, not for the function itself.
    pub probe: bool,
}

/// What the proxy saw: requests per function and operation (`dynamodb:Query`), the
/// authorizations checked per function, and the refusals.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub requests: BTreeMap<String, BTreeMap<String, u64>>,
    pub checked: BTreeMap<String, u64>,
    pub denied: Vec<Denial>,
}

/// The proxy's state: every function's policy, where the services are, what it saw.
pub struct Iam {
    /// Function name → its policy.
    policies: BTreeMap<String, Vec<Statement>>,
    /// Access key → function name.
    keys: BTreeMap<String, String>,
    dynamodb_url: String,
    moto_url: String,
    client: reqwest::Client,
    report: Mutex<Report>,
}

impl Iam {
    /// The policies of every function of `template`, resolved with `bindings`; requests go
    /// on to DynamoDB Local at `dynamodb_url` and moto at `moto_url`.
    pub fn new(
        template: &Template,
        bindings: &Bindings,
        dynamodb_url: &str,
        moto_url: &str,
    ) -> Result<Self, TemplateError> {
        let mut policies = BTreeMap::new();
        for f in template.functions()? {
            let s = statements(&f.policies, bindings)
                .map_err(|e| TemplateError::Invalid(format!("{}: {e}", f.name)))?;
            // Lambda hands a failed asynchronous event to the destination with the
            // function's own role.
            if let Some(dest) = &f.on_failure {
                let call = Call {
                    action: "sqs:SendMessage".into(),
                    resource: bindings.resolve_string(dest)?,
                };
                if !allows(&s, &call) {
                    return Err(TemplateError::Invalid(format!(
                        "{}: its OnFailure destination {} needs sqs:SendMessage in its policy \
                         (Lambda sends with the function's role)",
                        f.name, call.resource
                    )));
                }
            }
            policies.insert(f.name, s);
        }
        let keys = policies
            .keys()
            .map(|f| (access_key(f), f.clone()))
            .collect();
        Ok(Iam {
            policies,
            keys,
            dynamodb_url: dynamodb_url.trim_end_matches('/').to_owned(),
            moto_url: moto_url.trim_end_matches('/').to_owned(),
            client: reqwest::Client::new(),
            report: Mutex::new(Report::default()),
        })
    }

    /// The statements of `function`'s policy.
    pub fn policy(&self, function: &str) -> Option<&[Statement]> {
        self.policies.get(function).map(Vec::as_slice)
    }

    /// What the proxy saw so far.
    pub fn report(&self) -> Report {
        self.report.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// The functions' own refusals (probes left out).
    pub fn denials(&self) -> Vec<Denial> {
        self.report()
            .denied
            .into_iter()
            .filter(|d| !d.probe)
            .collect()
    }

    /// The proxy: `GET /_iam/report` answers the report; everything else is an AWS request.
    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route("/_iam/report", get(report))
            .fallback(proxy)
            .with_state(self)
    }
}

async fn report(State(iam): State<Arc<Iam>>) -> Json<Report> {
    Json(iam.report())
}

/// (access key, service) of a SigV4 `Authorization` header.
fn signer(headers: &HeaderMap) -> Option<(String, String)> {
    let auth = headers.get("authorization")?.to_str().ok()?;
    let credential = auth.split("Credential=").nth(1)?.split([',', ' ']).next()?;
    let mut parts = credential.split('/');
    let key = parts.next()?.to_owned();
    let service = parts.nth(2)?.to_owned();
    Some((key, service))
}

/// The API operation of a request, as `service:Operation`: from the JSON protocol's target
/// header, else the query protocol's `Action`.
fn operation(service: &str, target: Option<&str>, body: &[u8]) -> String {
    let op = match target {
        Some(t) => t.rsplit('.').next().unwrap_or(t).to_owned(),
        None => form_urlencoded::parse(body)
            .find(|(k, _)| k == "Action")
            .map_or_else(|| "unknown".to_owned(), |(_, v)| v.into_owned()),
    };
    format!("{service}:{op}")
}

fn denied(service: &str, function: &str, call: &Call) -> Response {
    let message = format!(
        "User: arn:aws:sts::local:assumed-role/{function} is not authorized to perform: {} on resource: {} because no identity-based policy allows the {} action",
        call.action, call.resource, call.action
    );
    let json = |status: StatusCode, content_type: &'static str, kind: &str| {
        let body = serde_json::json!({"__type": kind, "message": message, "Message": message});
        let mut r = (status, body.to_string()).into_response();
        r.headers_mut()
            .insert("content-type", HeaderValue::from_static(content_type));
        r
    };
    match service {
        "dynamodb" => json(
            StatusCode::BAD_REQUEST,
            "application/x-amz-json-1.0",
            "com.amazon.coral.service#AccessDeniedException",
        ),
        "events" => json(
            StatusCode::BAD_REQUEST,
            "application/x-amz-json-1.1",
            "AccessDeniedException",
        ),
        "sqs" => {
            let mut r = json(
                StatusCode::FORBIDDEN,
                "application/x-amz-json-1.0",
                "com.amazon.coral.service#AccessDeniedException",
            );
            r.headers_mut().insert(
                "x-amzn-query-error",
                HeaderValue::from_static("AccessDenied;Sender"),
            );
            r
        }
        _ => {
            let body = format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>AuthorizationError</Code><Message>{message}</Message></Error><RequestId>local</RequestId></ErrorResponse>"
            );
            let mut r = (StatusCode::FORBIDDEN, body).into_response();
            r.headers_mut()
                .insert("content-type", HeaderValue::from_static("text/xml"));
            r
        }
    }
}

async fn proxy(State(iam): State<Arc<Iam>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "body too large").into_response();
    };
    let signed = signer(&parts.headers);
    let service = signed.as_ref().map_or("dynamodb", |(_, s)| s.as_str());
    if let Some((key, service)) = &signed {
        let (function, probe) = match iam.keys.get(key.as_str()) {
            Some(f) => (Some(f.as_str()), false),
            None => (
                key.strip_prefix(PROBE_PREFIX)
                    .and_then(|k| iam.keys.get(k))
                    .map(String::as_str),
                true,
            ),
        };
        if let Some((function, policy)) = function.and_then(|f| iam.policy(f).map(|p| (f, p))) {
            let target = parts
                .headers
                .get("x-amz-target")
                .and_then(|v| v.to_str().ok());
            let wanted = match calls(service, target, &bytes) {
                Ok(c) => c,
                Err(why) => vec![Call {
                    action: format!("{service}:(unreadable: {why})"),
                    resource: "*".into(),
                }],
            };
            let refused = wanted.iter().find(|c| !allows(policy, c)).cloned();
            let op = operation(service, target, &bytes);
            if let Ok(mut r) = iam.report.lock() {
                if !probe {
                    *r.requests
                        .entry(function.to_owned())
                        .or_default()
                        .entry(op)
                        .or_default() += 1;
                }
                *r.checked.entry(function.to_owned()).or_default() += wanted.len() as u64;
                if let Some(call) = &refused {
                    r.denied.push(Denial {
                        function: function.to_owned(),
                        call: call.clone(),
                        probe,
                    });
                }
            }
            if let Some(call) = refused {
                if !probe {
                    tracing::warn!(function, action = %call.action, resource = %call.resource, "IAM: access denied");
                }
                return denied(service, function, &call);
            }
        }
    }
    let base = if service == "dynamodb" {
        &iam.dynamodb_url
    } else {
        &iam.moto_url
    };
    let path = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let mut out = iam
        .client
        .request(parts.method.clone(), format!("{base}{path}"))
        .body(bytes);
    for (k, v) in &parts.headers {
        if k != "host" && k != "content-length" {
            out = out.header(k, v);
        }
    }
    match out.send().await {
        Ok(resp) => {
            let status = resp.status();
            let headers = resp.headers().clone();
            let body = resp.bytes().await.unwrap_or_default();
            let mut r = Response::new(Body::from(body));
            *r.status_mut() = status;
            for (k, v) in &headers {
                if k != "transfer-encoding" && k != "connection" && k != "content-length" {
                    r.headers_mut().insert(k, v.clone());
                }
            }
            r
        }
        Err(e) => (StatusCode::BAD_GATEWAY, format!("local stack: {e}")).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signer_is_read_from_the_credential_scope() {
        let mut h = HeaderMap::new();
        h.insert(
            "authorization",
            HeaderValue::from_static(
                "AWS4-HMAC-SHA256 Credential=job-deliver/20261126/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x",
            ),
        );
        assert_eq!(signer(&h), Some(("job-deliver".into(), "dynamodb".into())));
        assert_eq!(signer(&HeaderMap::new()), None);
    }
}
