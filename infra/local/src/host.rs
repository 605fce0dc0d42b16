//! The local host: serves template.yaml's HTTP routes behind a JWT check (as API Gateway's JWT
//! authorizer would) and the Lambda Invoke API, running the real function binaries.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde_json::json;

use crate::apigw;
use crate::feeders::{Feed, FeedKind};
use crate::jwt::{self, Validation};
use crate::pipes::PipeSpec;
use crate::runtime::{FunctionSpec, Outcome, Pool};
use crate::template::{Bindings, Route, Schedule, Template, TemplateError};

/// API Gateway's payload limit for HTTP APIs.
pub const MAX_HTTP_BODY: usize = 10 * 1024 * 1024;
/// Lambda's limit for a synchronous invocation payload.
pub const MAX_INVOKE_PAYLOAD: usize = 6 * 1024 * 1024;
/// Instances per function running at once.
pub const MAX_CONCURRENCY: usize = 8;

/// How the host runs functions.
#[derive(Debug, Clone)]
pub struct HostOptions {
    /// Where the function binaries are (`target/debug`).
    pub bin_dir: PathBuf,
    /// Where function output goes (one file per function); `None` inherits the host's.
    pub log_dir: Option<PathBuf>,
    /// The SDK environment that points functions at the local stack.
    pub sdk_env: Vec<(String, String)>,
    /// The IAM proxy ([`crate::iam_proxy`]): when set, each function signs with its own key
    /// ([`crate::iam_proxy::access_key`]) and reaches every service through it, so its policy
    /// is enforced.
    pub iam_url: Option<String>,
    pub jwt_secret: Vec<u8>,
}

/// The routes and function pools of a template.
pub struct Host {
    pools: BTreeMap<String, Arc<Pool>>,
    /// The template's function variables (Globals and each function's), resolved.
    environment: BTreeMap<String, String>,
    routes: Vec<(Route, String)>,
    /// Each function's schedules.
    schedules: Vec<(String, Schedule)>,
    /// The queues feeding functions (SQS events and bus-rule taps).
    feeds: Vec<Feed>,
    /// The pipes the host plays ([`crate::pipes`]).
    pipes: Vec<PipeSpec>,
    /// Tap queue URLs of asynchronous event sources, by `function/event`.
    taps: BTreeMap<String, String>,
    /// A function's name in AWS (`FunctionName`) → its name here.
    aliases: BTreeMap<String, String>,
    jwt: Validation,
    /// Where the binaries are (for the hello-world binary of the cold-start bench).
    bin_dir: PathBuf,
}

/// The bare `lambda_runtime` binary the cold-start bench compares every function with
/// (`infra/local/src/bin/bench_hello.rs`, built beside the functions).
pub const HELLO: &str = "bench-hello";

