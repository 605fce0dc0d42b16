//! Runs the real function binaries as Lambda does: each instance is a process of the binary
//! with `AWS_LAMBDA_RUNTIME_API` pointing at a Runtime API served here, so the binary's own
//! `main` (config, clients, `lambda_runtime::run`) is exercised. An instance takes one
//! invocation at a time; a pool starts more instances for concurrent calls, keeps them warm,
//! and replaces one that crashed or timed out.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tokio::net::TcpListener;
use tokio::process::Command;
use tokio::sync::{mpsc, oneshot, Mutex, Notify, Semaphore};

use crate::procs;
use crate::template::{ACCOUNT_ID, REGION};

/// How a function is started.
#[derive(Debug, Clone)]
pub struct FunctionSpec {
    pub name: String,
    pub binary: PathBuf,
    /// The complete environment of the process (nothing is inherited but `PATH`).
    pub env: Vec<(String, String)>,
    pub timeout: Duration,
    pub memory_mb: u32,
    /// Where the process's stdout/stderr go; `None` inherits the host's.
    pub log_file: Option<PathBuf>,
}

/// The result of one invocation.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The function's response payload.
    Success(Bytes),
    /// The function reported an error (or crashed, or timed out): a Lambda error payload
    /// `{"errorType", "errorMessage"}`.
    FunctionError(Bytes),
}

fn error_payload(error_type: &str, message: &str) -> Bytes {
    Bytes::from(serde_json::json!({"errorType": error_type, "errorMessage": message}).to_string())
}

struct Invocation {
    request_id: String,
    payload: Bytes,
    deadline_ms: u128,
    reply: oneshot::Sender<Outcome>,
}

/// The Runtime API state of one instance.
struct RuntimeApi {
    queue: Mutex<mpsc::Receiver<Invocation>>,
    pending: Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
    init_error: Mutex<Option<String>>,
    function_arn: String,
    /// When the process first asked for an invocation: the end of its init, as Lambda
    /// counts it.
    ready_at: std::sync::OnceLock<Instant>,
    ready: Notify,
}

/// How long a fresh instance took: init (process start to its first `/next`) and its first
/// invocation (sent to answered), if it had one.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ColdStart {
    pub init_ms: f64,
    /// Absent when the instance was only started.
    pub first_invoke_ms: Option<f64>,
    /// Whether the first invocation succeeded (true when there was none).
    pub ok: bool,
    /// The `errorType` the first invocation failed with (a structured refusal such as
    /// `NotFound` is an answer; `Runtime.ExitError` is a crash).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
}

struct Instance {
    api: Arc<RuntimeApi>,
    spawned_at: Instant,
    inbox: mpsc::Sender<Invocation>,
    dead: Arc<AtomicBool>,
    kill: Mutex<Option<oneshot::Sender<()>>>,
}

impl Instance {
    async fn stop(&self) {
        if let Some(k) = self.kill.lock().await.take() {
            let _ = k.send(());
        }
    }
}

/// The warm instances of one function.
pub struct Pool {
    spec: FunctionSpec,
    idle: Mutex<Vec<Arc<Instance>>>,
    slots: Semaphore,
}

impl Pool {
    /// A pool running at most `max_concurrency` instances of `spec` at once.
    pub fn new(spec: FunctionSpec, max_concurrency: usize) -> Self {
        Pool {
            spec,
            idle: Mutex::new(Vec::new()),
            slots: Semaphore::new(max_concurrency.max(1)),
        }
    }

    /// The function's name.
    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// Invokes the function with `payload` and waits for its outcome.
    pub async fn invoke(&self, payload: Bytes) -> Outcome {
        let Ok(_slot) = self.slots.acquire().await else {
            return Outcome::FunctionError(error_payload("Local.Closed", "the host is stopping"));
        };
        let instance = match self.take_idle().await {
            Some(i) => i,
            None => match self.start_instance().await {
                Ok(i) => i,
                Err(e) => {
                    return Outcome::FunctionError(error_payload("Runtime.InitError", &e));
                }
            },
        };
        let outcome = self.run(&instance, payload).await;
        if !instance.dead.load(Ordering::SeqCst) {
            self.idle.lock().await.push(instance);
        }
        outcome
    }

