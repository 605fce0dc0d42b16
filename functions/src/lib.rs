//! Handlers of the Tug Coach Lambda functions: one module per function, named after it, and
//! none imports another. Each binary in `src/bin` is a few lines: build the clients once at
//! cold start, then run its handler. A handler translates its event into a call of a use case
//! in `coaching::app` and the result into its response; the rules live in `coaching`.
//! [`common`] holds what they share (clients, admin payloads and errors, responses).

pub mod common;

pub mod admin_analytics;
pub mod admin_cleanup;
pub mod admin_deliver_scheduled;
pub mod admin_experiments;
pub mod admin_generate_all;
pub mod admin_model;
pub mod admin_seed_templates;
pub mod admin_system_health;
pub mod admin_templates;
pub mod api_delete_data;
pub mod api_delete_device;
pub mod api_export_data;
pub mod api_feedback_message;
pub mod api_generate_messages;
pub mod api_get_insights;
pub mod api_get_personalization;
pub mod api_get_summary;
pub mod api_interact_message;
pub mod api_list_messages;
pub mod api_put_personalization;
pub mod api_register_device;
pub mod events_activity_logged;
pub mod job_analytics;
pub mod job_cleanup;
pub mod job_deliver;
pub mod job_fit_model;
pub mod job_generate;
pub mod job_generate_segment;
pub mod job_health;

pub use coaching::app::Stores;
pub use common::cold_start::{
    delivery, health, init_tracing, jobs, profile_store, push, segments_from_env, stores,
    ColdStart, Delivery, Health, Jobs,
};
pub use common::deadline::deadline;

#[cfg(test)]
mod tests {
    /// Each handler stands alone: what two share lives in `common` or in `coaching::app`.
    #[test]
    fn no_handler_imports_another() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut offenders = Vec::new();
        for entry in std::fs::read_dir(&dir).expect("src").flatten() {
            let path = entry.path();
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            for prefix in ["api_", "job_", "admin_", "events_"] {
                if text.contains(&format!("crate::{prefix}")) {
                    offenders.push(path.display().to_string());
                }
            }
        }
        assert!(
            offenders.is_empty(),
            "handlers importing handlers: {offenders:?}"
        );
    }
}