impl Host {
    /// Builds the host for `template`, resolving each function's environment with `bindings`.
    pub fn new(
        template: &Template,
        bindings: &Bindings,
        opts: &HostOptions,
    ) -> Result<Self, TemplateError> {
        let mut pools = BTreeMap::new();
        let mut aliases = BTreeMap::new();
        let mut routes = Vec::new();
        let mut environment = BTreeMap::new();
        let mut schedules = Vec::new();
        let mut feeds = Vec::new();
        for f in template.functions()? {
            for s in &f.schedules {
                schedules.push((f.name.clone(), s.clone()));
            }
            for q in &f.queues {
                let arn = bindings.resolve_string(&q.queue)?;
                let url = bindings.queue_url(&arn).ok_or_else(|| {
                    TemplateError::Invalid(format!("{}.{}: no queue {arn}", f.name, q.event))
                })?;
                feeds.push(Feed {
                    function: f.name.clone(),
                    queue_url: url,
                    queue_arn: arn,
                    batch_size: q.batch_size as i32,
                    concurrency: q.max_concurrency.unwrap_or(2).min(MAX_CONCURRENCY as u32)
                        as usize,
                    kind: FeedKind::Sqs,
                });
            }
            let events = f
                .bus_rules
                .iter()
                .map(|r| &r.event)
                .chain(f.schedules.iter().map(|s| &s.event));
            for event in events {
                if let Some(url) = bindings.taps.get(&format!("{}/{event}", f.name)) {
                    feeds.push(Feed {
                        function: f.name.clone(),
                        queue_url: url.clone(),
                        queue_arn: String::new(),
                        batch_size: 10,
                        concurrency: 2,
                        kind: FeedKind::AsyncTap,
                    });
                }
            }
            let mut env = opts.sdk_env.clone();
            if let Some(url) = &opts.iam_url {
                for (k, v) in &mut env {
                    if k == "AWS_ACCESS_KEY_ID" {
                        *v = crate::iam_proxy::access_key(&f.name);
                    } else if k.starts_with("AWS_ENDPOINT_URL_") {
                        v.clone_from(url);
                    }
                }
            }
            for (k, v) in &f.environment {
                let value = bindings.resolve_string(v)?;
                environment.insert(k.clone(), value.clone());
                env.push((k.clone(), value));
            }
            if let Some(level) = &f.log_level {
                env.push((
                    "AWS_LAMBDA_LOG_LEVEL".into(),
                    bindings.resolve_string(level)?,
                ));
            }
            // As Lambda sets it from LoggingConfig: the runtime then writes JSON lines, so the
            // function logs here as it does in AWS.
            if let Some(format) = &f.log_format {
                env.push((
                    "AWS_LAMBDA_LOG_FORMAT".into(),
                    bindings.resolve_string(format)?,
                ));
            }
            for r in &f.routes {
                routes.push((r.clone(), f.name.clone()));
            }
            let spec = FunctionSpec {
                binary: opts.bin_dir.join(&f.name),
                log_file: opts
                    .log_dir
                    .as_ref()
                    .map(|d| d.join(format!("{}.log", f.name))),
                name: f.name.clone(),
                env,
                timeout: f.timeout,
                memory_mb: f.memory_mb,
            };
            let pool = Arc::new(Pool::new(spec, MAX_CONCURRENCY));
            // Answers to its name in AWS too (`FunctionName`, from the stack's name), so the
            // README's commands work here as printed.
            if let Some(n) = &f.function_name {
                let physical = bindings.resolve_string(n)?;
                if physical != f.name {
                    aliases.insert(physical, f.name.clone());
                }
            }
            pools.insert(f.name, pool);
        }
        let jwt = match template.jwt_authorizer() {
            Some(a) => Validation {
                secret: opts.jwt_secret.clone(),
                issuer: bindings.resolve_string(&a.issuer)?,
                audience: a
                    .audience
                    .iter()
                    .map(|v| bindings.resolve_string(v))
                    .collect::<Result<_, _>>()?,
                leeway: 0,
            },
            None => {
                return Err(TemplateError::Invalid(
                    "the HTTP API has no JWT authorizer".into(),
                ))
            }
        };
        Ok(Host {
            pools,
            environment,
            routes,
            schedules,
            feeds,
            pipes: crate::pipes::specs(template, bindings)?,
            taps: bindings.taps.clone(),
            aliases,
            jwt,
            bin_dir: opts.bin_dir.clone(),
        })
    }

    /// What tokens must satisfy here (secret, issuer, audience).
    pub fn validation(&self) -> &Validation {
        &self.jwt
    }

    /// The template's function variables, resolved (what tests need to reach the same tables).
    pub fn environment(&self) -> &BTreeMap<String, String> {
        &self.environment
    }

    /// The function names served.
    pub fn function_names(&self) -> Vec<String> {
        self.pools.keys().cloned().collect()
    }

    /// The HTTP routes, as `METHOD /path`.
    pub fn routes(&self) -> Vec<String> {
        self.routes
            .iter()
            .map(|(r, _)| format!("{} {}", r.method, r.path))
            .collect()
    }

    /// Each function's schedules, as `(function, schedule)`.
    pub fn schedules(&self) -> &[(String, Schedule)] {
        &self.schedules
    }

    /// The queues that feed functions.
    pub fn feeds(&self) -> &[Feed] {
        &self.feeds
    }

    /// The template's pipes.
    pub fn pipes(&self) -> &[PipeSpec] {
        &self.pipes
    }

    /// The tap queue of `function`'s asynchronous event source `event` (a bus rule or a
    /// schedule), if it has one.
    pub fn tap(&self, function: &str, event: &str) -> Option<&str> {
        self.taps
            .get(&format!("{function}/{event}"))
            .map(String::as_str)
    }

