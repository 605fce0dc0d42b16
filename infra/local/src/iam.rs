//! IAM as the local stack enforces it: each function's policy from template.yaml (inline
//! statements and the SAM policy templates it uses, intrinsics resolved), the calls an AWS
//! request makes (action and resource ARN, per item for batches and transactions, as IAM
//! authorizes them), and the evaluation (an explicit deny wins, else an allow must match; `*`
//! and `?` wildcards in actions and resources). [`crate::iam_proxy`] applies it to every
//! request a function sends to DynamoDB Local, SNS, SQS and EventBridge.
//!
//! Written here rather than taken from a crate: no maintained Rust crate evaluates IAM
//! policies, and the subset a SAM template uses (Allow/Deny, Action, Resource) is small.
//! Conditions are not evaluated (the template's function policies use none).

use serde_json::Value as Json;
use serde_yaml::Value;

use crate::template::{Bindings, TemplateError, ACCOUNT_ID, REGION};

/// One statement of a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub allow: bool,
    /// `service:Action` patterns.
    pub actions: Vec<String>,
    /// ARN patterns.
    pub resources: Vec<String>,
}

/// One authorization IAM makes for a request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Call {
    /// `dynamodb:PutItem`.
    pub action: String,
    pub resource: String,
}

fn invalid(msg: impl Into<String>) -> TemplateError {
    TemplateError::Invalid(msg.into())
}

fn strings(v: Option<&Value>, bindings: &Bindings) -> Result<Vec<String>, TemplateError> {
    match v {
        None => Ok(Vec::new()),
        Some(Value::Sequence(items)) => items.iter().map(|i| bindings.resolve_string(i)).collect(),
        Some(one) => Ok(vec![bindings.resolve_string(one)?]),
    }
}

/// The statements of a function's `Policies` (a list of inline policy documents, SAM policy
/// templates and managed policy ARNs), intrinsics resolved with `bindings`.
pub fn statements(
    policies: &[Value],
    bindings: &Bindings,
) -> Result<Vec<Statement>, TemplateError> {
    let mut out = Vec::new();
    for p in policies {
        match p {
            // A managed policy: the basic execution roles grant logs only.
            Value::String(arn) if arn.contains("AWSLambdaBasicExecutionRole") => {}
            Value::String(arn) => {
                return Err(invalid(format!(
                    "managed policy {arn}: not modelled locally"
                )))
            }
            Value::Mapping(m) => {
                if let Some(doc) = m.get("Statement") {
                    let list = match doc {
                        Value::Sequence(s) => s.clone(),
                        one => vec![one.clone()],
                    };
                    for s in &list {
                        if s.get("NotAction").is_some() || s.get("NotResource").is_some() {
                            return Err(invalid(
                                "NotAction / NotResource are not modelled locally",
                            ));
                        }
                        let effect = s.get("Effect").and_then(Value::as_str).unwrap_or_default();
                        out.push(Statement {
                            allow: match effect {
                                "Allow" => true,
                                "Deny" => false,
                                other => return Err(invalid(format!("policy Effect {other:?}"))),
                            },
                            actions: strings(s.get("Action"), bindings)?,
                            resources: strings(s.get("Resource"), bindings)?,
                        });
                    }
                    continue;
                }
                for (name, params) in m {
                    let name = name.as_str().unwrap_or_default();
                    out.push(sam_template(name, params, bindings)?);
                }
            }
            other => return Err(invalid(format!("policy {other:?}"))),
        }
    }
    Ok(out)
}

