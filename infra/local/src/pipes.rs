//! The template's EventBridge Pipes from a DynamoDB stream to an event bus, played here as AWS
//! runs them: DynamoDB Local's stream is read shard by shard from the trim horizon, each record
//! kept if it matches one of the pipe's filter patterns, reshaped by its input template, and
//! put on the bus (moto) with the pipe's source and detail type, in batches of the pipe's
//! size. A batch the bus refuses is retried up to the pipe's attempts, then its records go to
//! the pipe's dead-letter queue. Delivery is at least once, as in AWS (a restart over kept
//! data replays the stream's last 24 hours).
//!
//! The pipe's role is checked at start: it must allow reading the stream, putting to the bus
//! and sending to the dead-letter queue, or the host does not start.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Value as Json};
use serde_yaml::Value;

use crate::iam::{allows, statements, Call};
use crate::template::{Bindings, Template, TemplateError};

/// How often an idle stream is read again.
const POLL: Duration = Duration::from_millis(200);

/// One pipe of the template.
#[derive(Debug, Clone)]
pub struct PipeSpec {
    pub id: String,
    pub stream_arn: String,
    /// EventBridge patterns; a record passes if it matches any (all pass when empty).
    pub filters: Vec<Json>,
    pub bus_arn: String,
    pub source: String,
    pub detail_type: String,
    pub input_template: Option<String>,
    pub batch_size: usize,
    pub attempts: u32,
    /// The dead-letter queue's ARN.
    pub dead_letter: Option<String>,
}

fn invalid(id: &str, msg: impl std::fmt::Display) -> TemplateError {
    TemplateError::Invalid(format!("{id}: {msg}"))
}

/// The template's pipes (DynamoDB stream sources, event bus targets), with their roles checked.
pub fn specs(template: &Template, b: &Bindings) -> Result<Vec<PipeSpec>, TemplateError> {
    let roles: BTreeMap<String, Value> = template
        .resources_of("AWS::IAM::Role")
        .into_iter()
        .collect();
    let mut out = Vec::new();
    for (id, p) in template.resources_of("AWS::Pipes::Pipe") {
        let get = |k: &str| p.get(k).ok_or_else(|| invalid(&id, format!("no {k}")));
        let stream_arn = b.resolve_string(get("Source")?)?;
        if !stream_arn.contains(":table/") || !stream_arn.contains("/stream/") {
            return Err(invalid(
                &id,
                "only DynamoDB stream sources are played locally",
            ));
        }
        let bus_arn = b.resolve_string(get("Target")?)?;
        if !bus_arn.contains(":event-bus/") {
            return Err(invalid(&id, "only event bus targets are played locally"));
        }
        let params = p
            .get("SourceParameters")
            .and_then(|s| s.get("DynamoDBStreamParameters"));
        let number = |k: &str, default: u64| {
            params
                .and_then(|s| s.get(k))
                .and_then(Value::as_u64)
                .unwrap_or(default)
        };
        let dead_letter = params
            .and_then(|s| s.get("DeadLetterConfig"))
            .and_then(|d| d.get("Arn"))
            .map(|a| b.resolve_string(a))
            .transpose()?;
        let mut filters = Vec::new();
        for f in p
            .get("SourceParameters")
            .and_then(|s| s.get("FilterCriteria"))
            .and_then(|f| f.get("Filters"))
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
        {
            let text = f
                .get("Pattern")
                .map(|v| b.resolve_string(v))
                .transpose()?
                .unwrap_or_default();
            let pattern: Json =
                serde_json::from_str(&text).map_err(|e| invalid(&id, format!("filter: {e}")))?;
            check_pattern(&pattern).map_err(|e| invalid(&id, e))?;
            filters.push(pattern);
        }
        let target = p
            .get("TargetParameters")
            .ok_or_else(|| invalid(&id, "no TargetParameters"))?;
        let bus_params = target
            .get("EventBridgeEventBusParameters")
            .ok_or_else(|| invalid(&id, "no EventBridgeEventBusParameters"))?;
        let text = |v: Option<&Value>| v.map(|v| b.resolve_string(v)).transpose();
        let spec = PipeSpec {
            stream_arn,
            filters,
            bus_arn,
            source: text(bus_params.get("Source"))?.ok_or_else(|| invalid(&id, "no Source"))?,
            detail_type: text(bus_params.get("DetailType"))?
                .ok_or_else(|| invalid(&id, "no DetailType"))?,
            input_template: text(target.get("InputTemplate"))?,
            batch_size: usize::try_from(number("BatchSize", 10).clamp(1, 10)).unwrap_or(10),
            attempts: u32::try_from(number("MaximumRetryAttempts", 3)).unwrap_or(3) + 1,
            dead_letter,
            id: id.clone(),
        };
        check_role(&spec, get("RoleArn")?, &roles, b)?;
        out.push(spec);
    }
    Ok(out)
}

