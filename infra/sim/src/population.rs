//! The population file (`../shared/SIMULATION.md`, version 1) and drawing one user from it.
//!
//! Every range `[lo, hi]` is drawn once per user, uniformly. Where the example file has a
//! single number (`effect.boost`, `optout.asleep`, …) a range is accepted too, and where it
//! has a range a single number is accepted: populations differ in numbers, not in format.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use chrono_tz::Tz;
use coaching::domain::preferences::{MessageFrequency, MessageType, Tone};
use rand::Rng;
use serde::Deserialize;

/// A number or a `[lo, hi]` range, drawn uniformly.
#[derive(Deserialize, Debug, Clone, Copy, PartialEq)]
#[serde(untagged)]
pub enum Num {
    Fixed(f64),
    Range([f64; 2]),
}

impl Num {
    /// One draw.
    pub fn draw(self, rng: &mut impl Rng) -> f64 {
        match self {
            Num::Fixed(x) => x,
            Num::Range([lo, hi]) if hi > lo => lo + (hi - lo) * rng.random::<f64>(),
            Num::Range([lo, _]) => lo,
        }
    }

    fn check(self, field: &str, lo: f64, hi: f64, errors: &mut Vec<String>) {
        let (a, b) = match self {
            Num::Fixed(x) => (x, x),
            Num::Range([a, b]) => (a, b),
        };
        if !(a.is_finite() && b.is_finite()) || a > b || a < lo || b > hi {
            errors.push(format!(
                "{field}: expected a value or range within [{lo}, {hi}]"
            ));
        }
    }
}

/// The whole file.
#[derive(Deserialize, Debug, Clone)]
pub struct Population {
    pub version: u32,
    #[serde(default)]
    pub name: Option<String>,
    pub users: usize,
    pub days: u32,
    pub start: NaiveDate,
    pub seed: u64,
    pub archetypes: Vec<Archetype>,
}

/// What the app PUTs at sign-up.
#[derive(Deserialize, Debug, Clone)]
pub struct SignUp {
    pub frequency: BTreeMap<String, f64>,
    pub consent: f64,
    pub quiet_hours: Option<[String; 2]>,
    pub tone: BTreeMap<String, f64>,
}

#[derive(Deserialize, Debug, Clone)]
pub struct Habit {
    pub p_base: Num,
    pub weekend_factor: Num,
    pub hour: Num,
    pub hour_sd: Num,
    pub minutes: Num,
    pub gain: Num,
    pub decay: Num,
    pub weight: Num,
}

#[derive(Deserialize, Debug, Clone)]
pub struct Attention {
    pub hour: Num,
    pub sd: Num,
    pub floor: Num,
}

/// One row of the lead table: `from_h ≤ usual hour − push hour < to_h` → `mult`.
#[derive(Deserialize, Debug, Clone, Copy)]
pub struct Lead {
    pub from_h: f64,
    pub to_h: f64,
    pub mult: f64,
}

#[derive(Deserialize, Debug, Clone)]
pub struct Response {
    pub read: Num,
    pub act: Num,
    #[serde(rename = "type", default)]
    pub types: BTreeMap<String, f64>,
    #[serde(rename = "tone", default)]
    pub tones: BTreeMap<String, f64>,
    #[serde(default)]
    pub lead: Vec<Lead>,
    pub done_today: Num,
    pub fatigue: Num,
    pub repeat: Num,
    pub streak_aversion: Num,
}

#[derive(Deserialize, Debug, Clone)]
pub struct Effect {
    pub complete: Num,
    pub boost: Num,
    pub boost_days: Num,
}

#[derive(Deserialize, Debug, Clone)]
pub struct OptOut {
    pub base: Num,
    pub asleep: Num,
    pub over: Num,
    pub tolerance: Num,
}

#[derive(Deserialize, Debug, Clone)]
pub struct Churn {
    pub hazard: Num,
    #[serde(rename = "return")]
    pub return_: Num,
}

/// One kind of user and its share of the population.
#[derive(Deserialize, Debug, Clone)]
pub struct Archetype {
    pub name: String,
    pub share: f64,
    pub timezones: BTreeMap<String, f64>,
    pub languages: BTreeMap<String, f64>,
    pub prefs: SignUp,
    pub habit: Habit,
    pub attention: Attention,
    pub sleep: [String; 2],
    pub response: Response,
    pub effect: Effect,
    pub optout: OptOut,
    pub churn: Churn,
    pub feedback: Num,
}

/// Minutes after local midnight of an "HH:MM" time.
pub fn minute_of(hhmm: &str) -> Option<u32> {
    let (h, m) = hhmm.split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// A `[start, end]` local window in minutes; it may cross midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: u32,
    pub end: u32,
}

impl Window {
    /// Whether local minute `m` is inside.
    pub fn contains(self, m: u32) -> bool {
        if self.start <= self.end {
            (self.start..self.end).contains(&m)
        } else {
            m >= self.start || m < self.end
        }
    }
}

