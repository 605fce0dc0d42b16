//! `aws lambda invoke` (the AWS CLI from PyPI) against the local host's Lambda Invoke API,
//! with the `events/` fixtures as payloads.

use std::path::Path;
use std::process::Command;

use coach_tests::{fixture, host_url, root, unique_user, with_sub};
use serde_json::Value;

/// Runs `aws lambda invoke` and returns (exit ok, stdout+stderr, the output file's JSON).
fn invoke(function: &str, payload: &Path) -> (bool, String, Value) {
    let out = tempfile(&format!("{function}-out.json"));
    let aws = root().join(".local/venv/bin/aws");
    let result = Command::new(&aws)
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

fn tempfile(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("{}-{name}", uuid::Uuid::new_v4()))
}

#[test]
fn the_get_fixture_runs_through_the_cli() {
    let (ok, text, body) = invoke(
        "api-get-personalization",
        &root().join("events/api-get-personalization.json"),
    );
    assert!(ok, "{text}");
    assert!(text.contains("\"StatusCode\": 200"), "{text}");
    assert_eq!(body["statusCode"], 200, "{body}");
    let doc: Value =
        serde_json::from_str(body["body"].as_str().unwrap_or("null")).expect("JSON body");
    assert!(doc["version"].is_u64());
}

#[test]
fn the_put_fixture_writes_once_then_conflicts() {
    let event = with_sub(fixture("api-put-personalization"), &unique_user("cli"));
    let payload = tempfile("put.json");
    std::fs::write(&payload, event.to_string()).expect("write payload");
    let (ok, text, first) = invoke("api-put-personalization", &payload);
    assert!(ok, "{text}");
    assert_eq!(first["statusCode"], 200, "{first}");
    // Same If-Match "0" and same document: answered as the first (a retry).
    let (_, _, again) = invoke("api-put-personalization", &payload);
    assert_eq!(again["statusCode"], 200, "{again}");
    // Same If-Match "0", different document: a conflict.
    let mut changed = event.clone();
    changed["body"] = Value::String(r#"{"timezone":"Europe/Lisbon"}"#.into());
    std::fs::write(&payload, changed.to_string()).expect("write payload");
    let (_, _, conflict) = invoke("api-put-personalization", &payload);
    assert_eq!(conflict["statusCode"], 412, "{conflict}");
    let _ = std::fs::remove_file(&payload);
}

#[test]
fn an_unknown_function_is_resource_not_found() {
    let (ok, text, _) = invoke(
        "no-such-function",
        &root().join("events/api-get-personalization.json"),
    );
    assert!(!ok);
    assert!(text.contains("ResourceNotFoundException"), "{text}");
}

#[test]
fn a_payload_that_is_not_json_is_refused() {
    let payload = tempfile("bad.json");
    std::fs::write(&payload, "{not json").expect("write payload");
    let (ok, text, _) = invoke("api-get-personalization", &payload);
    assert!(!ok);
    assert!(text.contains("InvalidRequestContentException"), "{text}");
    let _ = std::fs::remove_file(&payload);
}

#[test]
fn an_event_of_the_wrong_shape_is_a_function_error_not_a_crash() {
    let payload = tempfile("odd.json");
    std::fs::write(&payload, r#"{"hello":"world"}"#).expect("write payload");
    let (ok, text, body) = invoke("api-get-personalization", &payload);
    assert!(ok, "{text}");
    assert!(text.contains("FunctionError"), "{text}");
    assert!(body["errorType"].is_string(), "{body}");
    // The instance survives and serves the next call.
    let (ok, text, body) = invoke(
        "api-get-personalization",
        &root().join("events/api-get-personalization.json"),
    );
    assert!(ok, "{text}");
    assert_eq!(body["statusCode"], 200);
}
