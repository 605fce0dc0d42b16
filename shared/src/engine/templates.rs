//! Message templates: the catalogue type with its targeting and variants, validation for
//! admin upserts, selection for a user, and rendering that never leaves a placeholder.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use super::text::{push_f64, push_int};

use foldhash::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::experiments::{assign, Experiment};
use super::history::HistoryEntry;
use super::risk::RiskLevel;
use super::rng::Rng;
use crate::domain::preferences::{FieldError, MessageType, Tone};
use crate::domain::user::Segment;

/// A template is not sent to the same user twice within this many days.
pub const TEMPLATE_COOLDOWN_DAYS: i64 = 7;
/// Longest title, in characters (push notification titles truncate beyond this).
pub const MAX_TITLE_CHARS: usize = 80;
/// Longest body, in characters.
pub const MAX_BODY_CHARS: usize = 300;
/// Largest template document, in bytes of JSON: stored as one DynamoDB item (at most 400 KB
/// with its keys and attributes), and read whole by every generation run.
pub const MAX_TEMPLATE_BYTES: usize = 64 * 1024;
/// Share of choices that explore a variant at random instead of the best-performing one.
pub const EXPLORATION_RATE: f64 = 0.1;

/// The placeholders a template may use. `{name|fallback}` gives text for a missing value.
pub const PLACEHOLDERS: [&str; 9] = [
    "name",
    "streak",
    "longest",
    "value",
    "days_since",
    "motivation",
    "milestone",
    "minutes",
    "best_time",
];

/// Part of the local day.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum TimeOfDay {
    /// 05:00–11:59
    Morning,
    /// 12:00–16:59
    Afternoon,
    /// 17:00–21:59
    Evening,
    /// 22:00–04:59
    Night,
}

impl TimeOfDay {
    /// The part of day of a local hour.
    pub fn of_hour(hour: u32) -> Self {
        match hour {
            5..=11 => TimeOfDay::Morning,
            12..=16 => TimeOfDay::Afternoon,
            17..=21 => TimeOfDay::Evening,
            _ => TimeOfDay::Night,
        }
    }
}

/// Whom a template suits; an empty list or `None` means any.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Targeting {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<Segment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_streak: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_streak: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub risk_levels: Vec<RiskLevel>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub times_of_day: Vec<TimeOfDay>,
    #[serde(default)]
    pub premium_only: bool,
}

/// Title and body in one language.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct Content {
    title: String,
    body: String,
    /// The title and body cut at their placeholders, worked out on the first render: the
    /// catalogue lives as long as the process, so a text is read once, not on every message.
    /// The texts never change after they are built (the fields are private).
    #[serde(skip)]
    parsed: OnceLock<[Vec<Piece>; 2]>,
}

impl PartialEq for Content {
    fn eq(&self, other: &Self) -> bool {
        self.title == other.title && self.body == other.body
    }
}

impl Content {
    /// A title and body.
    pub fn new(title: impl Into<String>, body: impl Into<String>) -> Self {
        Content {
            title: title.into(),
            body: body.into(),
            parsed: OnceLock::new(),
        }
    }

    /// The title as written, placeholders and all.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The body as written, placeholders and all.
    pub fn body(&self) -> &str {
        &self.body
    }

    fn pieces(&self) -> &[Vec<Piece>; 2] {
        self.parsed
            .get_or_init(|| [parse(&self.title), parse(&self.body)])
    }

    /// The title filled with `vars`, as [`render`] fills it.
    pub fn render_title(&self, vars: &Vars) -> String {
        fill(&self.title, &self.pieces()[0], vars)
    }

    /// The body filled with `vars`, as [`render`] fills it.
    pub fn render_body(&self, vars: &Vars) -> String {
        fill(&self.body, &self.pieces()[1], vars)
    }
}

/// One wording of a template, in several languages (English required).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    pub id: String,
    /// Language tag (`en`, `es`, `es-MX`) → content.
    pub content: BTreeMap<String, Content>,
}

/// A message template.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Template {
    pub id: String,
    pub message_types: Vec<MessageType>,
    pub tone: Tone,
    #[serde(default)]
    pub targeting: Targeting,
    pub variants: Vec<Variant>,
    #[serde(default = "enabled")]
    pub enabled: bool,
}

