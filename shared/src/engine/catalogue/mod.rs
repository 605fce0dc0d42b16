//! The built-in template catalogue: for every message type a template in every tone that
//! suits it ([`suits`]), each in English, Spanish and Brazilian Portuguese, written by hand.
//! `admin-seed-templates` stores these; generation uses them while none is stored.
//!
//! Copy rules, checked by the tests below:
//! - the name only as `, {name}` right before punctuation (it is dropped with its comma when
//!   missing: never "friend");
//! - a placeholder that may be missing has a fallback, except those the type always has
//!   ([`always_set`]);
//! - a relative day ("today", "tonight", "tomorrow") only in types that expire on the local day
//!   they are planned ([`same_day`]), so a deferred message never names the wrong day;
//! - the user's custom motivation only in quotes, with a fallback.

mod context;
mod growth;
mod progress;
mod streak;
mod wisdom;

use super::risk::RiskLevel;
use super::templates::{Content, Targeting, Template, TimeOfDay, Variant};
use crate::domain::preferences::{MessageType, Tone};
use crate::domain::user::Segment;

#[cfg(test)]
use super::tone::suits;

/// The languages every built-in template is written in, in the order of [`Wording`].
pub const LANGUAGES: [&str; 3] = ["en", "es", "pt-BR"];

/// A title and a body.
type Text = (&'static str, &'static str);

/// One wording: variant id, then English, Spanish and Brazilian Portuguese.
type Wording = (&'static str, Text, Text, Text);

fn t(
    id: &str,
    types: &[MessageType],
    tone: Tone,
    targeting: Targeting,
    wordings: &[Wording],
) -> Template {
    Template {
        id: id.to_owned(),
        message_types: types.to_vec(),
        tone,
        targeting,
        variants: wordings
            .iter()
            .map(|(v, en, es, pt)| Variant {
                id: (*v).to_owned(),
                content: LANGUAGES
                    .iter()
                    .zip([en, es, pt])
                    .map(|(lang, (title, body))| ((*lang).to_owned(), Content::new(*title, *body)))
                    .collect(),
            })
            .collect(),
        enabled: true,
    }
}

fn any() -> Targeting {
    Targeting::default()
}

fn streak(min: Option<u32>, max: Option<u32>) -> Targeting {
    Targeting {
        min_streak: min,
        max_streak: max,
        ..Default::default()
    }
}

fn segments(s: &[Segment]) -> Targeting {
    Targeting {
        segments: s.to_vec(),
        ..Default::default()
    }
}

fn risk(levels: &[RiskLevel]) -> Targeting {
    Targeting {
        risk_levels: levels.to_vec(),
        ..Default::default()
    }
}

fn times(t: &[TimeOfDay]) -> Targeting {
    Targeting {
        times_of_day: t.to_vec(),
        ..Default::default()
    }
}

fn premium() -> Targeting {
    Targeting {
        premium_only: true,
        ..Default::default()
    }
}

/// Whether messages of `ty` always expire by the end of the local day they were planned on
/// (`engine::triggers`), so their wording may name that day.
pub fn same_day(ty: MessageType) -> bool {
    use MessageType::*;
    matches!(
        ty,
        RiskWarning
            | StreakMotivation
            | MorningMotivation
            | EveningReflection
            | WeekendEncouragement
    )
}

/// The placeholders a message of `ty` always has a value for (others need a fallback).
pub fn always_set(ty: MessageType) -> &'static [&'static str] {
    use MessageType::*;
    match ty {
        MilestoneCelebration => &["streak", "milestone", "best_time"],
        StreakAchievement | RiskWarning | StreakMotivation => &["streak", "best_time"],
        StreakRecovery => &["longest", "days_since", "best_time"],
        ComebackAssistance | Reactivation => &["days_since", "best_time"],
        _ => &["best_time"],
    }
}

