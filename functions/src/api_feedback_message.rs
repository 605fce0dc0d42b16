//! `POST /coaching/messages/{id}/feedback` with `{"rating": 1–5, "helpful": bool,
//! "comment": "…"}` (at least one): one feedback per message
//! (`coaching::app::interactions::give_feedback`); a later call replaces it and keeps the
//! first `submitted_at`. 201 the first time, 200 after.

use chrono::Utc;
use coaching::app::interactions::{give_feedback, FeedbackGiven};
use coaching::domain::messages::FeedbackInput;
use coaching::edge::http::{
    caller, is_message_id, json_body, json_response, message_not_found, path_param, Problem,
};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Error, Request, Response};

use crate::common::respond::finish;
use crate::Stores;

/// Largest feedback body, in bytes (a 500-character comment fits in any script).
pub const MAX_FEEDBACK_BYTES: usize = 4096;

/// Handles one request; every failure is a problem+json response.
pub async fn handle(stores: &Stores, req: Request) -> Result<Response<Body>, Error> {
    finish(respond(stores, &req).await)
}

async fn respond(stores: &Stores, req: &Request) -> Result<Response<Body>, Problem> {
    let user = caller(req)?;
    let id = path_param(req, "id");
    if !is_message_id(&id) {
        return Err(message_not_found());
    }
    let input: FeedbackInput = json_body(req, MAX_FEEDBACK_BYTES)?;
    // The body's own rules first, whatever the message's state: nothing is read for a bad one.
    input.check().map_err(Problem::validation)?;
    match give_feedback(&stores.messages, &user, &id, input, Utc::now()).await? {
        FeedbackGiven::Stored { first, feedback } => {
            let status = if first {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok(json_response(status, &feedback))
        }
        FeedbackGiven::NotFound => Err(message_not_found()),
        FeedbackGiven::NotDelivered => Err(Problem::not_delivered()),
        FeedbackGiven::Invalid(errors) => Err(Problem::validation(errors)),
    }
}