    /// The pool of a function, by its name here or in AWS.
    fn pool(&self, name: &str) -> Option<&Arc<Pool>> {
        let name = self.aliases.get(name).map_or(name, String::as_str);
        self.pools.get(name)
    }

    /// Invokes a function by name (here or in AWS) with a JSON payload.
    pub async fn invoke(&self, name: &str, payload: Bytes) -> Option<Outcome> {
        let pool = self.pool(name)?.clone();
        Some(pool.invoke(payload).await)
    }

    /// Stops every function instance.
    pub async fn shutdown(&self) {
        for p in self.pools.values() {
            p.shutdown().await;
        }
    }

    /// The axum router of the host.
    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route(
                "/2015-03-31/functions/{name}/invocations",
                post(lambda_invoke),
            )
            .route("/_local/schedules/{name}", post(fire_schedule))
            .route("/_local/cold-start/{name}", post(cold_start))
            .route("/_local/pipes/settled", post(pipes_settled))
            .fallback(http_route)
            .with_state(self)
    }
}

/// Answers once every pipe has handed on what was written before the request (204), or 504
/// after two minutes.
async fn pipes_settled() -> StatusCode {
    if crate::pipes::settled(std::time::Duration::from_secs(120)).await {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::GATEWAY_TIMEOUT
    }
}

/// Fires a function's schedule now and answers with the function's output (502 with the
/// Lambda error payload if it failed, 404 for a function without a schedule).
async fn fire_schedule(State(host): State<Arc<Host>>, Path(name): Path<String>) -> Response {
    let json = |status: StatusCode, body: Bytes| {
        let mut r = (status, body).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        r
    };
    match crate::schedules::fire(&host, &name).await {
        Some(Outcome::Success(out)) => json(StatusCode::OK, out),
        Some(Outcome::FunctionError(e)) => json(StatusCode::BAD_GATEWAY, e),
        None => lambda_error(
            StatusCode::NOT_FOUND,
            "ResourceNotFoundException",
            &format!("No scheduled function {name}"),
        ),
    }
}

/// Starts a fresh instance of a function (or of [`HELLO`]) and answers its init and
/// first-invocation times with the body as payload ([`crate::runtime::ColdStart`]);
/// `?init_only=1` only starts it (no invocation, so no work of the function's loads the
/// machine while other starts are timed).
async fn cold_start(
    State(host): State<Arc<Host>>,
    Path(name): Path<String>,
    axum::extract::Query(query): axum::extract::Query<BTreeMap<String, String>>,
    body: Bytes,
) -> Response {
    let payload = (query.get("init_only").map(String::as_str) != Some("1")).then_some(body);
    let hello;
    let pool = if name == HELLO {
        hello = Pool::new(
            FunctionSpec {
                name: HELLO.into(),
                binary: host.bin_dir.join(HELLO),
                env: Vec::new(),
                timeout: std::time::Duration::from_secs(10),
                memory_mb: 128,
                log_file: None,
            },
            1,
        );
        &hello
    } else {
        match host.pool(&name) {
            Some(p) => p.as_ref(),
            None => {
                return lambda_error(
                    StatusCode::NOT_FOUND,
                    "ResourceNotFoundException",
                    &format!("Function not found: {name}"),
                )
            }
        }
    };
    match pool.cold_start(payload).await {
        Ok(c) => axum::Json(c).into_response(),
        Err(e) => lambda_error(StatusCode::BAD_GATEWAY, "Runtime.InitError", &e),
    }
}

/// The function name of an Invoke path parameter: a name, `name:qualifier`, or an ARN.
fn function_name(raw: &str) -> &str {
    let name = raw.rsplit_once(":function:").map_or(raw, |(_, n)| n);
    name.split(':').next().unwrap_or(name)
}

fn lambda_error(status: StatusCode, kind: &str, message: &str) -> Response {
    let mut resp = (
        status,
        json!({"Type": "User", "message": message}).to_string(),
    )
        .into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(v) = HeaderValue::from_str(kind) {
        h.insert("x-amzn-errortype", v);
    }
    resp
}