/// A user's true parameters: the simulator's, never shown to the product.
#[derive(Debug, Clone)]
pub struct UserParams {
    pub archetype: usize,
    pub tz: Tz,
    pub language: String,
    pub frequency: MessageFrequency,
    pub consent: bool,
    pub quiet_hours: Option<[String; 2]>,
    pub tone: Option<Tone>,
    pub p_base: f64,
    pub weekend_factor: f64,
    pub hour: f64,
    pub hour_sd: f64,
    pub minutes: u32,
    pub gain: f64,
    pub decay: f64,
    pub weight: f64,
    pub attention_hour: f64,
    pub attention_sd: f64,
    pub attention_floor: f64,
    pub sleep: Window,
    pub read: f64,
    pub act: f64,
    /// Multiplier per message type (index `MessageType as usize`).
    pub type_mult: [f64; 20],
    /// Multiplier per tone (index `Tone as usize`).
    pub tone_mult: [f64; 8],
    pub lead: Vec<Lead>,
    pub done_today: f64,
    pub fatigue: f64,
    pub repeat: f64,
    pub streak_aversion: f64,
    pub complete: f64,
    pub boost: f64,
    pub boost_days: u32,
    pub optout_base: f64,
    pub optout_asleep: f64,
    pub optout_over: f64,
    pub optout_tolerance: f64,
    pub churn_hazard: f64,
    pub churn_return: f64,
    pub feedback: f64,
}

fn pick<'a>(weights: &'a BTreeMap<String, f64>, rng: &mut impl Rng) -> Option<&'a str> {
    let total: f64 = weights.values().filter(|w| **w > 0.0).sum();
    let mut u = rng.random::<f64>() * total;
    let mut last = None;
    for (k, w) in weights.iter().filter(|(_, w)| **w > 0.0) {
        last = Some(k.as_str());
        if u < *w {
            return last;
        }
        u -= w;
    }
    last
}

fn wire<T: for<'de> Deserialize<'de>>(name: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).ok()
}

