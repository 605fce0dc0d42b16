//! Challenge and growth: challenge_motivation, goal_suggestion, habit_expansion and difficulty_increase.

use super::{any, segments, streak, t};
use crate::domain::preferences::{MessageType as M, Tone};
use crate::domain::user::Segment;
use crate::engine::templates::Template;

/// The templates of challenge_motivation, goal_suggestion, habit_expansion and difficulty_increase.
pub(super) fn templates() -> Vec<Template> {
    use Tone::*;
    vec![
        // Challenge motivation
        t("challenge-encouraging", &[M::ChallengeMotivation], Encouraging, any(), &[
            ("a",
                ("You can go further, {name}", "You've made {value|your habit} steady. A small challenge this week could show you how far it can go."),
                ("Puedes con algo más, {name}", "Has hecho de {value|tu hábito} algo constante. Un pequeño reto esta semana te mostrará hasta dónde puedes llegar."),
                ("Você pode ir além, {name}", "Você deixou {value|seu hábito} firme. Um pequeno desafio nesta semana pode mostrar até onde você consegue chegar.")),
        ]),
        t("challenge-motivational", &[M::ChallengeMotivation], Motivational, any(), &[
            ("a",
                ("🚀 Time to level up", "Your consistency is paying off. Pick one stretch for this week and go all in. Remember why: \"{motivation|Small steps add up}\""),
                ("🚀 Hora de subir de nivel", "Tu constancia está dando frutos. Elige un reto para esta semana y ve con todo. Recuerda por qué: \"{motivation|Los pasos pequeños suman}\""),
                ("🚀 Hora de subir de nível", "Sua constância está rendendo. Escolha um desafio para esta semana e vá com tudo. Lembre-se do porquê: \"{motivation|Pequenos passos somam}\"")),
        ]),
        t("challenge-supportive", &[M::ChallengeMotivation], Supportive, any(), &[
            ("a",
                ("A stretch, at your pace", "Feel like trying something harder? Pick a challenge that fits your week. We'll keep track, and any step up counts."),
                ("Un reto, a tu ritmo", "¿Te animas a algo más exigente? Elige un reto que encaje en tu semana. Nosotros llevamos el registro, y cualquier avance vale."),
                ("Um desafio no seu ritmo", "Que tal tentar algo mais puxado? Escolha um desafio que caiba na sua semana. A gente acompanha, e qualquer avanço vale.")),
        ]),
        t("challenge-challenging", &[M::ChallengeMotivation], Challenging, any(), &[
            ("a",
                ("Think you can go further, {name}?", "You've proven you show up. Now raise the stakes: 7 days straight, each session a little longer than the last. In?"),
                ("¿Crees que puedes ir más lejos, {name}?", "Ya demostraste que cumples. Ahora sube la apuesta: 7 días seguidos, cada sesión un poco más larga que la anterior. ¿Te apuntas?"),
                ("Acha que consegue ir mais longe, {name}?", "Você já provou que aparece. Agora suba a aposta: 7 dias seguidos, cada sessão um pouco mais longa que a anterior. Topa?")),
        ]),
        t("challenge-level-up", &[M::ChallengeMotivation], Challenging,
            segments(&[Segment::HabitMaster, Segment::ConsistencyBuilder, Segment::QualityFocused]), &[
            ("a",
                ("Up for a real challenge?", "You've mastered the basics. For your next 7 sessions, pick one thing to do better each time. See where you land."),
                ("¿Te atreves con un reto de verdad?", "Ya dominas lo básico. En tus próximas 7 sesiones, elige una cosa para hacer mejor cada vez. A ver hasta dónde llegas."),
                ("Topa um desafio de verdade?", "Você já domina o básico. Nas próximas 7 sessões, escolha uma coisa para fazer melhor a cada vez. Veja aonde você chega.")),
        ]),
        t("challenge-gentle", &[M::ChallengeMotivation], Gentle, any(), &[
            ("a",
                ("A small stretch, if you like", "No pressure: if it feels right, add one small twist to {value|your habit} this week. If not, keeping it up is plenty."),
                ("Un pequeño reto, si quieres", "Sin presión: si te parece bien, dale un pequeño giro a {value|tu hábito} esta semana. Si no, mantenerlo ya es mucho."),
                ("Um pequeno desafio, se quiser", "Sem pressão: se fizer sentido, dê um toque novo a {value|seu hábito} nesta semana. Se não, manter o ritmo já é muito.")),
        ]),
        t("challenge-wise", &[M::ChallengeMotivation], Wise, any(), &[
            ("a",
                ("The Goldilocks rule", "Motivation peaks with tasks just past your current ability: not too easy, not too hard. Nudge {value|your habit} a little beyond comfortable."),
                ("La regla de Ricitos de Oro", "La motivación crece con retos justo por encima de tu nivel: ni muy fáciles ni muy difíciles. Lleva {value|tu hábito} un poco más allá de lo cómodo."),
                ("A regra da Cachinhos Dourados", "A motivação cresce com desafios logo acima do seu nível: nem fáceis, nem difíceis demais. Leve {value|seu hábito} um pouco além do confortável.")),
        ]),
        // Goal suggestion
        t("goal-encouraging", &[M::GoalSuggestion], Encouraging, any(), &[
            ("a",
                ("A goal worth aiming for", "You've built real momentum with {value|your habit}. How about a streak of {milestone|even more} days as your next goal?"),
                ("Una meta que vale la pena", "Has ganado impulso de verdad con {value|tu hábito}. ¿Qué tal una racha de {milestone|aún más} días como próxima meta?"),
                ("Uma meta que vale a pena", "Você ganhou embalo de verdade com {value|seu hábito}. Que tal uma sequência de {milestone|ainda mais} dias como próxima meta?")),
        ]),
        t("goal-next", &[M::GoalSuggestion], Motivational, any(), &[
            ("a",
                ("🎯 Your next goal, {name}", "Next target: {milestone|even more} days in a row. You've got the rhythm; now go claim it."),
                ("🎯 Tu próxima meta, {name}", "Próximo objetivo: {milestone|aún más} días seguidos. Ya tienes el ritmo; ahora, a conquistarlo."),
                ("🎯 Sua próxima meta, {name}", "Próximo alvo: {milestone|ainda mais} dias seguidos. Você já pegou o ritmo; agora é conquistar.")),
        ]),
        t("goal-supportive", &[M::GoalSuggestion], Supportive, any(), &[
            ("a",
                ("Let's set your next goal together", "Your consistency shows you can do more. Want to aim for {milestone|a few more} days in a row? We'll be with you for each one."),
                ("Fijemos juntos tu próxima meta", "Tu constancia muestra que puedes más. ¿Apuntamos a {milestone|unos cuantos} días seguidos? Te acompañamos en cada uno."),
                ("Vamos definir juntos sua próxima meta", "Sua constância mostra que dá para ir além. Que tal mirar em {milestone|mais alguns} dias seguidos? Estamos com você em cada um.")),
        ]),
        t("goal-challenging", &[M::GoalSuggestion], Challenging, any(), &[
            ("a",
                ("Set the bar higher", "Your dare: {milestone|even more} days in a row. Most streaks never get that far. Make yours one that does."),
                ("Pon la meta más alto", "Tu reto: {milestone|aún más} días seguidos. La mayoría de las rachas nunca llegan tan lejos. Haz que la tuya sí llegue."),
                ("Suba o nível da meta", "Seu desafio: {milestone|ainda mais} dias seguidos. A maioria das sequências nunca chega tão longe. Faça a sua chegar.")),
        ]),
        t("goal-gentle", &[M::GoalSuggestion], Gentle, any(), &[
            ("a",
                ("A goal, only if it helps", "If a target would help, {milestone|a few more} days in a row could be a nice one. If not, simply keep enjoying {value|your habit}."),
                ("Una meta, solo si te ayuda", "Si te ayuda tener una meta, podrías apuntar a {milestone|unos cuantos} días seguidos. Si no, sigue disfrutando de {value|tu hábito} sin más."),
                ("Uma meta, só se ajudar", "Se ter uma meta ajudar, você poderia mirar em {milestone|mais alguns} dias seguidos. Se não, é só continuar aproveitando {value|seu hábito}.")),
        ]),
        t("goal-wise", &[M::GoalSuggestion], Wise, any(), &[
            ("a",
                ("Aim, then trust the routine", "A goal gives direction; a routine gets you there. Aim for {milestone|more} days in a row, then just focus on the next session."),
                ("Apunta y confía en la rutina", "Una meta da dirección; una rutina te lleva hasta allí. Apunta a {milestone|más} días seguidos y luego enfócate solo en la próxima sesión."),
                ("Mire e confie na rotina", "Uma meta dá direção; a rotina leva você até lá. Mire em {milestone|mais} dias seguidos e depois foque só na próxima sessão.")),
        ]),
        // Habit expansion
        t("expand-encouraging", &[M::HabitExpansion], Encouraging, any(), &[
            ("a",
                ("Room for something new, {name}?", "You've made room for {value|your habit} week after week. What else matters to you? A small habit for it could fit right in."),
                ("¿Hay espacio para algo nuevo, {name}?", "Le has hecho sitio a {value|tu hábito} semana tras semana. ¿Qué más te importa? Un pequeño hábito para eso podría encajar muy bien."),
                ("Cabe algo novo, {name}?", "Você abriu espaço para {value|seu hábito} semana após semana. O que mais importa para você? Um pequeno hábito para isso pode caber direitinho.")),
        ]),
        t("expand-motivational", &[M::HabitExpansion], Motivational, any(), &[
            ("a",
                ("⚡ Put that momentum to work", "The discipline you built with {value|your habit} carries over. Pick another value you care about and give it 5 minutes a day."),
                ("⚡ Aprovecha ese impulso", "La disciplina que construiste con {value|tu hábito} se contagia. Elige otro valor que te importe y dale 5 minutos al día."),
                ("⚡ Use esse embalo", "A disciplina que você construiu com {value|seu hábito} se espalha. Escolha outro valor que importa para você e dedique 5 minutos por dia a ele.")),
        ]),
        t("expand-supportive", &[M::HabitExpansion], Supportive, any(), &[
            ("a",
                ("Another value on your mind?", "You already know how to build a habit; {value|your habit} proves it. If something else matters to you, we'll help you start small."),
                ("¿Otro valor en mente?", "Ya sabes construir un hábito; {value|tu hábito} lo demuestra. Si hay algo más que te importa, te ayudamos a empezar en pequeño."),
                ("Outro valor em mente?", "Você já sabe criar um hábito; {value|seu hábito} prova isso. Se outra coisa importa para você, a gente ajuda a começar pequeno.")),
        ]),
        t("expand-value", &[M::HabitExpansion], Challenging, any(), &[
            ("a",
                ("Grow into a new value", "You've mastered {value|your habit}. Dare to add one small activity for another value you care about, and keep both going for a week."),
                ("Crece hacia un nuevo valor", "Ya dominas {value|tu hábito}. Atrévete a sumar una actividad pequeña para otro valor que te importe y sostén ambas durante una semana."),
                ("Cresça rumo a um novo valor", "Você já domina {value|seu hábito}. Ouse somar uma pequena atividade para outro valor que importa para você e mantenha as duas por uma semana.")),
        ]),
        t("expand-gentle", &[M::HabitExpansion], Gentle, any(), &[
            ("a",
                ("A thought, no rush", "Is there another part of life you'd like to nurture? A tiny habit for it could sit next to {value|your habit}, whenever you're ready."),
                ("Una idea, sin prisa", "¿Hay otra parte de tu vida que te gustaría cuidar? Un hábito mínimo para ella podría acompañar a {value|tu hábito}, cuando quieras."),
                ("Uma ideia, sem pressa", "Tem outra parte da vida que você gostaria de cuidar? Um hábito mínimo para ela pode acompanhar {value|seu hábito}, quando você quiser.")),
        ]),
        t("expand-wise", &[M::HabitExpansion], Wise, any(), &[
            ("a",
                ("One good habit invites another", "Keystone habits spill over: people who build one often find the next one easier. Stack a small one for another value right after {value|your habit}."),
                ("Un buen hábito invita a otro", "Un hábito clave se contagia: tras el primero, el siguiente cuesta menos. Encadena uno pequeño para otro valor justo después de {value|tu hábito}."),
                ("Um bom hábito puxa outro", "Hábitos-chave se espalham: depois do primeiro, o próximo fica mais fácil. Encaixe um pequeno, para outro valor, logo depois de {value|seu hábito}.")),
        ]),
        // Difficulty increase (only sent from a 14-day streak)
        t("difficulty-encouraging", &[M::DifficultyIncrease], Encouraging, streak(Some(14), None), &[
            ("a",
                ("You've outgrown your routine", "{streak|Many} days in a row show {value|your habit} comes easier now. A couple more minutes per session would suit you."),
                ("Tu rutina se te queda corta", "{streak|Muchos} días seguidos muestran que {value|tu hábito} ya te sale más fácil. Un par de minutos más por sesión te sentarían bien."),
                ("Sua rotina ficou pequena para você", "{streak|Muitos} dias seguidos mostram que {value|seu hábito} ficou mais fácil. Mais uns minutinhos por sessão combinam com você.")),
        ]),
        t("difficulty-motivational", &[M::DifficultyIncrease], Motivational, streak(Some(14), None), &[
            ("a",
                ("💪 Turn it up a notch, {name}!", "You're averaging {minutes|several} minutes a session. Make the next one your strongest yet: more focus, a little further."),
                ("💪 ¡Sube una marcha, {name}!", "Tu promedio es de {minutes|varios} minutos por sesión. Haz que la próxima sea la más fuerte: más enfoque, un poco más lejos."),
                ("💪 Suba uma marcha, {name}!", "Sua média é de {minutes|vários} minutos por sessão. Faça da próxima a mais forte até agora: mais foco, um pouco mais longe.")),
        ]),
        t("difficulty-supportive", &[M::DifficultyIncrease], Supportive, streak(Some(14), None), &[
            ("a",
                ("Let's take a small step up", "After {streak|so many} days in a row, a slightly longer session is well within reach. Try 2 extra minutes; we're right here with you."),
                ("Demos un pequeño paso más", "Después de {streak|tantos} días seguidos, una sesión un poco más larga está a tu alcance. Prueba con 2 minutos extra; aquí estamos contigo."),
                ("Vamos subir mais um degrau", "Depois de {streak|tantos} dias seguidos, uma sessão um pouco mais longa está ao seu alcance. Tente 2 minutos a mais; estamos aqui com você.")),
        ]),
        t("difficulty-plus-five", &[M::DifficultyIncrease], Challenging, streak(Some(14), None), &[
            ("a",
                ("Add five minutes", "You're averaging {minutes|several} minutes per session. This week, add five to every single one. Up for it?"),
                ("Suma cinco minutos", "Tu promedio es de {minutes|varios} minutos por sesión. Esta semana, suma cinco a cada una. ¿Te atreves?"),
                ("Some cinco minutos", "Sua média é de {minutes|vários} minutos por sessão. Nesta semana, some cinco a cada uma. Encara?")),
        ]),
        t("difficulty-gentle", &[M::DifficultyIncrease], Gentle, streak(Some(14), None), &[
            ("a",
                ("Maybe a minute more?", "No pressure at all. If {value|your habit} feels easy lately, one or two extra minutes per session is a gentle way to grow."),
                ("¿Quizás un minuto más?", "Sin ninguna presión. Si {value|tu hábito} se siente fácil últimamente, uno o dos minutos extra por sesión son una forma suave de crecer."),
                ("Que tal um minutinho a mais?", "Sem pressão nenhuma. Se {value|seu hábito} anda fácil, um ou dois minutos a mais por sessão são um jeito leve de crescer.")),
        ]),
        t("difficulty-wise", &[M::DifficultyIncrease], Wise, streak(Some(14), None), &[
            ("a",
                ("Small overload, steady growth", "Muscles and minds grow the same way: a little more than last time, again and again. Add a minute or two to your usual session."),
                ("Poco a poco, un poco más", "Músculos y mente crecen igual: un poco más que la vez anterior, una y otra vez. Añade uno o dos minutos a tu sesión habitual."),
                ("Pouco a pouco, um pouco mais", "Músculos e mente crescem do mesmo jeito: um pouco mais que da última vez, de novo e de novo. Acrescente um ou dois minutos à sua sessão de sempre.")),
        ]),
    ]
}
