//! The local stack enforces template.yaml's IAM policies (`coach_local::iam_proxy`): every
//! function's fixture runs through the host within its policy, and a call outside a policy
//! is refused with AccessDenied as AWS would refuse it.

use aws_sdk_dynamodb::types::AttributeValue;
use coach_tests::{env, fixture, http, invoke, probe, root};
use serde_json::Value;

async fn report() -> Value {
    http()
        .get(format!("{}/_iam/report", env("COACH_LOCAL_IAM_URL")))
        .send()
        .await
        .expect("the IAM proxy answers")
        .json()
        .await
        .expect("a JSON report")
}

fn code<E: aws_sdk_dynamodb::error::ProvideErrorMetadata>(e: &E) -> String {
    e.code().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_call_outside_a_policy_is_refused() {
    let config = probe("api-get-personalization").await;
    let dynamo = aws_sdk_dynamodb::Client::new(&config);
    let table = env("PROFILES_TABLE");
    let key = |k: &str| AttributeValue::S(k.to_owned());
    // Its policy: GetItem on the profiles table, nothing else.
    let got = dynamo
        .get_item()
        .table_name(&table)
        .key("pk", key("USER#iam-probe"))
        .key("sk", key("PROFILE"))
        .send()
        .await;
    assert!(got.is_ok(), "allowed: {got:?}");
    let put = dynamo
        .put_item()
        .table_name(&table)
        .item("pk", key("USER#iam-probe"))
        .item("sk", key("PROFILE"))
        .send()
        .await
        .expect_err("PutItem is outside the policy");
    assert_eq!(code(&put.into_service_error()), "AccessDeniedException");
    let other_table = dynamo
        .get_item()
        .table_name(env("MESSAGES_TABLE"))
        .key("pk", key("USER#iam-probe"))
        .key("sk", key("x"))
        .send()
        .await
        .expect_err("another table is outside the policy");
    assert_eq!(
        code(&other_table.into_service_error()),
        "AccessDeniedException"
    );

    let sns = aws_sdk_sns::Client::new(&config);
    let publish = sns
        .publish()
        .target_arn("arn:aws:sns:us-east-1:123456789012:endpoint/GCM/app/x")
        .message("hi")
        .send()
        .await
        .expect_err("SNS is outside the policy");
    assert_eq!(code(&publish.into_service_error()), "AuthorizationError");

    let events = aws_sdk_eventbridge::Client::new(&config);
    let put_events = events
        .put_events()
        .entries(
            aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
                .event_bus_name(env("EVENT_BUS_NAME"))
                .source("tug.app")
                .detail_type("ActivityLogged")
                .detail("{}")
                .build(),
        )
        .send()
        .await
        .expect_err("EventBridge is outside the policy");
    assert_eq!(
        code(&put_events.into_service_error()),
        "AccessDeniedException"
    );

    let sqs = aws_sdk_sqs::Client::new(&config);
    let send = sqs
        .send_message()
        .queue_url(env("GENERATE_QUEUE_URL"))
        .message_body("{}")
        .send()
        .await
        .expect_err("SQS is outside the policy");
    assert_eq!(code(&send.into_service_error()), "AccessDenied");

    let denied: Vec<Value> = report().await["denied"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mine: Vec<&Value> = denied
        .iter()
        .filter(|d| d["function"] == "api-get-personalization" && d["probe"] == true)
        .collect();
    assert!(mine.len() >= 5, "{denied:?}");
}

#[tokio::test]
async fn every_function_runs_its_fixture_within_its_policy() {
    let mut names: Vec<String> = std::fs::read_dir(root().join("events"))
        .expect("events/")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".json").map(str::to_owned))
        .collect();
    names.sort();
    assert!(names.len() >= 26, "{names:?}");
    for name in &names {
        let (ok, out) = invoke(name, &fixture(name)).await;
        // A structured refusal of the fixture's own input (no model fitted yet) is an answer;
        // an Internal error could be an AccessDenied.
        let answered = ok
            || matches!(
                out["errorType"].as_str(),
                Some("NotFound" | "InvalidPayload")
            );
        assert!(answered, "{name}: {out}");
    }
    let r = report().await;
    for name in &names {
        assert!(
            r["checked"][name].as_u64().unwrap_or(0) > 0,
            "{name} made no call through the IAM proxy: {r}"
        );
    }
    let refused: Vec<&Value> = r["denied"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["probe"] == false)
        .collect();
    assert!(refused.is_empty(), "{refused:?}");
}
