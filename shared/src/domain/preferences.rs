//! A user's coaching preferences: the document behind `GET`/`PUT /coaching/personalization`.
//!
//! Pure domain code: types, defaults and validation, no I/O. A `PUT` replaces the whole document:
//! every field it omits takes its default (see [`Preferences::default`]), so the app sends the
//! complete settings form. Limits are the `MAX_*` constants below.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{NaiveTime, Timelike};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The largest version a write may name: 2^53 − 1, the largest integer every JSON client
/// reads exactly. Stored versions start at 1 and grow by one per write, so nothing larger can
/// ever be current, and `version + 1` never overflows.
pub const MAX_VERSION: u64 = (1 << 53) - 1;

/// At most this many custom motivations per user.
pub const MAX_CUSTOM_MOTIVATIONS: usize = 10;
/// A custom motivation is at most this many characters (Unicode scalar values) after trimming.
pub const MAX_MOTIVATION_CHARS: usize = 140;
/// At most this many preferred delivery windows.
pub const MAX_PREFERRED_WINDOWS: usize = 6;
/// A language tag is at most this many characters (BCP 47 allows 35 for common tags).
pub const MAX_LANGUAGE_CHARS: usize = 35;
/// A display name is at most this many characters after trimming.
pub const MAX_DISPLAY_NAME_CHARS: usize = 40;
/// The fields `GET` answers that the coach sets, not the user: a `PUT` may send them back
/// unchanged (they are ignored) but not changed.
pub const READ_ONLY_FIELDS: [&str; 3] = ["updated_at", "effective_language", "token_name"];

/// How many coaching messages the user wants; the engine turns each level into daily and
/// weekly caps.
#[derive(
    Serialize,
    Deserialize,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    strum::AsRefStr,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum MessageFrequency {
    Minimal,
    Optimal,
    Frequent,
    Daily,
}

/// The voice of a message.
#[derive(
    Serialize,
    Deserialize,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    strum::AsRefStr,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Tone {
    Encouraging,
    Motivational,
    Supportive,
    Challenging,
    Celebratory,
    Gentle,
    Urgent,
    Wise,
}

impl Tone {
    /// Every tone, in declaration order.
    pub const ALL: [Tone; 8] = [
        Tone::Encouraging,
        Tone::Motivational,
        Tone::Supportive,
        Tone::Challenging,
        Tone::Celebratory,
        Tone::Gentle,
        Tone::Urgent,
        Tone::Wise,
    ];
}

/// The twenty kinds of coaching message, grouped in five categories (see [`MessageType::category`]).
#[derive(
    Serialize,
    Deserialize,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    strum::AsRefStr,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum MessageType {
    ProgressEncouragement,
    MilestoneCelebration,
    StreakAchievement,
    ConsistencyRecognition,
    StreakRecovery,
    RiskWarning,
    StreakMotivation,
    ComebackAssistance,
    ChallengeMotivation,
    GoalSuggestion,
    HabitExpansion,
    DifficultyIncrease,
    HabitFormationTip,
    BehavioralInsight,
    TimingOptimization,
    GeneralWisdom,
    MorningMotivation,
    EveningReflection,
    WeekendEncouragement,
    Reactivation,
}

/// The five groups the message types belong to.
#[derive(
    Serialize,
    Deserialize,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    strum::AsRefStr,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum MessageCategory {
    ProgressAndAchievement,
    StreakAndRisk,
    ChallengeAndGrowth,
    WisdomAndTips,
    ContextualSupport,
}

impl MessageType {
    /// Every message type, in declaration order.
    pub const ALL: [MessageType; 20] = [
        MessageType::ProgressEncouragement,
        MessageType::MilestoneCelebration,
        MessageType::StreakAchievement,
        MessageType::ConsistencyRecognition,
        MessageType::StreakRecovery,
        MessageType::RiskWarning,
        MessageType::StreakMotivation,
        MessageType::ComebackAssistance,
        MessageType::ChallengeMotivation,
        MessageType::GoalSuggestion,
        MessageType::HabitExpansion,
        MessageType::DifficultyIncrease,
        MessageType::HabitFormationTip,
        MessageType::BehavioralInsight,
        MessageType::TimingOptimization,
        MessageType::GeneralWisdom,
        MessageType::MorningMotivation,
        MessageType::EveningReflection,
        MessageType::WeekendEncouragement,
        MessageType::Reactivation,
    ];

