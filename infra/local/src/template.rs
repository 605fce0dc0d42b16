//! Reads template.yaml: the one definition of functions, routes, tables, bus, rules and queues
//! that both `sam deploy` and the local stack use. Intrinsics (`!Ref`, `!GetAtt`, `!Sub`, and
//! their long forms) are resolved against what the local stack created ([`Bindings`]).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde_yaml::Value;

/// Pseudo parameters as the local stack answers them.
pub const STACK_NAME: &str = "tug-coach-local";
/// The local region.
pub const REGION: &str = "us-east-1";
/// The account moto uses.
pub const ACCOUNT_ID: &str = "123456789012";

/// A template that could not be read or resolved.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("template.yaml is not valid YAML: {0}")]
    Yaml(#[from] serde_yaml::Error),
    #[error("template.yaml: {0}")]
    Invalid(String),
}

fn invalid(msg: impl Into<String>) -> TemplateError {
    TemplateError::Invalid(msg.into())
}

/// The parsed template.
#[derive(Debug, Clone)]
pub struct Template {
    root: Value,
}

/// One HTTP API route of a function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// Upper-case method, or `ANY`.
    pub method: String,
    /// Path with `{param}` segments, as in the template.
    pub path: String,
}

/// A Lambda function of the template.
#[derive(Debug, Clone)]
pub struct FunctionDef {
    /// SAM logical id (PascalCase).
    pub logical_id: String,
    /// Binary and function name (kebab-case of the logical id).
    pub name: String,
    pub timeout: Duration,
    pub memory_mb: u32,
    /// Globals' variables overlaid with the function's own, unresolved.
    pub environment: BTreeMap<String, Value>,
    /// The application log level (LoggingConfig), if set.
    pub log_level: Option<Value>,
    /// The log format (LoggingConfig: `Text` or `JSON`), if set.
    pub log_format: Option<Value>,
    pub routes: Vec<Route>,
    /// EventBridge Scheduler schedules (`ScheduleV2` events).
    pub schedules: Vec<Schedule>,
    /// SQS queues feeding the function (`SQS` events).
    pub queues: Vec<QueueSource>,
    /// Bus rules targeting the function (`EventBridgeRule` events).
    pub bus_rules: Vec<BusRule>,
    /// Where an asynchronous invocation that failed every attempt goes
    /// (`EventInvokeConfig.DestinationConfig.OnFailure.Destination`), unresolved.
    pub on_failure: Option<Value>,
    /// Attempts of an asynchronous invocation (`EventInvokeConfig.MaximumRetryAttempts` + 1;
    /// Lambda's default is 2 retries).
    pub async_attempts: u32,
    /// The execution role's `Policies` (Globals' first), unresolved.
    pub policies: Vec<Value>,
    /// `FunctionName` (the name in AWS, from the stack's name), unresolved.
    pub function_name: Option<Value>,
}

/// A `ScheduleV2` event of a function.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// The event's name in the template.
    pub event: String,
    /// `cron(…)` or `rate(…)`.
    pub expression: String,
    /// IANA zone the cron is read in (UTC when absent).
    pub timezone: Option<String>,
    /// The payload the function receives (`{}` when absent).
    pub input: Option<String>,
}

/// An `SQS` event of a function.
#[derive(Debug, Clone)]
pub struct QueueSource {
    pub event: String,
    /// The queue's ARN expression, unresolved.
    pub queue: Value,
    pub batch_size: u32,
    /// `ScalingConfig.MaximumConcurrency`, if set.
    pub max_concurrency: Option<u32>,
}

/// An `EventBridgeRule` event of a function.
#[derive(Debug, Clone)]
pub struct BusRule {
    pub event: String,
    /// The bus name expression (the default bus when absent), unresolved.
    pub bus: Option<Value>,
    /// The event pattern, unresolved.
    pub pattern: Value,
}

