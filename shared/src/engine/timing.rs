//! The send time: in the user's zone, never inside quiet hours (windows across midnight too),
//! inside a preferred window when one is free, near the learned best hour, within the
//! moment's part of day, before the trigger expires.
//!
//! Candidates are UTC instants every [`SLOT_MINUTES`] over the next day, each converted to
//! local wall time: a local time skipped by a DST gap is never produced and a repeated one is
//! judged at each of its instants, so gaps and folds need no special case.

use chrono::{DateTime, Duration, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use super::caps::{Caps, Counted};
use super::triggers::Moment;
use crate::preferences::{LocalTime, TimeWindow};

/// Spacing of candidate send times.
pub const SLOT_MINUTES: i64 = 15;
/// How far ahead a send time is looked for.
pub const HORIZON_HOURS: i64 = 24;

/// What the send time depends on.
#[derive(Debug, Clone, Copy)]
pub struct TimingInputs<'a> {
    pub now: DateTime<Utc>,
    pub tz: Tz,
    pub quiet_hours: Option<TimeWindow>,
    pub preferred_windows: &'a [TimeWindow],
    /// Local hour the user is best reached at.
    pub best_hour: u32,
    pub moment: Moment,
    pub expires_at: DateTime<Utc>,
}

/// Whether a local time falls in the quiet hours.
pub fn in_quiet_hours(quiet: Option<TimeWindow>, local_minute_of_day: u32) -> bool {
    quiet.is_some_and(|q| {
        LocalTime::from_hm(local_minute_of_day / 60, local_minute_of_day % 60)
            .is_some_and(|t| q.contains(t))
    })
}

/// Days from 0001-01-01 to 1970-01-01.
const UNIX_EPOCH_DAY_FROM_CE: i64 = 719_163;

