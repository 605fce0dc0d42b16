//! EventBridge schedule expressions: `cron(min hour day-of-month month day-of-week year)` and
//! `rate(N unit)`. Supports `*`, `?`, lists, ranges, steps and month/day names; not `L`, `W`
//! or `#`. Days of the week are 1–7 = SUN–SAT, as in EventBridge.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDateTime, Timelike};

/// A parsed schedule expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expression {
    Cron(Cron),
    /// Every this many minutes.
    Rate(u32),
}

/// The allowed values of each cron field (`None`: any).
#[derive(Debug, Clone, PartialEq)]
pub struct Cron {
    minutes: BTreeSet<u32>,
    hours: BTreeSet<u32>,
    days: Option<BTreeSet<u32>>,
    months: BTreeSet<u32>,
    weekdays: Option<BTreeSet<u32>>,
    years: Option<BTreeSet<u32>>,
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

fn value(text: &str, lo: u32, names: &[&str]) -> Result<u32, String> {
    if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(text)) {
        return Ok(lo + i as u32);
    }
    text.parse()
        .map_err(|_| format!("`{text}` is not a number or name"))
}

/// The values a field allows, or `None` for `*`/`?` (any).
fn field(text: &str, lo: u32, hi: u32, names: &[&str]) -> Result<Option<BTreeSet<u32>>, String> {
    if text == "?" || text == "*" {
        return Ok(None);
    }
    let mut out = BTreeSet::new();
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (
                r,
                s.parse::<u32>()
                    .map_err(|_| format!("bad step in `{part}`"))?,
            ),
            None => (part, 1),
        };
        if step == 0 {
            return Err(format!("zero step in `{part}`"));
        }
        let (a, b) = match range {
            "*" => (lo, hi),
            r => match r.split_once('-') {
                Some((a, b)) => (value(a, lo, names)?, value(b, lo, names)?),
                None => {
                    let a = value(r, lo, names)?;
                    (a, if part.contains('/') { hi } else { a })
                }
            },
        };
        if a < lo || b > hi || a > b {
            return Err(format!("`{part}` is outside {lo}-{hi}"));
        }
        out.extend((a..=b).step_by(step as usize));
    }
    Ok(Some(out))
}

impl Expression {
    /// Parses `cron(…)` or `rate(…)`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if let Some(inner) = text.strip_prefix("rate(").and_then(|t| t.strip_suffix(')')) {
            let (n, unit) = inner
                .trim()
                .split_once(' ')
                .ok_or_else(|| format!("bad rate `{text}`"))?;
            let n: u32 = n.parse().map_err(|_| format!("bad rate `{text}`"))?;
            let per = match unit.trim() {
                "minute" | "minutes" => 1,
                "hour" | "hours" => 60,
                "day" | "days" => 24 * 60,
                _ => return Err(format!("bad rate unit in `{text}`")),
            };
            if n == 0 {
                return Err(format!("zero rate `{text}`"));
            }
            return Ok(Expression::Rate(n * per));
        }
        let inner = text
            .strip_prefix("cron(")
            .and_then(|t| t.strip_suffix(')'))
            .ok_or_else(|| format!("`{text}` is neither cron(…) nor rate(…)"))?;
        let f: Vec<&str> = inner.split_whitespace().collect();
        let [min, hour, dom, month, dow, year] = f[..] else {
            return Err(format!("`{text}` needs six fields"));
        };
        if dom != "?" && dow != "?" {
            return Err(format!("`{text}`: day-of-month or day-of-week must be `?`"));
        }
        let all = |lo: u32, hi: u32| (lo..=hi).collect::<BTreeSet<u32>>();
        Ok(Expression::Cron(Cron {
            minutes: field(min, 0, 59, &[])?.unwrap_or_else(|| all(0, 59)),
            hours: field(hour, 0, 23, &[])?.unwrap_or_else(|| all(0, 23)),
            days: field(dom, 1, 31, &[])?,
            months: field(month, 1, 12, &MONTHS)?.unwrap_or_else(|| all(1, 12)),
            weekdays: field(dow, 1, 7, &DAYS)?,
            years: field(year, 1970, 2199, &[])?,
        }))
    }

    /// Whether the schedule fires at local minute `t`; `minutes_since_start` paces rates.
    pub fn fires_at(&self, t: NaiveDateTime, minutes_since_start: u64) -> bool {
        match self {
            Expression::Rate(n) => {
                minutes_since_start > 0 && minutes_since_start % u64::from(*n) == 0
            }
            Expression::Cron(c) => {
                let any = |set: &Option<BTreeSet<u32>>, v: u32| {
                    set.as_ref().is_none_or(|s| s.contains(&v))
                };
                c.minutes.contains(&t.minute())
                    && c.hours.contains(&t.hour())
                    && c.months.contains(&t.month())
                    && any(&c.days, t.day())
                    && any(&c.weekdays, t.weekday().num_days_from_sunday() + 1)
                    && any(&c.years, t.year() as u32)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time")
    }

    #[test]
    fn every_two_hours_from_seven() {
        let e = Expression::parse("cron(0 7-21/2 * * ? *)").expect("parses");
        let fired: Vec<u32> = (0..24)
            .filter(|h| e.fires_at(at(&format!("2026-11-24 {h:02}:00")), 0))
            .collect();
        assert_eq!(fired, vec![7, 9, 11, 13, 15, 17, 19, 21]);
        assert!(!e.fires_at(at("2026-11-24 07:01"), 0));
    }

    #[test]
    fn sundays_at_three() {
        let e = Expression::parse("cron(0 3 ? * SUN *)").expect("parses");
        assert!(e.fires_at(at("2026-11-29 03:00"), 0)); // a Sunday
        assert!(!e.fires_at(at("2026-11-30 03:00"), 0));
        let numeric = Expression::parse("cron(0 3 ? * 1 *)").expect("parses");
        assert_eq!(e, numeric);
    }

    #[test]
    fn rates_and_errors() {
        let e = Expression::parse("rate(5 minutes)").expect("parses");
        assert!(e.fires_at(at("2026-11-24 10:00"), 10));
        assert!(!e.fires_at(at("2026-11-24 10:00"), 11));
        assert_eq!(Expression::parse("rate(1 hour)"), Ok(Expression::Rate(60)));
        for bad in [
            "cron(0 3 * * * *)",
            "cron(0 25 * * ? *)",
            "cron(0 3 ? *)",
            "every day",
            "rate(0 minutes)",
        ] {
            assert!(Expression::parse(bad).is_err(), "{bad}");
        }
    }
}