    /// Starts a fresh instance (whatever is warm), times its init and (with a `payload`) its
    /// first invocation, and stops it.
    pub async fn cold_start(&self, payload: Option<Bytes>) -> Result<ColdStart, String> {
        let instance = self.start_instance().await?;
        // Ready at its first `/next`; a process that exits first (or never asks) is an error
        // as soon as that is known, not after the function's whole timeout.
        let deadline = Instant::now() + self.spec.timeout;
        let ready = loop {
            let tick =
                tokio::time::timeout(Duration::from_millis(50), instance.api.ready.notified());
            if tick.await.is_ok() {
                break true;
            }
            if instance.dead.load(Ordering::SeqCst) || Instant::now() >= deadline {
                break false;
            }
        };
        let init = match (ready, instance.api.ready_at.get()) {
            (true, Some(at)) => at.duration_since(instance.spawned_at),
            _ => {
                instance.stop().await;
                let why = instance.api.init_error.lock().await.clone();
                return Err(why.unwrap_or_else(|| format!("{} never became ready", self.spec.name)));
            }
        };
        let Some(payload) = payload else {
            instance.stop().await;
            return Ok(ColdStart {
                init_ms: init.as_secs_f64() * 1e3,
                first_invoke_ms: None,
                ok: true,
                error_type: None,
            });
        };
        let sent = Instant::now();
        let outcome = self.run(&instance, payload).await;
        let first = sent.elapsed();
        instance.stop().await;
        let error_type = match &outcome {
            Outcome::Success(_) => None,
            Outcome::FunctionError(e) => Some(
                serde_json::from_slice::<serde_json::Value>(e)
                    .ok()
                    .and_then(|v| v["errorType"].as_str().map(str::to_owned))
                    .unwrap_or_else(|| "unreadable error payload".to_owned()),
            ),
        };
        Ok(ColdStart {
            init_ms: init.as_secs_f64() * 1e3,
            first_invoke_ms: Some(first.as_secs_f64() * 1e3),
            ok: error_type.is_none(),
            error_type,
        })
    }

    /// Runs one invocation on `instance` (stopping it if it times out).
    async fn run(&self, instance: &Instance, payload: Bytes) -> Outcome {
        let (reply, answer) = oneshot::channel();
        let deadline_ms = now_ms() + self.spec.timeout.as_millis();
        let invocation = Invocation {
            request_id: uuid::Uuid::new_v4().to_string(),
            payload,
            deadline_ms,
            reply,
        };
        if instance.inbox.send(invocation).await.is_err() {
            return Outcome::FunctionError(error_payload(
                "Runtime.ExitError",
                "the function's process is gone",
            ));
        }
        match tokio::time::timeout(self.spec.timeout, answer).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_)) => Outcome::FunctionError(error_payload(
                "Runtime.ExitError",
                "the function's process exited during the invocation",
            )),
            Err(_) => {
                // Never handed out again (the watcher marks it too, once the process is gone).
                instance.dead.store(true, Ordering::SeqCst);
                instance.stop().await;
                Outcome::FunctionError(error_payload(
                    "Sandbox.Timedout",
                    &format!(
                        "Task timed out after {} seconds",
                        self.spec.timeout.as_secs()
                    ),
                ))
            }
        }
    }

    async fn take_idle(&self) -> Option<Arc<Instance>> {
        let mut idle = self.idle.lock().await;
        while let Some(i) = idle.pop() {
            if !i.dead.load(Ordering::SeqCst) {
                return Some(i);
            }
        }
        None
    }

    /// Stops every idle instance.
    pub async fn shutdown(&self) {
        self.slots.close();
        for i in self.idle.lock().await.drain(..) {
            i.stop().await;
        }
    }

    async fn start_instance(&self) -> Result<Arc<Instance>, String> {
        let spec = &self.spec;
        if !spec.binary.is_file() {
            return Err(format!(
                "{} is not built: run `cargo build --bins` first",
                spec.binary.display()
            ));
        }
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("cannot bind the runtime API: {e}"))?;
        let addr = listener
            .local_addr()
            .map_err(|e| format!("cannot bind the runtime API: {e}"))?;
        let (inbox, queue) = mpsc::channel(1);
        let api = Arc::new(RuntimeApi {
            queue: Mutex::new(queue),
            pending: Mutex::new(HashMap::new()),
            init_error: Mutex::new(None),
            ready_at: std::sync::OnceLock::new(),
            ready: Notify::new(),
            function_arn: format!(
                "arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{}",
                spec.name
            ),
        });
        let router = runtime_router(api.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(no_delay(listener), router).await;
        });

        let mut cmd = Command::new(&spec.binary);
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(spec.env.iter().map(|(k, v)| (k, v)))
            .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", &spec.name)
            .env(
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                spec.memory_mb.to_string(),
            )
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env(
                "AWS_LAMBDA_LOG_GROUP_NAME",
                format!("/aws/lambda/{}", spec.name),
            )
            .env(
                "AWS_LAMBDA_LOG_STREAM_NAME",
                uuid::Uuid::new_v4().to_string(),
            )
            .stdin(Stdio::null());
        procs::route_output(&mut cmd, spec.log_file.as_deref())?;
        procs::die_with_parent(&mut cmd);
        let spawned_at = Instant::now();
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", spec.binary.display()))?;

        let dead = Arc::new(AtomicBool::new(false));
        let (kill, killed) = oneshot::channel::<()>();
        let watcher_api = api.clone();
        let watcher_dead = dead.clone();
        let name = spec.name.clone();
        tokio::spawn(async move {
            let status = tokio::select! {
                s = child.wait() => s.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string()),
                _ = killed => {
                    let _ = child.kill().await;
                    "stopped by the host".to_owned()
                }
            };
            watcher_dead.store(true, Ordering::SeqCst);
            server.abort();
            let init = watcher_api.init_error.lock().await.clone();
            let message = match init {
                Some(e) => format!("{name} failed to start: {e}"),
                None => format!("{name} exited: {status}"),
            };
            // Fail whatever the process held or had not picked up yet.
            for (_, reply) in watcher_api.pending.lock().await.drain() {
                let _ = reply.send(Outcome::FunctionError(error_payload(
                    "Runtime.ExitError",
                    &message,
                )));
            }
            let mut queue = watcher_api.queue.lock().await;
            queue.close();
            while let Ok(inv) = queue.try_recv() {
                let _ = inv.reply.send(Outcome::FunctionError(error_payload(
                    "Runtime.ExitError",
                    &message,
                )));
            }
        });
        Ok(Arc::new(Instance {
            api,
            spawned_at,
            inbox,
            dead,
            kill: Mutex::new(Some(kill)),
        }))
    }
}

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default()
}