async fn lambda_invoke(
    State(host): State<Arc<Host>>,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let name = function_name(&raw).to_owned();
    let Some(pool) = host.pool(&name).cloned() else {
        return lambda_error(
            StatusCode::NOT_FOUND,
            "ResourceNotFoundException",
            &format!("Function not found: {name}"),
        );
    };
    let Ok(payload) = to_bytes(body, MAX_INVOKE_PAYLOAD).await else {
        return lambda_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestTooLargeException",
            "Request must be smaller than 6291456 bytes for the InvokeFunction operation",
        );
    };
    let payload = if payload.iter().all(u8::is_ascii_whitespace) {
        Bytes::from_static(b"{}")
    } else {
        payload
    };
    if serde_json::from_slice::<serde_json::Value>(&payload).is_err() {
        return lambda_error(
            StatusCode::BAD_REQUEST,
            "InvalidRequestContentException",
            "Could not parse request body into json",
        );
    }
    let invocation_type = headers
        .get("x-amz-invocation-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("RequestResponse");
    match invocation_type {
        "DryRun" => return StatusCode::NO_CONTENT.into_response(),
        "Event" => {
            tokio::spawn(async move {
                if let Outcome::FunctionError(e) = pool.invoke(payload).await {
                    tracing::warn!(function = %pool.name(), error = %String::from_utf8_lossy(&e), "async invocation failed");
                }
            });
            return StatusCode::ACCEPTED.into_response();
        }
        "RequestResponse" => {}
        other => {
            return lambda_error(
                StatusCode::BAD_REQUEST,
                "InvalidParameterValueException",
                &format!("Unknown invocation type {other}"),
            )
        }
    }
    let (body, function_error) = match pool.invoke(payload).await {
        Outcome::Success(b) => (b, false),
        Outcome::FunctionError(b) => (b, true),
    };
    let mut resp = (StatusCode::OK, body).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(
        "x-amz-executed-version",
        HeaderValue::from_static("$LATEST"),
    );
    if function_error {
        h.insert(
            "x-amz-function-error",
            HeaderValue::from_static("Unhandled"),
        );
    }
    resp
}

async fn http_route(State(host): State<Arc<Host>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_owned();
    let matched = host.routes.iter().find_map(|(route, name)| {
        let params = apigw::match_path(&route.path, &path)?;
        apigw::method_matches(route, &parts.method).then(|| (route.clone(), name.clone(), params))
    });
    let Some((route, name, path_parameters)) = matched else {
        return apigw::gateway_error(StatusCode::NOT_FOUND, "Not Found");
    };

    let now = chrono::Utc::now();
    let auth = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let claims = match jwt::bearer(auth).and_then(|t| jwt::verify(t, &host.jwt, now.timestamp())) {
        Ok(c) => c,
        Err(e) => {
            tracing::info!(route = %format!("{} {}", route.method, route.path), reason = %e, "401");
            let mut resp = apigw::gateway_error(StatusCode::UNAUTHORIZED, "Unauthorized");
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return resp;
        }
    };
    let Ok(body) = to_bytes(body, MAX_HTTP_BODY).await else {
        return apigw::gateway_error(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large");
    };
    let source_ip = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "127.0.0.1".into());
    let event = apigw::event(&apigw::HttpRequest {
        method: &parts.method,
        path: &path,
        raw_query: parts.uri.query().unwrap_or_default(),
        headers: &parts.headers,
        body: &body,
        route: &route,
        path_parameters,
        claims: jwt::claims_as_strings(&claims),
        source_ip,
        request_id: uuid::Uuid::new_v4().to_string(),
        time_epoch_ms: now.timestamp_millis(),
    });
    match host.invoke(&name, Bytes::from(event.to_string())).await {
        Some(Outcome::Success(payload)) => apigw::response(&payload),
        Some(Outcome::FunctionError(e)) => {
            tracing::error!(function = %name, error = %String::from_utf8_lossy(&e), "function failed");
            apigw::gateway_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
        }
        None => apigw::gateway_error(StatusCode::NOT_FOUND, "Not Found"),
    }
}

#[cfg(test)]
mod tests {
    use super::function_name;

    #[test]
    fn invoke_names() {
        assert_eq!(function_name("admin-cleanup"), "admin-cleanup");
        assert_eq!(function_name("admin-cleanup:$LATEST"), "admin-cleanup");
        assert_eq!(
            function_name("arn:aws:lambda:us-east-1:123456789012:function:admin-cleanup"),
            "admin-cleanup"
        );
    }
}
