//! What a user does with a delivered message (read, opened, acted, dismissed) and their
//! feedback on it.
//!
//! Idempotence: an interaction sets each timestamp only if absent, with a write conditioned on
//! the message as read (a concurrent change makes it read again, at most [`ATTEMPTS`] times),
//! so a repeat changes nothing; the variant's counters move in the same transaction.
//! `MessageActedOn` is published after every `acted` call, repeats included: a failed publish
//! fails the call, and the app's retry publishes again (consumers dedupe by message id).
//! Feedback is one attribute replaced whole, so repeating it stores the same feedback.

use chrono::{DateTime, Utc};

use crate::app::AppError;
use crate::aws::dynamo::MessageStore;
use crate::aws::eventbridge::Bus;
use crate::domain::events::{DomainEvent, MessageActedOn};
use crate::domain::messages::{
    interact as decide, Feedback, FeedbackInput, Interaction, InteractionError, Message,
};
use crate::domain::preferences::FieldError;
use crate::domain::user::UserId;

/// Attempts when a concurrent interaction changed the message between read and write.
pub const ATTEMPTS: usize = 4;

/// What an interaction call came to.
#[derive(Debug)]
pub enum Interacted {
    /// Recorded (`changed`), or already recorded (a repeat); the message as it now is.
    Done {
        changed: bool,
        message: Box<Message>,
    },
    /// No such message of this user.
    NotFound,
    /// The message has not reached the user (scheduled, sending, failed, expired).
    NotDelivered,
    /// Concurrent writes kept changing the message; a retry is safe.
    Contended,
}

/// Records `action` on the user's message `id` at `now`.
pub async fn interact(
    messages: &MessageStore,
    bus: Option<&Bus>,
    user: &UserId,
    id: &str,
    action: Interaction,
    now: DateTime<Utc>,
) -> Result<Interacted, AppError> {
    for _ in 0..ATTEMPTS {
        let Some(message) = messages.get(user, id).await? else {
            return Ok(Interacted::NotFound);
        };
        let change = match decide(&message, action, now) {
            Ok(Some(change)) => change,
            Ok(None) => {
                announce(bus, user, action, &message).await?;
                return Ok(Interacted::Done {
                    changed: false,
                    message: Box::new(message),
                });
            }
            Err(InteractionError::NotDelivered) => return Ok(Interacted::NotDelivered),
        };
        // Conditioned on what was read: if another call got in between, read again.
        if messages.apply_interaction(user, &message, &change).await? {
            let after = change.applied_to(&message);
            announce(bus, user, action, &after).await?;
            return Ok(Interacted::Done {
                changed: true,
                message: Box::new(after),
            });
        }
    }
    tracing::warn!(message_id = %id, "interaction kept losing to concurrent writes");
    Ok(Interacted::Contended)
}

/// Publishes `MessageActedOn` for an `acted` call on a message that is acted on.
async fn announce(
    bus: Option<&Bus>,
    user: &UserId,
    action: Interaction,
    m: &Message,
) -> Result<(), AppError> {
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
    .await?;
    Ok(())
}

/// What a feedback call came to.
#[derive(Debug)]
pub enum FeedbackGiven {
    /// Stored; `first` when the message had none before.
    Stored {
        first: bool,
        feedback: Feedback,
    },
    NotFound,
    NotDelivered,
    /// The feedback broke these rules.
    Invalid(Vec<FieldError>),
}

/// Stores the user's feedback on message `id` (replacing an earlier one, keeping its first
/// `submitted_at`).
pub async fn give_feedback(
    messages: &MessageStore,
    user: &UserId,
    id: &str,
    input: FeedbackInput,
    now: DateTime<Utc>,
) -> Result<FeedbackGiven, AppError> {
    // Two tries: a first feedback that lost a race with another first one (its condition
    // failed) is read again and stored as the replacement it now is.
    for _ in 0..2 {
        let Some(message) = messages.get(user, id).await? else {
            return Ok(FeedbackGiven::NotFound);
        };
        if !message.delivered() {
            return Ok(FeedbackGiven::NotDelivered);
        }
        let feedback = match input.clone().into_feedback(message.feedback.as_ref(), now) {
            Ok(f) => f,
            Err(errors) => return Ok(FeedbackGiven::Invalid(errors)),
        };
        if messages.put_feedback(user, &message, &feedback).await? {
            return Ok(FeedbackGiven::Stored {
                first: message.feedback.is_none(),
                feedback,
            });
        }
    }
    // The condition kept failing: the message went away meanwhile (an erasure).
    Ok(FeedbackGiven::NotFound)
}