/// Refuses a pipe whose role does not allow what the pipe does.
fn check_role(
    spec: &PipeSpec,
    role_arn: &Value,
    roles: &BTreeMap<String, Value>,
    b: &Bindings,
) -> Result<(), TemplateError> {
    // `!GetAtt Role.Arn` (a tag) or `Fn::GetAtt: [Role, Arn]`.
    let arg = match role_arn {
        Value::Tagged(t) if t.tag == "GetAtt" => Some(&t.value),
        other => other.get("Fn::GetAtt"),
    };
    let role = arg
        .and_then(|v| match v {
            Value::Sequence(s) => s.first().and_then(Value::as_str).map(str::to_owned),
            Value::String(s) => s.split('.').next().map(str::to_owned),
            _ => None,
        })
        .and_then(|r| roles.get(&r))
        .ok_or_else(|| invalid(&spec.id, "RoleArn must name a role of the template"))?;
    let documents: Vec<Value> = role
        .get("Policies")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|p| p.get("PolicyDocument").cloned())
        .collect();
    let policy = statements(&documents, b)?;
    let mut needed: Vec<Call> = ["DescribeStream", "GetShardIterator", "GetRecords"]
        .iter()
        .map(|a| Call {
            action: format!("dynamodb:{a}"),
            resource: spec.stream_arn.clone(),
        })
        .collect();
    needed.push(Call {
        action: "events:PutEvents".into(),
        resource: spec.bus_arn.clone(),
    });
    if let Some(dlq) = &spec.dead_letter {
        needed.push(Call {
            action: "sqs:SendMessage".into(),
            resource: dlq.clone(),
        });
    }
    match needed.iter().find(|c| !allows(&policy, c)) {
        Some(c) => Err(invalid(
            &spec.id,
            format!("its role does not allow {} on {}", c.action, c.resource),
        )),
        None => Ok(()),
    }
}

/// The pattern forms played here: nested objects whose leaves are lists of values.
fn check_pattern(p: &Json) -> Result<(), String> {
    match p {
        Json::Object(m) => m.values().try_for_each(check_pattern),
        Json::Array(values) if values.iter().all(|v| !v.is_object() && !v.is_array()) => Ok(()),
        other => Err(format!(
            "filter pattern {other}: only exact values are played locally"
        )),
    }
}

/// Whether `event` matches an EventBridge `pattern` of exact values.
pub fn matches(pattern: &Json, event: &Json) -> bool {
    match pattern {
        Json::Object(m) => m.iter().all(|(k, p)| match event.get(k) {
            Some(v) => matches(p, v),
            None => false,
        }),
        Json::Array(values) => match event {
            Json::Array(items) => items.iter().any(|i| values.contains(i)),
            v => values.contains(v),
        },
        _ => false,
    }
}

/// Fills an input template's `<$.path>` placeholders from `event` (a string's text where the
/// template quotes it, any other value as JSON), and parses the result as JSON (plain text if
/// it is not).
pub fn transform(template: &str, event: &Json) -> Result<Json, String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find("<$") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after
            .find('>')
            .ok_or_else(|| format!("unclosed placeholder in {template}"))?;
        let path = &after[..close];
        let value = lookup(event, path).ok_or_else(|| format!("{path} is not in the record"))?;
        let quoted = out.ends_with('"');
        match value {
            Json::String(s) if quoted => {
                let escaped = serde_json::to_string(s).map_err(|e| e.to_string())?;
                out.push_str(&escaped[1..escaped.len() - 1]);
            }
            v => out.push_str(&v.to_string()),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(serde_json::from_str(&out).unwrap_or(Json::String(out)))
}

/// The value at a `$.a.b[2].c` path.
fn lookup<'a>(event: &'a Json, path: &str) -> Option<&'a Json> {
    let mut at = event;
    for part in path.strip_prefix('$')?.split('.').filter(|p| !p.is_empty()) {
        let (name, index) = match part.split_once('[') {
            Some((n, i)) => (n, i.strip_suffix(']')?.parse::<usize>().ok()),
            None => (part, None),
        };
        if !name.is_empty() {
            at = at.get(name)?;
        }
        if let Some(i) = index {
            at = at.get(i)?;
        }
    }
    Some(at)
}

