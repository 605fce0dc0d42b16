//! `coach-sim`: the coaching simulator. A population file (`../shared/SIMULATION.md`) is drawn
//! into users who live N days under a policy; for `rules` and `learned` the product's own
//! decisions run in process (see [`world`]), with only storage and transport replaced.
//!
//! - [`population`]: the file format and one user's draw.
//! - [`model`]: the user model's formulas.
//! - [`world`]: one user's life and the product's view of them, event by event.
//! - [`report`]: figures per policy with intervals over seeds, the JSON and the table.
//! - [`plots`]: the PNG charts.

pub mod model;
pub mod plots;
pub mod population;
pub mod report;
pub mod world;

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use coaching::app::generation::Generator;
use coaching::engine::learned::{Model, Priors, FIT_DAYS};
use coaching::engine::risk::fit_risk;
use coaching::engine::templates::StatsMap;
use rayon::prelude::*;

use population::Population;
use world::{purpose, stream, DayCount, Policy, Shared, SimUser, StatDelta};

/// The size and start of a run.
#[derive(Debug, Clone, Copy)]
pub struct RunConfig {
    pub users: usize,
    pub days: usize,
    pub start: NaiveDate,
}

/// What one (policy, seed) run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct RunResult {
    pub policy: Policy,
    pub seed: u64,
    pub users: usize,
    pub days: usize,
    pub active_days: u64,
    pub delivered: u64,
    pub reads: u64,
    pub acts: u64,
    pub ratings_sum: u64,
    pub ratings: u64,
    pub opted_out: u64,
    /// Users active in the run's last 7 days.
    pub retained: u64,
    /// Users active, per day.
    pub active_by_day: Vec<u64>,
    pub delivered_by_week: Vec<u64>,
    pub acts_by_week: Vec<u64>,
    pub optouts_by_week: Vec<u64>,
    /// Pushes followed by the habit within 2 hours.
    pub rewarded: u64,
    pub asleep: u64,
    pub over_tolerance: u64,
    pub done_before: u64,
    pub repeats: u64,
    /// Per message type: delivered, acted on, rewarded.
    pub by_type: [[u64; 3]; 20],
    /// Per lead bucket (see `world::Outcome::by_lead`): delivered, acted on.
    pub by_lead: [[u64; 2]; 13],
}

impl RunConfig {
    /// The instant the product stops for everyone: the last local day's end in the
    /// westernmost zone (UTC−12), with margin.
    pub fn end(&self) -> DateTime<Utc> {
        let last = self.start + Duration::days(self.days as i64);
        last.and_time(NaiveTime::MIN).and_utc() + Duration::hours(14)
    }

    /// The first instant any user can start (UTC+14).
    pub fn first(&self) -> DateTime<Utc> {
        self.start.and_time(NaiveTime::MIN).and_utc() - Duration::hours(14)
    }
}

/// Windows are whole UTC days from the day before the start (zones ahead of UTC begin in it)
/// to the run's end.
fn windows(cfg: &RunConfig) -> usize {
    cfg.days + 2
}

/// Work units of one run, for progress bars.
pub fn run_steps(cfg: &RunConfig) -> u64 {
    windows(cfg) as u64
}

/// The users of a run: user `i`'s parameters come from (seed, i) only.
pub fn draw_users(pop: &Population, cfg: &RunConfig, seed: u64) -> Vec<SimUser> {
    (0..cfg.users)
        .into_par_iter()
        .map(|i| {
            let params = pop.draw(&mut stream(seed, i, purpose::PARAMS, 0));
            SimUser::new(i, params, cfg.start, cfg.days, cfg.end(), seed)
        })
        .collect()
}

fn merge(stats: &mut StatsMap, d: StatDelta) {
    let s = stats
        .entry(d.template_id)
        .or_default()
        .entry(d.variant_id)
        .or_default();
    match d.counter {
        "sent" => s.sent += 1,
        "read" => s.read += 1,
        "acted" => s.acted += 1,
        _ => {}
    }
}

/// The statistics table's daily counters: send day → dimension → counter → value.
#[derive(Debug, Default)]
pub struct DailyCounters(BTreeMap<NaiveDate, HashMap<String, BTreeMap<String, i64>>>);

impl DailyCounters {
    fn add(&mut self, c: DayCount) {
        *self
            .0
            .entry(c.day)
            .or_default()
            .entry(c.dimension)
            .or_default()
            .entry(c.counter)
            .or_default() += c.value;
    }

    /// The model the daily fit job makes at `at` from the [`FIT_DAYS`] send days before it.
    pub fn fit(&self, at: DateTime<Utc>) -> Model {
        let to = at.date_naive() - Duration::days(1);
        let from = to - Duration::days(FIT_DAYS - 1);
        let rows = self
            .0
            .range(from..=to)
            .flat_map(|(_, dims)| dims.iter().map(|(d, c)| (d.as_str(), c)));
        Model::fit(rows, at, from, to)
    }
}