    /// The type with this wire name (`risk_warning`), if any.
    pub fn from_name(name: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(name.to_owned())).ok()
    }

    /// The category this type belongs to: four types each, in declaration order.
    pub fn category(self) -> MessageCategory {
        use MessageType::*;
        match self {
            ProgressEncouragement
            | MilestoneCelebration
            | StreakAchievement
            | ConsistencyRecognition => MessageCategory::ProgressAndAchievement,
            StreakRecovery | RiskWarning | StreakMotivation | ComebackAssistance => {
                MessageCategory::StreakAndRisk
            }
            ChallengeMotivation | GoalSuggestion | HabitExpansion | DifficultyIncrease => {
                MessageCategory::ChallengeAndGrowth
            }
            HabitFormationTip | BehavioralInsight | TimingOptimization | GeneralWisdom => {
                MessageCategory::WisdomAndTips
            }
            MorningMotivation | EveningReflection | WeekendEncouragement | Reactivation => {
                MessageCategory::ContextualSupport
            }
        }
    }
}

/// A wall-clock time of day in the user's timezone, minute precision, written `HH:MM` (24 h).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalTime(NaiveTime);

impl LocalTime {
    /// `hour` 0–23, `minute` 0–59; `None` otherwise.
    pub fn from_hm(hour: u32, minute: u32) -> Option<Self> {
        NaiveTime::from_hms_opt(hour, minute, 0).map(LocalTime)
    }

    /// Minutes since local midnight, 0–1439.
    pub fn minute_of_day(self) -> u32 {
        self.0.hour() * 60 + self.0.minute()
    }
}

impl FromStr for LocalTime {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("expected a time of day as HH:MM (00:00–23:59), got {s:?}");
        let (h, m) = s.split_once(':').ok_or_else(bad)?;
        if h.len() != 2 || m.len() != 2 {
            return Err(bad());
        }
        let h: u32 = h.parse().map_err(|_| bad())?;
        let m: u32 = m.parse().map_err(|_| bad())?;
        LocalTime::from_hm(h, m).ok_or_else(bad)
    }
}

impl fmt::Display for LocalTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0.hour(), self.0.minute())
    }
}

impl Serialize for LocalTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for LocalTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A daily window of local time, `[start, end)`. When `end` is before `start` the window spans
/// midnight (22:00–07:00 covers 23:30 and 06:59 but not 07:00). An empty window is rejected.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(deny_unknown_fields)]
pub struct TimeWindow {
    pub start: LocalTime,
    pub end: LocalTime,
}

impl TimeWindow {
    /// Whether the local time `t` falls inside the window.
    pub fn contains(&self, t: LocalTime) -> bool {
        self.contains_minute(t.minute_of_day())
    }

    /// Whether the minute of the day `m` (0–1439) falls inside the window.
    pub fn contains_minute(&self, m: u32) -> bool {
        self.minutes().contains(m)
    }

    /// The window as minute-of-day bounds, for checking many minutes against it.
    pub fn minutes(&self) -> MinuteSpan {
        MinuteSpan {
            start: self.start.minute_of_day(),
            end: self.end.minute_of_day(),
        }
    }

    /// Whether the window spans local midnight.
    pub fn spans_midnight(&self) -> bool {
        self.end < self.start
    }
}

/// A [`TimeWindow`] as minutes of the day: `start` inclusive, `end` exclusive, across
/// midnight when `end < start`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MinuteSpan {
    pub start: u32,
    pub end: u32,
}

impl MinuteSpan {
    /// Whether the minute of the day `m` (0–1439) falls inside.
    pub fn contains(self, m: u32) -> bool {
        if self.start <= self.end {
            self.start <= m && m < self.end
        } else {
            m >= self.start || m < self.end
        }
    }
}

/// An IANA timezone name such as `Europe/Madrid`, checked against the tz database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timezone(pub chrono_tz::Tz);

impl Serialize for Timezone {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.name())
    }
}

