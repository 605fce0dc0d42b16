//! What the engine plans from besides the user's own data, and how one user is planned.

use chrono::{DateTime, Utc};

use crate::engine::catalogue::default_templates;
use crate::engine::plan::{plan, Plan, PlanInput};
use crate::engine::state::Population;
use crate::engine::summary::BehaviourSummary;
use crate::engine::templates::{Catalogue, StatsMap};
use crate::messages::Message;
use crate::store::Profile;
use crate::user::UserId;

/// The template catalogue and population priors, built once per cold start.
pub struct Generator {
    pub catalogue: Catalogue,
    pub population: Population,
}

impl Default for Generator {
    fn default() -> Self {
        Generator {
            catalogue: Catalogue::new(default_templates()),
            population: Population::default(),
        }
    }
}

impl Generator {
    /// The generator over the stored catalogue's enabled templates, or the built-in
    /// catalogue while none is stored (before `admin-seed-templates` ran).
    pub async fn from_store(
        store: &crate::store::TemplateStore,
    ) -> Result<Self, crate::store::StoreError> {
        let stored = store.list().await?;
        if stored.is_empty() {
            return Ok(Generator::default());
        }
        Ok(Generator {
            catalogue: Catalogue::new(stored.into_iter().map(|s| s.template).collect()),
            population: Population::default(),
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

    /// Plans `user` from their profile and retained messages, as of `now`, with `seed`.
    pub fn plan_user(
        &self,
        user: &UserId,
        profile: &Profile,
        messages: &[Message],
        stats: &StatsMap,
        now: DateTime<Utc>,
        seed: u64,
    ) -> Plan {
        let default_summary;
        let summary = match &profile.summary {
            Some(s) => &s.summary,
            None => {
                default_summary = BehaviourSummary::default();
                &default_summary
            }
        };
        let history: Vec<_> = messages.iter().map(Message::history).collect();
        plan(&PlanInput {
            user_id: user.as_str(),
            display_name: None,
            premium: false,
            preferences: &profile.preferences.preferences,
            summary,
            history: &history,
            catalogue: &self.catalogue,
            stats,
            experiments: &[],
            population: &self.population,
            now,
            seed,
        })
    }
}
