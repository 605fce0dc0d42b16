//! What happens to a due message at send time, from the user's preferences and activity *now*
//! (they may have changed since it was planned).
//!
//! Relevance: a message whose trigger no longer holds is dropped as `no_longer_relevant`,
//! before any deferral:
//!
//! | type | no longer relevant when |
//! |---|---|
//! | risk_warning, streak_motivation, morning_motivation, weekend_encouragement | the user is active today (local) |
//! | comeback_assistance, streak_recovery, reactivation | the user was active since it was planned |

use chrono::{DateTime, Duration, DurationRound, Timelike, Utc};

use crate::domain::messages::Message;
use crate::domain::preferences::{MessageType, Preferences};
use crate::engine::summary::BehaviourSummary;
use crate::engine::timing::{in_quiet_hours, SLOT_MINUTES};

/// The drop reason of a message whose trigger no longer holds.
pub const NO_LONGER_RELEVANT: &str = "no_longer_relevant";

/// The fate of a due message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Publish it now.
    Send,
    /// It is quiet time for the user: send at `until` (the first slot after the quiet hours).
    Defer { until: DateTime<Utc> },
    /// Never send it: `expired` (too late, or quiet until it expires), `opted_out` or
    /// [`NO_LONGER_RELEVANT`].
    Drop { reason: &'static str },
}

/// Whether the trigger of `m` still holds at `now` for a user with this activity summary
/// (`None`: no activity yet) and preferences (see the module's table).
pub fn still_relevant(
    m: &Message,
    summary: Option<&BehaviourSummary>,
    prefs: &Preferences,
    now: DateTime<Utc>,
) -> bool {
    let Some(summary) = summary else {
        return true;
    };
    match m.message_type {
        MessageType::RiskWarning
        | MessageType::StreakMotivation
        | MessageType::MorningMotivation
        | MessageType::WeekendEncouragement => {
            let today = now.with_timezone(&prefs.timezone.0).date_naive();
            !summary.days.contains(today)
        }
        MessageType::ComebackAssistance
        | MessageType::StreakRecovery
        | MessageType::Reactivation => summary.last_activity.is_none_or(|t| t < m.created_at),
        _ => true,
    }
}

fn quiet(prefs: &Preferences, t: DateTime<Utc>) -> bool {
    let local = t.with_timezone(&prefs.timezone.0);
    in_quiet_hours(prefs.quiet_hours, local.hour() * 60 + local.minute())
}

/// Decides for message `m` at `now`: dropped if the user opted out, it expired or its trigger
/// no longer holds; deferred to the first [`SLOT_MINUTES`] slot outside quiet hours if it is
/// quiet now (dropped if that slot is not before expiry); otherwise sent.
pub fn decide(
    m: &Message,
    prefs: &Preferences,
    summary: Option<&BehaviourSummary>,
    now: DateTime<Utc>,
) -> Decision {
    if !prefs.coaching_enabled {
        return Decision::Drop {
            reason: "opted_out",
        };
    }
    if now >= m.expires_at {
        return Decision::Drop { reason: "expired" };
    }
    if !still_relevant(m, summary, prefs, now) {
        return Decision::Drop {
            reason: NO_LONGER_RELEVANT,
        };
    }
    if !quiet(prefs, now) {
        return Decision::Send;
    }
    let step = Duration::minutes(SLOT_MINUTES);
    let mut t = now.duration_trunc(step).unwrap_or(now) + step;
    while t < m.expires_at {
        if !quiet(prefs, t) {
            return Decision::Defer { until: t };
        }
        t += step;
    }
    Decision::Drop { reason: "expired" }
}

/// Minutes before the first retry of a push the service could not take; each further retry
/// waits twice as long, at most [`PUSH_RETRY_MAX_MINUTES`].
pub const PUSH_RETRY_FIRST_MINUTES: i64 = 5;
/// The longest wait between two retries of an unavailable push service.
pub const PUSH_RETRY_MAX_MINUTES: i64 = 60;