/// The statement a SAM policy template expands to (the templates this stack may use, as SAM's
/// `policy_templates.json` defines them).
fn sam_template(name: &str, params: &Value, b: &Bindings) -> Result<Statement, TemplateError> {
    let param = |key: &str| {
        params
            .get(key)
            .ok_or_else(|| invalid(format!("{name} needs {key}")))
            .and_then(|v| b.resolve_string(v))
    };
    let allow = |actions: &[&str], resources: Vec<String>| Statement {
        allow: true,
        actions: actions.iter().map(|a| (*a).to_owned()).collect(),
        resources,
    };
    let table = |t: String| {
        vec![
            format!("arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{t}"),
            format!("arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{t}/index/*"),
        ]
    };
    Ok(match name {
        "DynamoDBCrudPolicy" => allow(
            &[
                "dynamodb:GetItem",
                "dynamodb:DeleteItem",
                "dynamodb:PutItem",
                "dynamodb:Scan",
                "dynamodb:Query",
                "dynamodb:UpdateItem",
                "dynamodb:BatchWriteItem",
                "dynamodb:BatchGetItem",
                "dynamodb:DescribeTable",
                "dynamodb:ConditionCheckItem",
            ],
            table(param("TableName")?),
        ),
        "DynamoDBReadPolicy" => allow(
            &[
                "dynamodb:GetItem",
                "dynamodb:Scan",
                "dynamodb:Query",
                "dynamodb:BatchGetItem",
                "dynamodb:DescribeTable",
            ],
            table(param("TableName")?),
        ),
        "DynamoDBWritePolicy" => allow(
            &[
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:BatchWriteItem",
            ],
            table(param("TableName")?),
        ),
        "SQSSendMessagePolicy" => allow(
            &["sqs:SendMessage*"],
            vec![format!(
                "arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{}",
                param("QueueName")?
            )],
        ),
        "SQSPollerPolicy" => allow(
            &[
                "sqs:ChangeMessageVisibility",
                "sqs:ChangeMessageVisibilityBatch",
                "sqs:DeleteMessage",
                "sqs:DeleteMessageBatch",
                "sqs:GetQueueAttributes",
                "sqs:ReceiveMessage",
            ],
            vec![format!(
                "arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{}",
                param("QueueName")?
            )],
        ),
        "SNSPublishMessagePolicy" => allow(
            &["sns:Publish"],
            vec![format!(
                "arn:aws:sns:{REGION}:{ACCOUNT_ID}:{}",
                param("TopicName")?
            )],
        ),
        "EventBridgePutEventsPolicy" => allow(
            &["events:PutEvents"],
            vec![format!(
                "arn:aws:events:{REGION}:{ACCOUNT_ID}:event-bus/{}",
                param("EventBusName")?
            )],
        ),
        other => {
            return Err(invalid(format!(
                "SAM policy template {other}: not modelled locally"
            )))
        }
    })
}

/// IAM's wildcard match: `*` any run of characters, `?` any one.
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Whether `statements` allow `call`: an explicit deny wins, else some allow must match
/// (actions case-insensitively, as IAM compares them).
pub fn allows(statements: &[Statement], call: &Call) -> bool {
    let action = call.action.to_ascii_lowercase();
    let matches = |s: &Statement| {
        s.actions
            .iter()
            .any(|a| glob(&a.to_ascii_lowercase(), &action))
            && s.resources.iter().any(|r| glob(r, &call.resource))
    };
    !statements.iter().any(|s| !s.allow && matches(s))
        && statements.iter().any(|s| s.allow && matches(s))
}

fn table_arn(name: &str) -> String {
    if name.starts_with("arn:") {
        name.to_owned()
    } else {
        format!("arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}")
    }
}

fn queue_arn(url_or_name: &str) -> String {
    let name = url_or_name.rsplit('/').next().unwrap_or(url_or_name);
    format!("arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}")
}

fn bus_arn(name: &str) -> String {
    if name.starts_with("arn:") {
        name.to_owned()
    } else {
        format!("arn:aws:events:{REGION}:{ACCOUNT_ID}:event-bus/{name}")
    }
}

/// What IAM reads of a DynamoDB request: the tables (and index) it names. Every other field,
/// and the items under these, is skipped by the parser without being built.
#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DynamoRequest {
    table_name: Option<String>,
    index_name: Option<String>,
    request_items: Option<std::collections::BTreeMap<String, serde::de::IgnoredAny>>,
    transact_items: Option<Vec<std::collections::BTreeMap<String, TransactItem>>>,
}

/// One action of a transaction: the table it names.
#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TransactItem {
    table_name: Option<String>,
}

