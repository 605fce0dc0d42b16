//! Tone: from the user's preference, the segment and the moment.
//!
//! 1. High streak risk is urgent (the only urgent case), unless the user prefers a gentle or
//!    supportive voice, which is kept.
//! 2. Milestones and personal bests are celebratory.
//! 3. Otherwise a preferred tone is used (urgent is never used as a preference).
//! 4. Otherwise the moment's default (table in [`default_tone`]); challenging becomes
//!    encouraging for users still getting started.

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

/// The tone of a message.
pub fn choose_tone(
    ty: MessageType,
    preferred: Option<Tone>,
    risk: Option<RiskLevel>,
    brk: Option<BreakLength>,
    segment: Segment,
) -> Tone {
    let high_risk = ty == MessageType::RiskWarning && risk == Some(RiskLevel::High);
    let gentle_pref = matches!(preferred, Some(Tone::Gentle | Tone::Supportive));
    if high_risk && !gentle_pref {
        return Tone::Urgent;
    }
    if matches!(
        ty,
        MessageType::MilestoneCelebration | MessageType::StreakAchievement
    ) {
        return Tone::Celebratory;
    }
    match preferred {
        Some(t) if t != Tone::Urgent => t,
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
            Tone::Celebratory
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
