//! What the coach learns from everyone, each day: the learners' model fitted from the
//! statistics table's counters and the streak-risk model from every summary, stored as that
//! day's version (generation reads the newest); and the experiments, judged on the reward by
//! an always-valid sequential test and stopped once decided.
//!
//! Idempotence: a rerun the same day replaces that day's version with a fit of the same
//! counters plus any late rewards; a stop is conditioned on the experiment still running, so
//! a rerun stops nothing twice.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use crate::app::generation::stored_catalogue;
use crate::app::Stores;
use crate::aws::dynamo::{MessageStore, StoreError, TemplateStore};
use crate::domain::preferences::FieldError;
use crate::engine::experiments::{results, Experiment, VariantResult};
use crate::engine::learned::{Model, FIT_DAYS};
use crate::engine::risk::fit_risk;

/// Items per page of the summaries' scan.
const SCAN_PAGE: i32 = 500;

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

/// Fits the model as of `at` from the [`FIT_DAYS`] send days before it and stores it, then
/// stops the running experiments the sequential test has decided.
pub async fn fit(stores: &Stores, at: DateTime<Utc>) -> Result<Fitted, StoreError> {
    let (profiles, templates, messages) = (&stores.profiles, &stores.templates, &stores.messages);
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
        let results = experiment_results(messages, &e, at).await?;
        if let Some(stopped) = e.check(&results, at) {
            if templates.stop_experiment(&stopped).await? {
                tracing::info!(experiment = %e.id, winner = stopped.winner.as_deref().unwrap_or("none"), "experiment decided");
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

/// Each variant of `e` against the control, from the experiment's start to `now` (or its
/// stop).
pub async fn experiment_results(
    messages: &MessageStore,
    e: &Experiment,
    now: DateTime<Utc>,
) -> Result<Vec<VariantResult>, StoreError> {
    let to = e.stopped_at.unwrap_or(now).date_naive();
    let from = e.created_at.map_or(to, |c| c.date_naive());
    let counts = messages.experiment_counts(&e.id, from, to).await?;
    Ok(results(e, &counts))
}

/// What creating an experiment came to.
#[derive(Debug)]
pub enum Created {
    Stored(Experiment),
    /// The experiment broke these rules (checked against the stored catalogue), or its id
    /// is taken; nothing was stored.
    Invalid(Vec<FieldError>),
}

/// Stores a new running experiment after checking it against the catalogue generation plans
/// with. The write is conditioned on the id being new, so a repeat is refused, not doubled.
pub async fn create_experiment(
    templates: &TemplateStore,
    e: Experiment,
) -> Result<Created, StoreError> {
    let catalogue = stored_catalogue(templates).await?;
    let template = catalogue.templates().iter().find(|t| t.id == e.template_id);
    if let Err(errors) = e.validate(template) {
        return Ok(Created::Invalid(errors));
    }
    if !templates.create_experiment(&e).await? {
        return Ok(Created::Invalid(vec![FieldError::new(
            "id",
            "an experiment with this id exists",
        )]));
    }
    Ok(Created::Stored(e))
}

/// What an admin's stop came to.
#[derive(Debug)]
pub enum Stopped {
    /// The experiment as it now stands (stopped by this call, or already stopped).
    Done(Experiment),
    NotFound,
    Invalid(FieldError),
}

/// Stops experiment `id` with an optional `winner` at `now`. A stop the daily check made
/// meanwhile stands.
pub async fn stop_experiment(
    templates: &TemplateStore,
    id: &str,
    winner: Option<String>,
    now: DateTime<Utc>,
) -> Result<Stopped, StoreError> {
    let Some(e) = templates.experiment(id).await? else {
        return Ok(Stopped::NotFound);
    };
    let stopped = match e.stop_by_admin(winner, now) {
        Err(f) => return Ok(Stopped::Invalid(f)),
        Ok(None) => return Ok(Stopped::Done(e)),
        Ok(Some(stopped)) => stopped,
    };
    if templates.stop_experiment(&stopped).await? {
        return Ok(Stopped::Done(stopped));
    }
    Ok(match templates.experiment(id).await? {
        Some(now_stored) => Stopped::Done(now_stored),
        None => Stopped::NotFound,
    })
}
