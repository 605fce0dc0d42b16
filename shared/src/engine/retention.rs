//! The retention policy for what TTL does not cover (items written before a policy change,
//! or a shorter retention an admin asks for): messages sent more than `days` ago are deleted,
//! except those the user acted on, which are kept for the longer of `days` and
//! [`ACTED_RETENTION_DAYS`] after the action. `aws::dynamo::cleanup` applies it.
//!
//! Erasure: what survives a user's erasure ([`survives_erasure`]).

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::domain::messages::{ACTED_RETENTION_DAYS, RETENTION_DAYS};

/// Fewest and most days an admin may ask for.
pub const MIN_DAYS: i64 = 1;
pub const MAX_DAYS: i64 = 3650;

/// The cut-off times of a cleanup.
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub days: i64,
    /// Messages sent before this (and not acted on) go.
    pub sent_before: DateTime<Utc>,
    /// Messages acted on before this go.
    pub acted_before: DateTime<Utc>,
}

impl Policy {
    /// The policy for `days` (the default [`RETENTION_DAYS`] when `None`) at `now`.
    pub fn new(days: Option<i64>, now: DateTime<Utc>) -> Self {
        let days = days.unwrap_or(RETENTION_DAYS);
        Policy {
            days,
            sent_before: now - Duration::days(days),
            acted_before: now - Duration::days(days.max(ACTED_RETENTION_DAYS)),
        }
    }
}

/// What a cleanup did.
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cleaned {
    pub policy: Policy,
    pub scanned: u64,
    pub deleted: u64,
}

/// Days an erasure's tombstone is kept: longer than any retry or dead-letter redrive of work
/// begun before the erasure can come back (SQS keeps a message 14 days at most).
pub const TOMBSTONE_DAYS: i64 = 30;

/// How far apart two functions' clocks may be: work that began this soon after an erasure is
/// treated as having begun before it.
pub const ERASURE_SKEW_SECS: i64 = 5;

/// Whether a write may stand, given when its work began (the data it came from was read, or,
/// for an activity, when the activity happened) and when the user was last erased. Work begun
/// before the erasure carries data the erasure removed: its writes are undone, however late
/// they land. Work begun after it is new data and stands.
pub fn survives_erasure(began: DateTime<Utc>, erased_at: Option<DateTime<Utc>>) -> bool {
    erased_at.is_none_or(|e| began > e + Duration::seconds(ERASURE_SKEW_SECS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_begun_before_an_erasure_does_not_survive_it() {
        let erased = Utc::now();
        assert!(survives_erasure(erased, None));
        assert!(!survives_erasure(erased - Duration::hours(1), Some(erased)));
        assert!(!survives_erasure(erased, Some(erased)));
        assert!(
            !survives_erasure(erased + Duration::seconds(ERASURE_SKEW_SECS), Some(erased)),
            "within the clocks' skew counts as before"
        );
        assert!(survives_erasure(
            erased + Duration::seconds(ERASURE_SKEW_SECS + 1),
            Some(erased)
        ));
    }

    #[test]
    fn acted_on_messages_are_kept_at_least_a_year() {
        let now = Utc::now();
        let p = Policy::new(None, now);
        assert_eq!(p.days, 90);
        assert_eq!(now - p.sent_before, Duration::days(90));
        assert_eq!(now - p.acted_before, Duration::days(365));
        let short = Policy::new(Some(7), now);
        assert_eq!(now - short.acted_before, Duration::days(365));
        let long = Policy::new(Some(500), now);
        assert_eq!(now - long.acted_before, Duration::days(500));
    }
}
