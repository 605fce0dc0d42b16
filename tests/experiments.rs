//! Experiments end to end on the local stack: `admin-experiments` creates, lists, reports and
//! stops them; generation assigns users to running ones; `job-fit-model`'s daily check stops
//! one its sequential test has decided, naming the winner.

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::Utc;
use coach_tests::{env, invoke, unique_user};
use serde_json::{json, Value};

async fn ok(function: &str, payload: Value) -> Value {
    let (ok, out) = invoke(function, &payload).await;
    assert!(ok, "{function} {payload}: {out}");
    out
}

async fn refused(function: &str, payload: Value) -> Value {
    let (ok, out) = invoke(function, &payload).await;
    assert!(!ok, "{function} {payload} was accepted: {out}");
    out
}

fn experiment(id: &str) -> Value {
    json!({"id": id, "template_id": "milestone-early", "variants": [["a", 1], ["b", 1]]})
}

/// Adds `sent` / `rewarded` to today's counters of an experiment's variant, as delivery and
/// the activity consumer's transactions do.
async fn count(id: &str, variant: &str, sent: i64, rewarded: i64) {
    let client = aws_sdk_dynamodb::Client::new(&coaching::aws::sdk_config().await);
    client
        .update_item()
        .table_name(env("STATS_TABLE"))
        .key(
            "pk",
            AttributeValue::S(coaching::aws::dynamo::daily::day_pk(
                Utc::now().date_naive(),
            )),
        )
        .key(
            "sk",
            AttributeValue::S(format!("experiment#{id}#{variant}")),
        )
        .update_expression("ADD sent :s, rewarded :r")
        .expression_attribute_values(":s", AttributeValue::N(sent.to_string()))
        .expression_attribute_values(":r", AttributeValue::N(rewarded.to_string()))
        .send()
        .await
        .expect("counted");
}

#[tokio::test]
async fn an_experiment_is_created_reported_and_stopped_once() {
    let id = unique_user("exp").to_lowercase().replace('_', "-");
    let created = ok(
        "admin-experiments",
        json!({"action": "create", "experiment": experiment(&id)}),
    )
    .await;
    assert_eq!(created["running"], json!(true), "{created}");
    let again = refused(
        "admin-experiments",
        json!({"action": "create", "experiment": experiment(&id)}),
    )
    .await;
    assert!(again.to_string().contains("exists"), "{again}");
    let list = ok("admin-experiments", json!({"action": "list"})).await;
    assert!(
        list["experiments"]
            .as_array()
            .is_some_and(|a| a.iter().any(|e| e["id"] == json!(id))),
        "{list}"
    );
    count(&id, "a", 400, 80).await;
    count(&id, "b", 400, 100).await;
    let report = ok("admin-experiments", json!({"action": "get", "id": id})).await;
    let b = &report["results"][1];
    assert_eq!(b["sent"], json!(400), "{report}");
    let diff = b["versus_control"]["difference"]
        .as_f64()
        .expect("difference");
    assert!((diff - 0.05).abs() < 1e-9, "{report}");
    assert!(
        b["versus_control"]["always_valid_p"].as_f64() > Some(0.05),
        "{report}"
    );

    let stopped = ok(
        "admin-experiments",
        json!({"action": "stop", "id": id, "winner": "b"}),
    )
    .await;
    assert_eq!(
        (stopped["running"].clone(), stopped["winner"].clone()),
        (json!(false), json!("b"))
    );
    let twice = ok(
        "admin-experiments",
        json!({"action": "stop", "id": id, "winner": "a"}),
    )
    .await;
    assert_eq!(
        twice["winner"],
        json!("b"),
        "the first stop stands: {twice}"
    );
}

#[tokio::test]
async fn bad_experiments_are_refused_by_field() {
    for (payload, field) in [
        (
            json!({"action": "create", "experiment": {"id": "x1", "template_id": "no-such", "variants": [["a", 1], ["b", 1]]}}),
            "experiment.template_id",
        ),
        (
            json!({"action": "create", "experiment": {"id": "x2", "template_id": "milestone-early", "variants": [["a", 1], ["z", 1]]}}),
            "experiment.variants[1]",
        ),
        (
            json!({"action": "get", "id": "never-created"}),
            "never-created",
        ),
        (json!({"action": "list", "winner": "a"}), "winner"),
    ] {
        let e = refused("admin-experiments", payload.clone()).await;
        assert!(e.to_string().contains(field), "{payload}: {e}");
    }
}

#[tokio::test]
async fn the_daily_check_stops_a_decided_experiment_with_its_winner() {
    let id = unique_user("dec").to_lowercase().replace('_', "-");
    ok(
        "admin-experiments",
        json!({"action": "create", "experiment": experiment(&id)}),
    )
    .await;
    count(&id, "a", 3000, 600).await;
    count(&id, "b", 3000, 900).await;
    let running =
        |g: &coaching::app::generation::Generator| g.experiments.iter().any(|e| e.id == id);
    let stores = coach_tests::stores().await;
    let before =
        coaching::app::generation::Generator::from_store(&stores.templates, &stores.messages)
            .await
            .expect("generator");
    assert!(
        running(&before),
        "generation assigns users to a running experiment"
    );
    let fit = ok("job-fit-model", json!({})).await;
    assert!(
        fit["experiments_stopped"]
            .as_array()
            .is_some_and(|a| a.contains(&json!([id, "b"]))),
        "{fit}"
    );
    let report = ok("admin-experiments", json!({"action": "get", "id": id})).await;
    assert_eq!(report["running"], json!(false), "{report}");
    assert_eq!(report["winner"], json!("b"), "{report}");
    let after =
        coaching::app::generation::Generator::from_store(&stores.templates, &stores.messages)
            .await
            .expect("generator");
    assert!(!running(&after), "a stopped experiment assigns nobody");
}
