//! `POST /coaching/messages/{id}/interact` with `{"action": "read" | "opened" | "acted" |
//! "dismissed"}`: records the interaction once. Timestamps are set only if absent, so a
//! repeated call answers 200 with `changed: false` and changes nothing; acting extends the
//! message's retention; the variant's counters move in the same transaction.
//!
//! `MessageActedOn` goes to the bus after an `acted` call, repeated calls included: if the
//! publish fails the call answers 502 and the app's retry publishes again, so the event is
//! delivered at least once (consumers dedupe by message id).

use chrono::Utc;
use coaching::aws::eventbridge::Bus;
use coaching::domain::events::{DomainEvent, MessageActedOn};
use coaching::domain::messages::{interact, Interaction, InteractionError, Message};
use coaching::edge::http::{
    caller, is_message_id, json_body, json_response, message_not_found, path_param, Problem,
};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Error, Request, Response};
use serde::{Deserialize, Serialize};

use crate::respond::{bus_failed, finish, internal};
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
pub async fn handle(
    stores: &Stores,
    bus: Option<&Bus>,
    req: Request,
) -> Result<Response<Body>, Error> {
    finish(respond(stores, bus, &req).await)
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
    for _ in 0..ATTEMPTS {
        let message = stores
            .messages
            .get(&user, &id)
            .await
            .map_err(internal("reading a message"))?
            .ok_or_else(message_not_found)?;
        let change = match interact(&message, input.action, Utc::now()) {
            Ok(Some(change)) => change,
            Ok(None) => {
                announce(bus, &user, input.action, &message).await?;
                return Ok(ok(false, &message));
            }
            Err(InteractionError::NotDelivered) => return Err(not_delivered()),
        };
        // Conditioned on what was read: if another call got in between, read again.
        if stores
            .messages
            .apply_interaction(&user, &message, &change)
            .await
            .map_err(internal("recording an interaction"))?
        {
            let after = change.applied_to(&message);
            announce(bus, &user, input.action, &after).await?;
            return Ok(ok(true, &after));
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

/// Publishes `MessageActedOn` for an `acted` call on a message that is acted on.
async fn announce(
    bus: Option<&Bus>,
    user: &coaching::domain::user::UserId,
    action: Interaction,
    m: &Message,
) -> Result<(), Problem> {
    let (Some(bus), Interaction::Acted, Some(acted_at)) = (bus, action, m.acted_at) else {
        return Ok(());
    };
    bus.publish(&[DomainEvent::MessageActedOn(MessageActedOn {
        user_id: user.as_str().to_owned(),
        message_id: m.id.clone(),
        message_type: m.message_type,
        template_id: m.template_id.clone(),
        variant_id: m.variant_id.clone(),
        acted_at,
    })])
    .await
    .map_err(bus_failed("publishing MessageActedOn"))
}

fn ok(changed: bool, message: &Message) -> Response<Body> {
    json_response(StatusCode::OK, &Outcome { changed, message })
}
