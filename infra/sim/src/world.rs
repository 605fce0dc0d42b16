//! One simulated user and the product as it sees them: the user model on one side, the
//! product's own decisions on the other (the activity consumer's summary update and
//! celebration, generation's plan at the schedule's times, `job-deliver`'s send-time decision,
//! the app's interact and feedback calls, preference changes), with storage replaced by the
//! fields of [`SimUser`].
//!
//! Events of one user are processed in time order: local midnights (the day's natural draws),
//! generation runs, delivery ticks, the fixed policy's 18:00 push, and pending user actions
//! (an activity, a push seen after sleep).

use std::collections::VecDeque;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Timelike, Utc, Weekday};
use coaching::app::activity::{celebration, deliver_at_once, validate};
use coaching::app::generation::{plan_seed, Generator};
use coaching::domain::events::ActivityEvent;
use coaching::domain::messages::MessageStatus;
use coaching::domain::messages::{
    interact, Delivery, FeedbackInput, Interaction, Message, REWARD_WINDOW_HOURS,
};
use coaching::domain::preferences::{MessageType, Preferences, PreferencesInput};
use coaching::engine::caps::{caps, local_day, Counted};
use coaching::engine::delivery::{decide, Decision};
use coaching::engine::history::HistoryEntry;
use coaching::engine::plan::{message_id, Plan, PlannedMessage, Reason, SkipReason};
use coaching::engine::state::analyse;
use coaching::engine::summary::{Applied, BehaviourSummary};
use coaching::engine::templates::{StatsMap, TargetContext, Template, TimeOfDay, Vars};
use coaching::engine::timing::in_quiet_hours;
use coaching::engine::triggers::{detect, local_instant};
use coaching::views::counters::counter_adds;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use serde_json::json;

use crate::model::{self, Moment};
use crate::population::UserParams;

/// Who decides the pushes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Policy {
    /// No pushes at all.
    None,
    /// One push a day at 18:00 local: a random eligible template and variant.
    Fixed,
    /// The product with learning frozen at its priors.
    Rules,
    /// The product as deployed, learning from what it observes.
    Learned,
}

impl Policy {
    /// Every policy, in report order.
    pub const ALL: [Policy; 4] = [Policy::None, Policy::Fixed, Policy::Rules, Policy::Learned];

    /// Its name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Policy::None => "none",
            Policy::Fixed => "fixed",
            Policy::Rules => "rules",
            Policy::Learned => "learned",
        }
    }

    /// The policy called `name`.
    pub fn from_name(name: &str) -> Option<Policy> {
        Policy::ALL.into_iter().find(|p| p.name() == name)
    }

    fn runs_product(self) -> bool {
        matches!(self, Policy::Rules | Policy::Learned)
    }
}

/// UTC hours of the generation schedule (template.yaml: `cron(0 7-21/2 * * ? *)`).
pub const GENERATION_HOURS: [u32; 8] = [7, 9, 11, 13, 15, 17, 19, 21];
/// `job-deliver` runs every 5 minutes.
pub const DELIVERY_MINUTES: i64 = 5;
/// The fixed policy's local send time.
pub const FIXED_HOUR: u32 = 18;
/// How long the fixed policy's push stays deliverable.
pub const FIXED_EXPIRY_HOURS: i64 = 2;

/// What a run shares among its users (read-only during a window).
pub struct Shared<'a> {
    pub policy: Policy,
    pub generator: &'a Generator,
    /// Per-variant counters as generation reads them (empty for `rules`: learning frozen).
    pub stats: &'a StatsMap,
    pub seed: u64,
}

/// A counter change for the shared per-variant statistics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatDelta {
    pub template_id: String,
    pub variant_id: String,
    pub counter: &'static str,
}

/// A change to one day's counter, as the statistics table's transactions ADD it
/// (`views::counters::counter_adds`): the learners' daily fit reads these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayCount {
    pub day: NaiveDate,
    pub dimension: String,
    pub counter: String,
    pub value: i64,
}