fn enabled() -> bool {
    true
}

impl Template {
    /// Every rule a template must meet to be stored, by field.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if !is_valid_id(&self.id) {
            errors.push(FieldError::new("id", "1–64 characters of a-z, 0-9 and -"));
        }
        if self.message_types.is_empty() {
            errors.push(FieldError::new(
                "message_types",
                "at least one message type",
            ));
        }
        if let (Some(lo), Some(hi)) = (self.targeting.min_streak, self.targeting.max_streak) {
            if lo > hi {
                errors.push(FieldError::new(
                    "targeting.max_streak",
                    "must be ≥ min_streak",
                ));
            }
        }
        if self.variants.is_empty() {
            errors.push(FieldError::new("variants", "at least one variant"));
        }
        let mut ids = std::collections::BTreeSet::new();
        for (i, v) in self.variants.iter().enumerate() {
            if v.id.is_empty() || v.id.len() > 32 || !ids.insert(v.id.as_str()) {
                errors.push(FieldError::new(
                    format!("variants[{i}].id"),
                    "1–32 characters, unique",
                ));
            }
            if !v.content.contains_key("en") {
                errors.push(FieldError::new(
                    format!("variants[{i}].content"),
                    "English (en) is required",
                ));
            }
            for (lang, c) in &v.content {
                let at = format!("variants[{i}].content.{lang}");
                if !crate::domain::preferences::is_language_tag(lang) {
                    errors.push(FieldError::new(at.clone(), "not a language tag"));
                }
                for (field, text, max) in [
                    ("title", c.title(), MAX_TITLE_CHARS),
                    ("body", c.body(), MAX_BODY_CHARS),
                ] {
                    if text.trim().is_empty() || text.chars().count() > max {
                        errors.push(FieldError::new(
                            format!("{at}.{field}"),
                            format!("1–{max} characters"),
                        ));
                    }
                    if let Err(p) = check_placeholders(text) {
                        errors.push(FieldError::new(format!("{at}.{field}"), p));
                    }
                }
            }
        }
        let bytes = serde_json::to_vec(self).map_or(usize::MAX, |b| b.len());
        if bytes > MAX_TEMPLATE_BYTES {
            errors.push(FieldError::new(
                "variants",
                format!(
                    "the template is {bytes} bytes of JSON; at most {MAX_TEMPLATE_BYTES} \
                     (fewer variants or languages)"
                ),
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The content of `variant` for a user writing `language` ([`resolve_language`]).
    /// Returns the language used.
    pub fn content<'a>(variant: &'a Variant, language: &str) -> Option<(&'a str, &'a Content)> {
        let lang = resolve_language(language, variant.content.keys().map(String::as_str))?;
        variant
            .content
            .get_key_value(lang)
            .map(|(k, c)| (k.as_str(), c))
    }
}

/// The primary language subtag of a BCP 47 tag (`pt` for `pt-BR`).
pub fn primary_language(tag: &str) -> &str {
    // A byte search: the hyphen is ASCII, and a searcher's set-up costs more on a short tag.
    tag.bytes()
        .position(|b| b == b'-')
        .and_then(|i| tag.get(..i))
        .unwrap_or(tag)
}

/// Whether two BCP 47 tags have the same primary language (case-insensitive).
pub fn same_primary_language(a: &str, b: &str) -> bool {
    primary_language(a).eq_ignore_ascii_case(primary_language(b))
}

/// The language, among `available`, the coach writes in for a user whose language is `tag`:
/// the exact tag (case-insensitive), then its primary language (`es` for `es-MX`), then
/// another regional form of it (`pt-BR` for `pt` or `pt-PT`, the first in order), then
/// English; `None` when `available` has none of them.
pub fn resolve_language<'a>(
    tag: &str,
    available: impl Iterator<Item = &'a str> + Clone,
) -> Option<&'a str> {
    let primary = primary_language(tag);
    let mut all = available.clone();
    all.find(|l| l.eq_ignore_ascii_case(tag))
        .or_else(|| available.clone().find(|l| l.eq_ignore_ascii_case(primary)))
        .or_else(|| {
            available
                .clone()
                .find(|l| same_primary_language(l, primary))
        })
        .or_else(|| available.clone().find(|l| *l == "en"))
}

