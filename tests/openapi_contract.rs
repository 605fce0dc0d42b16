//! docs/openapi.yaml describes exactly the routes template.yaml serves, every one secured,
//! with problem+json errors, and the enums the code accepts.

use std::collections::BTreeSet;

use coach_local::template::Template;
use coach_tests::root;
use coaching::domain::messages::MessageStatus;
use coaching::domain::preferences::MessageType;
use serde_yaml::Value;

fn openapi() -> Value {
    let text =
        std::fs::read_to_string(root().join("docs/openapi.yaml")).expect("docs/openapi.yaml");
    serde_yaml::from_str(&text).expect("docs/openapi.yaml parses")
}

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

#[test]
fn openapi_routes_are_the_templates_routes() {
    let template = Template::load(&root().join("template.yaml")).expect("template.yaml");
    let from_template: BTreeSet<String> = template
        .functions()
        .expect("functions")
        .into_iter()
        .flat_map(|f| f.routes)
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    let doc = openapi();
    assert_eq!(
        doc["openapi"].as_str().map(|v| v.starts_with("3.1")),
        Some(true)
    );
    let mut from_openapi = BTreeSet::new();
    for (path, item) in doc["paths"].as_mapping().expect("paths") {
        for m in METHODS {
            if let Some(op) = item.get(m) {
                let path = path.as_str().unwrap_or_default();
                from_openapi.insert(format!("{} {path}", m.to_uppercase()));
                assert!(
                    op["responses"]["default"].is_mapping(),
                    "{m} {path} documents its errors"
                );
                assert!(
                    op.get("security").is_none(),
                    "{m} {path} keeps the global JWT security"
                );
            }
        }
    }
    assert_eq!(
        from_openapi, from_template,
        "docs/openapi.yaml vs template.yaml routes"
    );
    assert_eq!(doc["security"][0]["UserJwt"], Value::Sequence(vec![]));
}

fn enum_of(doc: &Value, schema: &str) -> BTreeSet<String> {
    doc["components"]["schemas"][schema]["enum"]
        .as_sequence()
        .expect("enum")
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// A value's JSON code (`"habit_master"`, `"streak_warning"`, …).
fn wire_name<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|c| c.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[test]
fn openapi_enums_are_the_codes() {
    let doc = openapi();
    let types: BTreeSet<String> = MessageType::ALL.iter().map(wire_name).collect();
    assert_eq!(enum_of(&doc, "MessageType"), types);
    let statuses: BTreeSet<String> = [
        MessageStatus::Scheduled,
        MessageStatus::Sending,
        MessageStatus::Sent,
        MessageStatus::Read,
        MessageStatus::Acted,
        MessageStatus::Dismissed,
        MessageStatus::Failed,
        MessageStatus::Expired,
    ]
    .iter()
    .map(wire_name)
    .collect();
    assert_eq!(enum_of(&doc, "MessageStatus"), statuses);
}