impl Population {
    /// Parses and checks a population file's text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let p: Population =
            serde_json::from_str(text).map_err(|e| format!("population file: {e}"))?;
        p.validate()?;
        Ok(p)
    }

    /// Every rule of the format, all broken ones listed at once.
    pub fn validate(&self) -> Result<(), String> {
        let mut errors = Vec::new();
        if self.version != 1 {
            errors.push(format!("version: {} is not 1", self.version));
        }
        if self.archetypes.is_empty() {
            errors.push("archetypes: at least one is needed".into());
        }
        let shares: f64 = self.archetypes.iter().map(|a| a.share).sum();
        if (shares - 1.0).abs() > 0.001 {
            errors.push(format!(
                "archetypes: shares sum to {shares}, not 1 (±0.001)"
            ));
        }
        for a in &self.archetypes {
            let at = |f: &str| format!("{}.{f}", a.name);
            for zone in a.timezones.keys() {
                if zone.parse::<Tz>().is_err() {
                    errors.push(format!("{}: unknown zone {zone}", at("timezones")));
                }
            }
            if a.timezones.values().all(|w| *w <= 0.0) {
                errors.push(format!("{}: no positive weight", at("timezones")));
            }
            if a.languages.values().all(|w| *w <= 0.0) {
                errors.push(format!("{}: no positive weight", at("languages")));
            }
            for level in a.prefs.frequency.keys() {
                if wire::<MessageFrequency>(level).is_none() {
                    errors.push(format!("{}: unknown level {level}", at("prefs.frequency")));
                }
            }
            for tone in a.prefs.tone.keys() {
                if tone != "none" && wire::<Tone>(tone).is_none() {
                    errors.push(format!("{}: unknown tone {tone}", at("prefs.tone")));
                }
            }
            for ty in a.response.types.keys() {
                if MessageType::from_name(ty).is_none() {
                    errors.push(format!(
                        "{}: unknown message type {ty}",
                        at("response.type")
                    ));
                }
            }
            for tone in a.response.tones.keys() {
                if wire::<Tone>(tone).is_none() {
                    errors.push(format!("{}: unknown tone {tone}", at("response.tone")));
                }
            }
            let windows = a.prefs.quiet_hours.iter().chain(std::iter::once(&a.sleep));
            for w in windows {
                if minute_of(&w[0]).is_none() || minute_of(&w[1]).is_none() {
                    errors.push(format!("{}: {w:?} is not [\"HH:MM\", \"HH:MM\"]", a.name));
                }
            }
            let h = &a.habit;
            for (f, n, lo, hi) in [
                ("habit.p_base", h.p_base, 0.0, 1.0),
                ("habit.weekend_factor", h.weekend_factor, 0.0, 10.0),
                ("habit.hour", h.hour, -24.0, 48.0),
                ("habit.hour_sd", h.hour_sd, 0.0, 24.0),
                ("habit.minutes", h.minutes, 0.0, 1440.0),
                ("habit.gain", h.gain, 0.0, 1.0),
                ("habit.decay", h.decay, 0.0, 1.0),
                ("habit.weight", h.weight, 0.0, 1.0),
                ("attention.hour", a.attention.hour, 0.0, 24.0),
                ("attention.sd", a.attention.sd, 0.01, 24.0),
                ("attention.floor", a.attention.floor, 0.0, 1.0),
                ("response.read", a.response.read, 0.0, 1.0),
                ("response.act", a.response.act, 0.0, 1.0),
                ("response.done_today", a.response.done_today, 0.0, 10.0),
                ("response.fatigue", a.response.fatigue, 0.0, 10.0),
                ("response.repeat", a.response.repeat, 0.0, 10.0),
                (
                    "response.streak_aversion",
                    a.response.streak_aversion,
                    0.0,
                    10.0,
                ),
                ("effect.complete", a.effect.complete, 0.0, 1.0),
                ("effect.boost", a.effect.boost, 0.0, 1.0),
                ("effect.boost_days", a.effect.boost_days, 0.0, 365.0),
                ("optout.base", a.optout.base, 0.0, 1.0),
                ("optout.asleep", a.optout.asleep, 0.0, 1.0),
                ("optout.over", a.optout.over, 0.0, 1.0),
                ("optout.tolerance", a.optout.tolerance, 0.0, 1000.0),
                ("churn.hazard", a.churn.hazard, 0.0, 1.0),
                ("churn.return", a.churn.return_, 0.0, 1.0),
                ("feedback", a.feedback, 0.0, 1.0),
            ] {
                n.check(&at(f), lo, hi, &mut errors);
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(format!("invalid population:\n  {}", errors.join("\n  ")))
        }
    }

    /// The population's name: its `name` field, else the file stem the caller gives.
    pub fn display_name(&self, fallback: &str) -> String {
        self.name.clone().unwrap_or_else(|| fallback.to_owned())
    }

    /// Draws one user's parameters (the caller's stream is the user's own).
    pub fn draw(&self, rng: &mut impl Rng) -> UserParams {
        let mut u = rng.random::<f64>();
        let mut index = self.archetypes.len() - 1;
        for (i, a) in self.archetypes.iter().enumerate() {
            if u < a.share {
                index = i;
                break;
            }
            u -= a.share;
        }
        let a = &self.archetypes[index];
        let tz = pick(&a.timezones, rng)
            .and_then(|z| z.parse().ok())
            .unwrap_or(chrono_tz::UTC);
        let language = pick(&a.languages, rng).unwrap_or("en").to_owned();
        let frequency = pick(&a.prefs.frequency, rng)
            .and_then(wire)
            .unwrap_or(MessageFrequency::Optimal);
        let consent = rng.random::<f64>() < a.prefs.consent;
        let tone = pick(&a.prefs.tone, rng).and_then(wire::<Tone>);
        let mut type_mult = [1.0; 20];
        for (name, m) in &a.response.types {
            if let Some(t) = MessageType::from_name(name) {
                type_mult[t as usize] = *m;
            }
        }
        let mut tone_mult = [1.0; 8];
        for (name, m) in &a.response.tones {
            if let Some(t) = wire::<Tone>(name) {
                tone_mult[t as usize] = *m;
            }
        }
        let sleep = Window {
            start: minute_of(&a.sleep[0]).unwrap_or(23 * 60),
            end: minute_of(&a.sleep[1]).unwrap_or(7 * 60),
        };
        let h = &a.habit;
        UserParams {
            archetype: index,
            tz,
            language,
            frequency,
            consent,
            quiet_hours: a.prefs.quiet_hours.clone(),
            tone,
            p_base: h.p_base.draw(rng),
            weekend_factor: h.weekend_factor.draw(rng),
            hour: h.hour.draw(rng),
            hour_sd: h.hour_sd.draw(rng),
            minutes: h.minutes.draw(rng).round().max(1.0) as u32,
            gain: h.gain.draw(rng),
            decay: h.decay.draw(rng),
            weight: h.weight.draw(rng),
            attention_hour: a.attention.hour.draw(rng),
            attention_sd: a.attention.sd.draw(rng),
            attention_floor: a.attention.floor.draw(rng),
            sleep,
            read: a.response.read.draw(rng),
            act: a.response.act.draw(rng),
            type_mult,
            tone_mult,
            lead: a.response.lead.clone(),
            done_today: a.response.done_today.draw(rng),
            fatigue: a.response.fatigue.draw(rng),
            repeat: a.response.repeat.draw(rng),
            streak_aversion: a.response.streak_aversion.draw(rng),
            complete: a.effect.complete.draw(rng),
            boost: a.effect.boost.draw(rng),
            boost_days: a.effect.boost_days.draw(rng).round().max(0.0) as u32,
            optout_base: a.optout.base.draw(rng),
            optout_asleep: a.optout.asleep.draw(rng),
            optout_over: a.optout.over.draw(rng),
            optout_tolerance: a.optout.tolerance.draw(rng),
            churn_hazard: a.churn.hazard.draw(rng),
            churn_return: a.churn.return_.draw(rng),
            feedback: a.feedback.draw(rng),
        }
    }
}
