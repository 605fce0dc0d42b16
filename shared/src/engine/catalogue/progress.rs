//! Progress and achievement: progress encouragement, milestone celebrations, personal bests and consistency recognition.

use super::{any, segments, streak, t};
use crate::domain::preferences::{MessageType as M, Tone};
use crate::domain::user::Segment;
use crate::engine::templates::Template;

/// The templates of progress encouragement, milestone celebration, streak achievement and
/// consistency recognition.
pub(super) fn templates() -> Vec<Template> {
    use Tone::*;
    vec![
        // Progress encouragement: this week's active minutes are up on last week's.
        t("progress-up", &[M::ProgressEncouragement], Encouraging, any(), &[
            ("a",
                ("You're building momentum", "{minutes|A few} more minutes of {value|your habit} this week than last. Keep stacking those wins!"),
                ("Vas tomando impulso", "Esta semana llevas {minutes|algunos} minutos más de {value|tu hábito} que la anterior. ¡Sigue sumando!"),
                ("Você está ganhando embalo", "Nesta semana foram {minutes|alguns} minutos a mais de {value|seu hábito} do que na anterior. Continue somando!")),
        ]),
        t("progress-motivational", &[M::ProgressEncouragement], Motivational, any(), &[
            ("a",
                ("📈 {minutes|Several} minutes up on last week", "That's real momentum. Remember why you started: \"{motivation|Small steps add up}\""),
                ("📈 {minutes|Varios} minutos más que la semana pasada", "Eso es impulso de verdad. Recuerda por qué empezaste: \"{motivation|Los pasos pequeños suman}\""),
                ("📈 {minutes|Vários} minutos a mais que na semana passada", "Isso é embalo de verdade. Lembre por que você começou: \"{motivation|Pequenos passos somam}\"")),
        ]),
        t("progress-supportive", &[M::ProgressEncouragement], Supportive, any(), &[
            ("a",
                ("Look how far you've come", "You found {minutes|a few} more minutes for {value|your habit} this week, even with everything else going on. That counts."),
                ("Mira cuánto has avanzado", "Encontraste {minutes|unos} minutos más para {value|tu hábito} esta semana, aun con todo lo que tienes encima. Eso cuenta."),
                ("Olha só o quanto você avançou", "Você encontrou {minutes|alguns} minutos a mais para {value|seu hábito} nesta semana, mesmo com a correria. Isso conta.")),
        ]),
        t("progress-challenging", &[M::ProgressEncouragement], Challenging, any(), &[
            ("a",
                ("Can you widen the gap?", "{minutes|A few} minutes ahead of last week already. One more session of {value|your habit} before the week ends?"),
                ("¿Puedes ampliar la ventaja?", "Ya vas {minutes|unos} minutos por delante de la semana pasada. ¿Una sesión más de {value|tu hábito} antes de que acabe la semana?"),
                ("Dá para aumentar a vantagem?", "Você já está {minutes|alguns} minutos à frente da semana passada. Mais uma sessão de {value|seu hábito} antes de a semana acabar?")),
        ]),
        t("progress-celebratory", &[M::ProgressEncouragement], Celebratory, any(), &[
            ("a",
                ("🎉 Look at that climb, {name}!", "That's {minutes|several} more minutes of {value|your habit} than last week. Worth a little celebration!"),
                ("🎉 ¡Qué subida, {name}!", "Son {minutes|varios} minutos más de {value|tu hábito} que la semana pasada. ¡Eso merece celebrarse!"),
                ("🎉 Que evolução, {name}!", "São {minutes|vários} minutos a mais de {value|seu hábito} do que na semana passada. Isso merece comemoração!")),
        ]),
        t("progress-gentle", &[M::ProgressEncouragement], Gentle, any(), &[
            ("a",
                ("A little more each week", "{minutes|A few} more minutes than last week. No need to push: this easy, steady growth is exactly right."),
                ("Un poco más cada semana", "{minutes|Unos} minutos más que la semana pasada. Sin prisa: este avance tranquilo es justo lo que hace falta."),
                ("Um pouco mais a cada semana", "{minutes|Alguns} minutos a mais que na semana passada. Sem pressa: esse crescimento tranquilo é exatamente o que funciona.")),
        ]),
        t("progress-wise", &[M::ProgressEncouragement], Wise, any(), &[
            ("a",
                ("Small steps, real change", "Progress is quiet until it isn't. Adding {minutes|a few} minutes a week is how lasting change is built."),
                ("Pasos pequeños, cambio real", "El progreso es silencioso hasta que se nota. Sumar {minutes|unos} minutos por semana es como se construye algo duradero."),
                ("Passos pequenos, mudança real", "O progresso é silencioso até que aparece. Somar {minutes|alguns} minutos por semana é como se constrói algo duradouro.")),
        ]),
        // Milestone celebration: the streak just reached {milestone} days.
        t("milestone-encouraging", &[M::MilestoneCelebration], Encouraging, any(), &[
            ("a",
                ("{milestone} days and counting", "You've shown up for {value|your habit} {milestone} days in a row. That's real proof you can do this."),
                ("{milestone} días y contando", "Llevas {milestone} días seguidos con {value|tu hábito}. Es la prueba de que puedes lograrlo."),
                ("{milestone} dias e contando", "São {milestone} dias seguidos de {value|seu hábito}. É a prova de que você consegue.")),
            ("b",
                ("Nice work on {milestone} days, {name}!", "Each day you keep it going, {value|your habit} takes a little less effort. You're making it yours."),
                ("¡Buen trabajo con {milestone} días, {name}!", "Cada día que sigues, {value|tu hábito} te pide un poco menos de esfuerzo. Lo estás haciendo tuyo."),
                ("Mandou bem nos {milestone} dias, {name}!", "A cada dia que você segue, {value|seu hábito} exige um pouco menos de esforço. Está virando seu.")),
        ]),
        t("milestone-motivational", &[M::MilestoneCelebration], Motivational, any(), &[
            ("a",
                ("🔥 {milestone} days unlocked", "That's {milestone} straight days. Keep the fire going: the next milestone is already in sight."),
                ("🔥 {milestone} días desbloqueados", "Son {milestone} días seguidos. Mantén el fuego: el próximo hito ya está a la vista."),
                ("🔥 {milestone} dias desbloqueados", "São {milestone} dias seguidos. Mantenha o fogo aceso: o próximo marco já está à vista.")),
            ("b",
                ("{milestone} days of pure commitment", "Momentum is on your side now. Use it: your next session of {value|your habit} will feel lighter than the first."),
                ("{milestone} días de puro compromiso", "El impulso ya juega a tu favor. Aprovéchalo: tu próxima sesión de {value|tu hábito} costará menos que la primera."),
                ("{milestone} dias de puro compromisso", "O embalo agora está do seu lado. Aproveite: sua próxima sessão de {value|seu hábito} vai pesar menos que a primeira.")),
        ]),
        t("milestone-supportive", &[M::MilestoneCelebration], Supportive, any(), &[
            ("a",
                ("{milestone} days: you did that", "Some days were easy and some weren't, but you kept showing up. We're glad to be with you on this."),
                ("{milestone} días: lo lograste tú", "Hubo días fáciles y otros no tanto, pero no dejaste de hacerlo. Nos alegra acompañarte en esto."),
                ("{milestone} dias: foi você que fez", "Teve dia fácil e teve dia difícil, mas você não parou. A gente fica feliz em estar junto nessa.")),
            ("b",
                ("{milestone} days, at your own pace", "You built this one day at a time, in the middle of real life. Whatever comes next, we've got your back."),
                ("{milestone} días, a tu ritmo", "Lo construiste día a día, en medio de la vida real. Venga lo que venga, aquí estamos contigo."),
                ("{milestone} dias, no seu ritmo", "Você construiu isso dia após dia, no meio da vida real. Venha o que vier, estamos com você.")),
        ]),
        t("milestone-challenging", &[M::MilestoneCelebration], Challenging, any(), &[
            ("a",
                ("{milestone} days. Ready for more?", "You've proven you can hold a streak. Now aim for the next milestone: can you keep {value|your habit} going that far?"),
                ("{milestone} días. ¿Vas por más?", "Ya demostraste que puedes sostener una racha. Ahora apunta al próximo hito: ¿llegarás con {value|tu hábito}?"),
                ("{milestone} dias. Topa ir além?", "Você já provou que sustenta uma sequência. Agora mire o próximo marco: consegue levar {value|seu hábito} até lá?")),
            ("b",
                ("{milestone} days done. Level up?", "Keeping the streak is one thing. Make your next session of {value|your habit} your best yet, not just another check."),
                ("{milestone} días hechos. ¿Subes de nivel?", "Mantener la racha es una cosa. Haz que tu próxima sesión de {value|tu hábito} sea la mejor, no solo un día más."),
                ("{milestone} dias feitos. Sobe de nível?", "Manter a sequência é uma coisa. Faça da próxima sessão de {value|seu hábito} a melhor até agora, não só mais um dia.")),
        ]),
        // Celebratory: three templates by streak length, together covering every streak.
        t("milestone-early", &[M::MilestoneCelebration], Celebratory, streak(None, Some(13)), &[
            ("a",
                ("{milestone} days in a row! 🎉", "You showed up {milestone} days straight. That's exactly how habits start."),
                ("¡{milestone} días seguidos! 🎉", "Cumpliste {milestone} días seguidos. Así es justo como empiezan los hábitos."),
                ("{milestone} dias seguidos! 🎉", "Você cumpriu {milestone} dias seguidos. É exatamente assim que os hábitos começam.")),
            ("b",
                ("A {milestone}-day streak, {name}!", "Look at you go: {milestone} days of {value|your habit}. The hardest part, getting started, is behind you."),
                ("¡Racha de {milestone} días, {name}!", "Mira cómo avanzas: {milestone} días de {value|tu hábito}. Lo más difícil, empezar, ya quedó atrás."),
                ("Sequência de {milestone} dias, {name}!", "Olha só: {milestone} dias de {value|seu hábito}. A parte mais difícil, começar, já ficou para trás.")),
        ]),
        t("milestone-month", &[M::MilestoneCelebration], Celebratory, streak(Some(14), Some(89)), &[
            ("a",
                ("{milestone} days strong 💪", "{milestone} days of {value|your habit}. It's becoming part of who you are."),
                ("{milestone} días firmes 💪", "{milestone} días de {value|tu hábito}. Ya es parte de quien eres."),
                ("{milestone} dias firmes 💪", "{milestone} dias de {value|seu hábito}. Isso já faz parte de quem você é.")),
            ("b",
                ("🎉 {milestone} days: weeks, not days", "You've kept this going for weeks on end. Most new habits fade by now; yours is thriving. Celebrate it!"),
                ("🎉 {milestone} días: ya son semanas", "Llevas semanas sin soltarlo. Muchos hábitos nuevos se apagan antes; el tuyo está en plena forma. ¡A celebrarlo!"),
                ("🎉 {milestone} dias: já são semanas", "São semanas sem largar. Muitos hábitos novos somem antes disso; o seu está a todo vapor. Bora comemorar!")),
        ]),
        t("milestone-big", &[M::MilestoneCelebration], Celebratory, streak(Some(90), None), &[
            ("a",
                ("{milestone} days. Legendary. 🏆", "Few people ever reach a {milestone}-day streak. You did, {name}."),
                ("{milestone} días. Legendario. 🏆", "Muy pocas personas llegan a una racha de {milestone} días. Tú lo lograste, {name}."),
                ("{milestone} dias. Lendário. 🏆", "Pouquíssimas pessoas chegam a uma sequência de {milestone} dias. Você chegou, {name}.")),
            ("b",
                ("🎉 {milestone} days of {value|your habit}", "Months of choosing this, again and again. It isn't a streak anymore; it's simply who you are. Enjoy this moment."),
                ("🎉 {milestone} días de {value|tu hábito}", "Meses eligiéndolo una y otra vez. Ya no es una racha: es parte de ti. Disfruta este momento."),
                ("🎉 {milestone} dias de {value|seu hábito}", "Meses escolhendo isso de novo e de novo. Já não é uma sequência: é quem você é. Aproveite este momento.")),
        ]),
        t("milestone-gentle", &[M::MilestoneCelebration], Gentle, any(), &[
            ("a",
                ("{milestone} days, quietly done", "No fanfare needed. Just a soft note that you've kept {value|your habit} going for {milestone} days. That's lovely."),
                ("{milestone} días, sin ruido", "Sin grandes celebraciones: solo recordarte que llevas {milestone} días con {value|tu hábito}. Qué bonito."),
                ("{milestone} dias, sem alarde", "Sem festa, só um lembrete carinhoso: você manteve {value|seu hábito} por {milestone} dias. Que bonito.")),
            ("b",
                ("A gentle {milestone}-day hello", "However you feel about it, {milestone} days is something. Take a breath and enjoy how far you've come."),
                ("Un saludo por tus {milestone} días", "Sientas lo que sientas, {milestone} días es algo. Respira y disfruta lo lejos que has llegado."),
                ("Um carinho pelos seus {milestone} dias", "Seja como for, {milestone} dias é algo e tanto. Respire fundo e curta o caminho que você já fez.")),
        ]),
        t("milestone-wise", &[M::MilestoneCelebration], Wise, any(), &[
            ("a",
                ("{milestone} days", "Every one of these {milestone} days was a choice. Notice how much easier it has become."),
                ("{milestone} días", "Cada uno de estos {milestone} días fue una decisión. Nota cuánto más fácil se ha vuelto."),
                ("{milestone} dias", "Cada um desses {milestone} dias foi uma escolha. Repare como ficou mais fácil.")),
            ("b",
                ("What {milestone} days really build", "Each repetition is a vote for the person you want to be. You've cast {milestone} of them."),
                ("Lo que construyen {milestone} días", "Cada repetición es un voto por la persona que quieres ser. Ya llevas {milestone}."),
                ("O que {milestone} dias constroem", "Cada repetição é um voto na pessoa que você quer ser. Você já deu {milestone} deles.")),
        ]),
        // Streak achievement: a new personal best of {streak} days.
        t("personal-best-encouraging", &[M::StreakAchievement], Encouraging, any(), &[
            ("a",
                ("You've outdone yourself, {name}!", "{streak} days beats your previous best. You've never been this consistent with {value|your habit}."),
                ("¡Te superaste, {name}!", "{streak} días: mejor que tu récord anterior. Nunca habías sido tan constante con {value|tu hábito}."),
                ("Você se superou, {name}!", "{streak} dias: melhor que seu recorde anterior. Você nunca foi tão constante com {value|seu hábito}.")),
        ]),
        t("personal-best-motivational", &[M::StreakAchievement], Motivational, any(), &[
            ("a",
                ("🚀 Record broken: {streak} days", "You're in uncharted territory now. Every session of {value|your habit} from here pushes your record higher."),
                ("🚀 Récord superado: {streak} días", "Estás en territorio nuevo. Cada sesión de {value|tu hábito} desde aquí eleva tu récord."),
                ("🚀 Recorde batido: {streak} dias", "Você está em território novo. Cada sessão de {value|seu hábito} daqui em diante leva seu recorde mais alto.")),
        ]),
        t("personal-best-supportive", &[M::StreakAchievement], Supportive, any(), &[
            ("a",
                ("{streak} days, your best yet", "Whatever it took to get here, you did it. We're right here with you as you keep going."),
                ("{streak} días, tu mejor marca", "Costara lo que costara llegar aquí, lo hiciste. Seguimos contigo mientras avanzas."),
                ("{streak} dias, sua melhor marca", "Não importa o quanto custou chegar aqui: você conseguiu. Seguimos juntos daqui para a frente.")),
        ]),
        t("personal-best-challenging", &[M::StreakAchievement], Challenging, any(), &[
            ("a",
                ("New record: {streak} days. How far now?", "You just beat your best. Set yourself a new target and see how far past {streak} days you can take it."),
                ("Nuevo récord: {streak} días. ¿Hasta dónde?", "Acabas de batir tu mejor marca. Ponte un nuevo objetivo y mira cuánto más allá de {streak} días llegas."),
                ("Novo recorde: {streak} dias. Até onde?", "Você acabou de bater sua melhor marca. Defina uma nova meta e veja até onde consegue ir além dos {streak} dias.")),
        ]),
        t("personal-best", &[M::StreakAchievement], Celebratory, any(), &[
            ("a",
                ("🏆 New personal best!", "{streak} days is your longest streak ever. Every day from here sets a new record."),
                ("🏆 ¡Nuevo récord personal!", "{streak} días es tu racha más larga. Cada día que sumes desde aquí es un nuevo récord."),
                ("🏆 Novo recorde pessoal!", "{streak} dias é a sua maior sequência de todas. Cada dia a partir de agora é um novo recorde.")),
        ]),
        t("personal-best-gentle", &[M::StreakAchievement], Gentle, any(), &[
            ("a",
                ("Your longest streak yet", "{streak} days, more than ever before. No pressure to keep breaking records; just enjoy this one."),
                ("Tu racha más larga hasta ahora", "{streak} días, más que nunca. Sin presión por seguir batiendo récords: disfruta de este."),
                ("Sua maior sequência até agora", "{streak} dias, mais do que nunca. Sem pressão para seguir batendo recordes: só aproveite este.")),
        ]),
        t("personal-best-wise", &[M::StreakAchievement], Wise, any(), &[
            ("a",
                ("Beyond your old limit", "Your previous best once felt like a ceiling. At {streak} days, it's a floor. That's how growth works."),
                ("Más allá de tu antiguo límite", "Tu mejor marca anterior parecía un techo. Con {streak} días, ahora es tu base. Así funciona el crecimiento."),
                ("Além do seu antigo limite", "Seu recorde anterior já pareceu um teto. Com {streak} dias, virou o piso. É assim que o crescimento funciona.")),
        ]),
        // Consistency recognition: active on at least 12 of the last 14 days.
        t("consistency-week", &[M::ConsistencyRecognition], Encouraging, any(), &[
            ("a",
                ("Steady as you go", "You've shown up almost every day for two weeks. Consistency beats intensity, and you're proving it."),
                ("Constancia que se nota", "Has practicado casi todos los días durante dos semanas. La constancia gana a la intensidad, y tú lo demuestras."),
                ("Constância que aparece", "Você praticou quase todos os dias nas últimas duas semanas. Constância vence intensidade, e você está provando isso.")),
        ]),
        t("consistency-motivational", &[M::ConsistencyRecognition], Motivational, any(), &[
            ("a",
                ("💪 Two weeks, nearly every day", "That's the rhythm that builds lasting habits. Keep {value|your habit} in your days and see what the next two weeks bring."),
                ("💪 Dos semanas, casi a diario", "Ese es el ritmo que crea hábitos duraderos. Mantén {value|tu hábito} en tu rutina y mira lo que traen las próximas dos semanas."),
                ("💪 Duas semanas, quase todo dia", "Esse é o ritmo que cria hábitos duradouros. Mantenha {value|seu hábito} na rotina e veja o que as próximas duas semanas trazem.")),
        ]),
        t("consistency-supportive", &[M::ConsistencyRecognition], Supportive, any(), &[
            ("a",
                ("You've been so steady, {name}.", "Two weeks of showing up almost daily, through busy days and tired ones. We notice, and we're cheering you on."),
                ("Qué constancia, {name}.", "Dos semanas de práctica casi diaria, con días ocupados y días de cansancio. Lo notamos y te apoyamos."),
                ("Quanta constância, {name}.", "Duas semanas praticando quase todo dia, com dias corridos e dias cansativos. A gente nota e está torcendo por você.")),
        ]),
        t("consistency-challenging", &[M::ConsistencyRecognition], Challenging, any(), &[
            ("a",
                ("Up for a perfect two weeks?", "At least 12 of the last 14 days: impressive. Next challenge: 14 out of 14 with {value|your habit}."),
                ("¿Te animas a dos semanas perfectas?", "Al menos 12 de los últimos 14 días: impresionante. Próximo reto: 14 de 14 con {value|tu hábito}."),
                ("Topa duas semanas perfeitas?", "Pelo menos 12 dos últimos 14 dias: impressionante. Próximo desafio: 14 de 14 com {value|seu hábito}.")),
        ]),
        t("consistency-celebratory", &[M::ConsistencyRecognition], Celebratory, any(), &[
            ("a",
                ("🎉 Two weeks of showing up!", "Almost every day for two weeks. That's what lasting habits are made of. Take a bow!"),
                ("🎉 ¡Dos semanas de constancia!", "Casi todos los días durante dos semanas. De eso están hechos los hábitos duraderos. ¡Date un aplauso!"),
                ("🎉 Duas semanas de constância!", "Quase todos os dias por duas semanas. É disso que são feitos os hábitos duradouros. Você merece aplausos!")),
        ]),
        t("consistency-master", &[M::ConsistencyRecognition], Celebratory, segments(&[Segment::HabitMaster]), &[
            ("a",
                ("Habit master status", "Your consistency is in a league of its own, {name}. This is what mastery looks like."),
                ("Nivel maestro", "Tu constancia está en otra liga, {name}. Así se ve la maestría."),
                ("Nível mestre", "Sua constância está em outro nível, {name}. Maestria é exatamente isso.")),
        ]),
        t("consistency-gentle", &[M::ConsistencyRecognition], Gentle, any(), &[
            ("a",
                ("A quiet rhythm", "You've made room for {value|your habit} on almost every day of the past two weeks. No need to do more; this rhythm suits you."),
                ("Un ritmo tranquilo", "Le has hecho espacio a {value|tu hábito} casi todos los días de estas dos semanas. No hace falta más: este ritmo te sienta bien."),
                ("Um ritmo tranquilo", "Você abriu espaço para {value|seu hábito} em quase todos os dias das últimas duas semanas. Não precisa de mais: esse ritmo combina com você.")),
        ]),
        t("consistency-wise", &[M::ConsistencyRecognition], Wise, any(), &[
            ("a",
                ("We are what we repeatedly do", "Nearly every day for two weeks: {value|your habit} is no longer something you try. It's something you do."),
                ("Somos lo que hacemos a diario", "Casi todos los días durante dos semanas: {value|tu hábito} ya no es algo que intentas, es algo que haces."),
                ("Somos o que fazemos repetidamente", "Quase todos os dias por duas semanas: {value|seu hábito} já não é algo que você tenta. É algo que você faz.")),
        ]),
    ]
}
