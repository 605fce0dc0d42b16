//! What the Lambda handlers share to translate their events and responses: the HTTP API's
//! caller identity, bounded bodies, parameters, versions and problem+json ([`http`]; a
//! problem converts from every adapter's error). The non-HTTP event shapes (SQS batches,
//! EventBridge events) are `aws_lambda_events`'. May use every other group.

pub mod http;
