//! `aws lambda invoke` (the AWS CLI from PyPI) against the local host's Lambda Invoke API,
//! with the `events/` fixtures as payloads.

use coach_tests::{cli_invoke as invoke, fixture, root, tempfile, unique_user, with_sub};
use serde_json::Value;

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

#[test]
fn a_function_answers_to_its_name_in_aws_too() {
    // template.yaml names every function `${AWS::StackName}-<name>`; the README's admin
    // commands use that name.
    let name = format!("{}-admin-system-health", coach_local::template::STACK_NAME);
    let payload = tempfile("health.json");
    std::fs::write(&payload, "{}").expect("write payload");
    let (ok, text, body) = invoke(&name, &payload);
    assert!(ok, "{text}");
    assert!(body["due_now"].is_u64(), "{body}");
    let _ = std::fs::remove_file(&payload);
}