/// Whether `id` can name a template or an experiment: 1–64 characters of a-z, 0-9 and -.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn check_placeholders(text: &str) -> Result<(), String> {
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or("unclosed {")?;
        let inner = &after[..close];
        let name = inner.split('|').next().unwrap_or_default();
        if !PLACEHOLDERS.contains(&name) {
            return Err(format!(
                "unknown placeholder {{{name}}}; the allowed ones are {}",
                PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ")
            ));
        }
        rest = &after[close + 1..];
    }
    if rest.contains('}') {
        return Err("unmatched }".into());
    }
    Ok(())
}

/// Values for the placeholders; a missing one renders its fallback (or nothing). The values
/// live in one buffer, stripped of braces when set, so filling a template copies slices.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    buf: String,
    /// Byte range in `buf` of each placeholder's value (index in [`PLACEHOLDERS`]).
    spans: [Option<(usize, usize)>; PLACEHOLDERS.len()],
}

/// The index of `name` in [`PLACEHOLDERS`]. Inlined, so a name the caller writes as a literal
/// is resolved when compiled rather than by comparing strings on every call.
#[inline(always)]
fn placeholder_index(name: &str) -> Option<usize> {
    PLACEHOLDERS.iter().position(|p| *p == name)
}

impl Vars {
    /// Empty, with room for a plan's values (the user's and a few messages') without growing.
    pub fn with_room() -> Self {
        Vars {
            buf: String::with_capacity(256),
            spans: Default::default(),
        }
    }
}

/// A placeholder's value, written as `Display` would write it (numbers and strings without
/// the formatting machinery).
pub trait VarValue {
    fn write_to(&self, buf: &mut String);
}

impl VarValue for str {
    fn write_to(&self, buf: &mut String) {
        buf.push_str(self);
    }
}

impl VarValue for String {
    fn write_to(&self, buf: &mut String) {
        buf.push_str(self);
    }
}

impl<T: VarValue + ?Sized> VarValue for &T {
    fn write_to(&self, buf: &mut String) {
        (**self).write_to(buf);
    }
}

impl VarValue for u32 {
    fn write_to(&self, buf: &mut String) {
        push_int(buf, i64::from(*self), 1);
    }
}

impl VarValue for i64 {
    fn write_to(&self, buf: &mut String) {
        push_int(buf, *self, 1);
    }
}

impl VarValue for f64 {
    fn write_to(&self, buf: &mut String) {
        push_f64(buf, *self);
    }
}

impl VarValue for std::fmt::Arguments<'_> {
    fn write_to(&self, buf: &mut String) {
        use std::fmt::Write;
        // Writing into a String cannot fail.
        let _ = buf.write_fmt(*self);
    }
}

impl Vars {
    /// Sets a placeholder's value (a name not in [`PLACEHOLDERS`] is ignored: no template can
    /// use it).
    #[inline]
    pub fn set(&mut self, name: &str, value: impl VarValue) {
        let Some(i) = placeholder_index(name) else {
            return;
        };
        let start = self.buf.len();
        value.write_to(&mut self.buf);
        if self.buf[start..].bytes().any(|b| b == b'{' || b == b'}') {
            let clean: String = self.buf[start..]
                .chars()
                .filter(|c| *c != '{' && *c != '}')
                .collect();
            self.buf.truncate(start);
            self.buf.push_str(&clean);
        }
        self.spans[i] = Some((start, self.buf.len()));
    }

    /// Removes a placeholder's value.
    #[inline]
    pub fn clear(&mut self, name: &str) {
        if let Some(i) = placeholder_index(name) {
            self.spans[i] = None;
        }
    }

    /// A placeholder's value, if set (the tests' view; filling reads by index).
    #[cfg(test)]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.value(placeholder_index(name)?)
    }

    /// The value of the placeholder at `index` in [`PLACEHOLDERS`], if set.
    fn value(&self, index: usize) -> Option<&str> {
        let (a, b) = (*self.spans.get(index)?)?;
        self.buf.get(a..b)
    }
}

