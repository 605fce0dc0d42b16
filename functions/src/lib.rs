//! Handlers of the Tug Coach Lambda functions, one module per function. Each binary in
//! `src/bin` is a few lines: build the clients once at cold start, then run its handler.
//! Handlers translate events to domain calls and errors to responses; rules live in `coaching`.

pub mod admin;
pub mod admin_experiments;
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
mod cold_start;
pub mod events_activity_logged;
pub mod job_analytics;
pub mod job_cleanup;
pub mod job_deliver;
pub mod job_fit_model;
pub mod job_generate;
pub mod job_generate_segment;
pub mod job_health;
mod lambda_deadline;
mod respond;
mod user_view;

pub use cold_start::{
    bus, delivery, init_tracing, jobs, profile_store, push, stores, Delivery, Jobs, Stores,
};
pub use lambda_deadline::deadline;