/// The JWT authorizer's configuration, unresolved.
#[derive(Debug, Clone)]
pub struct JwtAuthorizer {
    pub issuer: Value,
    pub audience: Vec<Value>,
}

impl Template {
    /// Reads and parses the template at `path`.
    pub fn load(path: &Path) -> Result<Self, TemplateError> {
        let text = std::fs::read_to_string(path).map_err(|source| TemplateError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text)
    }

    /// Parses template text.
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let root: Value = serde_yaml::from_str(text)?;
        if !root.get("Resources").is_some_and(Value::is_mapping) {
            return Err(invalid("no Resources mapping"));
        }
        Ok(Template { root })
    }

    /// Every resource as (logical id, type, properties), in template order.
    pub fn resources(&self) -> Vec<(String, String, Value)> {
        let Some(map) = self.root.get("Resources").and_then(Value::as_mapping) else {
            return Vec::new();
        };
        map.iter()
            .filter_map(|(k, v)| {
                let id = k.as_str()?.to_owned();
                let ty = v.get("Type")?.as_str()?.to_owned();
                let props = v.get("Properties").cloned().unwrap_or(Value::Null);
                Some((id, ty, props))
            })
            .collect()
    }

    /// Resources of one type as (logical id, properties).
    pub fn resources_of(&self, ty: &str) -> Vec<(String, Value)> {
        self.resources()
            .into_iter()
            .filter(|(_, t, _)| t == ty)
            .map(|(id, _, p)| (id, p))
            .collect()
    }

    /// Parameter defaults, by name (parameters without a default are absent).
    pub fn parameter_defaults(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        if let Some(map) = self.root.get("Parameters").and_then(Value::as_mapping) {
            for (k, v) in map {
                if let (Some(k), Some(d)) = (k.as_str(), v.get("Default")) {
                    let d = match d {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        Value::Bool(b) => b.to_string(),
                        _ => continue,
                    };
                    out.insert(k.to_owned(), d);
                }
            }
        }
        out
    }

    /// Checks parameter values as CloudFormation does before creating anything: each
    /// parameter has a value (given or its default), inside `AllowedValues` and fully matching
    /// `AllowedPattern` when the template sets them.
    pub fn check_parameters(&self, values: &BTreeMap<String, String>) -> Result<(), TemplateError> {
        let Some(map) = self.root.get("Parameters").and_then(Value::as_mapping) else {
            return Ok(());
        };
        for (k, spec) in map {
            let name = k.as_str().unwrap_or_default();
            let value = values
                .get(name)
                .ok_or_else(|| invalid(format!("parameter {name} has no value")))?;
            if let Some(allowed) = spec.get("AllowedValues").and_then(Value::as_sequence) {
                if !allowed.iter().any(|a| a.as_str() == Some(value)) {
                    return Err(invalid(format!(
                        "parameter {name}={value:?} is not an allowed value"
                    )));
                }
            }
            if let Some(pattern) = spec.get("AllowedPattern").and_then(Value::as_str) {
                let re = regex::Regex::new(&format!("^(?:{pattern})$"))
                    .map_err(|e| invalid(format!("parameter {name}: AllowedPattern: {e}")))?;
                if !re.is_match(value) {
                    return Err(invalid(format!(
                        "parameter {name}={value:?} does not match its AllowedPattern {pattern}"
                    )));
                }
            }
        }
        Ok(())
    }

    /// The platform applications the local stack creates, as (parameter, name, platform).
    pub fn local_platform_applications(&self) -> Vec<(String, String, String)> {
        let apps = self
            .root
            .get("Metadata")
            .and_then(|m| m.get("TugCoach::LocalStack"))
            .and_then(|m| m.get("PlatformApplications"))
            .and_then(Value::as_mapping);
        apps.into_iter()
            .flatten()
            .filter_map(|(k, v)| {
                Some((
                    k.as_str()?.to_owned(),
                    v.get("Name")?.as_str()?.to_owned(),
                    v.get("Platform")?.as_str()?.to_owned(),
                ))
            })
            .collect()
    }

    /// Every `AWS::Serverless::Function`, with Globals applied.
    pub fn functions(&self) -> Result<Vec<FunctionDef>, TemplateError> {
        let globals = self.root.get("Globals").and_then(|g| g.get("Function"));
        let global = |key: &str| globals.and_then(|g| g.get(key));
        let mut out = Vec::new();
        for (id, props) in self.resources_of("AWS::Serverless::Function") {
            let prop = |key: &str| props.get(key).or_else(|| global(key));
            let timeout = prop("Timeout").and_then(Value::as_u64).unwrap_or(3);
            let memory_mb = prop("MemorySize").and_then(Value::as_u64).unwrap_or(128);
            let mut environment = BTreeMap::new();
            for source in [global("Environment"), props.get("Environment")] {
                if let Some(vars) = source
                    .and_then(|e| e.get("Variables"))
                    .and_then(Value::as_mapping)
                {
                    for (k, v) in vars {
                        if let Some(k) = k.as_str() {
                            environment.insert(k.to_owned(), v.clone());
                        }
                    }
                }
            }
            let logging = prop("LoggingConfig");
            let log_level = logging.and_then(|l| l.get("ApplicationLogLevel")).cloned();
            let log_format = logging.and_then(|l| l.get("LogFormat")).cloned();
            let mut routes = Vec::new();
            let mut schedules = Vec::new();
            let mut queues = Vec::new();
            let mut bus_rules = Vec::new();
            if let Some(events) = props.get("Events").and_then(Value::as_mapping) {
                for (name, event) in events {
                    let name = name.as_str().unwrap_or_default().to_owned();
                    let p = event.get("Properties");
                    let text = |key: &str| {
                        p.and_then(|p| p.get(key))
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                    };
                    match event.get("Type").and_then(Value::as_str) {
                        Some("HttpApi") => {}
                        Some("ScheduleV2") | Some("Schedule") => {
                            let Some(expression) = text("ScheduleExpression") else {
                                return Err(invalid(format!(
                                    "{id}.{name}: a schedule without ScheduleExpression"
                                )));
                            };
                            schedules.push(Schedule {
                                event: name,
                                expression,
                                timezone: text("ScheduleExpressionTimezone"),
                                input: text("Input"),
                            });
                            continue;
                        }
                        Some("SQS") => {
                            let Some(queue) = p.and_then(|p| p.get("Queue")).cloned() else {
                                return Err(invalid(format!("{id}.{name}: SQS without Queue")));
                            };
                            let number = |key: &str| {
                                p.and_then(|p| p.get(key))
                                    .and_then(Value::as_u64)
                                    .and_then(|n| u32::try_from(n).ok())
                            };
                            queues.push(QueueSource {
                                event: name,
                                queue,
                                batch_size: number("BatchSize").unwrap_or(10),
                                max_concurrency: p
                                    .and_then(|p| p.get("ScalingConfig"))
                                    .and_then(|c| c.get("MaximumConcurrency"))
                                    .and_then(Value::as_u64)
                                    .and_then(|n| u32::try_from(n).ok()),
                            });
                            continue;
                        }
                        Some("EventBridgeRule") => {
                            let Some(pattern) = p.and_then(|p| p.get("Pattern")).cloned() else {
                                return Err(invalid(format!(
                                    "{id}.{name}: EventBridgeRule without Pattern"
                                )));
                            };
                            bus_rules.push(BusRule {
                                event: name,
                                bus: p.and_then(|p| p.get("EventBusName")).cloned(),
                                pattern,
                            });
                            continue;
                        }
                        _ => continue,
                    }
                    let path = p.and_then(|p| p.get("Path")).and_then(Value::as_str);
                    let method = p.and_then(|p| p.get("Method")).and_then(Value::as_str);
                    match (path, method) {
                        (Some(path), Some(method)) => routes.push(Route {
                            method: method.to_ascii_uppercase(),
                            path: path.to_owned(),
                        }),
                        _ => {
                            return Err(invalid(format!(
                                "{id}: HttpApi event without Path and Method"
                            )))
                        }
                    }
                }
            }
            let invoke = props.get("EventInvokeConfig");
            let on_failure = invoke
                .and_then(|c| c.get("DestinationConfig"))
                .and_then(|d| d.get("OnFailure"))
                .and_then(|o| o.get("Destination"))
                .cloned();
            let retries = invoke
                .and_then(|c| c.get("MaximumRetryAttempts"))
                .and_then(Value::as_u64)
                .unwrap_or(2);
            out.push(FunctionDef {
                name: kebab_case(&id),
                logical_id: id,
                timeout: Duration::from_secs(timeout.max(1)),
                memory_mb: u32::try_from(memory_mb).unwrap_or(128),
                environment,
                log_level,
                log_format,
                routes,
                schedules,
                queues,
                bus_rules,
                on_failure,
                async_attempts: u32::try_from(retries).unwrap_or(2) + 1,
                function_name: props.get("FunctionName").cloned(),
                policies: [global("Policies"), props.get("Policies")]
                    .into_iter()
                    .flatten()
                    .flat_map(|p| match p {
                        Value::Sequence(items) => items.clone(),
                        one => vec![one.clone()],
                    })
                    .collect(),
            });
        }
        Ok(out)
    }

    /// The HTTP API's JWT authorizer (the default one), if any.
    pub fn jwt_authorizer(&self) -> Option<JwtAuthorizer> {
        let (_, api) = self
            .resources_of("AWS::Serverless::HttpApi")
            .into_iter()
            .next()?;
        let auth = api.get("Auth")?;
        let default = auth.get("DefaultAuthorizer")?.as_str()?;
        let config = auth
            .get("Authorizers")?
            .get(default)?
            .get("JwtConfiguration")?;
        Some(JwtAuthorizer {
            issuer: config.get("issuer")?.clone(),
            audience: config
                .get("audience")
                .and_then(Value::as_sequence)
                .cloned()
                .unwrap_or_default(),
        })
    }
}