/// What happened to a user, for the report.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub delivered: u64,
    pub reads: u64,
    pub acts: u64,
    pub ratings: Vec<u8>,
    /// Pushes delivered, per week of the run.
    pub delivered_by_week: Vec<u64>,
    /// Acts, per week of the run (by the week the push was delivered).
    pub acts_by_week: Vec<u64>,
    /// The week the user opted out in.
    pub opted_out_week: Option<usize>,
    /// Day indexes the user was active on.
    pub active: Vec<bool>,
    /// Counter changes not yet merged into the shared statistics.
    pub stat_deltas: Vec<StatDelta>,
    /// Daily counter changes not yet merged (`learned` only).
    pub day_counts: Vec<DayCount>,
    /// Pushes followed by the habit within 2 hours (the reward of issue #12).
    pub rewarded: u64,
    /// Pushes delivered inside the user's sleep window.
    pub asleep: u64,
    /// Pushes delivered beyond the user's tolerance of pushes a week.
    pub over_tolerance: u64,
    /// Pushes delivered on a day the user had already done the habit.
    pub done_before: u64,
    /// Pushes that repeated a template the user received in the 14 days before.
    pub repeats: u64,
    /// Per message type (index `MessageType as usize`): delivered, acted on, rewarded.
    pub by_type: [[u64; 3]; 20],
    /// Per lead (the user's usual hour minus the delivery's local hour, rounded and clamped to
    /// −6..=6, index lead + 6): delivered, acted on.
    pub by_lead: [[u64; 2]; 13],
    /// Triggers generation skipped as not worth a push for this user (`low_value`).
    pub low_value: u64,
}

/// A push the user received, as they remember it.
#[derive(Debug, Clone)]
struct Received {
    at: DateTime<Utc>,
    template_id: String,
    message_type: MessageType,
    rewarded: bool,
}

/// A call the app or its backend made to the product.
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    /// `PUT /coaching/personalization` with this body (sign-up, opt-out).
    Preferences(serde_json::Value),
    /// `ActivityLogged` on the bus.
    Activity(ActivityEvent),
    /// `POST /coaching/messages/{id}/interact`.
    Interact {
        message_id: String,
        action: Interaction,
    },
    /// `POST /coaching/messages/{id}/feedback`.
    Feedback { message_id: String, rating: u8 },
}

/// One recorded call: when, and whether a job (generation, delivery) ran for the user at the
/// same instant before it.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    pub at: DateTime<Utc>,
    pub after_jobs: bool,
    pub call: Call,
}

#[derive(Debug, Clone)]
enum Pending {
    /// The habit done (once a day: the later of two is dropped).
    Activity {
        day: usize,
    },
    /// A push delivered at `delivered` is seen now.
    Seen {
        message: usize,
        n7: u32,
        repeat: bool,
    },
    /// An app call for a message.
    Interact {
        message: usize,
        action: Interaction,
    },
    Feedback {
        message: usize,
        rating: u8,
    },
}

/// One simulated user, with the product's stored view of them.
pub struct SimUser {
    pub index: usize,
    pub id: String,
    pub params: UserParams,
    first_day: NaiveDate,
    days: usize,
    end: DateTime<Utc>,
    clock: DateTime<Utc>,
    // The user's truth.
    next_day: usize,
    next_midnight: DateTime<Utc>,
    churn_draw: f64,
    automaticity: f64,
    churned: bool,
    boost_until: usize,
    last_active: Option<usize>,
    received: VecDeque<Received>,
    pending: Vec<(DateTime<Utc>, Pending)>,
    rng: SmallRng,
    // The product's view.
    signup: serde_json::Value,
    prefs: Preferences,
    summary: Option<BehaviourSummary>,
    messages: Vec<Message>,
    scheduled: Vec<usize>,
    /// What the engine reads of `messages`, index for index.
    history: Vec<HistoryEntry>,
    next_generation: DateTime<Utc>,
    next_fixed: DateTime<Utc>,
    last_job: Option<DateTime<Utc>>,
    /// The calls made to the product, when recording (see [`SimUser::record_inputs`]).
    pub inputs: Option<Vec<Input>>,
    pub outcome: Outcome,
}

/// A stream of random numbers for (seed, user, purpose, n): the same whatever the policy.
pub fn stream(seed: u64, user: usize, purpose: u64, n: u64) -> SmallRng {
    let mut h = coaching::engine::rng::mix(seed ^ 0x5157_4e47_5341_4d53);
    for x in [user as u64, purpose, n] {
        h = coaching::engine::rng::mix(h ^ x);
    }
    SmallRng::seed_from_u64(h)
}