/// Calls DynamoDB Local's streams API (JSON protocol; DynamoDB Local does not check
/// signatures, but wants one).
async fn streams(http: &reqwest::Client, url: &str, op: &str, body: Json) -> Result<Json, String> {
    let resp = http
        .post(url)
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amz-target", format!("DynamoDBStreams_20120810.{op}"))
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, \
             SignedHeaders=host, Signature=0",
        )
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| format!("{op}: {e}"))?;
    let status = resp.status();
    let json: Json = resp.json().await.map_err(|e| format!("{op}: {e}"))?;
    if status.is_success() {
        Ok(json)
    } else {
        Err(format!("{op}: {status} {json}"))
    }
}

/// Per pipe, how many passes over its stream found nothing new: what [`settled`] waits on.
static EMPTY_PASSES: std::sync::Mutex<BTreeMap<String, u64>> =
    std::sync::Mutex::new(BTreeMap::new());

fn empty_passes() -> BTreeMap<String, u64> {
    EMPTY_PASSES.lock().map(|m| m.clone()).unwrap_or_default()
}

/// Waits until every pipe has handed on everything written before the call: each has made two
/// passes that found nothing new since (the first may have begun before the call). False if
/// that took longer than `limit`. Benches wait here so one phase's stream does not load the
/// next phase's measurement.
pub async fn settled(limit: Duration) -> bool {
    let at_call = empty_passes();
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let now = empty_passes();
        if now
            .iter()
            .all(|(id, n)| *n >= at_call.get(id).copied().unwrap_or(0) + 2)
        {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(POLL / 4).await;
    }
}

/// Plays every pipe until the host stops: one task per pipe.
pub fn start(
    pipes: Vec<PipeSpec>,
    dynamodb_url: String,
    events: aws_sdk_eventbridge::Client,
    sqs: aws_sdk_sqs::Client,
) -> Vec<tokio::task::JoinHandle<()>> {
    pipes
        .into_iter()
        .map(|pipe| {
            let (url, events, sqs) = (dynamodb_url.clone(), events.clone(), sqs.clone());
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                let mut shards: BTreeMap<String, Shard> = BTreeMap::new();
                loop {
                    let moved = match play(&pipe, &http, &url, &events, &sqs, &mut shards).await {
                        Ok(n) => n,
                        Err(e) => {
                            tracing::warn!(pipe = %pipe.id, error = %e, "pipe: stream read failed");
                            0
                        }
                    };
                    if moved == 0 {
                        if let Ok(mut m) = EMPTY_PASSES.lock() {
                            *m.entry(pipe.id.clone()).or_default() += 1;
                        }
                        tokio::time::sleep(POLL).await;
                    }
                }
            })
        })
        .collect()
}

/// Where the pipe is in one shard.
#[derive(Debug, Default)]
struct Shard {
    /// The next iterator (`None`: get one, after `last` or from the trim horizon).
    iterator: Option<String>,
    /// The sequence number of the last record handed on.
    last: Option<String>,
    /// Closed and read to its end.
    done: bool,
}

/// An iterator into a shard after its last handed-on record (or from the trim horizon).
async fn iterator(
    http: &reqwest::Client,
    url: &str,
    pipe: &PipeSpec,
    id: &str,
    last: Option<&str>,
) -> Result<Option<String>, String> {
    let mut body = json!({"StreamArn": pipe.stream_arn, "ShardId": id});
    match last {
        Some(seq) => {
            body["ShardIteratorType"] = json!("AFTER_SEQUENCE_NUMBER");
            body["SequenceNumber"] = json!(seq);
        }
        None => body["ShardIteratorType"] = json!("TRIM_HORIZON"),
    }
    let it = streams(http, url, "GetShardIterator", body).await?;
    Ok(it["ShardIterator"].as_str().map(str::to_owned))
}

