//! `job-fit-model` (daily 00:15 UTC; `{"as_of": time}` replays a past day's fit): fits the
//! learners' model from the last `FIT_DAYS` send days of counters and stores it as that day's
//! version with the streak-risk model fitted from every summary (one scan of the profiles),
//! and stops the experiments its sequential test has decided; and `admin-model` (`{"action": "get", "version": "YYYY-MM-DD"}` — the newest
//! without `version` — or `{"action": "list"}`): a stored model, or the versions.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use coaching::aws::dynamo::{MessageStore, ProfileStore, TemplateStore};
use coaching::engine::learned::{Model, FIT_DAYS};
use coaching::engine::risk::fit_risk;
use lambda_runtime::{Error, LambdaEvent};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::admin::{payload, replay_clock, AdminError};
use crate::admin_experiments::report;
use coaching::domain::preferences::FieldError;

/// Items per page of the summaries' scan.
const SCAN_PAGE: i32 = 500;

/// The `job-fit-model` payload: the schedule's `{"job": "fit-model"}`, or a replay's clock.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct FitInput {
    #[serde(default)]
    pub job: Option<String>,
    /// Fit as of this time (not in the future); the wall clock when absent.
    pub as_of: Option<DateTime<Utc>>,
}

/// What a fit stored, and the experiments it stopped.
#[derive(Serialize, Debug, PartialEq)]
pub struct Fitted {
    /// Experiments the sequential test decided today, with their winners.
    pub experiments_stopped: Vec<(String, Option<String>)>,
    pub version: NaiveDate,
    pub data_from: NaiveDate,
    pub data_to: NaiveDate,
    pub pushes: f64,
    pub types: usize,
    pub arms: usize,
    /// The streak-risk model's held-out Brier score (absent: not enough outcomes yet).
    pub risk_brier: Option<f64>,
}

/// Fits the model as of `at` from the send days before it and stores it (a rerun the same
/// day replaces that day's version with a fit of the same counters plus any late rewards),
/// then stops the running experiments the sequential test has decided (a stop is
/// conditioned on the experiment still running, so a rerun stops nothing twice).
pub async fn fit(
    profiles: &ProfileStore,
    templates: &TemplateStore,
    messages: &MessageStore,
    at: DateTime<Utc>,
) -> Result<Fitted, Error> {
    let data_to = at.date_naive() - Duration::days(1);
    let data_from = data_to - Duration::days(FIT_DAYS - 1);
    let mut rows = Vec::new();
    let mut day = data_from;
    while day <= data_to {
        rows.extend(messages.daily_counters(day).await?);
        day += Duration::days(1);
    }
    let mut model = Model::fit(
        rows.iter().map(|r| (r.dimension.as_str(), &r.counts)),
        at,
        data_from,
        data_to,
    );
    // The streak-risk model from every summary (one scan), in user id order so the fit is
    // the same however the scan pages came.
    let mut summaries = Vec::new();
    let mut start = None;
    loop {
        let page = profiles.scan_profiles(0, 1, start, SCAN_PAGE).await?;
        summaries.extend(
            page.users
                .into_iter()
                .filter_map(|(u, p)| Some((u, p.summary?.summary))),
        );
        start = page.next;
        if start.is_none() {
            break;
        }
    }
    summaries.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
    model.risk = fit_risk(
        summaries
            .iter()
            .map(|(_, s)| (s, at.with_timezone(&s.tz()).date_naive())),
    );
    let version = messages.put_model(&model).await?;
    tracing::info!(%version, pushes = model.pushes, arms = model.arms.len(), "model fitted");
    let mut experiments_stopped = Vec::new();
    for e in templates.experiments().await? {
        if !(e.running && e.auto_stop) {
            continue;
        }
        let results = report(messages, &e, at).await?;
        if let Some(stopped) = e.check(&results, at) {
            if templates.stop_experiment(&stopped).await? {
                tracing::info!(experiment = %e.id, winner = ?stopped.winner, "experiment decided");
                experiments_stopped.push((e.id.clone(), stopped.winner.clone()));
            }
        }
    }
    Ok(Fitted {
        experiments_stopped,
        version,
        data_from,
        data_to,
        pushes: model.pushes,
        types: model.types.len(),
        arms: model.arms.len(),
        risk_brier: model.risk.as_ref().map(|r| r.brier),
    })
}

/// `job-fit-model`.
pub async fn handle(stores: &crate::Stores, event: LambdaEvent<Value>) -> Result<Fitted, Error> {
    let input: FitInput = payload(event.payload)?;
    let at = replay_clock(input.as_of, Utc::now())?.unwrap_or_else(Utc::now);
    fit(&stores.profiles, &stores.templates, &stores.messages, at).await
}

/// What `admin-model` is asked to do.
#[derive(Deserialize, Debug, PartialEq, Eq, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum ModelAction {
    /// The version fitted on `version`, or the newest.
    Get,
    /// Every stored version, newest first.
    List,
}

/// The `admin-model` payload (a flat object, so a wrong field is named in the error).
#[derive(Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ModelInput {
    pub action: ModelAction,
    pub version: Option<NaiveDate>,
}

/// What `admin-model` answers.
#[derive(Serialize, Debug)]
#[serde(untagged)]
pub enum ModelAnswer {
    Model(Box<Model>),
    Versions { versions: Vec<NaiveDate> },
}

/// `admin-model`.
pub async fn admin(
    messages: &MessageStore,
    event: LambdaEvent<Value>,
) -> Result<ModelAnswer, AdminError> {
    let input: ModelInput = payload(event.payload)?;
    match (input.action, input.version) {
        (ModelAction::List, Some(_)) => Err(AdminError::invalid(&[FieldError::new(
            "version",
            "is for the get action only",
        )])),
        (ModelAction::List, None) => Ok(ModelAnswer::Versions {
            versions: messages
                .model_versions()
                .await
                .map_err(AdminError::internal("listing model versions"))?,
        }),
        (ModelAction::Get, version) => {
            let found = match version {
                Some(day) => messages.model(day).await,
                None => messages.latest_model().await,
            }
            .map_err(AdminError::internal("reading the model"))?;
            match (found, version) {
                (Some(m), _) => Ok(ModelAnswer::Model(Box::new(m))),
                (None, Some(day)) => Err(AdminError::not_found(format!(
                    "no model was fitted on {day}"
                ))),
                (None, None) => Err(AdminError::not_found(
                    "no model fitted yet: the coach runs on its rules",
                )),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_payloads_are_checked() {
        let ok: ModelInput = payload(serde_json::json!({"action": "list"})).expect("list");
        assert_eq!(ok.action, ModelAction::List);
        let get: ModelInput =
            payload(serde_json::json!({"action": "get", "version": "2027-02-01"})).expect("get");
        assert!(get.version.is_some());
        for bad in [
            serde_json::json!({"action": "get", "version": "soon"}),
            serde_json::json!({"action": "get", "versions": "2027-02-01"}),
            serde_json::json!({"action": "refit"}),
            serde_json::json!({}),
        ] {
            assert!(payload::<ModelInput>(bad.clone()).is_err(), "{bad}");
        }
        assert!(payload::<FitInput>(serde_json::json!({"as_of": "yesterday"})).is_err());
    }
}
