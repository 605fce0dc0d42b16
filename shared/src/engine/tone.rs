//! Tone: from the user's preference, the segment and the moment.
//!
//! 1. A preferred tone is used whenever it suits the message type ([`suits`]; urgent is never
//!    used as a preference).
//! 2. Otherwise the moment's default (table in [`default_tone`]): urgent for high streak risk
//!    (the only urgent case), celebratory for milestones and personal bests; challenging
//!    becomes encouraging for users still getting started.

use super::risk::RiskLevel;
use crate::domain::preferences::{MessageType, Tone};
use crate::domain::user::Segment;

/// How long a break was, for comeback messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakLength {
    /// 2–3 days: a firm nudge.
    Short,
    /// 4–13 days: encouragement.
    Medium,
    /// 14 days or more: gentle.
    Long,
}

impl BreakLength {
    /// The class of a break of `days`.
    pub fn of_days(days: i64) -> Self {
        match days {
            ..=3 => BreakLength::Short,
            4..=13 => BreakLength::Medium,
            _ => BreakLength::Long,
        }
    }
}

/// The default tone of a message type in context.
pub fn default_tone(
    ty: MessageType,
    risk: Option<RiskLevel>,
    brk: Option<BreakLength>,
    segment: Segment,
) -> Tone {
    use MessageType::*;
    match ty {
        RiskWarning if risk == Some(RiskLevel::High) => Tone::Urgent,
        RiskWarning => Tone::Motivational,
        StreakMotivation => Tone::Encouraging,
        MilestoneCelebration | StreakAchievement => Tone::Celebratory,
        ProgressEncouragement | WeekendEncouragement => Tone::Encouraging,
        ConsistencyRecognition if segment == Segment::HabitMaster => Tone::Celebratory,
        ConsistencyRecognition => Tone::Encouraging,
        StreakRecovery => Tone::Supportive,
        ComebackAssistance => match brk.unwrap_or(BreakLength::Medium) {
            BreakLength::Short => Tone::Motivational,
            BreakLength::Medium => Tone::Encouraging,
            BreakLength::Long => Tone::Gentle,
        },
        Reactivation => Tone::Gentle,
        ChallengeMotivation | HabitExpansion | DifficultyIncrease
            if segment == Segment::GettingStarted =>
        {
            Tone::Encouraging
        }
        ChallengeMotivation | HabitExpansion | DifficultyIncrease => Tone::Challenging,
        GoalSuggestion | MorningMotivation => Tone::Motivational,
        HabitFormationTip | BehavioralInsight | TimingOptimization | GeneralWisdom => Tone::Wise,
        EveningReflection => Tone::Wise,
    }
}

/// Whether `tone` suits messages of type `ty`: the catalogue has a template for every suiting
/// pair, in every built-in language. Urgent suits only streak risk (and is only targeted at
/// high risk); celebratory suits recognition and the evening after an active day; a lapsed
/// user is never challenged back.
pub fn suits(ty: MessageType, tone: Tone) -> bool {
    use MessageType::*;
    match tone {
        Tone::Urgent => ty == RiskWarning,
        Tone::Celebratory => matches!(
            ty,
            ProgressEncouragement
                | MilestoneCelebration
                | StreakAchievement
                | ConsistencyRecognition
                | StreakMotivation
                | EveningReflection
        ),
        Tone::Challenging => ty != Reactivation,
        Tone::Encouraging | Tone::Motivational | Tone::Supportive | Tone::Gentle | Tone::Wise => {
            true
        }
    }
}

/// The tone of a message.
pub fn choose_tone(
    ty: MessageType,
    preferred: Option<Tone>,
    risk: Option<RiskLevel>,
    brk: Option<BreakLength>,
    segment: Segment,
) -> Tone {
    match preferred {
        Some(t) if t != Tone::Urgent && suits(ty, t) => t,
        _ => default_tone(ty, risk, brk, segment),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn any_type() -> impl Strategy<Value = MessageType> {
        (0..MessageType::ALL.len()).prop_map(|i| MessageType::ALL[i])
    }
    fn any_tone() -> impl Strategy<Value = Option<Tone>> {
        proptest::option::of((0..Tone::ALL.len()).prop_map(|i| Tone::ALL[i]))
    }
    fn any_risk() -> impl Strategy<Value = Option<RiskLevel>> {
        proptest::option::of(prop_oneof![
            Just(RiskLevel::Low),
            Just(RiskLevel::Medium),
            Just(RiskLevel::High)
        ])
    }
    fn any_segment() -> impl Strategy<Value = Segment> {
        (0..Segment::ALL.len()).prop_map(|i| Segment::ALL[i])
    }

    #[test]
    fn examples() {
        use MessageType::*;
        let s = Segment::ConsistencyBuilder;
        assert_eq!(
            choose_tone(RiskWarning, None, Some(RiskLevel::High), None, s),
            Tone::Urgent
        );
        assert_eq!(
            choose_tone(
                RiskWarning,
                Some(Tone::Gentle),
                Some(RiskLevel::High),
                None,
                s
            ),
            Tone::Gentle
        );
        assert_eq!(
            choose_tone(RiskWarning, None, Some(RiskLevel::Medium), None, s),
            Tone::Motivational
        );
        assert_eq!(
            choose_tone(MilestoneCelebration, Some(Tone::Wise), None, None, s),
            Tone::Wise
        );
        assert_eq!(
            choose_tone(MilestoneCelebration, None, None, None, s),
            Tone::Celebratory
        );
        assert_eq!(
            choose_tone(Reactivation, Some(Tone::Challenging), None, None, s),
            Tone::Gentle,
            "a lapsed user is never challenged"
        );
        assert_eq!(
            choose_tone(GeneralWisdom, Some(Tone::Urgent), None, None, s),
            Tone::Wise
        );
        assert_eq!(
            choose_tone(ComebackAssistance, None, None, Some(BreakLength::Long), s),
            Tone::Gentle
        );
        assert_eq!(
            choose_tone(ComebackAssistance, None, None, Some(BreakLength::Short), s),
            Tone::Motivational
        );
        assert_eq!(
            choose_tone(
                ChallengeMotivation,
                None,
                None,
                None,
                Segment::GettingStarted
            ),
            Tone::Encouraging
        );
        assert_eq!(
            choose_tone(ChallengeMotivation, None, None, None, Segment::HabitMaster),
            Tone::Challenging
        );
    }

    proptest! {
        /// Urgent is chosen only for a high-risk warning.
        #[test]
        fn urgent_only_for_high_risk(ty in any_type(), pref in any_tone(), risk in any_risk(), seg in any_segment()) {
            let t = choose_tone(ty, pref, risk, None, seg);
            if t == Tone::Urgent {
                prop_assert_eq!(ty, MessageType::RiskWarning);
                prop_assert_eq!(risk, Some(RiskLevel::High));
            }
        }
    }
}