/// A part of a template text: copied as it is, or a placeholder to fill.
#[derive(Debug, Clone)]
enum Piece {
    /// The text's bytes from `.0` up to `.1`.
    Text(usize, usize),
    /// `{name}` or `{name|fallback}`.
    Hole {
        /// Its index in [`PLACEHOLDERS`] (`None`: a name no value can have).
        slot: Option<usize>,
        /// It is `{name}`, whose absence takes the comma before it.
        is_name: bool,
        /// The fallback's bytes in the text (empty without one).
        fallback: (usize, usize),
    },
}

/// Cuts `text` at its placeholders. A `{` without a `}` after it is dropped; the cut points
/// are ASCII bytes, so every piece is whole characters.
fn parse(text: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let bytes = text.as_bytes();
    let mut at = 0;
    while let Some(open) = bytes[at..].iter().position(|b| *b == b'{').map(|i| at + i) {
        pieces.push(Piece::Text(at, open));
        let after = open + 1;
        match bytes[after..]
            .iter()
            .position(|b| *b == b'}')
            .map(|i| after + i)
        {
            Some(close) => {
                let (name_end, fallback) = match bytes[after..close].iter().position(|b| *b == b'|')
                {
                    Some(bar) => (after + bar, (after + bar + 1, close)),
                    None => (close, (close, close)),
                };
                let name = text.get(after..name_end).unwrap_or_default();
                pieces.push(Piece::Hole {
                    slot: placeholder_index(name),
                    is_name: name == "name",
                    fallback,
                });
                at = close + 1;
            }
            None => at = after,
        }
    }
    pieces.push(Piece::Text(at, text.len()));
    pieces
}

/// Fills `text`, cut into `pieces` by [`parse`], with `vars` (the rules of [`render`]).
fn fill(text: &str, pieces: &[Piece], vars: &Vars) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    let part = |a: usize, b: usize| text.get(a..b).unwrap_or_default();
    for piece in pieces {
        match *piece {
            Piece::Text(a, b) => out.push_str(part(a, b)),
            Piece::Hole {
                slot,
                is_name,
                fallback: (a, b),
            } => match slot
                .and_then(|i| vars.value(i))
                .filter(|v| !v.trim().is_empty())
            {
                Some(v) => out.push_str(v),
                // A missing name leaves no trace: "Good morning, {name}!" → "Good morning!".
                None if a == b && is_name => {
                    let kept = out.trim_end().trim_end_matches(',').len();
                    out.truncate(kept);
                }
                None => out.extend(part(a, b).chars().filter(|c| *c != '{' && *c != '}')),
            },
        }
    }
    tidy(out)
}

/// Fills `{name}` and `{name|fallback}` placeholders. A missing value takes its fallback or
/// nothing (a missing `{name}` without fallback takes the comma before it too); braces never
/// survive (values are stripped of them too), and the spaces a missing value leaves are tidied.
pub fn render(text: &str, vars: &Vars) -> String {
    fill(text, &parse(text), vars)
}

/// Collapses runs of spaces, drops spaces before punctuation and stray braces, trims; in
/// place (every byte it touches is ASCII, so the rest stays valid UTF-8).
fn tidy(s: String) -> String {
    // Most texts need nothing: said by a search for what the pass below would change.
    let b = s.as_bytes();
    // A space before a space or punctuation, over every pair without stopping early (no
    // branch per byte, so the loop runs on vectors).
    let mut spaced = false;
    for (a, c) in b.iter().zip(b.iter().skip(1)) {
        let c = *c;
        spaced |= (*a == b' ')
            & ((c == b' ')
                | (c == b',')
                | (c == b'.')
                | (c == b'!')
                | (c == b'?')
                | (c == b';')
                | (c == b':'));
    }
    let untidy = spaced || b.contains(&b'}');
    if !untidy && s.trim().len() == s.len() {
        return s;
    }
    tidy_pass(s)
}