/// The default catalogue.
pub fn default_templates() -> Vec<Template> {
    [
        progress::templates(),
        streak::templates(),
        growth::templates(),
        wisdom::templates(),
        context::templates(),
    ]
    .concat()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::templates::{render, TargetContext, Vars, PLACEHOLDERS};

    /// Relative day words, per language (lower case; matched on word boundaries).
    const DAY_WORDS: [(&str, &[&str]); 3] = [
        (
            "en",
            &[
                "today",
                "tonight",
                "tomorrow",
                "yesterday",
                "this morning",
                "this evening",
                "this afternoon",
            ],
        ),
        ("es", &["hoy", "esta noche", "mañana", "ayer", "esta tarde"]),
        (
            "pt-BR",
            &[
                "hoje",
                "esta noite",
                "amanhã",
                "ontem",
                "esta manhã",
                "esta tarde",
            ],
        ),
    ];

    fn has_word(text: &str, word: &str) -> bool {
        let text = text.to_lowercase();
        text.match_indices(word).any(|(i, _)| {
            let before = text[..i].chars().next_back();
            let after = text[i + word.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
    }

    /// Every `{placeholder…}` of a text, as (name, has a fallback).
    fn placeholders(text: &str) -> Vec<(&str, bool)> {
        text.split('{')
            .skip(1)
            .filter_map(|p| p.split_once('}'))
            .map(|(inner, _)| match inner.split_once('|') {
                Some((n, _)) => (n, true),
                None => (inner, false),
            })
            .collect()
    }

    #[test]
    fn every_template_is_valid_unique_and_in_every_language() {
        let all = default_templates();
        let mut ids: Vec<&str> = all.iter().map(|t| t.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), all.len(), "duplicate template ids");
        for t in &all {
            assert_eq!(t.validate(), Ok(()), "{}", t.id);
            for v in &t.variants {
                let langs: Vec<&str> = v.content.keys().map(String::as_str).collect();
                assert_eq!(langs, ["en", "es", "pt-BR"], "{}/{}", t.id, v.id);
            }
        }
    }

    #[test]
    fn every_suiting_tone_has_a_template_for_every_type() {
        let all = default_templates();
        for ty in MessageType::ALL {
            for tone in Tone::ALL {
                let n = all
                    .iter()
                    .filter(|t| t.message_types.contains(&ty) && t.tone == tone)
                    .count();
                assert_eq!(n > 0, suits(ty, tone), "{ty:?} × {tone:?}: {n} templates");
            }
        }
    }

    #[test]
    fn the_busiest_types_have_two_wordings_per_template() {
        use MessageType::*;
        for t in default_templates() {
            let busy = [
                RiskWarning,
                StreakMotivation,
                MilestoneCelebration,
                ComebackAssistance,
                MorningMotivation,
                EveningReflection,
                WeekendEncouragement,
                HabitFormationTip,
            ];
            if t.message_types.iter().any(|ty| busy.contains(ty)) {
                assert!(t.variants.len() >= 2, "{} has one wording", t.id);
            }
        }
    }

    #[test]
    fn copy_rules_hold_in_every_language() {
        for t in default_templates() {
            for v in &t.variants {
                for (lang, c) in &v.content {
                    let at = format!("{}/{}/{lang}", t.id, v.id);
                    for text in [c.title(), c.body()] {
                        for (name, fallback) in placeholders(text) {
                            assert!(PLACEHOLDERS.contains(&name), "{at}: {{{name}}}");
                            if name == "name" {
                                assert!(!fallback, "{at}: {{name}} takes no fallback");
                                let i = text.find("{name").unwrap_or(0);
                                assert!(text[..i].ends_with(", "), "{at}: {{name}} after \", \"");
                                let after = text[i..].split_once('}').map_or("", |x| x.1);
                                assert!(
                                    after.is_empty() || after.starts_with(['!', '.', '?']),
                                    "{at}: {{name}} before punctuation"
                                );
                            } else {
                                let always = t
                                    .message_types
                                    .iter()
                                    .all(|ty| always_set(*ty).contains(&name));
                                assert!(fallback || always, "{at}: {{{name}}} needs a fallback");
                            }
                        }
                        let lower = text.to_lowercase();
                        for stand_in in ["friend", "champion", "amigo", "campeón", "campeão"] {
                            assert!(!has_word(&lower, stand_in), "{at}: {stand_in}");
                        }
                        if !t.message_types.iter().all(|ty| same_day(*ty)) {
                            let words = DAY_WORDS
                                .iter()
                                .find(|(l, _)| l == lang)
                                .map_or(&[][..], |x| x.1);
                            for w in words {
                                assert!(
                                    !has_word(&lower, w),
                                    "{at} names a day: {w:?} in {text:?}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn without_values_every_wording_still_reads() {
        // What a user with no name, value or motivation reads: no brace, no empty quotes, no
        // dangling comma.
        for t in default_templates() {
            for v in &t.variants {
                for c in v.content.values() {
                    for text in [c.title(), c.body()] {
                        let out = render(text, &Vars::default());
                        assert!(!out.is_empty(), "{}: empty", t.id);
                        assert!(!out.contains(['{', '}']), "{}: {out}", t.id);
                        assert!(!out.contains("\"\""), "{}: {out}", t.id);
                        assert!(
                            !out.contains(" ,") && !out.contains(",!"),
                            "{}: {out}",
                            t.id
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn targeting_leaves_a_template_for_every_context_of_a_suiting_tone() {
        use crate::domain::user::Segment;
        let catalogue = crate::engine::templates::Catalogue::new(default_templates());
        for ty in MessageType::ALL {
            for tone in Tone::ALL.into_iter().filter(|t| suits(ty, *t)) {
                // Difficulty increases fire from a 14-day streak on (`engine::triggers`).
                let streaks: &[u32] = if ty == MessageType::DifficultyIncrease {
                    &[14, 120]
                } else {
                    &[1, 5, 20, 120]
                };
                for &streak in streaks {
                    let ctx = TargetContext {
                        segment: Segment::GettingStarted,
                        streak,
                        risk: Some(RiskLevel::High),
                        time_of_day: match ty {
                            MessageType::MorningMotivation => TimeOfDay::Morning,
                            _ => TimeOfDay::Evening,
                        },
                        premium: false,
                    };
                    assert!(
                        catalogue
                            .for_type(ty)
                            .any(|t| t.tone == tone && t.targeting.matches(&ctx)),
                        "{ty:?} × {tone:?} at streak {streak}"
                    );
                }
            }
        }
    }
}
