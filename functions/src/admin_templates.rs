//! `admin-templates`: the stored template catalogue.
//!
//! `{"action": "list"}` (the catalogue generation uses: `"source": "stored"` or, while the
//! table is empty, `"built_in"`), `{"action": "get", "id": …}`, `{"action": "upsert", "template": {…}}`
//! (validated with `Template::validate`; a bad one changes nothing), `{"action": "disable",
//! "id": …}`.

use chrono::Utc;
use coaching::app::catalogue::{in_use, InUse};
use coaching::aws::dynamo::TemplateStore;
use coaching::domain::preferences::FieldError;
use coaching::engine::templates::Template;
use lambda_runtime::LambdaEvent;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::common::admin::{payload, AdminError};
use crate::Stores;

/// The `admin-templates` payload.
#[derive(Deserialize, Debug)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum TemplatesInput {
    /// A struct variant so that fields of other actions (`{"action": "list", "id": …}`) are
    /// refused, not ignored.
    List {},
    Get {
        id: String,
    },
    Upsert {
        template: Box<Template>,
    },
    Disable {
        id: String,
    },
}

fn check_id(id: &str) -> Result<(), AdminError> {
    if id.is_empty() || id.len() > 64 {
        return Err(AdminError::invalid(&[FieldError::new(
            "id",
            "1 to 64 characters",
        )]));
    }
    Ok(())
}

/// `admin-templates`.
pub async fn handle(stores: &Stores, event: LambdaEvent<Value>) -> Result<Value, AdminError> {
    let input: TemplatesInput = payload(event.payload)?;
    let store: &TemplateStore = &stores.templates;
    match input {
        TemplatesInput::List {} => {
            let catalogue = in_use(store).await?;
            let count = match &catalogue {
                InUse::Stored { templates } => templates.len(),
                InUse::BuiltIn { templates } => templates.len(),
            };
            let mut out = json!(catalogue);
            out["count"] = json!(count);
            Ok(out)
        }
        TemplatesInput::Get { id } => {
            check_id(&id)?;
            let t = store.get(&id).await?;
            t.map(|t| json!(t))
                .ok_or_else(|| AdminError::not_found(format!("no template {id}")))
        }
        TemplatesInput::Upsert { template } => {
            template.validate().map_err(|errors| {
                let prefixed: Vec<FieldError> = errors
                    .into_iter()
                    .map(|e| FieldError::new(format!("template.{}", e.field), e.message))
                    .collect();
                AdminError::invalid(&prefixed)
            })?;
            let version = store.upsert(&template, Utc::now()).await?;
            Ok(json!({"id": template.id, "version": version}))
        }
        TemplatesInput::Disable { id } => {
            check_id(&id)?;
            let t = store.disable(&id, Utc::now()).await?;
            t.map(|t| json!(t))
                .ok_or_else(|| AdminError::not_found(format!("no template {id}")))
        }
    }
}