/// Purposes of the random streams.
pub mod purpose {
    /// The user's parameters.
    pub const PARAMS: u64 = 1;
    /// The natural behaviour of one day (common random numbers).
    pub const DAY: u64 = 2;
    /// Reactions to pushes.
    pub const RESPONSE: u64 = 3;
}

/// The natural draws of one day: `(u_active, z_time, u_churn)`; depend on (seed, user, day)
/// only.
pub fn natural_draws(seed: u64, user: usize, day: usize) -> (f64, f64, f64) {
    let mut r = stream(seed, user, purpose::DAY, day as u64);
    let u: f64 = r.random();
    let z: f64 = r.sample(StandardNormal);
    let c: f64 = r.random();
    (u, z, c)
}

fn local_midnight(p: &UserParams, d: NaiveDate) -> DateTime<Utc> {
    local_instant(p.tz, d, NaiveTime::MIN)
}

fn at_minute(p: &UserParams, d: NaiveDate, minute: u32) -> DateTime<Utc> {
    let time = NaiveTime::from_num_seconds_from_midnight_opt(minute.min(1439) * 60, 0)
        .unwrap_or(NaiveTime::MIN);
    local_instant(p.tz, d, time)
}

fn local_minute(p: &UserParams, t: DateTime<Utc>) -> u32 {
    let l = t.with_timezone(&p.tz);
    l.hour() * 60 + l.minute()
}

fn ceil_tick(t: DateTime<Utc>) -> DateTime<Utc> {
    let step = DELIVERY_MINUTES * 60;
    let s = t.timestamp();
    let up = (s + step - 1).div_euclid(step) * step;
    DateTime::from_timestamp(up, 0).unwrap_or(t)
}

fn next_generation_after(t: DateTime<Utc>) -> DateTime<Utc> {
    let mut day = t.date_naive();
    loop {
        for h in GENERATION_HOURS {
            let g = day.and_hms_opt(h, 0, 0).map(|n| n.and_utc());
            if let Some(g) = g.filter(|g| *g >= t) {
                return g;
            }
        }
        day = day.succ_opt().unwrap_or(day);
    }
}

impl SimUser {
    /// User `index` of a run starting on local date `first` for `days` days, signed up with
    /// the app's PUT of their preferences at their first local midnight. The product keeps
    /// planning and delivering until `end` (the run's end in every zone); the user lives only
    /// their own `days`.
    pub fn new(
        index: usize,
        params: UserParams,
        first: NaiveDate,
        days: usize,
        end: DateTime<Utc>,
        seed: u64,
    ) -> Self {
        let id = format!("sim-{index:06}");
        let mut signup = json!({
            "timezone": params.tz.name(),
            "language": params.language,
            "message_frequency": params.frequency,
            "personalization_consent": params.consent,
        });
        signup["quiet_hours"] = match &params.quiet_hours {
            Some([s, e]) => json!({"start": s, "end": e}),
            None => serde_json::Value::Null,
        };
        if let Some(t) = params.tone {
            signup["preferred_tone"] = json!(t);
        }
        let prefs = put_preferences(&signup).unwrap_or_default();
        let start = local_midnight(&params, first);
        let next_fixed = at_minute(&params, first, FIXED_HOUR * 60);
        SimUser {
            index,
            id,
            first_day: first,
            days,
            end,
            clock: start,
            next_day: 0,
            next_midnight: start,
            churn_draw: 1.0,
            automaticity: 0.0,
            churned: false,
            boost_until: 0,
            last_active: None,
            received: VecDeque::new(),
            pending: Vec::new(),
            rng: stream(seed, index, purpose::RESPONSE, 0),
            signup,
            prefs,
            summary: None,
            messages: Vec::new(),
            scheduled: Vec::new(),
            history: Vec::new(),
            next_generation: next_generation_after(start),
            next_fixed,
            last_job: None,
            inputs: None,
            outcome: Outcome {
                delivered_by_week: vec![0; days.div_ceil(7)],
                acts_by_week: vec![0; days.div_ceil(7)],
                active: vec![false; days],
                ..Outcome::default()
            },
            params,
        }
    }

    /// Records every call made to the product from now on, starting with the sign-up.
    pub fn record_inputs(&mut self) {
        self.inputs = Some(vec![Input {
            at: self.clock,
            after_jobs: false,
            call: Call::Preferences(self.signup.clone()),
        }]);
    }