/// One pass over the stream's shards; returns how many records were read.
async fn play(
    pipe: &PipeSpec,
    http: &reqwest::Client,
    url: &str,
    events: &aws_sdk_eventbridge::Client,
    sqs: &aws_sdk_sqs::Client,
    shards: &mut BTreeMap<String, Shard>,
) -> Result<usize, String> {
    let described = streams(
        http,
        url,
        "DescribeStream",
        json!({"StreamArn": pipe.stream_arn}),
    )
    .await?;
    for shard in described["StreamDescription"]["Shards"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if let Some(id) = shard["ShardId"].as_str() {
            shards.entry(id.to_owned()).or_default();
        }
    }
    let mut read = 0;
    for (id, shard) in shards.iter_mut().filter(|(_, s)| !s.done) {
        let it = match shard.iterator.take() {
            Some(it) => it,
            None => match iterator(http, url, pipe, id, shard.last.as_deref()).await? {
                Some(it) => it,
                None => continue,
            },
        };
        // An expired or trimmed iterator (DynamoDB Local also answers an empty shard's trim
        // horizon so): a new one next pass, after the last record handed on.
        let got = match streams(
            http,
            url,
            "GetRecords",
            json!({"ShardIterator": it, "Limit": 1000}),
        )
        .await
        {
            Ok(got) => got,
            Err(e) if e.contains("TrimmedDataAccess") || e.contains("ExpiredIterator") => continue,
            Err(e) => return Err(e),
        };
        let records = got["Records"].as_array().cloned().unwrap_or_default();
        read += records.len();
        let kept: Vec<&Json> = records
            .iter()
            .filter(|r| pipe.filters.is_empty() || pipe.filters.iter().any(|f| matches(f, r)))
            .collect();
        for batch in kept.chunks(pipe.batch_size) {
            deliver(pipe, events, sqs, batch).await;
        }
        // Only once the records are handed on: a failure above reads them again.
        if let Some(seq) = records
            .last()
            .and_then(|r| r["dynamodb"]["SequenceNumber"].as_str())
        {
            shard.last = Some(seq.to_owned());
        }
        match got["NextShardIterator"].as_str() {
            Some(next) => shard.iterator = Some(next.to_owned()),
            None => shard.done = true,
        }
    }
    Ok(read)
}