impl<'de> Deserialize<'de> for Timezone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse::<chrono_tz::Tz>()
            .map(Timezone)
            .map_err(|_| serde::de::Error::custom(format!("unknown IANA timezone {s:?}")))
    }
}

/// The stored, complete preference document of one user.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Preferences {
    /// `false` opts the user out of coaching entirely: nothing is planned or sent.
    pub coaching_enabled: bool,
    /// Consent to personalisation from the user's behaviour (learned timing, segment targeting).
    pub personalization_consent: bool,
    pub message_frequency: MessageFrequency,
    /// `None`: the coach picks the tone from segment and context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_tone: Option<Tone>,
    /// `None`: no quiet hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quiet_hours: Option<TimeWindow>,
    pub preferred_windows: Vec<TimeWindow>,
    pub timezone: Timezone,
    /// A BCP 47 language tag; rendering falls back to English when a template lacks it.
    pub language: String,
    /// Weight per message type in [0, 1]; 0 means never. Always holds every type.
    pub type_weights: BTreeMap<MessageType, f64>,
    pub custom_motivations: Vec<String>,
    /// What the user wants to be called in messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The name in the user's ID token (`given_name`, else `name`) at their last `PUT`:
    /// used when they set no `display_name`. Read-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_name: Option<String>,
}

/// Default quiet hours for a user who has set none: 22:00–07:00 local time.
pub fn default_quiet_hours() -> TimeWindow {
    TimeWindow {
        start: LocalTime(NaiveTime::MIN + chrono::Duration::hours(22)),
        end: LocalTime(NaiveTime::MIN + chrono::Duration::hours(7)),
    }
}

impl Default for Preferences {
    /// Coaching on, no personalisation until consent is given, optimal frequency, the coach's
    /// choice of tone, quiet 22:00–07:00, no preferred windows (the learned best time is used),
    /// UTC until the app sends the device's zone, English, every type at weight 1.
    fn default() -> Self {
        Preferences {
            coaching_enabled: true,
            personalization_consent: false,
            message_frequency: MessageFrequency::Optimal,
            preferred_tone: None,
            quiet_hours: Some(default_quiet_hours()),
            preferred_windows: Vec::new(),
            timezone: Timezone(chrono_tz::UTC),
            language: "en".to_owned(),
            type_weights: MessageType::ALL.iter().map(|t| (*t, 1.0)).collect(),
            custom_motivations: Vec::new(),
            display_name: None,
            token_name: None,
        }
    }
}

impl Preferences {
    /// The weight of a message type (1 when unset).
    pub fn weight(&self, t: MessageType) -> f64 {
        self.type_weights.get(&t).copied().unwrap_or(1.0)
    }

    /// The name messages call the user by: their display name, else their token's.
    pub fn name(&self) -> Option<&str> {
        self.display_name.as_deref().or(self.token_name.as_deref())
    }
}

/// A name fit for messages (a display name or an ID token's claim): trimmed, 1 to
/// [`MAX_DISPLAY_NAME_CHARS`] characters, no control characters or braces; else why not.
pub fn clean_name(raw: &str) -> Result<String, &'static str> {
    let name = raw.trim();
    if name.is_empty() {
        Err("must not be blank (send null or leave it out for none)")
    } else if name.chars().count() > MAX_DISPLAY_NAME_CHARS {
        Err("at most 40 characters")
    } else if name.chars().any(|c| c.is_control() || c == '{' || c == '}') {
        Err("must not contain control characters or braces")
    } else {
        Ok(name.to_owned())
    }
}

/// The body of `PUT /coaching/personalization`. Every field is optional and an omitted field
/// takes its default. `version`, when given, is the precondition (like `If-Match`).
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct PreferencesInput {
    pub version: Option<u64>,
    pub coaching_enabled: Option<bool>,
    pub personalization_consent: Option<bool>,
    pub message_frequency: Option<MessageFrequency>,
    pub preferred_tone: Option<Tone>,
    /// Absent: the default quiet hours; `null`: none.
    #[serde(default, deserialize_with = "present")]
    pub quiet_hours: Option<Option<TimeWindow>>,
    pub preferred_windows: Option<Vec<TimeWindow>>,
    pub timezone: Option<Timezone>,
    pub language: Option<String>,
    /// Keyed by message type name; names are checked in validation so errors can name them.
    pub type_weights: Option<BTreeMap<String, f64>>,
    pub custom_motivations: Option<Vec<String>>,
    pub display_name: Option<String>,
}