/// [`tidy`]'s pass over every byte.
fn tidy_pass(s: String) -> String {
    let mut bytes = s.into_bytes();
    let mut w = 0;
    for r in 0..bytes.len() {
        let b = bytes[r];
        if b == b'}' || (b == b' ' && w > 0 && bytes[w - 1] == b' ') {
            continue;
        }
        if matches!(b, b',' | b'.' | b'!' | b'?' | b';' | b':') && w > 0 && bytes[w - 1] == b' ' {
            w -= 1;
        }
        bytes[w] = b;
        w += 1;
    }
    bytes.truncate(w);
    let out = String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    let trimmed = out.trim();
    if trimmed.len() == out.len() {
        out
    } else {
        trimmed.to_owned()
    }
}

/// What a template's targeting is checked against.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TargetContext {
    pub segment: Segment,
    pub streak: u32,
    pub risk: Option<RiskLevel>,
    pub time_of_day: TimeOfDay,
    pub premium: bool,
}

impl Targeting {
    /// Whether a user in `ctx` is targeted.
    pub fn matches(&self, ctx: &TargetContext) -> bool {
        (self.segments.is_empty() || self.segments.contains(&ctx.segment))
            && self.min_streak.is_none_or(|m| ctx.streak >= m)
            && self.max_streak.is_none_or(|m| ctx.streak <= m)
            && (self.risk_levels.is_empty()
                || ctx.risk.is_some_and(|r| self.risk_levels.contains(&r)))
            && (self.times_of_day.is_empty() || self.times_of_day.contains(&ctx.time_of_day))
            && (!self.premium_only || ctx.premium)
    }
}

/// Sent / read / acted counts of one template variant.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VariantStats {
    pub sent: u64,
    pub read: u64,
    pub acted: u64,
}

impl VariantStats {
    /// Posterior mean of the action rate with a uniform prior: (acted + 1) / (sent + 2).
    pub fn score(&self) -> f64 {
        (self.acted as f64 + 1.0) / (self.sent as f64 + 2.0)
    }
}

/// Per-variant statistics: template id → variant id → counts (hashed with foldhash: a plan
/// reads it for every message).
pub type StatsMap = HashMap<String, HashMap<String, VariantStats>>;

/// The template catalogue, indexed by message type.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    templates: Vec<Template>,
    /// Indexes of the enabled templates per message type (by `MessageType as usize`).
    by_type: Vec<Vec<usize>>,
    /// Template id → the indexes of the templates with it (one, unless ids repeat).
    by_id: HashMap<String, Vec<usize>>,
    /// Each template's id, shared by the choices that record it (by template index).
    ids: Vec<Arc<str>>,
}

/// When each template of a catalogue last reached the user (by template index), worked out
/// once per plan so a choice reads it without scanning the history. Only the templates in the
/// history are listed (a few, against a catalogue of many).
#[derive(Debug, Clone, Default)]
pub struct LastUse(Vec<(usize, DateTime<Utc>)>);

impl LastUse {
    fn of(&self, index: usize) -> Option<DateTime<Utc>> {
        self.0.iter().find(|(i, _)| *i == index).map(|(_, at)| *at)
    }
}

/// An eligible template with when it last reached the user.
#[derive(Debug, Clone, Copy)]
pub struct Eligible<'a> {
    pub template: &'a Template,
    /// The template's id, shared.
    pub id: &'a Arc<str>,
    pub last_used: Option<DateTime<Utc>>,
}

impl Catalogue {
    /// A catalogue of these templates (disabled ones are kept but never chosen).
    pub fn new(templates: Vec<Template>) -> Self {
        let mut by_type = vec![Vec::new(); MessageType::ALL.len()];
        let mut by_id: HashMap<String, Vec<usize>> = HashMap::default();
        for (i, t) in templates.iter().enumerate() {
            // Only enabled templates are listed by type: those are the ones ever chosen.
            for ty in t.message_types.iter().filter(|_| t.enabled) {
                by_type[*ty as usize].push(i);
            }
            by_id.entry(t.id.clone()).or_default().push(i);
        }
        let ids = templates.iter().map(|t| Arc::from(t.id.as_str())).collect();
        Catalogue {
            templates,
            by_type,
            by_id,
            ids,
        }
    }

    /// Every template.
    pub fn templates(&self) -> &[Template] {
        &self.templates
    }

