//! `GET /coaching/me/export`: everything stored about the caller as one JSON document
//! (GDPR Art. 20): preferences, behaviour summary, devices, messages, and their interactions
//! and feedback listed on their own as well.

use chrono::{DateTime, Utc};
use coaching::aws::dynamo::VersionedPreferences;
use coaching::domain::devices::Device;
use coaching::domain::messages::{Feedback, Message};
use coaching::edge::http::{caller, json_response, query_params, Problem};
use coaching::engine::summary::BehaviourSummary;
use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Error, Request, Response};
use serde::Serialize;

use crate::respond::{finish, internal};
use crate::Stores;

#[derive(Serialize)]
struct InteractionRecord<'a> {
    message_id: &'a str,
    action: &'static str,
    at: DateTime<Utc>,
}

#[derive(Serialize)]
struct FeedbackRecord<'a> {
    message_id: &'a str,
    #[serde(flatten)]
    feedback: &'a Feedback,
}

#[derive(Serialize)]
struct Export<'a> {
    user_id: &'a str,
    exported_at: DateTime<Utc>,
    preferences: &'a VersionedPreferences,
    #[serde(skip_serializing_if = "Option::is_none")]
    behaviour_summary: Option<&'a BehaviourSummary>,
    devices: &'a [Device],
    messages: &'a [Message],
    interactions: Vec<InteractionRecord<'a>>,
    feedback: Vec<FeedbackRecord<'a>>,
}

/// Handles one request; every failure is a problem+json response.
pub async fn handle(stores: &Stores, req: Request) -> Result<Response<Body>, Error> {
    finish(respond(stores, &req).await)
}

async fn respond(stores: &Stores, req: &Request) -> Result<Response<Body>, Problem> {
    let user = caller(req)?;
    query_params(req, &[])?;
    let (profile, messages) = tokio::join!(
        stores.profiles.profile(&user),
        stores.messages.recent(&user, None, usize::MAX)
    );
    let profile = profile.map_err(internal("reading the profile"))?;
    let messages = messages.map_err(internal("reading messages"))?;
    let mut interactions = Vec::new();
    for m in &messages {
        for (action, at) in [
            ("read", m.read_at),
            ("opened", m.opened_at),
            ("acted", m.acted_at),
            ("dismissed", m.dismissed_at),
        ] {
            if let Some(at) = at {
                interactions.push(InteractionRecord {
                    message_id: &m.id,
                    action,
                    at,
                });
            }
        }
    }
    let feedback = messages
        .iter()
        .filter_map(|m| {
            m.feedback.as_ref().map(|f| FeedbackRecord {
                message_id: &m.id,
                feedback: f,
            })
        })
        .collect();
    let export = Export {
        user_id: user.as_str(),
        exported_at: Utc::now(),
        preferences: &profile.preferences,
        behaviour_summary: profile.summary.as_ref().map(|s| &s.summary),
        devices: &profile.devices,
        messages: &messages,
        interactions,
        feedback,
    };
    let mut resp = json_response(StatusCode::OK, &export);
    let headers = resp.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"tug-coach-export.json\""),
    );
    Ok(resp)
}