/// `ApiGetPersonalization` → `api-get-personalization`.
pub fn kebab_case(pascal: &str) -> String {
    let mut out = String::with_capacity(pascal.len() + 4);
    for (i, c) in pascal.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// What a created resource answers to `!Ref` and `!GetAtt`.
#[derive(Debug, Clone, Default)]
pub struct Binding {
    pub reference: String,
    pub attributes: BTreeMap<String, String>,
}

/// Parameter values and created resources, for resolving intrinsics.
#[derive(Debug, Clone, Default)]
pub struct Bindings {
    pub parameters: BTreeMap<String, String>,
    pub resources: BTreeMap<String, Binding>,
    /// Local only: the queue URL each function's bus rule delivers to (`function/event`), since
    /// moto cannot invoke the host's functions as rule targets.
    pub taps: BTreeMap<String, String>,
}

impl Bindings {
    /// The URL of the created queue with this ARN.
    pub fn queue_url(&self, arn: &str) -> Option<String> {
        self.resources.values().find_map(|b| {
            (b.attributes.get("Arn").map(String::as_str) == Some(arn))
                .then(|| b.attributes.get("QueueUrl").cloned())
                .flatten()
        })
    }

    fn reference(&self, name: &str) -> Result<String, TemplateError> {
        match name {
            "AWS::StackName" => return Ok(STACK_NAME.into()),
            "AWS::Region" => return Ok(REGION.into()),
            "AWS::AccountId" => return Ok(ACCOUNT_ID.into()),
            "AWS::Partition" => return Ok("aws".into()),
            "AWS::URLSuffix" => return Ok("amazonaws.com".into()),
            _ => {}
        }
        if let Some(p) = self.parameters.get(name) {
            return Ok(p.clone());
        }
        self.resources
            .get(name)
            .map(|b| b.reference.clone())
            .ok_or_else(|| {
                invalid(format!(
                    "!Ref {name}: no such parameter or created resource"
                ))
            })
    }

    fn attribute(&self, id: &str, attr: &str) -> Result<String, TemplateError> {
        self.resources
            .get(id)
            .and_then(|b| b.attributes.get(attr))
            .cloned()
            .ok_or_else(|| invalid(format!("!GetAtt {id}.{attr}: not known to the local stack")))
    }

    fn substitute(
        &self,
        text: &str,
        vars: &BTreeMap<String, String>,
    ) -> Result<String, TemplateError> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| invalid(format!("!Sub {text:?}: unclosed ${{")))?;
            let name = &after[..end];
            let value = if let Some(v) = vars.get(name) {
                v.clone()
            } else if let Some((id, attr)) = name.split_once('.') {
                self.attribute(id, attr)?
            } else {
                self.reference(name)?
            };
            out.push_str(&value);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// Resolves every intrinsic in `v`, leaving plain values as they are.
    pub fn resolve(&self, v: &Value) -> Result<Value, TemplateError> {
        if let Some(s) = self.intrinsic(v)? {
            return Ok(Value::String(s));
        }
        Ok(match v {
            Value::Sequence(items) => Value::Sequence(
                items
                    .iter()
                    .map(|i| self.resolve(i))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Mapping(map) => {
                let mut out = serde_yaml::Mapping::new();
                for (k, val) in map {
                    out.insert(k.clone(), self.resolve(val)?);
                }
                Value::Mapping(out)
            }
            other => other.clone(),
        })
    }

    /// Resolves `v` to a string (numbers and booleans print as text).
    pub fn resolve_string(&self, v: &Value) -> Result<String, TemplateError> {
        match self.resolve(v)? {
            Value::String(s) => Ok(s),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            other => Err(invalid(format!("expected a string, got {other:?}"))),
        }
    }

    fn intrinsic(&self, v: &Value) -> Result<Option<String>, TemplateError> {
        let (name, arg) = match v {
            Value::Tagged(t) => (
                t.tag.to_string().trim_start_matches('!').to_owned(),
                &t.value,
            ),
            Value::Mapping(m) if m.len() == 1 => {
                let Some((k, arg)) = m.iter().next() else {
                    return Ok(None);
                };
                match k.as_str() {
                    Some("Ref") => ("Ref".to_owned(), arg),
                    Some(k) if k.starts_with("Fn::") => {
                        (k.trim_start_matches("Fn::").to_owned(), arg)
                    }
                    _ => return Ok(None),
                }
            }
            _ => return Ok(None),
        };
        let text = |a: &Value| a.as_str().map(str::to_owned);
        let resolved = match name.as_str() {
            "Ref" => self.reference(&text(arg).ok_or_else(|| invalid("!Ref needs a name"))?)?,
            "GetAtt" => {
                let (id, attr) = match arg {
                    Value::String(s) => s
                        .split_once('.')
                        .map(|(a, b)| (a.to_owned(), b.to_owned()))
                        .ok_or_else(|| invalid(format!("!GetAtt {s}: expected Id.Attribute")))?,
                    Value::Sequence(parts) if parts.len() == 2 => (
                        text(&parts[0]).unwrap_or_default(),
                        text(&parts[1]).unwrap_or_default(),
                    ),
                    _ => return Err(invalid("!GetAtt needs Id.Attribute")),
                };
                self.attribute(&id, &attr)?
            }
            "Sub" => match arg {
                Value::String(s) => self.substitute(s, &BTreeMap::new())?,
                Value::Sequence(parts) if parts.len() == 2 => {
                    let s = text(&parts[0]).ok_or_else(|| invalid("!Sub needs a string"))?;
                    let mut vars = BTreeMap::new();
                    if let Some(m) = parts[1].as_mapping() {
                        for (k, v) in m {
                            if let Some(k) = k.as_str() {
                                vars.insert(k.to_owned(), self.resolve_string(v)?);
                            }
                        }
                    }
                    self.substitute(&s, &vars)?
                }
                _ => return Err(invalid("!Sub needs a string")),
            },
            other => {
                return Err(invalid(format!(
                    "intrinsic {other} is not supported locally"
                )))
            }
        };
        Ok(Some(resolved))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_checked_as_cloudformation_does() {
        let t = Template::parse(
            "Parameters:\n  Arn: {Type: String, AllowedPattern: \"arn:[a-z]+\"}\n  Level: {Type: String, Default: INFO, AllowedValues: [INFO, WARN]}\nResources: {}\n",
        )
        .expect("parses");
        let with = |arn: Option<&str>, level: &str| {
            let mut v = BTreeMap::from([("Level".to_owned(), level.to_owned())]);
            if let Some(a) = arn {
                v.insert("Arn".into(), a.into());
            }
            t.check_parameters(&v)
        };
        assert!(with(Some("arn:sns"), "INFO").is_ok());
        assert!(
            with(Some("xarn:sns"), "INFO").is_err(),
            "the whole value must match"
        );
        assert!(with(Some(""), "INFO").is_err());
        assert!(with(None, "INFO").is_err(), "no default, no value");
        assert!(with(Some("arn:sns"), "DEBUG").is_err());
    }

    const T: &str = r#"
Parameters:
  Issuer: {Type: String, Default: "https://auth/"}
Globals:
  Function:
    Timeout: 10
    Environment:
      Variables:
        TABLE: !Ref Table
Resources:
  Table: {Type: AWS::DynamoDB::Table, Properties: {}}
  ApiGetThing:
    Type: AWS::Serverless::Function
    Properties:
      MemorySize: 512
      Environment:
        Variables:
          ARN: !GetAtt Table.Arn
          NAME: !Sub "${AWS::StackName}-${Issuer}"
          LONG: {"Fn::Sub": ["x-${v}", {v: {Ref: Table}}]}
      Events:
        R: {Type: HttpApi, Properties: {Path: "/things/{id}", Method: get}}
"#;

    #[test]
    fn functions_and_intrinsics() {
        let t = Template::parse(T).expect("parses");
        let f = &t.functions().expect("functions")[0];
        assert_eq!(f.name, "api-get-thing");
        assert_eq!(f.timeout, Duration::from_secs(10));
        assert_eq!(f.memory_mb, 512);
        assert_eq!(
            f.routes,
            [Route {
                method: "GET".into(),
                path: "/things/{id}".into()
            }]
        );
        let mut b = Bindings {
            parameters: t.parameter_defaults(),
            ..Default::default()
        };
        b.resources.insert(
            "Table".into(),
            Binding {
                reference: "tbl".into(),
                attributes: [("Arn".to_owned(), "arn:tbl".to_owned())].into(),
            },
        );
        let env: BTreeMap<_, _> = f
            .environment
            .iter()
            .map(|(k, v)| (k.as_str(), b.resolve_string(v).expect("resolves")))
            .collect();
        assert_eq!(env["TABLE"], "tbl");
        assert_eq!(env["ARN"], "arn:tbl");
        assert_eq!(env["NAME"], "tug-coach-local-https://auth/");
        assert_eq!(env["LONG"], "x-tbl");
    }

    #[test]
    fn unknown_reference_is_an_error() {
        let b = Bindings::default();
        let v: Value = serde_yaml::from_str("!Ref Nope").expect("yaml");
        assert!(b.resolve(&v).is_err());
    }

    #[test]
    fn kebab() {
        assert_eq!(kebab_case("JobGenerateSegment"), "job-generate-segment");
        assert_eq!(kebab_case("AdminSystemHealth"), "admin-system-health");
    }
}
