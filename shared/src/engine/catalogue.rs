//! The default template catalogue: at least one template for every message type, each in
//! English and Spanish. `admin-seed-templates` writes these; tests and benchmarks use them.

use super::risk::RiskLevel;
use super::templates::{Content, Targeting, Template, TimeOfDay, Variant};
use crate::domain::preferences::{MessageType as M, Tone};
use crate::domain::user::Segment;

/// One wording: (variant id, English title, English body, Spanish title, Spanish body).
type Wording = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

fn t(id: &str, types: &[M], tone: Tone, targeting: Targeting, wordings: &[Wording]) -> Template {
    Template {
        id: id.to_owned(),
        message_types: types.to_vec(),
        tone,
        targeting,
        variants: wordings
            .iter()
            .map(|(v, et, eb, st, sb)| Variant {
                id: (*v).to_owned(),
                content: [
                    (
                        "en".to_owned(),
                        Content {
                            title: (*et).into(),
                            body: (*eb).into(),
                        },
                    ),
                    (
                        "es".to_owned(),
                        Content {
                            title: (*st).into(),
                            body: (*sb).into(),
                        },
                    ),
                ]
                .into(),
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

/// The default catalogue.
pub fn default_templates() -> Vec<Template> {
    use Segment::*;
    use Tone::*;
    vec![
        // Progress and achievement
        t("progress-up", &[M::ProgressEncouragement], Encouraging, any(), &[
            ("a", "You're building momentum", "{minutes|A few} more minutes this week than last, {name|friend}. Keep stacking those wins!",
                  "Vas tomando impulso", "{minutes|Algunos} minutos más esta semana que la anterior. ¡Sigue sumando logros!"),
        ]),
        t("progress-wise", &[M::ProgressEncouragement], Wise, any(), &[
            ("a", "Small steps, real change", "Progress is quiet until it isn't. Your {value|habit} is growing week by week.",
                  "Pasos pequeños, cambio real", "El progreso es silencioso hasta que se nota. Tu {value|hábito} crece semana a semana."),
        ]),
        t("milestone-early", &[M::MilestoneCelebration], Celebratory, streak(None, Some(13)), &[
            ("a", "{milestone} days in a row! 🎉", "{name|You} showed up {milestone} days straight. That's how habits start.",
                  "¡{milestone} días seguidos! 🎉", "Llevas {milestone} días seguidos. Así empiezan los hábitos."),
            ("b", "A {milestone}-day streak!", "Look at you go: {milestone} days of {value|your habit}. Tomorrow makes it one more.",
                  "¡Racha de {milestone} días!", "Mira cómo avanzas: {milestone} días de {value|tu hábito}. Mañana, uno más."),
        ]),
        t("milestone-month", &[M::MilestoneCelebration], Celebratory, streak(Some(14), Some(89)), &[
            ("a", "{milestone} days strong 💪", "{milestone} days of {value|showing up}. This is becoming part of who you are.",
                  "{milestone} días firmes 💪", "{milestone} días de {value|constancia}. Ya es parte de quien eres."),
        ]),
        t("milestone-big", &[M::MilestoneCelebration], Celebratory, streak(Some(90), None), &[
            ("a", "{milestone} days. Legendary. 🏆", "Few people ever reach a {milestone}-day streak. You did, {name|champion}.",
                  "{milestone} días. Legendario. 🏆", "Muy pocas personas llegan a una racha de {milestone} días. Tú lo lograste."),
        ]),
        t("milestone-wise", &[M::MilestoneCelebration], Wise, any(), &[
            ("a", "{milestone} days", "Every one of these {milestone} days was a choice. Notice how much easier it has become.",
                  "{milestone} días", "Cada uno de estos {milestone} días fue una decisión. Nota cuánto más fácil se ha vuelto."),
        ]),
        t("personal-best", &[M::StreakAchievement], Celebratory, streak(Some(5), None), &[
            ("a", "New personal best!", "{streak} days is your longest streak ever. Every day now sets a new record.",
                  "¡Nuevo récord personal!", "{streak} días es tu racha más larga. Cada día nuevo es un récord."),
        ]),
        t("consistency-week", &[M::ConsistencyRecognition], Encouraging, any(), &[
            ("a", "Steady as you go", "You've been active almost every day for two weeks. Consistency beats intensity.",
                  "Constancia que se nota", "Has estado activo casi todos los días durante dos semanas. La constancia gana a la intensidad."),
        ]),
        t("consistency-master", &[M::ConsistencyRecognition], Celebratory, segments(&[HabitMaster]), &[
            ("a", "Habit master status", "Your consistency is in a league of its own, {name|friend}. This is what mastery looks like.",
                  "Nivel maestro", "Tu constancia está en otra liga. Así se ve la maestría."),
        ]),
        // Streak and risk
        t("recovery-supportive", &[M::StreakRecovery], Supportive, any(), &[
            ("a", "Streaks break. You don't.", "Your streak of {longest|many} days showed what you can do. One activity today starts the next one.",
                  "Las rachas se rompen. Tú no.", "Tu racha de {longest|varios} días mostró lo que puedes hacer. Una actividad hoy empieza la siguiente."),
        ]),
        t("recovery-motivational", &[M::StreakRecovery], Motivational, any(), &[
            ("a", "Time for a new streak", "You once built a streak of {longest|many} days. Day one of the next streak is today.",
                  "Hora de una nueva racha", "Ya lograste una racha de {longest|muchos} días. El primer día de la próxima racha es hoy."),
        ]),
        t("risk-urgent", &[M::RiskWarning], Urgent, risk(&[RiskLevel::High]), &[
            ("a", "⏰ Your {streak}-day streak ends tonight", "A few minutes of {value|your habit} keeps it alive. Don't let today be the day.",
                  "⏰ Tu racha de {streak} días termina esta noche", "Unos minutos de {value|tu hábito} la mantienen viva. Que hoy no sea el día."),
            ("b", "Save your streak!", "{streak} days on the line and the day is almost over. You've got this.",
                  "¡Salva tu racha!", "{streak} días en juego y el día casi termina. Tú puedes."),
        ]),
        t("risk-gentle", &[M::RiskWarning], Gentle, risk(&[RiskLevel::Medium, RiskLevel::High]), &[
            ("a", "Still time today", "Your {streak}-day streak is waiting whenever you're ready. Even a small step counts.",
                  "Aún hay tiempo hoy", "Tu racha de {streak} días te espera cuando quieras. Hasta un paso pequeño cuenta."),
        ]),
        t("risk-motivational", &[M::RiskWarning], Motivational, risk(&[RiskLevel::Medium, RiskLevel::High]), &[
            ("a", "Keep the streak alive", "{streak} days and counting. Make it one more today.",
                  "Mantén viva la racha", "{streak} días y contando. Suma uno más hoy."),
        ]),
        t("risk-supportive", &[M::RiskWarning], Supportive, risk(&[RiskLevel::Medium, RiskLevel::High]), &[
            ("a", "We're with you", "Busy day? Five minutes of {value|your habit} keeps your {streak}-day streak going.",
                  "Estamos contigo", "¿Día ocupado? Cinco minutos de {value|tu hábito} mantienen tu racha de {streak} días."),
        ]),
        t("streak-keep-going", &[M::StreakMotivation], Encouraging, any(), &[
            ("a", "Day {streak} is done, {name|friend}", "Today can make it one more. Your future self will thank you.",
                  "Llevas {streak} días", "Hoy puede ser uno más. Tu yo del futuro te lo agradecerá."),
        ]),
        t("streak-motivational", &[M::StreakMotivation], Motivational, any(), &[
            ("a", "{streak} days and rising", "Momentum is on your side. Keep the chain going today.",
                  "{streak} días y subiendo", "El impulso está de tu lado. Sigue la cadena hoy."),
        ]),
        t("comeback-firm", &[M::ComebackAssistance], Motivational, any(), &[
            ("a", "Ready to get back at it?", "It's been {days_since} days. The best time to restart is right now.",
                  "¿Listo para volver?", "Han pasado {days_since} días. El mejor momento para volver es ahora."),
        ]),
        t("comeback-encouraging", &[M::ComebackAssistance], Encouraging, any(), &[
            ("a", "Welcome back anytime", "{days_since} days off is just a pause. One small activity and you're back on track.",
                  "Vuelve cuando quieras", "{days_since} días de pausa son solo eso, una pausa. Una actividad pequeña y vuelves al camino."),
        ]),
        t("comeback-gentle", &[M::ComebackAssistance], Gentle, any(), &[
            ("a", "No pressure", "Life gets full. Whenever you're ready, {value|your habit} will be here.",
                  "Sin presión", "La vida se llena. Cuando quieras, {value|tu hábito} estará aquí."),
        ]),
        // Challenge and growth
        t("challenge-level-up", &[M::ChallengeMotivation], Challenging,
            segments(&[HabitMaster, ConsistencyBuilder, QualityFocused]), &[
            ("a", "Ready for a challenge?", "You've mastered the basics. Try a 7-day streak with a little more each day.",
                  "¿Listo para un reto?", "Ya dominas lo básico. Prueba 7 días seguidos con un poco más cada día."),
        ]),
        t("goal-next", &[M::GoalSuggestion], Motivational, any(), &[
            ("a", "Your next goal", "{streak|Several} days so far. Next goal: a {milestone|longer} day streak.",
                  "Tu próxima meta", "Próxima meta: una racha de {milestone|más} días."),
        ]),
        t("expand-value", &[M::HabitExpansion], Challenging, any(), &[
            ("a", "Grow into a new value", "{value|Your habit} is solid. Add a small activity for another value you care about.",
                  "Crece hacia un nuevo valor", "{value|Tu hábito} está firme. Añade una actividad pequeña para otro valor que te importe."),
        ]),
        t("difficulty-plus-five", &[M::DifficultyIncrease], Challenging, streak(Some(14), None), &[
            ("a", "Add five minutes", "Your sessions average {minutes|a good number of} minutes. This week, try five more per session.",
                  "Suma cinco minutos", "Tu promedio es de {minutes|varios} minutos. Esta semana, prueba cinco más por sesión."),
        ]),
        // Wisdom and tips
        t("tip-tiny-start", &[M::HabitFormationTip], Wise, segments(&[GettingStarted, StreakEnthusiast]), &[
            ("a", "Start tiny", "A habit grows from a version so small you can't say no. Two minutes counts.",
                  "Empieza en pequeño", "Un hábito crece desde una versión tan pequeña que no puedes decir que no. Dos minutos cuentan."),
        ]),
        t("tip-anchor", &[M::HabitFormationTip], Wise, any(), &[
            ("a", "Anchor it", "Tie {value|your habit} to something you already do daily: after coffee, after brushing your teeth.",
                  "Ánclalo", "Une {value|tu hábito} a algo que ya haces a diario: después del café, después de lavarte los dientes."),
        ]),
        t("tip-environment", &[M::HabitFormationTip], Supportive, any(), &[
            ("a", "Make it easy", "Set things up the night before. The easier the start, the more often you'll begin.",
                  "Hazlo fácil", "Prepara todo la noche anterior. Cuanto más fácil empezar, más a menudo empezarás."),
        ]),
        t("insight-best-day", &[M::BehavioralInsight], Wise, any(), &[
            ("a", "A pattern in your week", "You're most active around {best_time|the same time each day}. Planning around it makes it stick.",
                  "Un patrón en tu semana", "Eres más activo alrededor de {best_time|la misma hora cada día}. Planificar en torno a eso ayuda."),
        ]),
        t("insight-strength", &[M::BehavioralInsight], Wise, Targeting { premium_only: true, ..Default::default() }, &[
            ("a", "Your habit strength", "Your habit is getting stronger with every active day. Keep the rhythm and it becomes automatic.",
                  "La fuerza de tu hábito", "Tu hábito se fortalece con cada día activo. Mantén el ritmo y se vuelve automático."),
        ]),
        t("timing-best-hour", &[M::TimingOptimization], Wise, any(), &[
            ("a", "Your best time", "You follow through most often around {best_time|one time of day}. Try scheduling {value|your habit} then.",
                  "Tu mejor momento", "Cumples más a menudo alrededor de {best_time|una misma hora}. Prueba a programar {value|tu hábito} entonces."),
        ]),
        t("wisdom-identity", &[M::GeneralWisdom], Wise, any(), &[
            ("a", "Who you're becoming", "Every action is a vote for the person you want to be.",
                  "En quién te conviertes", "Cada acción es un voto por la persona que quieres ser."),
        ]),
        t("wisdom-motivation", &[M::GeneralWisdom], Encouraging, any(), &[
            ("a", "Remember why", "\"{motivation|Small steps add up}\". That's worth showing up for today.",
                  "Recuerda por qué", "\"{motivation|Los pasos pequeños suman}\". Vale la pena hacerlo hoy."),
        ]),
        // Contextual support
        t("morning-start", &[M::MorningMotivation], Motivational, times(&[TimeOfDay::Morning]), &[
            ("a", "Good morning, {name|friend}", "Start the day with {value|your habit} and carry the win with you.",
                  "Buenos días", "Empieza el día con {value|tu hábito} y lleva el logro contigo."),
        ]),
        t("morning-gentle", &[M::MorningMotivation], Gentle, times(&[TimeOfDay::Morning]), &[
            ("a", "A calm start", "A few quiet minutes for {value|yourself} this morning can set the tone for the day.",
                  "Un comienzo tranquilo", "Unos minutos de calma para {value|ti} esta mañana marcan el tono del día."),
        ]),
        t("evening-reflect", &[M::EveningReflection], Wise, times(&[TimeOfDay::Evening, TimeOfDay::Night]), &[
            ("a", "How did today go?", "Take a moment to notice what went well. You showed up for {value|yourself} today.",
                  "¿Cómo fue hoy?", "Tómate un momento para notar lo que salió bien. Hoy cumpliste con {value|contigo}."),
        ]),
        t("evening-supportive", &[M::EveningReflection], Supportive, times(&[TimeOfDay::Evening, TimeOfDay::Night]), &[
            ("a", "Well done today", "Rest well. Tomorrow is another chance to keep going.",
                  "Bien hecho hoy", "Descansa. Mañana es otra oportunidad para seguir tu racha."),
        ]),
        t("weekend-keep", &[M::WeekendEncouragement], Encouraging, any(), &[
            ("a", "Weekend mode", "Weekends are where streaks are won. A little {value|habit} today keeps the week's rhythm.",
                  "Modo fin de semana", "Los fines de semana se ganan las rachas. Un poco de {value|tu hábito} hoy mantiene el ritmo."),
        ]),
        t("reactivation-gentle", &[M::Reactivation], Gentle, any(), &[
            ("a", "We saved your spot", "It's been a while. Whenever you want to begin again, we'll start small together.",
                  "Guardamos tu lugar", "Ha pasado un tiempo. Cuando quieras volver a empezar, empezaremos en pequeño juntos."),
        ]),
        t("reactivation-supportive", &[M::Reactivation], Supportive, any(), &[
            ("a", "Still here for you", "{days_since|Many} days is not the end of anything. One activity is a fresh start.",
                  "Seguimos aquí", "{days_since|Muchos} días no son el final de nada. Una actividad es un nuevo comienzo."),
        ]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::preferences::MessageType;

    #[test]
    fn at_least_thirty_valid_templates_cover_every_type_in_both_languages() {
        let all = default_templates();
        assert!(all.len() >= 30, "{}", all.len());
        for t in &all {
            assert_eq!(t.validate(), Ok(()), "{}", t.id);
            for v in &t.variants {
                assert!(
                    v.content.contains_key("en") && v.content.contains_key("es"),
                    "{}",
                    t.id
                );
            }
        }
        for ty in MessageType::ALL {
            assert!(
                all.iter().any(|t| t.message_types.contains(&ty)),
                "{ty:?} has no template"
            );
        }
        let mut ids: Vec<&str> = all.iter().map(|t| t.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), all.len(), "duplicate template ids");
    }
}