/// A `PUT` body, parsed and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct PutDocument {
    /// The version the body names (the precondition), if it names one.
    pub version: Option<u64>,
    pub preferences: Preferences,
    /// Read-only field → the value sent (compared with the stored document's before writing).
    pub sent_back: BTreeMap<String, serde_json::Value>,
}

impl PutDocument {
    /// Parses a `PUT` body object, listing every broken rule at once: unknown fields, values
    /// of the wrong type or that do not parse (each named by its path), and the value rules
    /// of [`PreferencesInput::into_preferences`]. Read-only fields are set aside.
    pub fn parse(
        body: serde_json::Map<String, serde_json::Value>,
    ) -> Result<PutDocument, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut sent_back = BTreeMap::new();
        let mut fields = serde_json::Map::new();
        for (k, v) in body {
            if READ_ONLY_FIELDS.contains(&k.as_str()) {
                sent_back.insert(k, v);
                continue;
            }
            // Each field alone, so that one wrong type does not hide the others.
            let one = serde_json::Value::Object([(k.clone(), v)].into_iter().collect());
            match serde_path_to_error::deserialize::<_, PreferencesInput>(one.clone()) {
                Ok(_) => fields.extend(one.as_object().cloned().unwrap_or_default()),
                Err(e) => errors.push(field_error(&k, &e)),
            }
        }
        let input = match serde_path_to_error::deserialize::<_, PreferencesInput>(
            serde_json::Value::Object(fields),
        ) {
            Ok(input) => input,
            Err(e) => {
                errors.push(field_error("(body)", &e));
                PreferencesInput::default()
            }
        };
        let version = input.version;
        match input.into_preferences() {
            Ok(preferences) if errors.is_empty() => Ok(PutDocument {
                version,
                preferences,
                sent_back,
            }),
            Ok(_) => Err(errors),
            Err(more) => {
                errors.extend(more);
                Err(errors)
            }
        }
    }
}

/// A parse error named by its JSON path (`preferred_windows[0].start`), or `field` when the
/// error has no deeper path; without serde_json's " at line L column C".
fn field_error(field: &str, e: &serde_path_to_error::Error<serde_json::Error>) -> FieldError {
    let path = e.path().to_string();
    let message = e.inner().to_string();
    let message = match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => &message,
    };
    FieldError::new(if path == "." { field } else { &path }, message)
}

