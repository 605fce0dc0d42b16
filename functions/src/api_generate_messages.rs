//! `POST /coaching/generate`: runs the engine now for the caller, within their caps and
//! quiet hours, stores what it planned, and says what that was or why nothing was planned.
//! Rate-limited per user ([`MAX_RUNS_PER_HOUR`] a clock hour; 429 with `Retry-After`).
//!
//! Idempotence: each planned message's id comes from (user, trigger occurrence) and is stored
//! with a conditional put, so a retried or concurrent run reports the occurrence as already
//! planned instead of storing it twice.

use chrono::Utc;
use coaching::app::generation::Generator;
use coaching::aws::dynamo::Created;
use coaching::domain::messages::Message;
use coaching::edge::http::{caller, json_body, json_response, query_params, Problem};
use coaching::engine::plan::Skipped;
use coaching::views::summary::nothing_planned_because;
use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Error, Request, Response};
use serde::{Deserialize, Serialize};

use crate::respond::{finish, internal};
use crate::user_view::profile_and_messages;
use crate::Stores;

/// Manual runs a user may start per clock hour.
pub const MAX_RUNS_PER_HOUR: u32 = 6;
/// Largest body (an empty object is all it takes), in bytes.
pub const MAX_GENERATE_BYTES: usize = 256;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct GenerateInput {}

#[derive(Serialize)]
struct Outcome {
    planned: Vec<Message>,
    /// Occurrences a concurrent or earlier run had already stored.
    already_planned: Vec<String>,
    skipped: Vec<Skipped>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nothing_planned_because: Option<String>,
}

/// Handles one request; every failure is a problem+json response.
pub async fn handle(stores: &Stores, req: Request) -> Result<Response<Body>, Error> {
    finish(respond(stores, &req).await)
}

async fn respond(stores: &Stores, req: &Request) -> Result<Response<Body>, Problem> {
    let user = caller(req)?;
    query_params(req, &[])?;
    if !matches!(req.body(), Body::Empty) && !req.body().is_empty() {
        let _: GenerateInput = json_body(req, MAX_GENERATE_BYTES)?;
    }
    let now = Utc::now();
    let hour = now.timestamp() - now.timestamp().rem_euclid(3600);
    if !stores
        .profiles
        .take_rate(&user, "generate", hour, 3600, MAX_RUNS_PER_HOUR)
        .await
        .map_err(internal("taking a generate run"))?
    {
        let wait = hour + 3600 - now.timestamp();
        let mut resp = Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate-limited",
            "Too many generate runs",
        )
        .detail(format!(
            "At most {MAX_RUNS_PER_HOUR} runs an hour; try again in {wait} seconds."
        ))
        .into_response();
        if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return Ok(resp);
    }

    let (profile, messages) = profile_and_messages(stores, &user).await?;
    let generator = Generator::from_store(&stores.templates, &stores.messages)
        .await
        .map_err(internal("reading templates and the fitted model"))?;
    let stats = stores
        .messages
        .variant_stats(&generator.variant_pairs())
        .await
        .map_err(internal("reading variant statistics"))?;
    let result = generator.plan_user(
        &user,
        &profile,
        &messages,
        &stats,
        now,
        coaching::app::generation::plan_seed(user.as_str(), now),
    );
    let prefs = &profile.preferences.preferences;

    let mut outcome = Outcome {
        planned: Vec::new(),
        already_planned: Vec::new(),
        skipped: result.skipped,
        nothing_planned_because: None,
    };
    for planned in &result.messages {
        let message = planned.scheduled(now);
        match stores
            .messages
            .create(&user, &message)
            .await
            .map_err(internal("storing a message"))?
        {
            Created::New => outcome.planned.push(message),
            Created::Exists => outcome.already_planned.push(planned.occurrence.clone()),
        }
    }
    if outcome.planned.is_empty() {
        outcome.nothing_planned_because = Some(
            nothing_planned_because(
                prefs.coaching_enabled,
                outcome.skipped.is_empty() && outcome.already_planned.is_empty(),
            )
            .to_owned(),
        );
    }
    let status = if outcome.planned.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok(json_response(status, &outcome))
}
