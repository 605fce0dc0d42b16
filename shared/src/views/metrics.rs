//! Business metrics as CloudWatch Embedded Metric Format: one JSON log line per report, which
//! CloudWatch turns into metrics in namespace [`NAMESPACE`] with dimension `Function`.
//!
//! Lambda's log-level filter (JSON log format) reads a line's `level`: the EMF line carries
//! [`EMF_LEVEL`], and template.yaml's `LogLevel` parameter allows nothing above it, so the
//! metrics the alarms read are never filtered out.

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

/// The metrics namespace (alarms in template.yaml refer to it).
pub const NAMESPACE: &str = "TugCoach";

/// The log level EMF lines carry (the highest `LogLevel` template.yaml allows).
pub const EMF_LEVEL: &str = "INFO";

/// The EMF line for `metrics` (name, value, unit) of `function` at `at`.
pub fn emf_line(function: &str, metrics: &[(&str, f64, &str)], at: DateTime<Utc>) -> String {
    let mut root = Map::new();
    root.insert(
        "_aws".into(),
        json!({
            "Timestamp": at.timestamp_millis(),
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["Function"]],
                "Metrics": metrics.iter().map(|(name, _, unit)| json!({"Name": name, "Unit": unit})).collect::<Vec<_>>(),
            }],
        }),
    );
    root.insert("level".into(), Value::String(EMF_LEVEL.to_owned()));
    root.insert("Function".into(), Value::String(function.to_owned()));
    for (name, value, _) in metrics {
        root.insert((*name).to_owned(), json!(value));
    }
    Value::Object(root).to_string()
}

/// Writes the EMF line to stdout (Lambda sends it to CloudWatch Logs).
pub fn emit(function: &str, metrics: &[(&str, f64, &str)]) {
    println!("{}", emf_line(function, metrics, Utc::now()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_is_declared_and_valued() {
        let line = emf_line(
            "job-deliver",
            &[
                ("Sent", 3.0, "Count"),
                ("DeliverySuccessRate", 0.75, "None"),
            ],
            Utc::now(),
        );
        let v: Value = serde_json::from_str(&line).expect("JSON");
        let declared = &v["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(declared["Namespace"], NAMESPACE);
        assert_eq!(declared["Dimensions"][0][0], "Function");
        assert_eq!(declared["Metrics"][1]["Name"], "DeliverySuccessRate");
        assert_eq!(v["Sent"], 3.0);
        assert_eq!(v["DeliverySuccessRate"], 0.75);
        assert_eq!(v["Function"], "job-deliver");
        assert_eq!(v["level"], EMF_LEVEL, "survives the log-level filter");
    }
}