/// Puts one batch on the bus, retrying; what still fails goes to the dead-letter queue.
async fn deliver(
    pipe: &PipeSpec,
    events: &aws_sdk_eventbridge::Client,
    sqs: &aws_sdk_sqs::Client,
    batch: &[&Json],
) {
    let mut pending: Vec<(&Json, String)> = Vec::new();
    let mut failed: Vec<(&Json, String)> = Vec::new();
    for r in batch {
        match &pipe.input_template {
            Some(t) => match transform(t, r) {
                Ok(detail) => pending.push((r, detail.to_string())),
                Err(e) => failed.push((r, e)),
            },
            None => pending.push((r, r.to_string())),
        }
    }
    let bus = pipe
        .bus_arn
        .rsplit_once(":event-bus/")
        .map_or(pipe.bus_arn.as_str(), |(_, n)| n);
    for attempt in 0..pipe.attempts {
        if pending.is_empty() {
            break;
        }
        let entries: Vec<_> = pending
            .iter()
            .map(|(_, detail)| {
                aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
                    .event_bus_name(bus)
                    .source(&pipe.source)
                    .detail_type(&pipe.detail_type)
                    .detail(detail)
                    .build()
            })
            .collect();
        match events.put_events().set_entries(Some(entries)).send().await {
            Ok(out) => {
                let results = out.entries();
                let mut left = Vec::new();
                for (i, p) in pending.into_iter().enumerate() {
                    if results.get(i).is_some_and(|e| e.error_code().is_some()) {
                        left.push(p);
                    }
                }
                pending = left;
            }
            Err(e) => {
                tracing::warn!(pipe = %pipe.id, attempt, error = %e, "pipe: PutEvents failed")
            }
        }
        if !pending.is_empty() {
            tokio::time::sleep(Duration::from_millis(100 << attempt.min(5))).await;
        }
    }
    failed.extend(
        pending
            .into_iter()
            .map(|(r, _)| (r, "PutEvents kept failing".into())),
    );
    if failed.is_empty() {
        return;
    }
    let Some(dlq) = &pipe.dead_letter else {
        tracing::error!(pipe = %pipe.id, records = failed.len(), "pipe: records dropped (no dead-letter queue)");
        return;
    };
    let name = dlq.rsplit(':').next().unwrap_or(dlq);
    let queue = match sqs.get_queue_url().queue_name(name).send().await {
        Ok(q) => q.queue_url.unwrap_or_default(),
        Err(e) => {
            tracing::error!(pipe = %pipe.id, error = %e, "pipe: dead-letter queue not found");
            return;
        }
    };
    for (record, why) in failed {
        let body = json!({"pipe": pipe.id, "error": why, "record": record}).to_string();
        if let Err(e) = sqs
            .send_message()
            .queue_url(&queue)
            .message_body(body)
            .send()
            .await
        {
            tracing::error!(pipe = %pipe.id, error = %e, "pipe: dead-lettering failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::Binding;

    /// A pipe from Table's stream to Bus whose role allows `actions` on everything.
    fn pipe_with_role(actions: &str) -> Result<Vec<PipeSpec>, TemplateError> {
        let text = format!(
            r#"
Resources:
  Table: {{Type: AWS::DynamoDB::Table, Properties: {{}}}}
  Bus: {{Type: AWS::Events::EventBus, Properties: {{Name: bus}}}}
  Pipe:
    Type: AWS::Pipes::Pipe
    Properties:
      RoleArn: !GetAtt Role.Arn
      Source: !GetAtt Table.StreamArn
      SourceParameters:
        FilterCriteria:
          Filters:
            - Pattern: '{{"eventName": ["INSERT"]}}'
      Target: !GetAtt Bus.Arn
      TargetParameters:
        EventBridgeEventBusParameters: {{Source: s, DetailType: d}}
  Role:
    Type: AWS::IAM::Role
    Properties:
      Policies:
        - PolicyName: p
          PolicyDocument:
            Statement:
              - {{Effect: Allow, Action: [{actions}], Resource: "*"}}
"#
        );
        let t = Template::parse(&text)?;
        let mut b = Bindings::default();
        b.resources.insert(
            "Table".into(),
            Binding {
                reference: "Table".into(),
                attributes: [(
                    "StreamArn".to_owned(),
                    "arn:aws:dynamodb:us-east-1:1:table/Table/stream/x".to_owned(),
                )]
                .into(),
            },
        );
        b.resources.insert(
            "Bus".into(),
            Binding {
                reference: "bus".into(),
                attributes: [(
                    "Arn".to_owned(),
                    "arn:aws:events:us-east-1:1:event-bus/bus".to_owned(),
                )]
                .into(),
            },
        );
        specs(&t, &b)
    }

    #[test]
    fn a_pipe_whose_role_cannot_do_its_work_stops_the_host() {
        let all = "dynamodb:DescribeStream, dynamodb:GetShardIterator, dynamodb:GetRecords, events:PutEvents";
        let pipes = pipe_with_role(all).expect("allowed");
        assert_eq!(pipes.len(), 1);
        assert_eq!(pipes[0].detail_type, "d");
        let refused = pipe_with_role(
            "dynamodb:DescribeStream, dynamodb:GetShardIterator, dynamodb:GetRecords",
        )
        .expect_err("no PutEvents");
        assert!(
            refused.to_string().contains("events:PutEvents"),
            "{refused}"
        );
    }

    fn record(event: &str, status: &str) -> Json {
        json!({"eventName": event, "dynamodb": {"NewImage": {
            "status": {"S": status}, "id": {"S": "m1"}, "user_id": {"S": "u \"1\""},
            "n": {"N": "3"}}}})
    }

    #[test]
    fn filters_keep_inserts_of_scheduled_messages_only() {
        let pattern: Json = serde_json::from_str(
            r#"{"eventName": ["INSERT"], "dynamodb": {"NewImage": {"status": {"S": ["scheduled"]}}}}"#,
        )
        .expect("json");
        assert!(matches(&pattern, &record("INSERT", "scheduled")));
        assert!(!matches(&pattern, &record("MODIFY", "scheduled")));
        assert!(!matches(&pattern, &record("INSERT", "sent")));
        assert!(!matches(&pattern, &json!({"eventName": "INSERT"})));
        assert!(check_pattern(&json!({"a": [{"prefix": "x"}]})).is_err());
    }

    #[test]
    fn templates_fill_strings_quoted_and_values_as_json() {
        let t = r#"{"user": "<$.dynamodb.NewImage.user_id.S>", "image": <$.dynamodb.NewImage.n>}"#;
        let out = transform(t, &record("INSERT", "scheduled")).expect("filled");
        assert_eq!(out, json!({"user": "u \"1\"", "image": {"N": "3"}}));
        assert!(transform("<$.nowhere>", &record("INSERT", "x")).is_err());
    }
}
