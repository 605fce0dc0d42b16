//! The template catalogue admins manage: seeding the built-in templates.
//!
//! Idempotence: seeding stores only the templates not stored yet (a conditional put each), so
//! it can run any number of times and never overwrites an admin's edit.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::aws::dynamo::{Seeded, StoreError, TemplateStore};
use crate::engine::catalogue::default_templates;

/// What seeding did.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct Seeding {
    /// Templates stored by this call.
    pub created: Vec<String>,
    /// Templates that were stored already (left as they are).
    pub already_there: usize,
}

/// Stores every built-in template not stored yet.
pub async fn seed_defaults(
    templates: &TemplateStore,
    now: DateTime<Utc>,
) -> Result<Seeding, StoreError> {
    let mut seeding = Seeding {
        created: Vec::new(),
        already_there: 0,
    };
    for t in default_templates() {
        match templates.seed(&t, now).await? {
            Seeded::Created => seeding.created.push(t.id),
            Seeded::AlreadyThere => seeding.already_there += 1,
        }
    }
    Ok(seeding)
}