fn runtime_router(api: Arc<RuntimeApi>) -> Router {
    Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(response),
        )
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(init_error))
        .with_state(api)
}

async fn next(State(api): State<Arc<RuntimeApi>>) -> Response {
    if api.ready_at.set(Instant::now()).is_ok() {
        api.ready.notify_one();
    }
    let invocation = api.queue.lock().await.recv().await;
    let Some(inv) = invocation else {
        // The instance is being retired: like a frozen Lambda sandbox, never answer.
        return std::future::pending().await;
    };
    api.pending
        .lock()
        .await
        .insert(inv.request_id.clone(), inv.reply);
    let mut headers = HeaderMap::new();
    let mut put = |k: &'static str, v: String| {
        if let Ok(v) = HeaderValue::from_str(&v) {
            headers.insert(k, v);
        }
    };
    put("lambda-runtime-aws-request-id", inv.request_id.clone());
    put("lambda-runtime-deadline-ms", inv.deadline_ms.to_string());
    put(
        "lambda-runtime-invoked-function-arn",
        api.function_arn.clone(),
    );
    put(
        "lambda-runtime-trace-id",
        format!(
            "Root=1-{:08x}-{}",
            now_ms() / 1000,
            inv.request_id.replace('-', "")[..24].to_owned()
        ),
    );
    put("content-type", "application/json".to_owned());
    (StatusCode::OK, headers, inv.payload).into_response()
}

/// Hands the outcome of invocation `id` to its caller; 400 for an unknown id.
async fn complete(api: &RuntimeApi, id: &str, outcome: Outcome) -> StatusCode {
    match api.pending.lock().await.remove(id) {
        Some(reply) => {
            let _ = reply.send(outcome);
            StatusCode::ACCEPTED
        }
        None => StatusCode::BAD_REQUEST,
    }
}

async fn response(
    State(api): State<Arc<RuntimeApi>>,
    Path(id): Path<String>,
    body: Bytes,
) -> StatusCode {
    complete(&api, &id, Outcome::Success(body)).await
}

async fn error(
    State(api): State<Arc<RuntimeApi>>,
    Path(id): Path<String>,
    body: Bytes,
) -> StatusCode {
    complete(&api, &id, Outcome::FunctionError(body)).await
}

async fn init_error(State(api): State<Arc<RuntimeApi>>, body: Bytes) -> StatusCode {
    *api.init_error.lock().await = Some(String::from_utf8_lossy(&body).into_owned());
    StatusCode::ACCEPTED
}

/// `listener` with Nagle's algorithm off on every connection it accepts (the Runtime API's
/// `next` and `response` are small writes that must leave at once).
pub fn no_delay(listener: TcpListener) -> NoDelay {
    use axum::serve::ListenerExt;
    listener.tap_io(set_no_delay)
}

/// A listener whose connections have Nagle's algorithm off ([`no_delay`]).
pub type NoDelay = axum::serve::TapIo<TcpListener, fn(&mut tokio::net::TcpStream)>;

fn set_no_delay(tcp: &mut tokio::net::TcpStream) {
    // A socket that refuses the option still works, only slower.
    let _ = tcp.set_nodelay(true);
}
