//! The local stack and local host of Tug Coach.
//!
//! - [`template`]: reads template.yaml and resolves its intrinsics.
//! - [`stack`]: DynamoDB Local and moto on free ports, provisioned from the template.
//! - [`host`]: the HTTP routes (with the JWT check) and the Lambda Invoke API.
//! - [`schedules`], [`cron`]: fires the template's schedules (each minute, or on demand).
//! - [`feeders`]: feeds SQS queues and bus-rule tap queues to their functions.
//! - [`pipes`]: plays the template's EventBridge Pipes (DynamoDB stream → event bus).
//! - [`runtime`]: the Lambda Runtime API each function process talks to.
//! - [`apigw`]: API Gateway HTTP API payload 2.0 events and responses.
//! - [`jwt`]: HS256 tokens, the local stand-in for the identity provider.
//! - [`iam`], [`iam_proxy`]: each function's policy, enforced on its calls to the stack.
//! - [`procs`]: child process handling.

pub mod apigw;
pub mod cron;
pub mod feeders;
pub mod host;
pub mod iam;
pub mod iam_proxy;
pub mod jwt;
pub mod pipes;
pub mod procs;
pub mod runtime;
pub mod schedules;
pub mod stack;
pub mod template;

/// The JWT secret `make run` uses when `COACH_LOCAL_JWT_SECRET` is not set.
pub const DEFAULT_JWT_SECRET: &str = "tug-coach-local-dev-secret";
