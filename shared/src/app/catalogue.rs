//! The template catalogue admins manage: which one generation uses, and seeding the built-in
//! templates.
//!
//! Idempotence: seeding stores only the templates not stored yet (a conditional put each), so
//! it can run any number of times and never overwrites an admin's edit.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::aws::dynamo::{Seeded, StoreError, StoredTemplate, TemplateStore};
use crate::engine::catalogue::default_templates;

/// What seeding did.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct Seeding {
    /// Templates stored by this call.
    pub created: Vec<String>,
    /// Templates that were stored already (left as they are).
    pub already_there: usize,
}

/// The catalogue generation plans with, and where it comes from.
#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum InUse {
    /// The templates table's (admins' edits included; disabled ones are listed, never chosen).
    Stored { templates: Vec<StoredTemplate> },
    /// The built-in catalogue: the table is empty (`admin-seed-templates` has not run).
    BuiltIn {
        templates: Vec<crate::engine::templates::Template>,
    },
}

/// The catalogue in use: the stored one, or the built-in one while none is stored (as
/// `app::generation::planner::stored_catalogue` decides).
pub async fn in_use(templates: &TemplateStore) -> Result<InUse, StoreError> {
    let stored = templates.list().await?;
    Ok(if stored.is_empty() {
        InUse::BuiltIn {
            templates: default_templates(),
        }
    } else {
        InUse::Stored { templates: stored }
    })
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
