//! `coach-local`: runs Tug Coach on this machine.
//!
//! ```text
//! coach-local run               stack (data kept in .local/dynamodb-data) + host + demo user
//! coach-local test -- CMD ...   stack in memory + host on free ports, runs CMD with the
//!                               environment pointing at them, stops everything after
//! coach-local token [SUB]       prints a dev token for SUB (default demo-user)
//! ```
//! Both feed SQS queues (and bus-rule tap queues) to their functions; `run` fires the
//! template's schedules each minute, `test` only on demand (`POST /_local/schedules/{function}`)
//! unless `COACH_LOCAL_SCHEDULES=1`.
//! Run from the project root (or set `COACH_ROOT`). `COACH_LOCAL_PORT` sets the host's port for
//! `run` (default 3000), `COACH_LOCAL_JWT_SECRET` the token secret.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use coach_local::host::{Host, HostOptions};
use coach_local::iam_proxy::Iam;
use coach_local::stack::{Stack, StackOptions};
use coach_local::template::Template;
use coach_local::{jwt, procs, DEFAULT_JWT_SECRET};
use tokio::net::TcpListener;
use tokio::signal::unix::{signal, SignalKind};

const DEMO_USER: &str = "demo-user";

/// Runs Tug Coach on this machine: DynamoDB Local and moto provisioned from template.yaml,
/// and a host serving the functions' routes, Invoke API, queues and schedules.
#[derive(clap::Parser)]
#[command(name = "coach-local")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// The stack (data kept in .local/dynamodb-data), the host and a demo user, until Ctrl-C.
    Run,
    /// The stack in memory and the host on free ports; runs CMD with the environment pointing
    /// at them, then stops everything and exits with CMD's status.
    Test {
        /// The command and its arguments (after `--`).
        #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
        cmd: Vec<String>,
    },
    /// Prints a dev token for SUB.
    Token {
        #[arg(default_value = DEMO_USER)]
        sub: String,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("COACH_LOCAL_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match Cli::parse().command {
        Command::Run => run().await,
        Command::Test { cmd } => test(cmd).await,
        Command::Token { sub } => token(&sub),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("coach-local: {e}");
            ExitCode::FAILURE
        }
    }
}

type Outcome = Result<ExitCode, String>;

fn root() -> PathBuf {
    std::env::var_os("COACH_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::current_dir().unwrap_or_default())
}

fn jwt_secret() -> Vec<u8> {
    std::env::var("COACH_LOCAL_JWT_SECRET")
        .unwrap_or_else(|_| DEFAULT_JWT_SECRET.to_owned())
        .into_bytes()
}

fn load_template() -> Result<Template, String> {
    Template::load(&root().join("template.yaml")).map_err(|e| e.to_string())
}

/// Starts the stack, its IAM proxy and a host (not yet serving).
async fn start(
    data_dir: Option<PathBuf>,
    log_dir: PathBuf,
    function_logs: Option<PathBuf>,
) -> Result<(Stack, Arc<Host>, Arc<Iam>, String), String> {
    let template = load_template()?;
    let root = root();
    let stack = Stack::start(
        &StackOptions {
            root: root.clone(),
            data_dir,
            log_dir,
        },
        &template,
    )
    .await
    .map_err(|e| e.to_string())?;
    let iam = Arc::new(
        Iam::new(
            &template,
            &stack.bindings,
            &stack.dynamodb_url,
            &stack.moto_url,
        )
        .map_err(|e| e.to_string())?,
    );
    let iam_port = procs::free_port().map_err(|e| e.to_string())?;
    let iam_listener = TcpListener::bind(("127.0.0.1", iam_port))
        .await
        .map_err(|e| e.to_string())?;
    let iam_url = format!("http://127.0.0.1:{iam_port}");
    let proxy = iam.clone().router();
    tokio::spawn(async move {
        if let Err(e) = axum::serve(coach_local::runtime::no_delay(iam_listener), proxy).await {
            tracing::error!(error = %e, "the IAM proxy stopped");
        }
    });
    let host = Host::new(
        &template,
        &stack.bindings,
        &HostOptions {
            bin_dir: std::env::var_os("COACH_BIN_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| root.join("target/debug")),
            log_dir: function_logs,
            sdk_env: stack.sdk_env(),
            iam_url: Some(iam_url.clone()),
            jwt_secret: jwt_secret(),
        },
    )
    .map_err(|e| e.to_string())?;
    Ok((stack, Arc::new(host), iam, iam_url))
}

/// Starts feeding the queues to their functions and, if `schedules` is set, firing the
/// schedules each minute. The tasks run until aborted.
async fn start_background(
    stack: &Stack,
    host: &Arc<Host>,
    schedules: bool,
) -> Result<Vec<tokio::task::JoinHandle<()>>, String> {
    let armed = coach_local::schedules::arm(host)?;
    let sqs = stack.sqs_client().await;
    let mut tasks = coach_local::feeders::start(host.clone(), sqs.clone(), host.feeds().to_vec());
    tasks.extend(coach_local::pipes::start(
        host.pipes().to_vec(),
        stack.dynamodb_url.clone(),
        stack.events_client().await,
        sqs.clone(),
    ));
    if schedules {
        tasks.push(coach_local::schedules::start(host.clone(), sqs, armed));
    }
    Ok(tasks)
}

fn serve(host: Arc<Host>, listener: TcpListener) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let app = host
            .router()
            .into_make_service_with_connect_info::<SocketAddr>();
        if let Err(e) = axum::serve(coach_local::runtime::no_delay(listener), app).await {
            tracing::error!(error = %e, "the host stopped");
        }
    })
}