/// Tells an absent field (`None`, via `#[serde(default)]`) from an explicit `null` (`Some(None)`).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// One rule a field broke, named by its JSON path (`type_weights.risk_warning`).
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    /// A broken rule at `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl PreferencesInput {
    /// Checks every value rule and builds the complete document, or lists every broken rule.
    pub fn into_preferences(self) -> Result<Preferences, Vec<FieldError>> {
        let defaults = Preferences::default();
        let mut errors = Vec::new();
        if self
            .version
            .is_some_and(|v| v > crate::domain::preferences::MAX_VERSION)
        {
            errors.push(FieldError::new(
                "version",
                format!("at most {}", crate::domain::preferences::MAX_VERSION),
            ));
        }

        let preferred_windows = self.preferred_windows.unwrap_or_default();
        if preferred_windows.len() > MAX_PREFERRED_WINDOWS {
            errors.push(FieldError::new(
                "preferred_windows",
                format!("at most {MAX_PREFERRED_WINDOWS} windows"),
            ));
        }
        for (i, w) in preferred_windows.iter().enumerate() {
            if w.start == w.end {
                errors.push(FieldError::new(
                    format!("preferred_windows[{i}]"),
                    "start and end must differ",
                ));
            }
        }
        let quiet_hours = self.quiet_hours.unwrap_or(defaults.quiet_hours);
        if let Some(q) = quiet_hours {
            if q.start == q.end {
                errors.push(FieldError::new("quiet_hours", "start and end must differ"));
            }
        }

        let language = self.language.unwrap_or(defaults.language);
        if !is_language_tag(&language) {
            errors.push(FieldError::new(
                "language",
                "expected a BCP 47 language tag such as \"en\" or \"es-MX\"",
            ));
        }

        let mut type_weights = defaults.type_weights;
        for (name, w) in self.type_weights.unwrap_or_default() {
            let field = format!("type_weights.{name}");
            match MessageType::from_name(&name) {
                None => errors.push(FieldError::new(field, "unknown message type")),
                Some(_) if !(0.0..=1.0).contains(&w) => {
                    errors.push(FieldError::new(field, "must be between 0 and 1"))
                }
                Some(t) => {
                    type_weights.insert(t, w);
                }
            }
        }

        let display_name = match self.display_name.as_deref().map(clean_name) {
            None => None,
            Some(Ok(n)) => Some(n),
            Some(Err(why)) => {
                errors.push(FieldError::new("display_name", why));
                None
            }
        };

        let mut custom_motivations = Vec::new();
        let given = self.custom_motivations.unwrap_or_default();
        if given.len() > MAX_CUSTOM_MOTIVATIONS {
            errors.push(FieldError::new(
                "custom_motivations",
                format!("at most {MAX_CUSTOM_MOTIVATIONS} motivations"),
            ));
        }
        for (i, m) in given.iter().enumerate() {
            let m = m.trim();
            let field = format!("custom_motivations[{i}]");
            if m.is_empty() {
                errors.push(FieldError::new(field, "must not be blank"));
            } else if m.chars().count() > MAX_MOTIVATION_CHARS {
                errors.push(FieldError::new(
                    field,
                    format!("at most {MAX_MOTIVATION_CHARS} characters"),
                ));
            } else if m.chars().any(char::is_control) {
                errors.push(FieldError::new(
                    field,
                    "must not contain control characters",
                ));
            } else {
                custom_motivations.push(m.to_owned());
            }
        }

        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Preferences {
            coaching_enabled: self.coaching_enabled.unwrap_or(defaults.coaching_enabled),
            personalization_consent: self
                .personalization_consent
                .unwrap_or(defaults.personalization_consent),
            message_frequency: self.message_frequency.unwrap_or(defaults.message_frequency),
            preferred_tone: self.preferred_tone,
            quiet_hours,
            preferred_windows,
            timezone: self.timezone.unwrap_or(defaults.timezone),
            language,
            type_weights,
            custom_motivations,
            display_name,
            token_name: None,
        })
    }
}