    fn record(&mut self, at: DateTime<Utc>, call: Call) {
        let after_jobs = self.last_job == Some(at);
        if let Some(inputs) = &mut self.inputs {
            inputs.push(Input {
                at,
                after_jobs,
                call,
            });
        }
    }

    /// The product's preferences of the user now.
    pub fn preferences(&self) -> &Preferences {
        &self.prefs
    }

    /// The messages the product stored for the user.
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    /// The behaviour summary the product keeps for the user (`None` before any activity).
    pub fn summary(&self) -> Option<&BehaviourSummary> {
        self.summary.as_ref()
    }

    /// Whether the user opted out.
    pub fn opted_out(&self) -> bool {
        !self.prefs.coaching_enabled
    }

    fn day_of(&self, t: DateTime<Utc>) -> Option<usize> {
        let d = t.with_timezone(&self.params.tz).date_naive();
        usize::try_from((d - self.first_day).num_days())
            .ok()
            .filter(|i| *i < self.days)
    }

    fn week_of(&self, t: DateTime<Utc>) -> usize {
        self.day_of(t).map_or(0, |d| d / 7)
    }

    /// Lives until `until` (exclusive), or the end of the run.
    pub fn advance(&mut self, until: DateTime<Utc>, shared: &Shared<'_>) {
        let until = until.min(self.end);
        loop {
            let far = self.end + Duration::days(1);
            let midnight = if self.next_day <= self.days {
                self.next_midnight
            } else {
                far
            };
            let pending = self.pending.iter().map(|p| p.0).min().unwrap_or(far);
            let product = shared.policy.runs_product();
            let generation = if product { self.next_generation } else { far };
            let fixed = if shared.policy == Policy::Fixed {
                self.next_fixed
            } else {
                far
            };
            let delivery = self
                .scheduled
                .iter()
                .map(|i| ceil_tick(self.messages[*i].send_at))
                .min()
                .map_or(far, |t| t.max(self.clock));
            let t = midnight
                .min(pending)
                .min(generation)
                .min(fixed)
                .min(delivery);
            if t >= until {
                self.clock = until;
                return;
            }
            self.clock = t;
            if t == midnight {
                self.midnight(shared.seed);
            } else if t == pending {
                let i = self
                    .pending
                    .iter()
                    .position(|p| p.0 == t)
                    .unwrap_or_default();
                let (at, what) = self.pending.swap_remove(i);
                self.pend(at, what, shared);
            } else if t == generation {
                self.generate(t, shared);
                self.next_generation = next_generation_after(t + Duration::seconds(1));
            } else if t == fixed {
                self.fixed(t, shared);
                let d = t.with_timezone(&self.params.tz).date_naive() + Duration::days(1);
                self.next_fixed = at_minute(&self.params, d, FIXED_HOUR * 60);
            } else {
                self.deliver_due(t, shared);
            }
        }
    }

    /// The end of day `next_day − 1` and the start of day `next_day`.
    fn midnight(&mut self, seed: u64) {
        let p = &self.params;
        if let Some(ended) = self.next_day.checked_sub(1) {
            let active = self.outcome.active[ended];
            self.automaticity = model::automaticity_after(p, self.automaticity, active);
            let since = self
                .last_active
                .map_or(ended as f64 + 1.0, |l| (ended - l) as f64);
            if !self.churned && self.churn_draw < model::churn_chance(p, since) {
                self.churned = true;
            }
        }
        let day = self.next_day;
        self.next_day += 1;
        if day >= self.days {
            return;
        }
        let date = self.first_day + Duration::days(day as i64);
        self.next_midnight = local_midnight(p, date + Duration::days(1));
        let (u, z, c) = natural_draws(seed, self.index, day);
        self.churn_draw = c;
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        let chance = model::daily_chance(p, weekend, day < self.boost_until, self.automaticity);
        if !self.churned && u < chance {
            let minute = waking_minute(p, p.hour + p.hour_sd * z);
            let at = at_minute(p, date, minute);
            self.pending.push((at, Pending::Activity { day }));
        }
    }

    fn pend(&mut self, at: DateTime<Utc>, what: Pending, shared: &Shared<'_>) {
        match what {
            Pending::Activity { day } => self.activity(at, day, shared),
            Pending::Seen {
                message,
                n7,
                repeat,
            } => self.seen(at, message, n7, repeat),
            Pending::Interact { message, action } => self.app_interact(at, message, action),
            Pending::Feedback { message, rating } => self.app_feedback(at, message, rating),
        }
    }

