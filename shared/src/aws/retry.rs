//! Retrying the part of a batch AWS did not take: full-jitter exponential backoff.

use std::time::Duration;

/// Full-jitter exponential backoff: a uniform wait in [0, min(2 s, 25 ms · 2^attempt)).
pub fn backoff(attempt: u32) -> Duration {
    let cap_ms = (25u64 << attempt.min(7)).min(2_000);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let unit = crate::engine::rng::stable_unit(&[&nanos.to_string(), &attempt.to_string()]);
    Duration::from_millis((unit * cap_ms as f64) as u64)
}