/// Lives `users` through the run under `policy`, one UTC day at a time (users in parallel
/// within a day; what the product learned is merged at each day's end). `step` is called
/// after each day.
pub fn simulate_users(
    users: &mut [SimUser],
    cfg: &RunConfig,
    policy: Policy,
    seed: u64,
    generator: &Generator,
    step: &(dyn Fn() + Sync),
) {
    simulate_users_every(users, cfg, policy, seed, generator, Duration::days(1), step);
}

/// [`simulate_users`] in windows of `window` instead of days: the counters the product reads
/// are merged at each window's end, so a window of a minute reads them as the deployed
/// functions do, at every moment (the parity test); `step` is called after each day.
pub fn simulate_users_every(
    users: &mut [SimUser],
    cfg: &RunConfig,
    policy: Policy,
    seed: u64,
    generator: &Generator,
    window: Duration,
    step: &(dyn Fn() + Sync),
) {
    let mut stats = StatsMap::default();
    let mut counters = DailyCounters::default();
    // `rules` is the product with learning frozen at its priors; `learned` refits its priors
    // at each UTC day's start, as the daily fit job does.
    let mut generator = Generator {
        learning: policy == Policy::Learned,
        ..generator.clone()
    };
    let first = cfg.start.and_time(NaiveTime::MIN).and_utc() - Duration::days(1);
    let last = first + Duration::days(windows(cfg) as i64);
    let mut until = first;
    while until < last {
        until += window;
        let shared = Shared {
            policy,
            generator: &generator,
            stats: &stats,
            seed,
        };
        users.par_iter_mut().for_each(|u| u.advance(until, &shared));
        // `rules` keeps its priors: its counters are dropped, never read.
        for u in users.iter_mut() {
            for d in u.outcome.stat_deltas.drain(..) {
                if policy == Policy::Learned {
                    merge(&mut stats, d);
                }
            }
            for c in u.outcome.day_counts.drain(..) {
                counters.add(c);
            }
        }
        if (until - first).num_seconds() % 86_400 == 0 {
            if policy == Policy::Learned {
                let mut model = counters.fit(until);
                // In user id order, as job-fit-model reads them (`sim-000042` sorts by index).
                model.risk = fit_risk(users.iter().filter_map(|u| {
                    let s = u.summary()?;
                    Some((s, until.with_timezone(&s.tz()).date_naive()))
                }));
                generator.priors = Priors::from(&model);
            }
            step();
        }
    }
}

/// One (policy, seed) run of the population.
pub fn run(
    pop: &Population,
    cfg: &RunConfig,
    policy: Policy,
    seed: u64,
    generator: &Generator,
    step: &(dyn Fn() + Sync),
) -> RunResult {
    let mut users = draw_users(pop, cfg, seed);
    simulate_users(&mut users, cfg, policy, seed, generator, step);
    result(&users, cfg, policy, seed)
}

/// The run's figures from its users.
pub fn result(users: &[SimUser], cfg: &RunConfig, policy: Policy, seed: u64) -> RunResult {
    let weeks = cfg.days.div_ceil(7);
    let mut r = RunResult {
        policy,
        seed,
        users: users.len(),
        days: cfg.days,
        active_days: 0,
        delivered: 0,
        reads: 0,
        acts: 0,
        ratings_sum: 0,
        ratings: 0,
        opted_out: 0,
        retained: 0,
        active_by_day: vec![0; cfg.days],
        delivered_by_week: vec![0; weeks],
        acts_by_week: vec![0; weeks],
        optouts_by_week: vec![0; weeks],
        rewarded: 0,
        asleep: 0,
        over_tolerance: 0,
        done_before: 0,
        repeats: 0,
        by_type: [[0; 3]; 20],
        by_lead: [[0; 2]; 13],
    };
    for u in users {
        let o = &u.outcome;
        r.delivered += o.delivered;
        r.rewarded += o.rewarded;
        r.asleep += o.asleep;
        r.over_tolerance += o.over_tolerance;
        r.done_before += o.done_before;
        r.repeats += o.repeats;
        for (sum, c) in r.by_lead.iter_mut().zip(&o.by_lead) {
            sum[0] += c[0];
            sum[1] += c[1];
        }
        for (sum, c) in r.by_type.iter_mut().zip(&o.by_type) {
            for (a, b) in sum.iter_mut().zip(c) {
                *a += b;
            }
        }
        r.reads += o.reads;
        r.acts += o.acts;
        r.ratings += o.ratings.len() as u64;
        r.ratings_sum += o.ratings.iter().map(|x| u64::from(*x)).sum::<u64>();
        for (d, a) in o.active.iter().enumerate() {
            if *a {
                r.active_days += 1;
                r.active_by_day[d] += 1;
            }
        }
        if o.active.iter().rev().take(7).any(|a| *a) {
            r.retained += 1;
        }
        if let Some(w) = o.opted_out_week {
            r.opted_out += 1;
            r.optouts_by_week[w.min(weeks.saturating_sub(1))] += 1;
        }
        for w in 0..weeks {
            r.delivered_by_week[w] += o.delivered_by_week[w];
            r.acts_by_week[w] += o.acts_by_week[w];
        }
    }
    r
}