/// When a message whose push the service could not take (`attempts` times so far, this one
/// included) is tried again, or `None` when that would be past its expiry: then it fails.
pub fn push_retry_at(
    now: DateTime<Utc>,
    attempts: u32,
    expires_at: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let doublings = attempts.saturating_sub(1).min(10);
    let wait = (PUSH_RETRY_FIRST_MINUTES << doublings).min(PUSH_RETRY_MAX_MINUTES);
    let at = now + Duration::minutes(wait);
    (at < expires_at).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::preferences::{MessageType, TimeWindow, Tone};
    use crate::engine::plan::{PlannedMessage, Reason};
    use chrono::TimeZone;
    use proptest::prelude::*;

    #[test]
    fn an_unavailable_push_is_retried_with_backoff_until_it_expires() {
        let now = Utc::now();
        let far = now + Duration::days(1);
        let waits: Vec<i64> = (1..=6)
            .map(|n| {
                push_retry_at(now, n, far)
                    .map(|t| (t - now).num_minutes())
                    .unwrap_or(-1)
            })
            .collect();
        assert_eq!(waits, [5, 10, 20, 40, 60, 60]);
        assert_eq!(push_retry_at(now, 1, now + Duration::minutes(5)), None);
        assert!(push_retry_at(now, u32::MAX, far).is_some());
    }

    fn message(send_at: DateTime<Utc>, hours: i64) -> Message {
        PlannedMessage {
            id: "0".repeat(32),
            occurrence: "o".into(),
            message_type: MessageType::GeneralWisdom,
            category: MessageType::GeneralWisdom.category(),
            priority: 10,
            tone: Tone::Encouraging,
            segment: crate::domain::user::Segment::GettingStarted,
            template_id: "t".into(),
            variant_id: "a".into(),
            experiment_id: None,
            selection: None,
            language: "en".into(),
            title: "T".into(),
            body: "B".into(),
            send_at,
            expires_at: send_at + Duration::hours(hours),
            reason: Reason {
                trigger: "o".into(),
                figures: Default::default(),
            },
        }
        .scheduled(send_at)
    }

    fn prefs(zone: &str, quiet: Option<(u32, u32)>) -> Preferences {
        Preferences {
            timezone: crate::domain::preferences::Timezone(zone.parse().expect("zone")),
            quiet_hours: quiet.map(|(s, e)| TimeWindow {
                start: crate::domain::preferences::LocalTime::from_hm(s, 0).expect("time"),
                end: crate::domain::preferences::LocalTime::from_hm(e, 0).expect("time"),
            }),
            ..Preferences::default()
        }
    }

    #[test]
    fn quiet_now_waits_for_the_end_of_the_quiet_hours() {
        // 23:10 in Madrid (UTC+1 in November), quiet 22:00–07:00: next slot 07:00 local.
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 22, 10, 0).unwrap();
        let m = message(now, 12);
        assert_eq!(
            decide(&m, &prefs("Europe/Madrid", Some((22, 7))), None, now),
            Decision::Defer {
                until: Utc.with_ymd_and_hms(2026, 11, 25, 6, 0, 0).unwrap()
            }
        );
        // The same message expiring before then is dropped.
        let short = message(now, 2);
        assert_eq!(
            decide(&short, &prefs("Europe/Madrid", Some((22, 7))), None, now),
            Decision::Drop { reason: "expired" }
        );
    }

    #[test]
    fn expired_and_opted_out_are_never_sent() {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        let m = message(now - Duration::hours(7), 6);
        assert_eq!(
            decide(&m, &prefs("UTC", None), None, now),
            Decision::Drop { reason: "expired" }
        );
        let mut off = prefs("UTC", None);
        off.coaching_enabled = false;
        assert_eq!(
            decide(&message(now, 6), &off, None, now),
            Decision::Drop {
                reason: "opted_out"
            }
        );
        assert_eq!(
            decide(&message(now, 6), &prefs("UTC", None), None, now),
            Decision::Send
        );
    }

    #[test]
    fn a_trigger_that_no_longer_holds_is_dropped() {
        use crate::domain::events::ActivityEvent;
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 18, 0, 0).unwrap();
        let p = prefs("UTC", None);
        let of = |ty: MessageType| {
            let mut m = message(now, 6);
            m.message_type = ty;
            m.created_at = now - Duration::hours(5);
            m
        };
        let mut summary = BehaviourSummary::default();
        let at = |h| ActivityEvent {
            activity_id: format!("a{h}"),
            user_id: "u".into(),
            value_id: "v".into(),
            value_name: None,
            minutes: 10,
            occurred_at: now - Duration::hours(h),
        };
        summary.apply(&at(30), chrono_tz::UTC);
        let before = summary.clone();
        // Yesterday's activity: risk and comeback still hold.
        for ty in [MessageType::RiskWarning, MessageType::ComebackAssistance] {
            assert_eq!(decide(&of(ty), &p, Some(&before), now), Decision::Send);
        }
        summary.apply(&at(1), chrono_tz::UTC);
        for ty in [
            MessageType::RiskWarning,
            MessageType::StreakMotivation,
            MessageType::MorningMotivation,
            MessageType::ComebackAssistance,
            MessageType::Reactivation,
        ] {
            assert_eq!(
                decide(&of(ty), &p, Some(&summary), now),
                Decision::Drop {
                    reason: NO_LONGER_RELEVANT
                },
                "{ty:?}"
            );
        }
        for ty in [
            MessageType::GeneralWisdom,
            MessageType::MilestoneCelebration,
        ] {
            assert_eq!(decide(&of(ty), &p, Some(&summary), now), Decision::Send);
        }
    }

    proptest! {
        #[test]
        fn sends_only_outside_quiet_hours_and_before_expiry(
            minutes in 0i64..(366 * 24 * 60),
            hours in 1i64..48,
            start in 0u32..24,
            end in 0u32..24,
            zone in prop::sample::select(vec!["UTC", "America/New_York", "Europe/London", "Asia/Kolkata", "Australia/Lord_Howe"]),
        ) {
            let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + Duration::minutes(minutes);
            let p = prefs(zone, (start != end).then_some((start, end)));
            let m = message(now - Duration::minutes(5), hours);
            match decide(&m, &p, None, now) {
                Decision::Send => prop_assert!(!quiet(&p, now) && now < m.expires_at),
                Decision::Defer { until } => {
                    prop_assert!(quiet(&p, now));
                    prop_assert!(until > now && until < m.expires_at && !quiet(&p, until));
                    prop_assert!(until - now <= Duration::minutes(SLOT_MINUTES) || quiet(&p, until - Duration::minutes(SLOT_MINUTES)));
                }
                Decision::Drop { reason } => {
                    prop_assert_eq!(reason, "expired");
                    let mut t = now;
                    while t < m.expires_at {
                        prop_assert!(quiet(&p, t));
                        t += Duration::minutes(SLOT_MINUTES);
                    }
                }
            }
        }
    }
}