    /// The habit done at `at` (day `day`), unless the day is already done; the product's
    /// activity consumer counts it and may celebrate at once.
    fn activity(&mut self, at: DateTime<Utc>, day: usize, shared: &Shared<'_>) {
        if self.outcome.active[day] {
            return;
        }
        self.outcome.active[day] = true;
        self.last_active = Some(day);
        let from = at - Duration::hours(REWARD_WINDOW_HOURS);
        for r in self.received.iter_mut().rev() {
            if r.at < from {
                break;
            }
            if r.at <= at && !r.rewarded {
                r.rewarded = true;
                self.outcome.rewarded += 1;
                self.outcome.by_type[r.message_type as usize][2] += 1;
            }
        }
        if shared.policy == Policy::None {
            return;
        }
        let event = ActivityEvent {
            activity_id: format!("{}:{day}", self.id),
            user_id: self.id.clone(),
            value_id: "habit".into(),
            value_name: None,
            minutes: self.params.minutes,
            occurred_at: at,
        };
        if validate(&event, at).is_err() {
            return;
        }
        self.record(at, Call::Activity(event.clone()));
        let mut summary = self.summary.take().unwrap_or_default();
        let applied = summary.apply(&event, self.prefs.timezone.0);
        self.summary = Some(summary);
        if applied != Applied::Counted {
            return;
        }
        for i in 0..self.messages.len() {
            if self.messages[i].rewarded_by(at) {
                self.messages[i].rewarded_at = Some(at);
                self.count(i, "rewarded", shared);
                self.sync(i);
            }
        }
        if !shared.policy.runs_product() {
            return;
        }
        let plan = self.plan(at, shared);
        let Some(planned) = celebration(&plan) else {
            return;
        };
        let message = planned.scheduled(at);
        let at_once = deliver_at_once(&message, at);
        if let Some(i) = self.create(message) {
            if at_once {
                self.deliver(i, at, shared);
            }
        }
    }

    /// The engine's plan for the user at `now`, as every product caller makes it.
    fn plan(&self, now: DateTime<Utc>, shared: &Shared<'_>) -> Plan {
        shared.generator.plan_from(
            &self.id,
            &self.prefs,
            self.summary.as_ref(),
            &self.history,
            shared.stats,
            now,
            plan_seed(&self.id, now),
        )
    }

    /// Counts `counter` of message `i` in its send day's counters, as the store's transaction
    /// does (`learned` only: `rules` never reads them).
    fn count(&mut self, i: usize, counter: &str, shared: &Shared<'_>) {
        if shared.policy != Policy::Learned {
            return;
        }
        let m = &self.messages[i];
        let day = m.send_at.date_naive();
        for (dimension, counters) in counter_adds(m, &[(counter, 1)]) {
            for (counter, value) in counters {
                self.outcome.day_counts.push(DayCount {
                    day,
                    dimension: dimension.clone(),
                    counter,
                    value,
                });
            }
        }
    }

    /// Brings `history[i]` up to date with `messages[i]` (only times and status change after
    /// a message is stored).
    fn sync(&mut self, i: usize) {
        let m = &self.messages[i];
        match self.history.get_mut(i) {
            Some(h) => {
                h.send_at = m.send_at;
                h.status = m.status;
                h.read_at = m.read_at;
                h.acted_at = m.acted_at;
                h.rewarded = m.rewarded_at.is_some();
            }
            None => self.history.push(HistoryEntry::of(m)),
        }
    }

    /// Stores a new message (a conditional put: an existing id changes nothing).
    fn create(&mut self, m: Message) -> Option<usize> {
        if self.messages.iter().any(|x| x.id == m.id) {
            return None;
        }
        self.messages.push(m);
        let i = self.messages.len() - 1;
        self.sync(i);
        self.scheduled.push(i);
        Some(i)
    }

    /// A scheduled generation run.
    fn generate(&mut self, now: DateTime<Utc>, shared: &Shared<'_>) {
        self.last_job = Some(now);
        if !self.prefs.coaching_enabled {
            // `plan` answers an opted-out user with skips only: nothing to store.
            return;
        }
        let plan = self.plan(now, shared);
        self.outcome.low_value += plan
            .skipped
            .iter()
            .filter(|s| s.reason == SkipReason::LowValue)
            .count() as u64;
        for p in &plan.messages {
            self.create(p.scheduled(now));
        }
    }

