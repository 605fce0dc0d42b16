//! `admin-experiments`: experiments over a template's variants, judged on the reward by an
//! always-valid sequential test (`coaching::engine::experiments`).
//!
//! | payload | answer |
//! |---|---|
//! | `{"action": "create", "experiment": {"id", "template_id", "variants": [["a", 1], ["b", 1]], "control"?, "auto_stop"?}}` | the stored experiment (running) |
//! | `{"action": "list"}` | every experiment |
//! | `{"action": "get", "id"}` | the experiment with each variant against the control so far |
//! | `{"action": "stop", "id", "winner"?}` | the stopped experiment |

use chrono::Utc;
use coaching::app::learning::{
    create_experiment, experiment_results, stop_experiment, Created, Stopped,
};
use coaching::domain::preferences::FieldError;
use coaching::engine::experiments::{Experiment, VariantResult};
use lambda_runtime::LambdaEvent;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::common::admin::{payload, AdminError};
use crate::Stores;

/// What is asked.
#[derive(Deserialize, Debug, PartialEq, Eq, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    List,
    Get,
    Stop,
}

/// A new experiment as an admin writes it.
#[derive(Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NewExperiment {
    pub id: String,
    pub template_id: String,
    pub variants: Vec<(String, f64)>,
    pub control: Option<String>,
    #[serde(default = "yes")]
    pub auto_stop: bool,
}

fn yes() -> bool {
    true
}

/// The payload (flat, so a wrong field is named).
#[derive(Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ExperimentsInput {
    pub action: Action,
    pub id: Option<String>,
    pub experiment: Option<NewExperiment>,
    pub winner: Option<String>,
}

/// An experiment with its figures so far.
#[derive(Serialize, Debug)]
pub struct Report {
    #[serde(flatten)]
    pub experiment: Experiment,
    pub results: Vec<VariantResult>,
}

/// The answer.
#[derive(Serialize, Debug)]
#[serde(untagged)]
pub enum Answer {
    One(Box<Experiment>),
    Report(Box<Report>),
    All { experiments: Vec<Experiment> },
}

/// What a valid payload asks for, checked before any I/O.
#[derive(Debug, PartialEq)]
pub enum Request {
    Create(NewExperiment),
    List,
    Get(String),
    Stop { id: String, winner: Option<String> },
}

impl ExperimentsInput {
    /// The request, or the fields that do not belong to the action.
    pub fn request(self) -> Result<Request, AdminError> {
        let mut wrong = Vec::new();
        let mut not_for = |field: &str, present: bool| {
            if present {
                wrong.push(FieldError::new(field, "not used by this action"));
            }
        };
        let needs_id = |id: Option<String>| {
            id.filter(|s| !s.is_empty())
                .ok_or_else(|| AdminError::invalid(&[FieldError::new("id", "required")]))
        };
        let req = match self.action {
            Action::Create => {
                not_for("id", self.id.is_some());
                not_for("winner", self.winner.is_some());
                match self.experiment {
                    Some(e) => Request::Create(e),
                    None => {
                        return Err(AdminError::invalid(&[FieldError::new(
                            "experiment",
                            "required",
                        )]))
                    }
                }
            }
            Action::List => {
                not_for("id", self.id.is_some());
                not_for("experiment", self.experiment.is_some());
                not_for("winner", self.winner.is_some());
                Request::List
            }
            Action::Get => {
                not_for("experiment", self.experiment.is_some());
                not_for("winner", self.winner.is_some());
                Request::Get(needs_id(self.id)?)
            }
            Action::Stop => {
                not_for("experiment", self.experiment.is_some());
                Request::Stop {
                    id: needs_id(self.id)?,
                    winner: self.winner,
                }
            }
        };
        if wrong.is_empty() {
            Ok(req)
        } else {
            Err(AdminError::invalid(&wrong))
        }
    }
}

/// `admin-experiments`.
pub async fn handle(stores: &Stores, event: LambdaEvent<Value>) -> Result<Answer, AdminError> {
    let input: ExperimentsInput = payload(event.payload)?;
    let now = Utc::now();
    let templates = &stores.templates;
    match input.request()? {
        Request::Create(n) => {
            let e = Experiment {
                id: n.id,
                template_id: n.template_id,
                variants: n.variants,
                running: true,
                control: n.control,
                auto_stop: n.auto_stop,
                created_at: Some(now),
                stopped_at: None,
                winner: None,
            };
            match create_experiment(templates, e).await? {
                Created::Stored(e) => Ok(Answer::One(Box::new(e))),
                Created::Invalid(errors) => {
                    let prefixed: Vec<FieldError> = errors
                        .into_iter()
                        .map(|f| FieldError::new(format!("experiment.{}", f.field), f.message))
                        .collect();
                    Err(AdminError::invalid(&prefixed))
                }
            }
        }
        Request::List => Ok(Answer::All {
            experiments: templates.experiments().await?,
        }),
        Request::Get(id) => {
            let e = templates
                .experiment(&id)
                .await?
                .ok_or_else(|| not_found(&id))?;
            let results = experiment_results(&stores.messages, &e, now).await?;
            Ok(Answer::Report(Box::new(Report {
                experiment: e,
                results,
            })))
        }
        Request::Stop { id, winner } => match stop_experiment(templates, &id, winner, now).await? {
            Stopped::Done(e) => Ok(Answer::One(Box::new(e))),
            Stopped::NotFound => Err(not_found(&id)),
            Stopped::Invalid(f) => Err(AdminError::invalid(&[f])),
        },
    }
}

fn not_found(id: &str) -> AdminError {
    AdminError::not_found(format!("no experiment {id:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn req(v: Value) -> Result<Request, AdminError> {
        payload::<ExperimentsInput>(v)?.request()
    }

    #[test]
    fn payloads_are_checked_before_anything_is_read() {
        assert_eq!(req(json!({"action": "list"})).ok(), Some(Request::List));
        assert_eq!(
            req(json!({"action": "get", "id": "e"})).ok(),
            Some(Request::Get("e".into()))
        );
        let create = json!({"action": "create", "experiment": {"id": "e", "template_id": "t", "variants": [["a", 1], ["b", 1]]}});
        assert!(matches!(req(create), Ok(Request::Create(_))));
        for (bad, field) in [
            (json!({"action": "list", "id": "x"}), "id"),
            (json!({"action": "get"}), "id"),
            (
                json!({"action": "stop", "id": "e", "experiment": {"id": "e", "template_id": "t", "variants": []}}),
                "experiment",
            ),
            (json!({"action": "create"}), "experiment"),
            (
                json!({"action": "create", "experiment": {"id": "e", "template_id": "t", "variants": [], "colour": 1}}),
                "colour",
            ),
            (json!({"action": "explode"}), "action"),
        ] {
            let e = req(bad.clone()).expect_err("refused");
            assert!(e.to_string().contains(field), "{bad}: {e}");
        }
    }
}
