//! `POST /coaching/messages/{id}/interact` with `{"action": "read" | "opened" | "acted" |
//! "dismissed"}`: records the interaction once. Timestamps are set only if absent, so a
//! repeated call answers 200 with `changed: false` and changes nothing; acting extends the
//! message's retention; the variant's counters move in the same transaction.

use chrono::Utc;
use coaching::http::{
    caller, is_message_id, json_body, json_response, message_not_found, path_param, Problem,
};
use coaching::messages::{interact, Interaction, InteractionError, Message};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Error, Request, Response};
use serde::{Deserialize, Serialize};

use crate::respond::{finish, internal};
use crate::Stores;

/// Largest interaction body, in bytes.
pub const MAX_INTERACT_BYTES: usize = 1024;
/// Attempts when a concurrent interaction changed the message between read and write.
const ATTEMPTS: usize = 4;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InteractInput {
    action: Interaction,
}

#[derive(Serialize)]
struct Outcome<'a> {
    changed: bool,
    message: &'a Message,
}

/// Handles one request; every failure is a problem+json response.
pub async fn handle(stores: &Stores, req: Request) -> Result<Response<Body>, Error> {
    finish(respond(stores, &req).await)
}

/// 409 for a message that has not reached the user yet.
pub fn not_delivered() -> Problem {
    Problem::new(
        StatusCode::CONFLICT,
        "message-not-delivered",
        "The message has not been delivered",
    )
    .detail("Interactions and feedback are taken once a message has been delivered.")
}

async fn respond(stores: &Stores, req: &Request) -> Result<Response<Body>, Problem> {
    let user = caller(req)?;
    let id = path_param(req, "id");
    if !is_message_id(&id) {
        return Err(message_not_found());
    }
    let input: InteractInput = json_body(req, MAX_INTERACT_BYTES)?;
    for _ in 0..ATTEMPTS {
        let message = stores
            .messages
            .get(&user, &id)
            .await
            .map_err(internal("reading a message"))?
            .ok_or_else(message_not_found)?;
        let change = match interact(&message, input.action, Utc::now()) {
            Ok(Some(change)) => change,
            Ok(None) => return Ok(ok(false, &message)),
            Err(InteractionError::NotDelivered) => return Err(not_delivered()),
        };
        // Conditioned on what was read: if another call got in between, read again.
        if stores
            .messages
            .apply_interaction(&user, &message, &change)
            .await
            .map_err(internal("recording an interaction"))?
        {
            return Ok(ok(true, &change.applied_to(&message)));
        }
    }
    tracing::warn!(message_id = %id, "interaction kept losing to concurrent writes");
    Err(Problem::new(
        StatusCode::CONFLICT,
        "concurrent-update",
        "The message is being changed by another request",
    )
    .detail("Retry the call; it is safe to repeat."))
}

fn ok(changed: bool, message: &Message) -> Response<Body> {
    json_response(StatusCode::OK, &Outcome { changed, message })
}