    /// The enabled templates serving `ty`.
    pub fn for_type(&self, ty: MessageType) -> impl Iterator<Item = &Template> {
        self.indexed_for_type(ty).map(|(_, t)| t)
    }

    fn indexed_for_type(&self, ty: MessageType) -> impl Iterator<Item = (usize, &Template)> {
        self.by_type
            .get(ty as usize)
            .into_iter()
            .flatten()
            .map(|i| (*i, &self.templates[*i]))
    }

    /// The latest send time of each template to the user (planned messages included).
    pub fn last_uses(&self, history: &[HistoryEntry]) -> LastUse {
        let mut at: Vec<(usize, DateTime<Utc>)> = Vec::with_capacity(history.len());
        for h in history {
            for i in self.by_id.get(&h.template_id).into_iter().flatten() {
                match at.iter_mut().find(|(j, _)| j == i) {
                    Some((_, t)) => *t = (*t).max(h.send_at),
                    None => at.push((*i, h.send_at)),
                }
            }
        }
        LastUse(at)
    }
}

/// A template and variant chosen for one message.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice<'a> {
    pub template: &'a Template,
    pub variant: &'a Variant,
    /// The running experiment that picked the variant, if one did.
    pub experiment: Option<String>,
    /// The probability the variant had, given the template.
    pub variant_p: f64,
}

/// The templates a message of type `ty` may use for this user now: enabled, targeted at
/// `ctx`, not already in this plan, and not sent to the user within the cooldown.
pub fn eligible<'a>(
    catalogue: &'a Catalogue,
    ty: MessageType,
    ctx: &TargetContext,
    last_use: &LastUse,
    planned_templates: &[&str],
    now: DateTime<Utc>,
) -> Vec<Eligible<'a>> {
    let cooldown_from = now - Duration::days(TEMPLATE_COOLDOWN_DAYS);
    let indexes = catalogue
        .by_type
        .get(ty as usize)
        .map_or(&[][..], Vec::as_slice);
    // Room for every template of the type: the list never grows. A plain loop: this runs for
    // every message, over every template of its type.
    let mut out = Vec::with_capacity(indexes.len());
    for &i in indexes {
        let (Some(template), Some(id)) = (catalogue.templates.get(i), catalogue.ids.get(i)) else {
            continue;
        };
        if !template.targeting.matches(ctx)
            || template.variants.is_empty()
            || planned_templates.contains(&template.id.as_str())
        {
            continue;
        }
        let last_used = last_use.of(i);
        if last_used.is_some_and(|at| at >= cooldown_from) {
            continue;
        }
        out.push(Eligible {
            template,
            id,
            last_used,
        });
    }
    out
}

/// The rules' template choice for a message of type `ty` in `tone`: among the eligible
/// templates, the wanted tone if any has it, else any tone; among equals the least recently
/// used, then chance. The variant comes from [`choose_variant`].
#[allow(clippy::too_many_arguments)]
pub fn choose<'a>(
    catalogue: &'a Catalogue,
    ty: MessageType,
    tone: Tone,
    ctx: &TargetContext,
    last_use: &LastUse,
    planned_templates: &[&str],
    experiments: &[Experiment],
    stats: &StatsMap,
    user_id: &str,
    now: DateTime<Utc>,
    rng: &mut Rng,
) -> Option<Choice<'a>> {
    let eligible = eligible(catalogue, ty, ctx, last_use, planned_templates, now);
    let toned: Vec<Eligible<'a>> = eligible
        .iter()
        .copied()
        .filter(|e| e.template.tone == tone)
        .collect();
    let pool = if toned.is_empty() { eligible } else { toned };
    let oldest = pool.iter().map(|e| e.last_used).min()?;
    let least_used: Vec<&Template> = pool
        .into_iter()
        .filter(|e| e.last_used == oldest)
        .map(|e| e.template)
        .collect();
    let template = least_used[(rng.next_u64() % least_used.len() as u64) as usize];
    Some(choose_variant(template, experiments, stats, user_id, rng))
}