/// Resolves when SIGINT or SIGTERM arrives.
async fn stop_signal() {
    let (Ok(mut int), Ok(mut term)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = int.recv() => {}
        _ = term.recv() => {}
    }
}

async fn run() -> Outcome {
    let root = root();
    let port: u16 = match std::env::var("COACH_LOCAL_PORT") {
        Ok(p) => p
            .parse()
            .map_err(|_| format!("COACH_LOCAL_PORT={p} is not a port"))?,
        Err(_) => 3000,
    };
    let listener = TcpListener::bind(("127.0.0.1", port)).await.map_err(|e| {
        format!("cannot listen on 127.0.0.1:{port} ({e}); set COACH_LOCAL_PORT to another port")
    })?;
    // Refused calls are logged as they happen (`IAM: access denied`).
    let (mut stack, host, _iam, _iam_url) = start(
        Some(root.join(".local/dynamodb-data")),
        root.join(".local/logs"),
        None,
    )
    .await?;
    let version = seed_demo_user(&stack).await?;
    let restored = stack.restore_endpoints().await.map_err(|e| e.to_string())?;
    if restored > 0 {
        eprintln!("coach-local: {restored} stored devices got their push endpoints back");
    }
    let server = serve(host.clone(), listener);
    let background = start_background(&stack, &host, true).await?;

    let url = format!("http://127.0.0.1:{port}");
    let token = jwt::token_for(
        DEMO_USER,
        host.validation(),
        chrono::Utc::now().timestamp(),
        7 * 24 * 3600,
    )
    .map_err(|e| e.to_string())?;
    println!(
        r#"
Tug Coach is running at {url}  (Ctrl-C stops everything)
  routes:      {routes}
  functions:   {functions}
  DynamoDB:    {dynamo} (data in .local/dynamodb-data)   moto: {moto}
  logs:        .local/logs
  schedules:   {schedules} fire on time; fire one now with
               curl -X POST {url}/_local/schedules/job-deliver

A dev token for the demo user "{DEMO_USER}" (7 days; `make token` mints another):
  export TOKEN='{token}'

Try:
  curl -s {url}/coaching/personalization -H "Authorization: Bearer $TOKEN"
  curl -s -X PUT {url}/coaching/personalization -H "Authorization: Bearer $TOKEN" \
       -H 'Content-Type: application/json' -H 'If-Match: "{version}"' \
       -d '{{"timezone":"Europe/Madrid","preferred_tone":"gentle","quiet_hours":{{"start":"23:00","end":"07:30"}}}}'
  curl -s -i {url}/coaching/personalization        # no token: 401
  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION=us-east-1 \
    .local/venv/bin/aws lambda invoke --endpoint-url {url} --function-name api-get-personalization \
    --payload file://events/api-get-personalization.json out.json && cat out.json
"#,
        routes = host.routes().join(", "),
        functions = host.function_names().join(", "),
        dynamo = stack.dynamodb_url,
        moto = stack.moto_url,
        schedules = host
            .schedules()
            .iter()
            .map(|(f, s)| format!("{f} {}", s.expression))
            .collect::<Vec<_>>()
            .join(", "),
    );
    let died = tokio::select! {
        _ = stop_signal() => None,
        why = stack.died() => Some(why),
    };
    match &died {
        None => eprintln!("\ncoach-local: stopping"),
        Some(why) => eprintln!("coach-local: {why}; stopping (see .local/logs)"),
    }
    background.iter().for_each(|t| t.abort());
    server.abort();
    host.shutdown().await;
    stack.stop().await;
    Ok(if died.is_some() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Gives the demo user a preference document once; returns its current version.
async fn seed_demo_user(stack: &Stack) -> Result<u64, String> {
    use coaching::aws::dynamo::{PreferencesWrite, ProfileStore};
    use coaching::domain::preferences::PreferencesInput;

    let table = stack
        .bindings
        .resources
        .get("ProfilesTable")
        .map(|b| b.reference.clone())
        .ok_or("template.yaml has no ProfilesTable")?;
    let store = ProfileStore::new(stack.dynamodb_client().await, table);
    let user = coaching::domain::user::UserId::parse(DEMO_USER)?;
    let current = store.preferences(&user).await.map_err(|e| e.to_string())?;
    if current.version > 0 {
        return Ok(current.version);
    }
    let input: PreferencesInput = serde_json::from_value(serde_json::json!({
        "timezone": "Europe/Madrid",
        "language": "en",
        "preferred_windows": [{"start": "07:00", "end": "09:00"}],
        "custom_motivations": ["Feel strong for my kids"],
        "personalization_consent": true,
    }))
    .map_err(|e| e.to_string())?;
    let prefs = input
        .into_preferences()
        .map_err(|e| format!("demo preferences are invalid: {e:?}"))?;
    match store
        .put_preferences(&user, prefs, 0, chrono::Utc::now())
        .await
        .map_err(|e| e.to_string())?
    {
        PreferencesWrite::Written(doc) => Ok(doc.version),
        PreferencesWrite::Conflict { current } => Ok(current.version),
    }
}

async fn test(cmd: Vec<String>) -> Outcome {
    let Some((program, args)) = cmd.split_first() else {
        return Err("usage: coach-local test -- CMD [ARGS…]".into());
    };
    let root = root();
    let log_dir = root.join("target/local-stack-logs");
    let (mut stack, host, iam, iam_url) =
        start(None, log_dir.clone(), Some(log_dir.join("functions"))).await?;
    let port = procs::free_port().map_err(|e| e.to_string())?;
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| e.to_string())?;
    let server = serve(host.clone(), listener);
    // Tests fire schedules on demand; COACH_LOCAL_SCHEDULES=1 fires them on time as well.
    let on_time = std::env::var("COACH_LOCAL_SCHEDULES").is_ok_and(|v| v == "1");
    let background = start_background(&stack, &host, on_time).await?;

    let mut env: BTreeMap<String, String> = stack.sdk_env().into_iter().collect();
    env.extend(host.environment().clone());
    let v = host.validation();
    env.insert("COACH_HOST_URL".into(), format!("http://127.0.0.1:{port}"));
    env.insert("COACH_MOTO_URL".into(), stack.moto_url.clone());
    env.insert("COACH_DYNAMODB_URL".into(), stack.dynamodb_url.clone());
    env.insert("COACH_LOCAL_IAM_URL".into(), iam_url);
    env.insert(
        "COACH_LOCAL_JWT_SECRET".into(),
        String::from_utf8_lossy(&v.secret).into_owned(),
    );
    env.insert("COACH_JWT_ISSUER".into(), v.issuer.clone());
    env.insert(
        "COACH_JWT_AUDIENCE".into(),
        v.audience.first().cloned().unwrap_or_default(),
    );
    env.insert(
        "PATH".into(),
        format!(
            "{}:{}",
            root.join(".local/venv/bin").display(),
            std::env::var("PATH").unwrap_or_default()
        ),
    );
    eprintln!(
        "coach-local: stack up (DynamoDB {}, moto {}, host http://127.0.0.1:{port}); running {}",
        stack.dynamodb_url,
        stack.moto_url,
        cmd.join(" ")
    );
    let mut child = tokio::process::Command::new(program);
    child.args(args).envs(&env);
    procs::die_with_parent(&mut child);
    let mut child = child
        .spawn()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    let code = tokio::select! {
        status = child.wait() => status.map_err(|e| e.to_string())?.code().unwrap_or(1),
        _ = stop_signal() => {
            let _ = child.kill().await;
            130
        }
        why = stack.died() => {
            eprintln!("coach-local: {why}; stopping {program}");
            let _ = child.kill().await;
            1
        }
    };
    background.iter().for_each(|t| t.abort());
    server.abort();
    host.shutdown().await;
    stack.stop().await;
    // A call a function's policy does not allow fails in AWS: it fails the run here too, even
    // when the tests tolerated the error.
    let denials = iam.denials();
    let code = if denials.is_empty() {
        code
    } else {
        eprintln!("coach-local: template.yaml's policies refused these calls:");
        for d in &denials {
            eprintln!("  {}: {} on {}", d.function, d.call.action, d.call.resource);
        }
        if code == 0 {
            1
        } else {
            code
        }
    };
    if code != 0 {
        eprintln!(
            "coach-local: stack and function logs are in {}",
            log_dir.display()
        );
    }
    Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
}

fn token(sub: &str) -> Outcome {
    let template = load_template()?;
    let bindings = coach_local::template::Bindings {
        parameters: template.parameter_defaults(),
        ..Default::default()
    };
    let authorizer = template
        .jwt_authorizer()
        .ok_or("template.yaml's HTTP API has no JWT authorizer")?;
    let resolve = |v| bindings.resolve_string(v).map_err(|e| e.to_string());
    let v = jwt::Validation {
        secret: jwt_secret(),
        issuer: resolve(&authorizer.issuer)?,
        audience: authorizer
            .audience
            .iter()
            .map(resolve)
            .collect::<Result<_, _>>()?,
        leeway: 0,
    };
    let token = jwt::token_for(sub, &v, chrono::Utc::now().timestamp(), 7 * 24 * 3600)
        .map_err(|e| e.to_string())?;
    println!("{token}");
    Ok(ExitCode::SUCCESS)
}