/// The authorizations IAM makes for one request to `service` (the SigV4 scope's service
/// name): `target` is the `X-Amz-Target` header of JSON protocols, `body` the request body
/// (JSON, or a form for the query protocol). An error names what could not be read.
pub fn calls(service: &str, target: Option<&str>, body: &[u8]) -> Result<Vec<Call>, String> {
    let call = |action: String, resource: String| Call { action, resource };
    match (service, target) {
        ("dynamodb", Some(t)) => {
            let op = t.rsplit('.').next().unwrap_or(t);
            // Only the names IAM authorizes on are read; items and expressions are skipped
            // unparsed (a batch of 25 items is tens of KB the proxy need not build).
            let req: DynamoRequest =
                serde_json::from_slice(body).map_err(|e| format!("DynamoDB body: {e}"))?;
            let action = |op: &str| format!("dynamodb:{op}");
            Ok(match op {
                "BatchGetItem" | "BatchWriteItem" => req
                    .request_items
                    .into_iter()
                    .flatten()
                    .map(|(table, _)| call(action(op), table_arn(&table)))
                    .collect(),
                "TransactWriteItems" | "TransactGetItems" => req
                    .transact_items
                    .into_iter()
                    .flatten()
                    .filter_map(|item| item.into_iter().next())
                    .map(|(kind, item)| {
                        let per_item = match kind.as_str() {
                            "Put" => "PutItem",
                            "Update" => "UpdateItem",
                            "Delete" => "DeleteItem",
                            "ConditionCheck" => "ConditionCheckItem",
                            _ => "GetItem",
                        };
                        call(
                            action(per_item),
                            table_arn(item.table_name.as_deref().unwrap_or_default()),
                        )
                    })
                    .collect(),
                "ListTables" => vec![call(action(op), "*".into())],
                _ => {
                    let table = req
                        .table_name
                        .ok_or_else(|| format!("DynamoDB {op} without TableName"))?;
                    let mut resource = table_arn(&table);
                    if let Some(index) = req.index_name {
                        resource = format!("{resource}/index/{index}");
                    }
                    vec![call(action(op), resource)]
                }
            })
        }
        ("events", Some(t)) => {
            let op = t.rsplit('.').next().unwrap_or(t);
            let json: Json =
                serde_json::from_slice(body).map_err(|e| format!("EventBridge body: {e}"))?;
            Ok(match op {
                "PutEvents" => {
                    let mut buses: Vec<String> = json["Entries"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|e| bus_arn(e["EventBusName"].as_str().unwrap_or("default")))
                        .collect();
                    buses.sort();
                    buses.dedup();
                    buses
                        .into_iter()
                        .map(|b| call("events:PutEvents".into(), b))
                        .collect()
                }
                _ => vec![call(
                    format!("events:{op}"),
                    json["EventBusName"]
                        .as_str()
                        .or(json["Name"].as_str())
                        .map_or("*".into(), bus_arn),
                )],
            })
        }
        ("sqs", Some(t)) => {
            let op = t.rsplit('.').next().unwrap_or(t);
            let json: Json = serde_json::from_slice(body).map_err(|e| format!("SQS body: {e}"))?;
            // A batch is authorized as its single-message action.
            let action = op.strip_suffix("Batch").unwrap_or(op);
            let resource = json["QueueUrl"]
                .as_str()
                .or(json["QueueName"].as_str())
                .map_or("*".into(), queue_arn);
            Ok(vec![call(format!("sqs:{action}"), resource)])
        }
        (service @ ("sns" | "sqs"), None) => {
            let form: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
            let get = |k: &str| {
                form.iter()
                    .find(|(key, _)| key == k)
                    .map(|(_, v)| v.clone())
            };
            let op = get("Action").ok_or_else(|| format!("{service} request without Action"))?;
            let resource = if service == "sqs" {
                get("QueueUrl")
                    .or(get("QueueName"))
                    .map_or("*".into(), |q| queue_arn(&q))
            } else {
                [
                    "TargetArn",
                    "TopicArn",
                    "EndpointArn",
                    "PlatformApplicationArn",
                    "ResourceArn",
                ]
                .iter()
                .find_map(|k| get(k))
                .unwrap_or_else(|| "*".into())
            };
            let action = op.strip_suffix("Batch").unwrap_or(&op).to_owned();
            Ok(vec![call(format!("{service}:{action}"), resource)])
        }
        (other, _) => Err(format!("service {other} is not modelled locally")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allow(actions: &[&str], resources: &[&str]) -> Statement {
        Statement {
            allow: true,
            actions: actions.iter().map(|s| (*s).to_owned()).collect(),
            resources: resources.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    fn c(action: &str, resource: &str) -> Call {
        Call {
            action: action.into(),
            resource: resource.into(),
        }
    }

    #[test]
    fn wildcards_match_as_iam_does() {
        assert!(glob(
            "arn:aws:dynamodb:*:*:table/T/index/*",
            "arn:aws:dynamodb:r:1:table/T/index/ByTime"
        ));
        assert!(!glob(
            "arn:aws:dynamodb:*:*:table/T",
            "arn:aws:dynamodb:r:1:table/T/index/ByTime"
        ));
        assert!(glob("sqs:SendMessage*", "sqs:SendMessage"));
        assert!(glob("a?c", "abc") && !glob("a?c", "ac"));
        assert!(glob("*", "") && glob("**", "x"));
    }

    #[test]
    fn an_allow_must_match_and_a_deny_wins() {
        let t = "arn:aws:dynamodb:us-east-1:123456789012:table/Profiles";
        let mut s = vec![allow(&["dynamodb:GetItem", "dynamodb:Query"], &[t])];
        assert!(allows(&s, &c("dynamodb:getitem", t)));
        assert!(!allows(&s, &c("dynamodb:PutItem", t)));
        assert!(!allows(
            &s,
            &c("dynamodb:GetItem", &format!("{t}/index/ByTime"))
        ));
        s.push(Statement {
            allow: false,
            ..allow(&["dynamodb:*"], &["*"])
        });
        assert!(!allows(&s, &c("dynamodb:GetItem", t)));
    }

    #[test]
    fn requests_are_read_as_iam_authorizes_them() {
        let body = br#"{"TransactItems":[{"Put":{"TableName":"Messages"}},{"Update":{"TableName":"Stats"}},{"ConditionCheck":{"TableName":"Profiles"}}]}"#;
        let got = calls(
            "dynamodb",
            Some("DynamoDB_20120810.TransactWriteItems"),
            body,
        )
        .expect("read");
        let actions: Vec<&str> = got.iter().map(|c| c.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:ConditionCheckItem"
            ]
        );
        assert!(got[1].resource.ends_with(":table/Stats"));
        let q = calls(
            "dynamodb",
            Some("DynamoDB_20120810.Query"),
            br#"{"TableName":"M","IndexName":"ByTime"}"#,
        )
        .expect("read");
        assert!(q[0].resource.ends_with(":table/M/index/ByTime"));
        let batch = calls(
            "dynamodb",
            Some("DynamoDB_20120810.BatchWriteItem"),
            br#"{"RequestItems":{"A":[],"B":[]}}"#,
        )
        .expect("read");
        assert_eq!(batch.len(), 2);
        let sns = calls(
            "sns",
            None,
            b"Action=Publish&TargetArn=arn%3Aaws%3Asns%3Ar%3A1%3Aendpoint%2FX&Message=hi",
        )
        .expect("read");
        assert_eq!(sns, [c("sns:Publish", "arn:aws:sns:r:1:endpoint/X")]);
        let sqs = calls(
            "sqs",
            Some("AmazonSQS.DeleteMessageBatch"),
            br#"{"QueueUrl":"http://h/123/Work"}"#,
        )
        .expect("read");
        assert_eq!(sqs[0].action, "sqs:DeleteMessage");
        assert!(sqs[0].resource.ends_with(":Work"));
        let ev = calls(
            "events",
            Some("AWSEvents.PutEvents"),
            br#"{"Entries":[{"EventBusName":"Bus"},{"EventBusName":"Bus"}]}"#,
        )
        .expect("read");
        assert_eq!(ev.len(), 1);
        assert!(calls("lambda", None, b"").is_err());
    }

    #[test]
    fn sam_templates_expand() {
        let b = Bindings::default();
        let policies: Vec<Value> = serde_yaml::from_str(
            "- DynamoDBReadPolicy: {TableName: T}\n- SQSSendMessagePolicy: {QueueName: Q}\n- AWSLambdaBasicExecutionRole\n",
        )
        .expect("yaml");
        let s = statements(&policies, &b).expect("expands");
        let t = format!("arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/T");
        assert!(allows(
            &s,
            &c("dynamodb:Query", &format!("{t}/index/ByTime"))
        ));
        assert!(!allows(&s, &c("dynamodb:PutItem", &t)));
        assert!(allows(
            &s,
            &c(
                "sqs:SendMessage",
                &format!("arn:aws:sqs:{REGION}:{ACCOUNT_ID}:Q")
            )
        ));
        let unknown: Vec<Value> =
            serde_yaml::from_str("- S3CrudPolicy: {BucketName: B}").expect("yaml");
        assert!(statements(&unknown, &b).is_err());
    }
}
