//! Lambda's time limit as an `Instant`, for work that must stop in time.

use std::time::{Duration, Instant};

/// The invocation's deadline (from the Runtime API's deadline header).
pub fn deadline(ctx: &lambda_runtime::Context) -> Instant {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    Instant::now() + Duration::from_millis(ctx.deadline.saturating_sub(now_ms))
}
