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
    jwt::token_for(sub, &validation(), chrono::Utc::now().timestamp(), 3600).expect("signed")
}

/// The local host's base URL.
pub fn host_url() -> String {
    env("COACH_HOST_URL")
}

/// An HTTP client for the host.
pub fn http() -> reqwest::Client {
    reqwest::Client::new()
}

/// An SDK config signing as a test probe of `function`'s policy, through the local IAM
/// proxy: its calls are checked against the function's policy like the function's own, and
/// not counted as the function's requests.
pub async fn probe(function: &str) -> aws_config::SdkConfig {
    use coach_local::iam_proxy::{access_key, PROBE_PREFIX};
    let key = format!("{PROBE_PREFIX}{}", access_key(function));
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(env("AWS_REGION")))
        .endpoint_url(env("COACH_LOCAL_IAM_URL"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            key, "local", None, None, "probe",
        ))
        .load()
        .await
}

/// The API functions' stores, as their cold start builds them.
pub async fn stores() -> functions::Stores {
    functions::stores()
        .await
        .expect("the tables are set by coach-local test")
}

/// SNS push as the device functions build it.
pub async fn push() -> coaching::aws::sns::Push {
    functions::push()
        .await
        .expect("the platform applications are set by coach-local test")
}

/// A message for `user` as the engine would plan it, stored with `status`, sent `hours_ago`.
pub async fn seed_message(
    stores: &functions::Stores,
    user: &str,
    occurrence: &str,
    message_type: coaching::domain::preferences::MessageType,
    status: coaching::domain::messages::MessageStatus,
    hours_ago: i64,
) -> coaching::domain::messages::Message {
    use coaching::engine::plan::{message_id, PlannedMessage, Reason};
    let now = chrono::Utc::now();
    let send_at = now - chrono::Duration::hours(hours_ago);
    let planned = PlannedMessage {
        id: message_id(user, occurrence),
        occurrence: occurrence.to_owned(),
        message_type,
        category: message_type.category(),
        priority: 10,
        tone: coaching::domain::preferences::Tone::Encouraging,
        segment: coaching::domain::user::Segment::GettingStarted,
        template_id: format!("test-{}", uuid::Uuid::new_v4()),
        variant_id: "a".into(),
        experiment_id: None,
        selection: None,
        language: "en".into(),
        title: "Keep going".into(),
        body: "One small step today.".into(),
        send_at,
        expires_at: send_at + chrono::Duration::hours(6),
        reason: Reason {
            trigger: "test".into(),
            figures: Default::default(),
        },
    };
    let mut m = planned.scheduled(send_at);
    m.status = status;
    if status != coaching::domain::messages::MessageStatus::Scheduled {
        m.delivered_at = Some(m.send_at);
    }
    let user = coaching::domain::user::UserId::parse(user).expect("test user id");
    stores
        .messages
        .create(&user, &m)
        .await
        .expect("seeding a message");
    m
}

/// Calls the host as `sub`: status and JSON body (Null when empty).
pub async fn call(method: &str, path: &str, sub: &str, body: Option<Value>) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = http()
        .request(method, format!("{}{path}", host_url()))
        .bearer_auth(token(sub));
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.expect("the host answers");
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A live SNS platform endpoint in moto.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    pub arn: String,
    pub token: String,
    pub enabled: bool,
}

/// Every live endpoint of both platform applications, read with
/// ListEndpointsByPlatformApplication (moto's `/moto-api/data.json` keeps deleted ones).
pub async fn sns_endpoints() -> Vec<Endpoint> {
    let sns = aws_sdk_sns::Client::new(&coaching::aws::sdk_config().await);
    let mut out = Vec::new();
    for app in [
        "APNS_PLATFORM_APPLICATION_ARN",
        "FCM_PLATFORM_APPLICATION_ARN",
    ] {
        let listed = sns
            .list_endpoints_by_platform_application()
            .platform_application_arn(env(app))
            .send()
            .await
            .expect("moto lists endpoints");
        for e in listed.endpoints.unwrap_or_default() {
            let attrs = e.attributes.unwrap_or_default();
            out.push(Endpoint {
                arn: e.endpoint_arn.unwrap_or_default(),
                token: attrs.get("Token").cloned().unwrap_or_default(),
                enabled: attrs
                    .get("Enabled")
                    .is_some_and(|v| v.eq_ignore_ascii_case("true")),
            });
        }
    }
    out
}

/// The live endpoints holding one of these tokens.
pub async fn endpoints_for(tokens: &[&str]) -> Vec<Endpoint> {
    sns_endpoints()
        .await
        .into_iter()
        .filter(|e| tokens.contains(&e.token.as_str()))
        .collect()
}

