//! What the engine plans from besides the user's own data, and how one user is planned.

use chrono::{DateTime, Utc};

use crate::aws::dynamo::Profile;
use crate::domain::preferences::Preferences;
use crate::domain::user::UserId;
use crate::engine::catalogue::default_templates;
use crate::engine::experiments::Experiment;
use crate::engine::history::HistoryEntry;
use crate::engine::learned::Priors;
use crate::engine::plan::{plan, Plan, PlanInput};
use crate::engine::rng::stable_hash;
use crate::engine::state::Population;
use crate::engine::summary::BehaviourSummary;
use crate::engine::templates::{Catalogue, StatsMap};

/// What planning needs besides the user's own data: the catalogue, the population's priors,
/// the running experiments. Built per invocation ([`Generator::from_store`]: one Query of the
/// templates table, one of the model), so an admin's template change or a new fit applies to
/// the next run.
#[derive(Clone)]
pub struct Generator {
    pub catalogue: Catalogue,
    pub population: Population,
    /// What was learned from everyone: the stored model's latest fit, or the cold start.
    pub priors: Priors,
    /// The running experiments (users are assigned to their variants by a stable hash).
    pub experiments: Vec<Experiment>,
    /// Whether plans learn from outcomes (always in the product; the simulator's `rules`
    /// policy freezes it).
    pub learning: bool,
}

impl Default for Generator {
    fn default() -> Self {
        Generator {
            catalogue: Catalogue::new(default_templates()),
            population: Population::default(),
            priors: Priors::default(),
            experiments: Vec::new(),
            learning: true,
        }
    }
}

/// The catalogue generation plans with: the stored templates, or the built-in ones while none
/// is stored (before `admin-seed-templates` ran).
pub async fn stored_catalogue(
    templates: &crate::aws::dynamo::TemplateStore,
) -> Result<Catalogue, crate::aws::dynamo::StoreError> {
    Ok(match crate::app::catalogue::in_use(templates).await? {
        crate::app::catalogue::InUse::BuiltIn { templates } => Catalogue::new(templates),
        crate::app::catalogue::InUse::Stored { templates } => {
            Catalogue::new(templates.into_iter().map(|s| s.template).collect())
        }
    })
}

impl Generator {
    /// The generator over the stored catalogue's enabled templates (the built-in catalogue
    /// while none is stored, before `admin-seed-templates` ran), the running experiments and
    /// the newest fitted model (the cold start while none is): read once per invocation.
    pub async fn from_store(
        templates: &crate::aws::dynamo::TemplateStore,
        messages: &crate::aws::dynamo::MessageStore,
    ) -> Result<Self, crate::aws::dynamo::StoreError> {
        let catalogue = stored_catalogue(templates).await?;
        let priors = messages
            .latest_model()
            .await?
            .map(|m| Priors::from(&m))
            .unwrap_or_default();
        let experiments = templates
            .experiments()
            .await?
            .into_iter()
            .filter(|e| e.running)
            .collect();
        Ok(Generator {
            catalogue,
            population: Population::default(),
            priors,
            experiments,
            learning: true,
        })
    }

    /// Every (template, variant) pair of the catalogue: the statistics to read before planning.
    pub fn variant_pairs(&self) -> Vec<(String, String)> {
        self.catalogue
            .templates()
            .iter()
            .flat_map(|t| t.variants.iter().map(|v| (t.id.clone(), v.id.clone())))
            .collect()
    }

    /// Plans `user` now from their profile and what the engine knows of their retained
    /// messages, with the variant statistics read from the store and the seed of
    /// [`plan_seed`]: the manual run and the activity consumer's celebration plan this way.
    pub async fn plan_now(
        &self,
        messages: &crate::aws::dynamo::MessageStore,
        user: &UserId,
        profile: &Profile,
        history: &[HistoryEntry],
        now: DateTime<Utc>,
    ) -> Result<Plan, crate::aws::dynamo::StoreError> {
        let stats = messages.variant_stats(&self.variant_pairs()).await?;
        let seed = plan_seed(user.as_str(), now);
        Ok(self.plan_entries(user, profile, history, &stats, now, seed))
    }

    /// Plans `user` from their profile and what the engine knows of their retained
    /// messages (their ledger, or their messages read), as of `now`, with `seed`.
    pub fn plan_entries(
        &self,
        user: &UserId,
        profile: &Profile,
        history: &[HistoryEntry],
        stats: &StatsMap,
        now: DateTime<Utc>,
        seed: u64,
    ) -> Plan {
        self.plan_from(
            user.as_str(),
            &profile.preferences.preferences,
            profile.summary.as_ref().map(|s| &s.summary),
            history,
            stats,
            now,
            seed,
        )
    }

    /// Plans a user from plain data (`None`: no activity counted yet): what every caller of
    /// the engine runs, the deployed functions and the simulator alike.
    #[allow(clippy::too_many_arguments)]
    pub fn plan_from(
        &self,
        user_id: &str,
        preferences: &Preferences,
        summary: Option<&BehaviourSummary>,
        history: &[HistoryEntry],
        stats: &StatsMap,
        now: DateTime<Utc>,
        seed: u64,
    ) -> Plan {
        let default_summary;
        let summary = match summary {
            Some(s) => s,
            None => {
                default_summary = BehaviourSummary::default();
                &default_summary
            }
        };
        plan(&PlanInput {
            user_id,
            display_name: preferences.name(),
            premium: false,
            preferences,
            summary,
            history,
            catalogue: &self.catalogue,
            stats,
            experiments: &self.experiments,
            population: &self.population,
            priors: &self.priors,
            learning: self.learning,
            now,
            seed,
        })
    }
}

/// The seed a user is planned with at `now`: the same for every caller planning at the same
/// clock, so a retried run and the simulator draw what the deployed run drew.
pub fn plan_seed(user_id: &str, now: DateTime<Utc>) -> u64 {
    stable_hash(&[user_id, &now.timestamp_millis().to_string()])
}