    /// The fixed policy: a random eligible template and variant at 18:00 local, within the
    /// caps and outside quiet hours.
    fn fixed(&mut self, now: DateTime<Utc>, shared: &Shared<'_>) {
        if !self.prefs.coaching_enabled
            || in_quiet_hours(self.prefs.quiet_hours, local_minute(&self.params, now))
        {
            return;
        }
        let tz = self.prefs.timezone.0;
        let counted = Counted::new(
            self.history
                .iter()
                .filter(|h| h.status.counts_for_caps())
                .map(|h| h.send_at),
            tz,
        );
        if !counted.fits(
            now.timestamp(),
            local_day(now, tz),
            caps(self.prefs.message_frequency),
        ) {
            return;
        }
        let default = BehaviourSummary::default();
        let summary = self.summary.as_ref().unwrap_or(&default);
        let g = shared.generator;
        let state = analyse(summary, &self.prefs, &self.history, &g.population, now);
        let ctx = TargetContext {
            segment: state.segment,
            streak: state.current_streak,
            risk: state.risk.map(|r| r.0),
            time_of_day: TimeOfDay::of_hour(FIXED_HOUR),
            premium: false,
        };
        let triggers = detect(&state, &self.prefs, &self.history);
        let eligible: Vec<(MessageType, &Template)> = triggers
            .iter()
            .filter(|t| self.prefs.weight(t.message_type) > 0.0)
            .flat_map(|t| {
                g.catalogue
                    .for_type(t.message_type)
                    .map(move |x| (t.message_type, x))
            })
            .filter(|(_, t)| t.targeting.matches(&ctx) && !t.variants.is_empty())
            .collect();
        if eligible.is_empty() {
            return;
        }
        let (message_type, template) = eligible[self.rng.random_range(0..eligible.len())];
        let variant = &template.variants[self.rng.random_range(0..template.variants.len())];
        let Some((language, content)) = Template::content(variant, &self.prefs.language) else {
            return;
        };
        let occurrence = format!("fixed:{}", now.with_timezone(&tz).date_naive());
        let vars = Vars::default();
        let planned = PlannedMessage {
            id: message_id(&self.id, &occurrence),
            occurrence,
            message_type,
            category: message_type.category(),
            priority: 0,
            tone: template.tone,
            segment: state.segment,
            template_id: template.id.clone(),
            variant_id: variant.id.clone(),
            experiment_id: None,
            selection: None,
            language: language.to_owned(),
            title: content.render_title(&vars),
            body: content.render_body(&vars),
            send_at: now,
            expires_at: now + Duration::hours(FIXED_EXPIRY_HOURS),
            reason: Reason {
                trigger: "fixed".into(),
                figures: Default::default(),
            },
        };
        self.create(planned.scheduled(now));
    }

    /// A `job-deliver` tick: every scheduled message due by `now`, in send-time order.
    fn deliver_due(&mut self, now: DateTime<Utc>, shared: &Shared<'_>) {
        self.last_job = Some(now);
        let mut due: Vec<usize> = self
            .scheduled
            .iter()
            .copied()
            .filter(|i| ceil_tick(self.messages[*i].send_at) <= now)
            .collect();
        let key = |i: &usize| (self.messages[*i].send_at, self.messages[*i].id.as_str());
        due.sort_by(|a, b| key(a).cmp(&key(b)));
        for i in due {
            self.deliver(i, now, shared);
        }
    }

    /// The deliverer's decision for message `i` at `now`, and the push if it says send.
    fn deliver(&mut self, i: usize, now: DateTime<Utc>, shared: &Shared<'_>) {
        match decide(&self.messages[i], &self.prefs, self.summary.as_ref(), now) {
            Decision::Send => {}
            Decision::Defer { until } => {
                self.messages[i].send_at = until;
                self.sync(i);
                return;
            }
            Decision::Drop { reason } => {
                let m = &mut self.messages[i];
                m.status = MessageStatus::Expired;
                m.delivery = Some(Delivery {
                    failure: Some(reason.to_owned()),
                    ..Delivery::default()
                });
                self.scheduled.retain(|x| *x != i);
                self.sync(i);
                return;
            }
        }
        self.scheduled.retain(|x| *x != i);
        let m = &mut self.messages[i];
        m.status = MessageStatus::Sent;
        m.delivered_at = Some(now);
        m.delivery = Some(Delivery {
            devices: 1,
            ..Delivery::default()
        });
        let template = m.template_id.clone();
        let message_type = m.message_type;
        if shared.policy == Policy::Learned {
            self.outcome.stat_deltas.push(StatDelta {
                template_id: template.clone(),
                variant_id: m.variant_id.clone(),
                counter: "sent",
            });
        }
        self.count(i, "sent", shared);
        self.sync(i);
        self.push_received(i, now, template, message_type);
    }

