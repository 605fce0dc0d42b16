//! Handlers of the Tug Coach Lambda functions, one module per function. Each binary in
//! `src/bin` is a few lines: build the clients once at cold start, then run its handler.
//! Handlers translate events to domain calls and errors to responses; rules live in `coaching`.

pub mod api_get_personalization;
pub mod api_put_personalization;
mod cold_start;

pub use cold_start::{init_tracing, profile_store};
