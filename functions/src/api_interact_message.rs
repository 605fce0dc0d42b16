//! `POST /coaching/messages/{id}/interact` with `{"action": "read" | "opened" | "acted" |
//! "dismissed"}`: records the interaction once (`coaching::app::interactions::interact`). A
//! repeated call answers 200 with `changed: false` and changes nothing; acting extends the
//! message's retention; the variant's counters move in the same transaction.
//!
//! `MessageActedOn` goes to the bus after an `acted` call, repeated calls included: if the
//! publish fails the call answers 502 and the app's retry publishes again, so the event is
//! delivered at least once (consumers dedupe by message id).

use chrono::Utc;
use coaching::app::interactions::{interact, Interacted};
use coaching::aws::eventbridge::Bus;
use coaching::domain::messages::{Interaction, Message};
use coaching::edge::http::{
    caller, is_message_id, json_body, json_response, message_not_found, path_param, Problem,
};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Error, Request, Response};
use serde::{Deserialize, Serialize};

use crate::common::respond::finish;
use crate::Stores;

/// Largest interaction body, in bytes.
pub const MAX_INTERACT_BYTES: usize = 1024;

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
pub async fn handle(
    stores: &Stores,
    bus: Option<&Bus>,
    req: Request,
) -> Result<Response<Body>, Error> {
    finish(respond(stores, bus, &req).await)
}

async fn respond(
    stores: &Stores,
    bus: Option<&Bus>,
    req: &Request,
) -> Result<Response<Body>, Problem> {
    let user = caller(req)?;
    let id = path_param(req, "id");
    if !is_message_id(&id) {
        return Err(message_not_found());
    }
    let input: InteractInput = json_body(req, MAX_INTERACT_BYTES)?;
    match interact(&stores.messages, bus, &user, &id, input.action, Utc::now()).await? {
        Interacted::Done { changed, message } => Ok(json_response(
            StatusCode::OK,
            &Outcome {
                changed,
                message: &message,
            },
        )),
        Interacted::NotFound => Err(message_not_found()),
        Interacted::NotDelivered => Err(Problem::not_delivered()),
        Interacted::Contended => Err(Problem::new(
            StatusCode::CONFLICT,
            "concurrent-update",
            "The message is being changed by another request",
        )
        .detail("Retry the call; it is safe to repeat.")),
    }
}