    /// The user's side of a delivered push: opt-out drawn at delivery, the rest when seen.
    fn push_received(
        &mut self,
        i: usize,
        t: DateTime<Utc>,
        template: String,
        message_type: MessageType,
    ) {
        // After the user's last day the product still pushes; nobody is there to count it.
        let Some(day) = self.day_of(t) else {
            return;
        };
        let week = day / 7;
        self.outcome.delivered += 1;
        if let Some(w) = self.outcome.delivered_by_week.get_mut(week) {
            *w += 1;
        }
        self.outcome.by_type[message_type as usize][0] += 1;
        let lead = self.lead_bucket(t);
        self.outcome.by_lead[lead][0] += 1;
        while self
            .received
            .front()
            .is_some_and(|r| r.at <= t - Duration::days(14))
        {
            self.received.pop_front();
        }
        let week_ago = t - Duration::days(7);
        let n7 = self.received.iter().filter(|r| r.at > week_ago).count() as u32;
        let repeat = self.received.iter().any(|r| r.template_id == template);
        self.received.push_back(Received {
            at: t,
            template_id: template,
            message_type,
            rewarded: false,
        });
        if f64::from(n7) > self.params.optout_tolerance {
            self.outcome.over_tolerance += 1;
        }
        if self.outcome.active.get(day).copied().unwrap_or(false) {
            self.outcome.done_before += 1;
        }
        if repeat {
            self.outcome.repeats += 1;
        }

        let minute = local_minute(&self.params, t);
        let asleep = self.params.sleep.contains(minute);
        if asleep {
            self.outcome.asleep += 1;
        }
        let optout = model::optout_chance(&self.params, asleep, n7);
        if self.rng.random::<f64>() < optout && self.prefs.coaching_enabled {
            self.opt_out(t);
        }
        let p = &self.params;
        let seen = if asleep {
            let date = t.with_timezone(&p.tz).date_naive();
            let date = if minute >= p.sleep.end {
                date + Duration::days(1)
            } else {
                date
            };
            at_minute(p, date, p.sleep.end)
        } else {
            t
        };
        self.pending.push((
            seen,
            Pending::Seen {
                message: i,
                n7,
                repeat,
            },
        ));
    }

    /// The app's `PUT /coaching/personalization` with coaching switched off.
    fn opt_out(&mut self, t: DateTime<Utc>) {
        let mut body = self.signup.clone();
        body["coaching_enabled"] = json!(false);
        if let Some(p) = put_preferences(&body) {
            self.prefs = p;
        }
        self.record(t, Call::Preferences(body));
        self.outcome.opted_out_week = Some(self.week_of(t));
    }

    fn current_streak(&self, today: usize) -> u32 {
        (0..today)
            .rev()
            .take_while(|d| self.outcome.active[*d])
            .count() as u32
    }

    /// The lead bucket of a push delivered at `t` (see `Outcome::by_lead`).
    fn lead_bucket(&self, t: DateTime<Utc>) -> usize {
        let local = t.with_timezone(&self.params.tz);
        let hour = f64::from(local.hour()) + f64::from(local.minute()) / 60.0;
        let mut lead = self.params.hour - hour;
        if lead > 12.0 {
            lead -= 24.0;
        } else if lead < -12.0 {
            lead += 24.0;
        }
        (lead.round().clamp(-6.0, 6.0) + 6.0) as usize
    }