/// Invokes a function through the host's Lambda Invoke API: whether it succeeded (no
/// `X-Amz-Function-Error`) and its JSON output.
pub async fn invoke(function: &str, payload: &Value) -> (bool, Value) {
    let resp = http()
        .post(format!(
            "{}/2015-03-31/functions/{function}/invocations",
            host_url()
        ))
        .json(payload)
        .send()
        .await
        .expect("the host answers the Invoke API");
    let ok = resp.status().is_success() && resp.headers().get("x-amz-function-error").is_none();
    let text = resp.text().await.unwrap_or_default();
    (ok, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Leases and run records, as the job functions build them.
pub async fn jobs() -> functions::Jobs {
    functions::jobs()
        .await
        .expect("the job environment is set by coach-local test")
}

/// A segment worker over the job clients.
pub fn segment_worker<'a>(
    j: &'a functions::Jobs,
    generator: &'a coaching::app::generation::Generator,
) -> coaching::app::generation::SegmentWorker<'a> {
    coaching::app::generation::SegmentWorker {
        profiles: &j.stores.profiles,
        messages: &j.stores.messages,
        jobs: &j.jobs,
        generator,
    }
}

/// Preferences for a user in `zone` with quiet hours around the current local time, so
/// nothing planned for them is due while the tests run.
pub fn quiet_now_preferences(zone: chrono_tz::Tz) -> coaching::domain::preferences::Preferences {
    quiet_preferences_at(zone, chrono::Utc::now())
}

/// Preferences for a user in `zone` with quiet hours around the local time of `at` (from an
/// hour before it to four hours after).
pub fn quiet_preferences_at(
    zone: chrono_tz::Tz,
    at: chrono::DateTime<chrono::Utc>,
) -> coaching::domain::preferences::Preferences {
    use chrono::Timelike;
    let hour = at.with_timezone(&zone).hour();
    let input: coaching::domain::preferences::PreferencesInput =
        serde_json::from_value(serde_json::json!({
            "timezone": zone.name(),
            "quiet_hours": {
                "start": format!("{:02}:00", (hour + 23) % 24),
                "end": format!("{:02}:00", (hour + 4) % 24),
            },
        }))
        .expect("preferences input");
    input.into_preferences().expect("valid preferences")
}

/// A fresh path in the temporary directory.
pub fn tempfile(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("{}-{name}", uuid::Uuid::new_v4()))
}

/// Runs `aws lambda invoke` (the AWS CLI from PyPI) against the host with the payload file:
/// (exit ok, stdout+stderr, the output file's JSON).
pub fn cli_invoke(function: &str, payload: &std::path::Path) -> (bool, String, Value) {
    let out = tempfile(&format!("{function}-out.json"));
    let aws = root().join(".local/venv/bin/aws");
    let result = std::process::Command::new(&aws)
        .args([
            "lambda",
            "invoke",
            "--endpoint-url",
            &host_url(),
            "--function-name",
            function,
        ])
        .arg("--payload")
        .arg(format!("file://{}", payload.display()))
        .arg(&out)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e} (make deps installs it)", aws.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&result.stdout),
        String::from_utf8_lossy(&result.stderr)
    );
    let body = std::fs::read_to_string(&out)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    let _ = std::fs::remove_file(&out);
    (result.status.success(), text, body)
}

/// [`cli_invoke`] with a JSON payload.
pub fn cli_invoke_json(function: &str, payload: &Value) -> (bool, String, Value) {
    let file = tempfile("payload.json");
    std::fs::write(&file, payload.to_string()).expect("write payload");
    let answer = cli_invoke(function, &file);
    let _ = std::fs::remove_file(&file);
    answer
}

/// The stored message `id` of `user` (it must exist).
pub async fn stored_message(
    stores: &functions::Stores,
    user: &coaching::domain::user::UserId,
    id: String,
) -> coaching::domain::messages::Message {
    stores
        .messages
        .get(user, &id)
        .await
        .expect("reading a message")
        .expect("the message exists")
}

/// Requests per function and operation (`dynamodb:Query`): what the local IAM proxy saw.
pub type ProxiedRequests =
    std::collections::BTreeMap<String, std::collections::BTreeMap<String, u64>>;

/// The requests every function made so far through the local IAM proxy, by operation.
pub async fn proxied_requests() -> ProxiedRequests {
    let url = env("COACH_LOCAL_IAM_URL");
    let report: Value = reqwest::get(format!("{url}/_iam/report"))
        .await
        .expect("IAM proxy answers")
        .json()
        .await
        .expect("JSON");
    serde_json::from_value(report["requests"].clone()).expect("requests by function")
}