/// A pragmatic BCP 47 check: a 2–3 letter primary language subtag, then `-`-separated
/// alphanumeric subtags of 1–8 characters, at most [`MAX_LANGUAGE_CHARS`] in all.
pub fn is_language_tag(tag: &str) -> bool {
    if tag.is_empty() || tag.len() > MAX_LANGUAGE_CHARS {
        return false;
    }
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or_default();
    (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_lowercase())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(s: &str) -> LocalTime {
        s.parse().expect("valid time")
    }

    #[test]
    fn window_across_midnight() {
        let w = TimeWindow {
            start: t("22:00"),
            end: t("07:00"),
        };
        assert!(w.spans_midnight());
        assert!(w.contains(t("23:30")));
        assert!(w.contains(t("00:00")));
        assert!(w.contains(t("06:59")));
        assert!(!w.contains(t("07:00")));
        assert!(!w.contains(t("21:59")));
        assert!(w.contains(t("22:00")));
    }

    #[test]
    fn window_same_day() {
        let w = TimeWindow {
            start: t("07:00"),
            end: t("09:30"),
        };
        assert!(!w.spans_midnight());
        assert!(w.contains(t("07:00")));
        assert!(w.contains(t("09:29")));
        assert!(!w.contains(t("09:30")));
        assert!(!w.contains(t("06:59")));
    }

    #[test]
    fn local_time_parsing() {
        assert_eq!(t("07:05").minute_of_day(), 425);
        for bad in ["7:05", "24:00", "12:60", "12-00", "", "aa:bb", "12:000"] {
            assert!(bad.parse::<LocalTime>().is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn empty_input_gives_defaults() {
        let p = PreferencesInput::default()
            .into_preferences()
            .expect("valid");
        assert_eq!(p, Preferences::default());
        assert_eq!(p.type_weights.len(), 20);
    }

    #[test]
    fn null_quiet_hours_means_none() {
        let input: PreferencesInput =
            serde_json::from_str(r#"{"quiet_hours": null}"#).expect("parses");
        assert_eq!(input.into_preferences().expect("valid").quiet_hours, None);
        let input: PreferencesInput = serde_json::from_str("{}").expect("parses");
        assert_eq!(
            input.into_preferences().expect("valid").quiet_hours,
            Some(default_quiet_hours())
        );
    }

    #[test]
    fn value_rules_name_their_fields() {
        let input: PreferencesInput = serde_json::from_value(serde_json::json!({
            "type_weights": {"risk_warning": 1.5, "reactivation": -0.1, "general_wisdom": 0.5},
            "custom_motivations": ["  ", "x".repeat(141), "ok"],
            "language": "english!",
            "quiet_hours": {"start": "08:00", "end": "08:00"},
        }))
        .expect("parses");
        let errors = input.into_preferences().expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "quiet_hours",
                "language",
                "type_weights.reactivation",
                "type_weights.risk_warning",
                "custom_motivations[0]",
                "custom_motivations[1]",
            ]
        );
    }

    #[test]
    fn unknown_timezone_and_fields_are_rejected() {
        assert!(
            serde_json::from_str::<PreferencesInput>(r#"{"timezone":"Mars/Olympus"}"#).is_err()
        );
        assert!(serde_json::from_str::<PreferencesInput>(r#"{"colour":"red"}"#).is_err());
        let spam: PreferencesInput =
            serde_json::from_str(r#"{"type_weights":{"spam":1}}"#).expect("parses");
        let errors = spam.into_preferences().expect_err("unknown type");
        assert_eq!(errors[0].field, "type_weights.spam");
        let ok: PreferencesInput =
            serde_json::from_str(r#"{"timezone":"America/Argentina/Buenos_Aires"}"#)
                .expect("valid");
        assert_eq!(
            ok.timezone.map(|z| z.0.name()),
            Some("America/Argentina/Buenos_Aires")
        );
    }

    #[test]
    fn language_tags() {
        for ok in ["en", "es", "es-MX", "zh-Hant-TW", "gsw"] {
            assert!(is_language_tag(ok), "{ok}");
        }
        for bad in [
            "",
            "e",
            "EN",
            "english",
            "en_US",
            "en--US",
            "en-",
            "es-toolongsubtag",
        ] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }

    fn any_time() -> impl Strategy<Value = LocalTime> {
        (0u32..24, 0u32..60).prop_map(|(h, m)| LocalTime::from_hm(h, m).expect("in range"))
    }

    proptest! {
        /// A window and its complement (end..start) partition the day: every minute is in
        /// exactly one of them.
        #[test]
        fn window_and_complement_partition_the_day(a in any_time(), b in any_time(), x in any_time()) {
            prop_assume!(a != b);
            let w = TimeWindow { start: a, end: b };
            let rest = TimeWindow { start: b, end: a };
            prop_assert!(w.contains(x) != rest.contains(x));
        }

        /// Times print and parse back unchanged.
        #[test]
        fn local_time_round_trips(x in any_time()) {
            prop_assert_eq!(x.to_string().parse::<LocalTime>(), Ok(x));
        }

        /// Any weight in [0, 1] is kept; any outside is rejected and named.
        #[test]
        fn weights_are_bounded(w in -2.0f64..3.0) {
            let mut weights = BTreeMap::new();
            weights.insert("general_wisdom".to_owned(), w);
            let input = PreferencesInput { type_weights: Some(weights), ..Default::default() };
            match input.into_preferences() {
                Ok(p) => {
                    prop_assert!((0.0..=1.0).contains(&w));
                    prop_assert_eq!(p.weight(MessageType::GeneralWisdom), w);
                }
                Err(e) => {
                    prop_assert!(!(0.0..=1.0).contains(&w));
                    prop_assert_eq!(e[0].field.as_str(), "type_weights.general_wisdom");
                }
            }
        }
    }
}
