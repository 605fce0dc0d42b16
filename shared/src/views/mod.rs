//! What the app and the operators read, computed from domain data and the engine's figures
//! (pure: no I/O). Uses [`crate::domain`] and [`crate::engine`].
//!
//! - [`summary`]: the user's summary and insights (`GET /coaching/summary`, `/insights`).
//! - [`counters`]: the per-day counters each message event adds, read by analytics and the
//!   learner.
//! - [`analytics`]: the daily report from those counters.
//! - [`metrics`]: CloudWatch Embedded Metric Format lines.

pub mod analytics;
pub mod counters;
pub mod metrics;
pub mod summary;
