//! `POST /coaching/messages/{id}/feedback` with `{"rating": 1–5, "helpful": bool,
//! "comment": "…"}` (at least one): one feedback per message; a later call replaces it and
//! keeps the first `submitted_at`. 201 the first time, 200 after.

use chrono::Utc;
use coaching::domain::messages::FeedbackInput;
use coaching::edge::http::{
    caller, is_message_id, json_body, json_response, message_not_found, path_param, Problem,
};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Error, Request, Response};

use crate::api_interact_message::not_delivered;
use crate::respond::{finish, internal};
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
    // Two tries: a first feedback that lost a race with another first one (its condition
    // failed) is read again and stored as the replacement it now is.
    for _ in 0..2 {
        let message = stores
            .messages
            .get(&user, &id)
            .await
            .map_err(internal("reading a message"))?
            .ok_or_else(message_not_found)?;
        if !message.delivered() {
            return Err(not_delivered());
        }
        let feedback = input
            .clone()
            .into_feedback(message.feedback.as_ref(), Utc::now())
            .map_err(Problem::validation)?;
        // A full replacement of one attribute: repeating it stores the same feedback.
        if stores
            .messages
            .put_feedback(&user, &message, &feedback)
            .await
            .map_err(internal("storing feedback"))?
        {
            let status = if message.feedback.is_some() {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            };
            return Ok(json_response(status, &feedback));
        }
    }
    Err(message_not_found())
}
