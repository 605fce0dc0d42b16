//! template.yaml is the one definition of the system: every function in it has a binary and a
//! fixture, every binary is in it, and the local stack created what it declares; and
//! docs/events.md documents every event on the bus.

use std::collections::BTreeSet;

use coach_local::template::Template;
use coach_tests::{env, fixture, root};
use serde_json::Value;

fn template() -> Template {
    Template::load(&root().join("template.yaml")).expect("template.yaml parses")
}

fn binaries() -> BTreeSet<String> {
    std::fs::read_dir(root().join("functions/src/bin"))
        .expect("functions/src/bin")
        .filter_map(Result::ok)
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_suffix(".rs")
                .map(str::to_owned)
        })
        .collect()
}

#[test]
fn every_function_has_a_binary_and_every_binary_a_function() {
    let functions: BTreeSet<String> = template()
        .functions()
        .expect("functions")
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert!(!functions.is_empty());
    assert_eq!(
        functions,
        binaries(),
        "template.yaml functions vs functions/src/bin"
    );
}

#[test]
fn every_function_has_a_fixture_that_matches_its_route() {
    for f in template().functions().expect("functions") {
        let event = fixture(&f.name);
        if let Some(route) = f.routes.first() {
            assert_eq!(
                event["routeKey"],
                format!("{} {}", route.method, route.path),
                "events/{}.json",
                f.name
            );
            assert!(
                event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"].is_string(),
                "events/{}.json has no JWT sub claim",
                f.name
            );
        }
    }
}

#[test]
fn every_function_code_uri_names_its_binary() {
    let text = std::fs::read_to_string(root().join("template.yaml")).expect("template");
    for f in template().functions().expect("functions") {
        assert!(
            text.contains(&format!("CodeUri: target/lambda/{}/", f.name)),
            "{} must deploy target/lambda/{}/ (cargo lambda build output)",
            f.logical_id,
            f.name
        );
    }
}

#[tokio::test]
async fn the_stack_created_the_templates_table_with_its_key_schema_and_ttl() {
    let client = aws_sdk_dynamodb::Client::new(&aws_config::load_from_env().await);
    let table = env("PROFILES_TABLE");
    let described = client
        .describe_table()
        .table_name(&table)
        .send()
        .await
        .expect("table exists");
    let keys: Vec<(String, String)> = described
        .table()
        .map(|t| t.key_schema())
        .unwrap_or_default()
        .iter()
        .map(|k| {
            (
                k.attribute_name().to_owned(),
                k.key_type().as_str().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        keys,
        [
            ("pk".to_owned(), "HASH".to_owned()),
            ("sk".to_owned(), "RANGE".to_owned())
        ]
    );
    let ttl = client
        .describe_time_to_live()
        .table_name(&table)
        .send()
        .await
        .expect("ttl");
    assert_eq!(
        ttl.time_to_live_description()
            .and_then(|d| d.attribute_name()),
        Some("expires_at")
    );
}

#[tokio::test]
async fn the_stack_created_the_bus_rule_queues_and_platform_applications() {
    let data: Value = reqwest::get(format!("{}/moto-api/data.json", env("COACH_MOTO_URL")))
        .await
        .expect("moto answers")
        .json()
        .await
        .expect("moto state is JSON");
    let text = data.to_string();
    for expected in [
        "tug-coach-local-coach",
        "tug-coach-local-GenerateWorkRule",
        "tug-coach-local-GenerateWorkQueue",
        "tug-coach-local-GenerateWorkDeadLetterQueue",
        "tug-coach-apns",
        "tug-coach-fcm",
    ] {
        assert!(text.contains(expected), "moto has no {expected}");
    }
    // The work queue's dead-letter queue is wired from the template's RedrivePolicy.
    assert!(
        text.contains("deadLetterTargetArn"),
        "no redrive policy on the work queue"
    );
}

/// docs/events.md documents every event Tug Coach publishes, with every field of its detail.
#[test]
fn the_event_schemas_document_every_field() {
    use coaching::domain::events::{
        DomainEvent, GenerateSegment, MessageActedOn, MessageDelivered, MessageScheduled, ScanStart,
    };
    use coaching::domain::preferences::MessageType;
    let doc = std::fs::read_to_string(coach_tests::root().join("docs/events.md"))
        .expect("docs/events.md");
    let now = chrono::Utc::now();
    let events = [
        DomainEvent::GenerateSegment(GenerateSegment {
            run_id: "r".into(),
            as_of: now,
            segment: 0,
            total_segments: 1,
            start: Some(ScanStart {
                pk: "p".into(),
                sk: "s".into(),
            }),
            pinned: true,
        }),
        DomainEvent::MessageScheduled(MessageScheduled {
            user_id: "u".into(),
            message_id: "m".into(),
            occurrence: "o".into(),
            message_type: MessageType::GeneralWisdom,
            template_id: "t".into(),
            variant_id: "v".into(),
            send_at: now,
        }),
        DomainEvent::MessageDelivered(MessageDelivered {
            user_id: "u".into(),
            message_id: "m".into(),
            message_type: MessageType::GeneralWisdom,
            template_id: "t".into(),
            variant_id: "v".into(),
            delivered_at: now,
            devices: 1,
        }),
        DomainEvent::MessageActedOn(MessageActedOn {
            user_id: "u".into(),
            message_id: "m".into(),
            message_type: MessageType::GeneralWisdom,
            template_id: "t".into(),
            variant_id: "v".into(),
            acted_at: now,
        }),
    ];
    for e in &events {
        let heading = format!("### `{}`", e.detail_type());
        let section = doc
            .split(&heading)
            .nth(1)
            .unwrap_or_else(|| panic!("docs/events.md has no {heading}"));
        let section = section.split("\n### ").next().unwrap_or_default();
        let detail: Value = serde_json::from_str(&e.detail().expect("detail")).expect("JSON");
        for field in detail.as_object().expect("object").keys() {
            assert!(
                section.contains(&format!("`{field}`")),
                "{heading} does not document `{field}`"
            );
        }
    }
    let activity = fixture_detail();
    for field in activity.as_object().expect("object").keys() {
        assert!(
            doc.contains(&format!("| `{field}` |")),
            "ActivityLogged does not document `{field}`"
        );
    }
}

fn fixture_detail() -> Value {
    coach_tests::fixture("events-activity-logged")["detail"].clone()
}

#[test]
fn no_allowed_log_level_filters_out_the_metric_lines() {
    // Lambda drops JSON lines below the function's level: the EMF lines carry EMF_LEVEL, so
    // the LogLevel parameter must allow nothing above it.
    let order = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];
    let rank = |l: &str| order.iter().position(|x| *x == l).unwrap_or(usize::MAX);
    let text = std::fs::read_to_string(root().join("template.yaml")).expect("template.yaml");
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).expect("YAML");
    let allowed = doc["Parameters"]["LogLevel"]["AllowedValues"]
        .as_sequence()
        .cloned()
        .unwrap_or_default();
    assert!(!allowed.is_empty(), "LogLevel has AllowedValues");
    for level in allowed {
        let level = level.as_str().unwrap_or_default();
        assert!(
            rank(level) <= rank(coaching::views::metrics::EMF_LEVEL),
            "LogLevel {level} would filter out the EMF lines"
        );
    }
}
