//! `admin-model` (`{"action": "get", "version": "YYYY-MM-DD"}` — the newest without
//! `version` — or `{"action": "list"}`): a stored fitted model, or the versions.

use chrono::NaiveDate;
use coaching::domain::preferences::FieldError;
use coaching::engine::learned::Model;
use lambda_runtime::LambdaEvent;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::common::admin::{payload, AdminError};
use crate::Stores;

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
pub async fn handle(stores: &Stores, event: LambdaEvent<Value>) -> Result<ModelAnswer, AdminError> {
    let input: ModelInput = payload(event.payload)?;
    match (input.action, input.version) {
        (ModelAction::List, Some(_)) => Err(AdminError::invalid(&[FieldError::new(
            "version",
            "is for the get action only",
        )])),
        (ModelAction::List, None) => Ok(ModelAnswer::Versions {
            versions: stores.messages.model_versions().await?,
        }),
        (ModelAction::Get, version) => {
            let found = match version {
                Some(day) => stores.messages.model(day).await?,
                None => stores.messages.latest_model().await?,
            };
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
    }
}