/// The variant of `template`: from a running experiment the user is in if there is one, else
/// the best-performing by its counters or, one time in ten, a random one.
pub fn choose_variant<'a>(
    template: &'a Template,
    experiments: &[Experiment],
    stats: &StatsMap,
    user_id: &str,
    rng: &mut Rng,
) -> Choice<'a> {
    if let Some((exp, v)) = experiments
        .iter()
        .filter(|e| e.template_id == template.id)
        .find_map(|e| assign(e, user_id).map(|v| (e, v)))
    {
        if let Some(variant) = template.variants.iter().find(|x| x.id == v) {
            return Choice {
                template,
                variant,
                experiment: Some(exp.id.clone()),
                variant_p: 1.0,
            };
        }
    }
    let n = template.variants.len();
    let by_variant = stats.get(&template.id);
    let score = |v: &Variant| {
        by_variant
            .and_then(|m| m.get(&v.id))
            .copied()
            .unwrap_or_default()
            .score()
    };
    // The first of the best scores (`n` ≥ 1: eligible templates have variants).
    let best = (1..n).fold(0, |b, i| {
        if score(&template.variants[i]) > score(&template.variants[b]) {
            i
        } else {
            b
        }
    });
    let explore = rng.next_f64() < EXPLORATION_RATE;
    let chosen = if explore || n == 1 {
        (rng.next_u64() % n as u64) as usize
    } else {
        best
    };
    let uniform = 1.0 / n as f64;
    let variant_p = if n == 1 {
        1.0
    } else if chosen == best {
        EXPLORATION_RATE * uniform + (1.0 - EXPLORATION_RATE)
    } else {
        EXPLORATION_RATE * uniform
    };
    Choice {
        template,
        variant: &template.variants[chosen],
        experiment: None,
        variant_p,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn vars(pairs: &[(&'static str, &str)]) -> Vars {
        let mut v = Vars::default();
        for (k, val) in pairs {
            v.set(k, val);
        }
        v
    }

    #[test]
    fn placeholders_fill_and_fall_back() {
        let v = vars(&[("streak", "7")]);
        assert_eq!(render("{name|Hey}, {streak} days!", &v), "Hey, 7 days!");
        assert_eq!(render("Great work {name}!", &v), "Great work!");
        assert_eq!(render("Good morning, {name}!", &v), "Good morning!");
        assert_eq!(render("¡Hola, {name}! Día {streak}.", &v), "¡Hola! Día 7.");
        assert_eq!(
            render("Good morning, {name}!", &vars(&[("name", "Ana")])),
            "Good morning, Ana!"
        );
        assert_eq!(
            render(
                "Hi {name}, day {streak}",
                &vars(&[("name", "Ana"), ("streak", "3")])
            ),
            "Hi Ana, day 3"
        );
        assert_eq!(render("{unknown} left {", &v), "left");
        assert_eq!(
            render("{motivation}", &vars(&[("motivation", "{x} for me}")])),
            "x for me"
        );
    }

    #[test]
    fn validation_names_fields() {
        let t = Template {
            id: "Bad Id".into(),
            message_types: vec![],
            tone: Tone::Wise,
            targeting: Targeting {
                min_streak: Some(5),
                max_streak: Some(2),
                ..Default::default()
            },
            variants: vec![Variant {
                id: "a".into(),
                content: [("es".to_owned(), Content::new("{nombre}", ""))].into(),
            }],
            enabled: true,
        };
        let fields: Vec<String> = t
            .validate()
            .expect_err("invalid")
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "id",
                "message_types",
                "targeting.max_streak",
                "variants[0].content",
                "variants[0].content.es.title",
                "variants[0].content.es.body",
            ]
        );
    }

    #[test]
    fn language_fallback() {
        let v = Variant {
            id: "a".into(),
            content: [
                ("en".to_owned(), Content::new("Hi", "b")),
                ("es".to_owned(), Content::new("Hola", "b")),
            ]
            .into(),
        };
        assert_eq!(Template::content(&v, "es-MX").map(|c| c.0), Some("es"));
        assert_eq!(Template::content(&v, "fr").map(|c| c.0), Some("en"));
        let langs = ["en", "es", "pt-BR"];
        for (tag, want) in [
            ("pt-BR", "pt-BR"),
            ("pt-br", "pt-BR"),
            ("pt", "pt-BR"),
            ("pt-PT", "pt-BR"),
            ("es-419", "es"),
            ("en-GB", "en"),
            ("fr-CA", "en"),
        ] {
            assert_eq!(
                resolve_language(tag, langs.iter().copied()),
                Some(want),
                "{tag}"
            );
        }
        assert_eq!(resolve_language("fr", ["es"].into_iter()), None);
    }

    #[test]
    fn a_running_experiment_picks_the_users_variant() {
        let templates = crate::engine::catalogue::default_templates();
        let t = templates
            .iter()
            .find(|t| t.id == "milestone-early")
            .expect("built in");
        let mut e = Experiment {
            id: "copy".into(),
            template_id: t.id.clone(),
            variants: vec![("a".into(), 0.0), ("b".into(), 1.0)],
            running: true,
            control: None,
            auto_stop: true,
            created_at: None,
            stopped_at: None,
            winner: None,
        };
        let mut rng = crate::engine::rng::Rng::new(7);
        let c = choose_variant(
            t,
            std::slice::from_ref(&e),
            &StatsMap::default(),
            "u",
            &mut rng,
        );
        assert_eq!(
            (c.variant.id.as_str(), c.experiment.as_deref(), c.variant_p),
            ("b", Some("copy"), 1.0)
        );
        e.running = false;
        let c = choose_variant(t, &[e], &StatsMap::default(), "u", &mut rng);
        assert_eq!(c.experiment, None, "a stopped experiment assigns nobody");
    }

    /// The reference for `render`: one scan of the text, filling as it goes.
    fn render_by_scanning(text: &str, vars: &Vars) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            match after.find('}') {
                Some(close) => {
                    let inner = &after[..close];
                    let (name, fallback) = inner.split_once('|').unwrap_or((inner, ""));
                    match vars.get(name).filter(|v| !v.trim().is_empty()) {
                        Some(v) => out.push_str(v),
                        None if fallback.is_empty() && name == "name" => {
                            let kept = out.trim_end().trim_end_matches(',').len();
                            out.truncate(kept);
                        }
                        None => out.extend(fallback.chars().filter(|c| *c != '{' && *c != '}')),
                    }
                    rest = &after[close + 1..];
                }
                None => rest = after,
            }
        }
        out.push_str(rest);
        tidy_pass(out)
    }

    proptest! {
        /// The search that skips the pass says "nothing to do" only when the pass would do
        /// nothing.
        #[test]
        fn tidy_skips_only_what_needs_nothing(s in "[a ,.!?;:{}é\t]{0,24}") {
            prop_assert_eq!(tidy(s.clone()), tidy_pass(s));
        }

        /// Filling the parsed pieces gives what one scan of the text filling as it goes gives
        /// (the form `render` had before texts were parsed once).
        #[test]
        fn parsed_texts_fill_as_a_scan_does(
            text in "[a-z {}|,!é]{0,40}|([a-z ,!]{0,6}\\{(name|streak|value|x)(\\|[a-z{ ]{0,5})?\\}){0,4}[a-z ,!]{0,6}",
            name in proptest::option::of("[a-zA-Z{} ]{0,10}"),
            streak in proptest::option::of(0u32..50),
        ) {
            let mut v = Vars::default();
            if let Some(n) = &name { v.set("name", n.as_str()); }
            if let Some(k) = streak { v.set("streak", k); }
            prop_assert_eq!(render(&text, &v), render_by_scanning(&text, &v));
            let c = Content::new(text.clone(), text.clone());
            prop_assert_eq!(c.render_title(&v), render_by_scanning(&text, &v));
            prop_assert_eq!(c.render_body(&v), render_by_scanning(&text, &v));
        }

        /// Whatever the template text and values, no brace survives rendering.
        #[test]
        fn no_placeholder_survives(
            text in "[a-z {}|,!]{0,60}",
            name in proptest::option::of("[a-zA-Z{} ]{0,10}"),
        ) {
            let mut v = Vars::default();
            if let Some(n) = name { v.set("name", n); }
            let out = render(&text, &v);
            prop_assert!(!out.contains('{') && !out.contains('}'), "{out}");
        }
    }
}