    /// A push seen at `t`: read, then acted on or dismissed.
    fn seen(&mut self, t: DateTime<Utc>, i: usize, n7: u32, repeat: bool) {
        let p = &self.params;
        let local = t.with_timezone(&p.tz);
        let hour = f64::from(local.hour()) + f64::from(local.minute()) / 60.0;
        let Some(day) = self.day_of(t) else {
            return;
        };
        if self.rng.random::<f64>() >= p.read * model::attention(p, hour) {
            return;
        }
        self.outcome.reads += 1;
        let m = &self.messages[i];
        let ty = m.message_type;
        let done_today = self.outcome.active[day];
        let moment = Moment {
            message_type: ty,
            tone: m.tone,
            seen_hour: hour,
            done_today,
            n7,
            repeat,
            streak: self.current_streak(day),
        };
        let week = self.week_of(m.delivered_at.unwrap_or(t));
        if self.rng.random::<f64>() >= model::act_chance(p, &moment) {
            let action = if self.rng.random::<f64>() < model::DISMISS_CHANCE {
                Interaction::Dismissed
            } else {
                Interaction::Read
            };
            self.pending
                .push((t, Pending::Interact { message: i, action }));
            return;
        }
        self.outcome.acts += 1;
        self.outcome.by_type[ty as usize][1] += 1;
        let lead = self.lead_bucket(m.delivered_at.unwrap_or(t));
        self.outcome.by_lead[lead][1] += 1;
        if let Some(w) = self.outcome.acts_by_week.get_mut(week) {
            *w += 1;
        }
        let acted = t + Duration::minutes(1);
        self.pending.push((
            acted,
            Pending::Interact {
                message: i,
                action: Interaction::Acted,
            },
        ));
        if !done_today {
            if self.churned && model::is_comeback(ty) && self.rng.random::<f64>() < p.churn_return {
                self.churned = false;
            }
            if !self.churned && self.rng.random::<f64>() < p.complete {
                let delay = self.rng.random_range(5.0..=120.0);
                let latest = at_minute(p, local.date_naive(), 23 * 60 + 59);
                let when = (t + Duration::seconds((delay * 60.0) as i64)).min(latest);
                self.pending.push((when, Pending::Activity { day }));
            }
        }
        if model::is_recognition(ty) {
            self.boost_until = day + 1 + p.boost_days as usize;
        }
        if self.rng.random::<f64>() < p.feedback {
            let z: f64 = self.rng.sample(StandardNormal);
            let rating = model::rating(p, ty, z);
            self.outcome.ratings.push(rating);
            self.pending.push((
                acted + Duration::minutes(1),
                Pending::Feedback { message: i, rating },
            ));
        }
    }

    /// `POST /coaching/messages/{id}/interact`.
    fn app_interact(&mut self, t: DateTime<Utc>, i: usize, action: Interaction) {
        let m = &self.messages[i];
        let call = Call::Interact {
            message_id: m.id.clone(),
            action,
        };
        let Ok(Some(change)) = interact(m, action, t) else {
            return;
        };
        let after = change.applied_to(m);
        self.record(t, call);
        let learned_counters: Vec<&'static str> =
            change.stamps.iter().filter_map(|s| s.counter()).collect();
        for counter in learned_counters {
            self.outcome.stat_deltas.push(StatDelta {
                template_id: after.template_id.clone(),
                variant_id: after.variant_id.clone(),
                counter,
            });
        }
        self.messages[i] = after;
        self.sync(i);
    }

    /// `POST /coaching/messages/{id}/feedback`.
    fn app_feedback(&mut self, t: DateTime<Utc>, i: usize, rating: u8) {
        let input = FeedbackInput {
            rating: Some(i64::from(rating)),
            helpful: None,
            comment: None,
        };
        let m = &self.messages[i];
        let call = Call::Feedback {
            message_id: m.id.clone(),
            rating,
        };
        if let Ok(f) = input.into_feedback(m.feedback.as_ref(), t) {
            self.messages[i].feedback = Some(f);
            self.record(t, call);
        }
    }
}

/// The app's PUT of a preferences document, validated as the API does.
fn put_preferences(body: &serde_json::Value) -> Option<Preferences> {
    serde_json::from_value::<PreferencesInput>(body.clone())
        .ok()?
        .into_preferences()
        .ok()
}

/// The local minute of a natural activity drawn at local hour `h`, moved into the waking day
/// (between the end of sleep and its start, within the calendar day).
fn waking_minute(p: &UserParams, h: f64) -> u32 {
    let wake = p.sleep.end;
    let bed = if p.sleep.start > p.sleep.end {
        p.sleep.start
    } else {
        1440
    };
    let m = (h * 60.0).round();
    if m < f64::from(wake) {
        wake
    } else if m >= f64::from(bed) {
        bed - 1
    } else {
        m as u32
    }
}