/// The best allowed send time that keeps the frequency caps over the `counted` messages, or
/// `None` if no slot before the expiry qualifies.
pub fn send_time(i: &TimingInputs<'_>, counted: &Counted, caps: Caps) -> Option<DateTime<Utc>> {
    // First slot: now rounded up to the whole minute; later ones on the quarter hour.
    let now = i.now.timestamp();
    let start = (now + 59).div_euclid(60) * 60;
    let end = i
        .expires_at
        .min(i.now + Duration::hours(HORIZON_HOURS))
        .timestamp();
    if start >= end {
        return None;
    }
    let offset_at = |t: i64| {
        DateTime::from_timestamp(t, 0).map_or(0, |u| {
            i64::from(
                i.tz.offset_from_utc_datetime(&u.naive_utc())
                    .fix()
                    .local_minus_utc(),
            )
        })
    };
    // One offset for the whole horizon unless a DST change falls inside it.
    let (off_start, off_end) = (offset_at(start), offset_at(end));
    let fixed = (off_start == off_end).then_some(off_start);
    let target = match i.moment {
        Moment::Morning if !(6..12).contains(&i.best_hour) => 8 * 60,
        Moment::Evening if !(17..22).contains(&i.best_hour) => 19 * 60,
        _ => i64::from(i.best_hour) * 60 + 30,
    };
    let slot = SLOT_MINUTES * 60;
    // Score every allowed slot, then try them best first (earliest on ties): usually the
    // first one fits the caps, so the cap check runs once or twice.
    let mut candidates: Vec<(f64, i64, i32)> = Vec::with_capacity(100);
    // Whether each local day met has room under the daily cap (a horizon spans 1–3 days).
    let mut rooms: Vec<(i32, bool)> = Vec::with_capacity(3);
    let mut t = start;
    while t < end {
        let local = t + fixed.unwrap_or_else(|| offset_at(t));
        let minute = local.rem_euclid(86_400) / 60;
        let day = i32::try_from(local.div_euclid(86_400) + UNIX_EPOCH_DAY_FROM_CE).unwrap_or(0);
        let part_ok = match i.moment {
            Moment::Morning => (6 * 60..12 * 60).contains(&minute),
            Moment::Evening => (17 * 60..22 * 60).contains(&minute),
            _ => true,
        };
        let minute = u32::try_from(minute).unwrap_or(0);
        let room = match rooms.iter().find(|r| r.0 == day) {
            Some(r) => r.1,
            None => {
                let r = counted.day_has_room(day, caps);
                rooms.push((day, r));
                r
            }
        };
        if room && part_ok && !in_quiet_hours(i.quiet_hours, minute) {
            let minutes_ahead = (t - now) as f64 / 60.0;
            let score = match i.moment {
                Moment::Soon => -minutes_ahead,
                _ => {
                    let d = (i64::from(minute) - target).abs();
                    let circular = d.min(1440 - d) as f64;
                    let in_window = i.preferred_windows.iter().any(|w| {
                        LocalTime::from_hm(minute / 60, minute % 60)
                            .is_some_and(|lt| w.contains(lt))
                    });
                    let window_bonus = if in_window { 1_000.0 } else { 0.0 };
                    window_bonus - circular / 6.0 - minutes_ahead / 120.0
                }
            };
            candidates.push((score, t, day));
        }
        t = if t == start {
            (t / slot + 1) * slot
        } else {
            t + slot
        };
    }
    // The best slot (earliest among equals) usually fits; only if not, try the rest in order.
    let top = candidates
        .iter()
        .enumerate()
        .fold(None::<usize>, |best, (k, c)| match best {
            Some(b) if candidates[b].0 >= c.0 => Some(b),
            _ => Some(k),
        })?;
    let (_, t, day) = candidates[top];
    if counted.fits(t, day, caps) {
        return DateTime::from_timestamp(t, 0);
    }
    candidates.swap_remove(top);
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    candidates
        .iter()
        .find(|(_, t, day)| counted.fits(*t, *day, caps))
        .and_then(|(_, t, _)| DateTime::from_timestamp(*t, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANY: Caps = Caps {
        per_day: 99,
        per_week: 99,
    };

    fn window(a: &str, b: &str) -> TimeWindow {
        TimeWindow {
            start: a.parse().expect("time"),
            end: b.parse().expect("time"),
        }
    }

    fn inputs(now: DateTime<Utc>, tz: Tz, moment: Moment) -> TimingInputs<'static> {
        TimingInputs {
            now,
            tz,
            quiet_hours: Some(window("22:00", "07:00")),
            preferred_windows: &[],
            best_hour: 19,
            moment,
            expires_at: now + Duration::hours(24),
        }
    }

    #[test]
    fn soon_waits_for_quiet_hours_to_end() {
        let tz: Tz = "Europe/Madrid".parse().expect("tz");
        // 23:10 local in winter (UTC+1).
        let now = Utc
            .with_ymd_and_hms(2026, 1, 10, 22, 10, 0)
            .single()
            .expect("t");
        let t =
            send_time(&inputs(now, tz, Moment::Soon), &Counted::default(), ANY).expect("a slot");
        assert_eq!(t.with_timezone(&tz).format("%H:%M").to_string(), "07:00");
    }

    #[test]
    fn preferred_window_beats_best_hour() {
        let tz = chrono_tz::UTC;
        let now = Utc
            .with_ymd_and_hms(2026, 1, 10, 5, 0, 0)
            .single()
            .expect("t");
        let windows = [window("12:00", "13:00")];
        let mut i = inputs(now, tz, Moment::BestTime);
        i.preferred_windows = &windows;
        let t = send_time(&i, &Counted::default(), ANY).expect("slot");
        assert_eq!(
            t.format("%H:%M").to_string(),
            "12:45",
            "the window's slot nearest 19:30"
        );
        i.preferred_windows = &[];
        assert_eq!(
            send_time(&i, &Counted::default(), ANY)
                .expect("slot")
                .format("%H:%M")
                .to_string(),
            "19:30"
        );
    }

    #[test]
    fn spring_forward_gap_is_skipped() {
        let tz: Tz = "America/New_York".parse().expect("tz");
        // 2026-03-08: 02:00–03:00 local does not exist. Quiet hours 01:00–02:30 would end in
        // the gap; the first send is 03:00 EDT.
        let now = Utc
            .with_ymd_and_hms(2026, 3, 8, 6, 30, 0)
            .single()
            .expect("01:30 EST");
        let mut i = inputs(now, tz, Moment::Soon);
        i.quiet_hours = Some(window("01:00", "02:30"));
        let t = send_time(&i, &Counted::default(), ANY).expect("slot");
        assert_eq!(
            t.with_timezone(&tz).format("%H:%M %Z").to_string(),
            "03:00 EDT"
        );
    }

    #[test]
    fn nothing_when_every_slot_is_quiet() {
        let tz = chrono_tz::UTC;
        let now = Utc
            .with_ymd_and_hms(2026, 1, 10, 22, 0, 0)
            .single()
            .expect("t");
        let mut i = inputs(now, tz, Moment::Soon);
        i.expires_at = now + Duration::hours(3);
        assert_eq!(send_time(&i, &Counted::default(), ANY), None);
    }
}
