//! Wisdom and tips: habit formation tips, behavioral insights, timing optimization and general wisdom.

use super::{any, premium, segments, t};
use crate::domain::preferences::{MessageType as M, Tone};
use crate::domain::user::Segment;
use crate::engine::templates::Template;

/// The templates of habit_formation_tip, behavioral_insight, timing_optimization and general_wisdom.
pub(super) fn templates() -> Vec<Template> {
    use Tone::*;
    vec![
        // Habit formation tips: a different tip per tone, two per template.
        t("tip-encouraging", &[M::HabitFormationTip], Encouraging, any(), &[
            ("a",
                ("Celebrate the small win, {name}!", "Finished {value|your habit}? Celebrate right away, even with a quick \"yes!\". That good feeling teaches your brain to repeat it."),
                ("¡Celebra la pequeña victoria, {name}!", "¿Terminaste {value|tu hábito}? Celébralo al momento, aunque sea con un \"¡bien!\". Esa buena sensación le enseña a tu cerebro a repetirlo."),
                ("Comemore a pequena vitória, {name}!", "Terminou {value|seu hábito}? Comemore na hora, nem que seja com um \"isso!\". A sensação boa ensina seu cérebro a repetir.")),
            ("b",
                ("Watch it add up", "Mark each session as done. Seeing your row of check marks grow is a quiet reward that keeps you coming back."),
                ("Mira cómo se acumula", "Marca cada sesión como hecha. Ver crecer tu fila de marcas es una recompensa silenciosa que te hace volver."),
                ("Veja tudo se somar", "Marque cada sessão como feita. Ver sua fileira de marcações crescer é uma recompensa discreta que faz você voltar.")),
        ]),
        t("tip-motivational", &[M::HabitFormationTip], Motivational, any(), &[
            ("a",
                ("Decide when and where", "Reserve a fixed slot for {value|your habit}: \"At {best_time}, in the same spot, I begin.\" Clear plans get done far more often."),
                ("Decide cuándo y dónde", "Reserva un momento fijo para {value|tu hábito}: \"A las {best_time}, en el mismo sitio, empiezo.\" Los planes claros se cumplen mucho más."),
                ("Decida quando e onde", "Reserve um horário fixo para {value|seu hábito}: \"Às {best_time}, no mesmo lugar, eu começo.\" Planos claros saem do papel com muito mais frequência.")),
            ("b",
                ("Action first, motivation second", "Don't wait to feel like it. Do the first minute of {value|your habit}: the urge to keep going usually shows up once you've started."),
                ("Primero actúa, las ganas llegan después", "No esperes el momento perfecto. Haz el primer minuto de {value|tu hábito}: las ganas de seguir suelen aparecer cuando ya arrancaste."),
                ("Primeiro a ação, depois a vontade", "Não espere a vontade chegar. Faça o primeiro minuto de {value|seu hábito}: ela costuma aparecer depois que você começa.")),
        ]),
        t("tip-environment", &[M::HabitFormationTip], Supportive, any(), &[
            ("a",
                ("Make the start easy", "Leave what you need for {value|your habit} ready and in sight. The less friction at the start, the more often you'll begin."),
                ("Haz fácil el comienzo", "Deja lo que necesitas para {value|tu hábito} listo y a la vista. Cuanto menos cueste empezar, más a menudo empezarás."),
                ("Facilite o começo", "Deixe o que você precisa para {value|seu hábito} pronto e à vista. Quanto menos atrito no começo, mais vezes você começa.")),
            ("b",
                ("A plan for hard days", "Hard days happen. Pick the smallest version of {value|your habit} in advance: on those days, that's enough to keep it going."),
                ("Un plan para los días difíciles", "Los días difíciles llegan. Elige de antemano la versión mínima de {value|tu hábito}: en esos días, con eso basta para seguir."),
                ("Um plano para os dias difíceis", "Dias difíceis acontecem. Escolha antes a versão mínima de {value|seu hábito}: nesses dias, ela basta para manter o ritmo.")),
        ]),
        t("tip-challenging", &[M::HabitFormationTip], Challenging, any(), &[
            ("a",
                ("Never miss twice", "Missing once is an accident. Missing twice is the start of a new pattern. Make \"never two in a row\" your rule."),
                ("Nunca falles dos veces", "Fallar una vez es un accidente. Fallar dos es el inicio de un nuevo patrón. Haz de \"nunca dos seguidas\" tu regla."),
                ("Nunca falhe duas vezes", "Falhar uma vez é acidente. Falhar duas é o começo de um novo padrão. Faça de \"nunca duas seguidas\" a sua regra.")),
            ("b",
                ("Dare to go public", "Tell one person you're committing to {value|your habit} this week and ask them to check in. A promise to someone is hard to break."),
                ("Atrévete a hacerlo público", "Cuéntale a alguien que esta semana te comprometes con {value|tu hábito} y pídele que te pregunte. Una promesa a otra persona cuesta romperla."),
                ("Tenha coragem de contar", "Conte a alguém que você se comprometeu com {value|seu hábito} esta semana e peça para ela cobrar você. Promessa feita a alguém é difícil de quebrar.")),
        ]),
        t("tip-gentle", &[M::HabitFormationTip], Gentle, any(), &[
            ("a",
                ("Pair it with something nice", "Link {value|your habit} to something you enjoy: a favorite playlist, a warm drink. Pleasant habits are easier to keep."),
                ("Acompáñalo de algo agradable", "Combina {value|tu hábito} con algo que disfrutes: tu música favorita, una bebida caliente. Lo agradable se repite con más facilidad."),
                ("Junte com algo gostoso", "Combine {value|seu hábito} com algo de que você gosta: sua playlist favorita, uma bebida quentinha. O que é agradável se repete mais fácil.")),
            ("b",
                ("Go easy on yourself", "Habits are built by repetition, not by guilt. If a day slips, just pick up where you left off. No need to make up for it."),
                ("Trátate con cariño", "Los hábitos se construyen repitiendo, no con culpa. Si se te escapa un día, retoma donde lo dejaste. No hace falta compensar."),
                ("Pegue leve com você", "Hábitos se constroem com repetição, não com culpa. Se um dia escapar, é só retomar de onde parou. Não precisa compensar.")),
        ]),
        t("tip-anchor", &[M::HabitFormationTip], Wise, any(), &[
            ("a",
                ("Anchor it", "Tie {value|your habit} to something you already do daily: after coffee, after brushing your teeth."),
                ("Ánclalo", "Une {value|tu hábito} a algo que ya haces a diario: después del café, después de lavarte los dientes."),
                ("Ancore o hábito", "Ligue {value|seu hábito} a algo que você já faz todo dia: depois do café, depois de escovar os dentes.")),
            ("b",
                ("Think identity, not goals", "Instead of chasing a goal, ask: \"What would someone who practices every day do?\" Then do that, even briefly."),
                ("Piensa en identidad, no en metas", "En vez de perseguir una meta, pregúntate: \"¿Qué haría alguien que practica cada día?\" Y hazlo, aunque sea un poco."),
                ("Pense em identidade, não em metas", "Em vez de perseguir uma meta, pergunte: \"O que faria alguém que pratica todo dia?\" E faça isso, nem que seja um pouco.")),
        ]),
        t("tip-tiny-start", &[M::HabitFormationTip], Wise, segments(&[Segment::GettingStarted, Segment::StreakEnthusiast]), &[
            ("a",
                ("🌱 Start tiny", "A habit grows from a version so small you can't say no. Two minutes counts."),
                ("🌱 Empieza en pequeño", "Un hábito crece desde una versión tan pequeña que no puedes decirle que no. Dos minutos cuentan."),
                ("🌱 Comece pequeno", "Um hábito cresce a partir de uma versão tão pequena que você não consegue dizer não. Dois minutos contam.")),
            ("b",
                ("Frequency beats duration", "Habits form through repetition, not intensity. Five short sessions do more than one heroic one."),
                ("Más vale seguido que largo", "Los hábitos se forman repitiendo, no con intensidad. Cinco sesiones cortas hacen más que una heroica."),
                ("Frequência vence duração", "Hábitos se formam pela repetição, não pela intensidade. Cinco sessões curtas valem mais que uma heroica.")),
        ]),
        // Behavioral insights
        t("insight-encouraging", &[M::BehavioralInsight], Encouraging, any(), &[
            ("a",
                ("Your rhythm is showing, {name}.", "Most of your sessions happen around {best_time}. That kind of regularity is exactly how habits become automatic."),
                ("Tu ritmo se nota, {name}.", "La mayoría de tus sesiones son alrededor de las {best_time}. Esa regularidad es justo lo que vuelve automático un hábito."),
                ("Seu ritmo está aparecendo, {name}.", "A maioria das suas sessões acontece por volta das {best_time}. Essa regularidade é o que torna um hábito automático.")),
        ]),
        t("insight-motivational", &[M::BehavioralInsight], Motivational, any(), &[
            ("a",
                ("{best_time} is your power hour", "It's when you show up most. Protect that slot and build on it: that's where your momentum lives."),
                ("Las {best_time}, tu hora fuerte", "Es la hora en la que más cumples. Protege ese momento y construye a partir de él: ahí está tu impulso."),
                ("{best_time}: seu horário forte", "É quando você mais pratica. Proteja esse horário e construa a partir dele: é ali que mora o seu embalo.")),
        ]),
        t("insight-supportive", &[M::BehavioralInsight], Supportive, any(), &[
            ("a",
                ("What your pattern shows", "You choose {value|your habit} again and again, most often around {best_time}. That's real commitment, and we're right here with you."),
                ("Lo que muestra tu patrón", "Eliges {value|tu hábito} una y otra vez, casi siempre hacia las {best_time}. Eso es compromiso de verdad, y aquí estamos contigo."),
                ("O que seu padrão mostra", "Você escolhe {value|seu hábito} de novo e de novo, quase sempre perto das {best_time}. Isso é compromisso de verdade, e estamos com você.")),
        ]),
        t("insight-challenging", &[M::BehavioralInsight], Challenging, any(), &[
            ("a",
                ("Your pattern is solid. Now stretch it", "You have 14+ active days, mostly around {best_time}. Dare to keep that rhythm on your busiest days too."),
                ("Tu patrón es sólido. Ahora estíralo", "Ya sumas al menos 14 días de actividad, sobre todo hacia las {best_time}. Atrévete a mantener ese ritmo también en tus días más ocupados."),
                ("Seu padrão é sólido. Agora vá além", "Você já soma pelo menos 14 dias de atividade, quase sempre perto das {best_time}. Ouse manter esse ritmo também nos dias mais corridos.")),
        ]),
        t("insight-gentle", &[M::BehavioralInsight], Gentle, any(), &[
            ("a",
                ("A small observation", "You tend to make time for {value|your habit} around {best_time}. No pressure, just something worth knowing about yourself."),
                ("Una pequeña observación", "Sueles hacerle espacio a {value|tu hábito} hacia las {best_time}. Sin presión: solo algo que vale la pena saber de ti."),
                ("Uma pequena observação", "Você costuma abrir espaço para {value|seu hábito} perto das {best_time}. Sem pressão: só algo bom de saber sobre você.")),
        ]),
        t("insight-best-day", &[M::BehavioralInsight], Wise, any(), &[
            ("a",
                ("A pattern in your week", "You're most active around {best_time}. Habits thrive on stable cues, so planning around that time helps it stick."),
                ("Un patrón en tu semana", "Tu momento más activo es hacia las {best_time}. Los hábitos se apoyan en señales estables: planificar en torno a esa hora ayuda a fijarlo."),
                ("Um padrão na sua semana", "Seu horário mais ativo é por volta das {best_time}. Hábitos se apoiam em sinais estáveis: planejar em torno dele ajuda a fixar.")),
        ]),
        t("insight-strength", &[M::BehavioralInsight], Wise, premium(), &[
            ("a",
                ("Your habit is getting stronger", "On average, a habit takes about two months to feel automatic. Each active day moves you closer, so keep the rhythm."),
                ("Tu hábito se está fortaleciendo", "En promedio, un hábito tarda unos dos meses en volverse automático. Cada día activo te acerca, así que mantén el ritmo."),
                ("Seu hábito está ficando mais forte", "Em média, um hábito leva uns dois meses para ficar automático. Cada dia ativo deixa você mais perto, então mantenha o ritmo.")),
        ]),
        // Timing optimization
        t("timing-encouraging", &[M::TimingOptimization], Encouraging, any(), &[
            ("a",
                ("{best_time} works for you, {name}.", "It's when you follow through most often. Planning {value|your habit} for then is an easy win."),
                ("Las {best_time} te funcionan, {name}.", "Es la hora en la que más cumples. Planear {value|tu hábito} para ese momento es una victoria fácil."),
                ("{best_time} funciona para você, {name}.", "É o horário em que você mais cumpre. Planejar {value|seu hábito} para essa hora é uma vitória fácil.")),
        ]),
        t("timing-motivational", &[M::TimingOptimization], Motivational, any(), &[
            ("a",
                ("⏰ Set a {best_time} alarm", "That's your strongest hour. Put {value|your habit} in your calendar at {best_time} and let the alarm do the deciding."),
                ("⏰ Pon una alarma a las {best_time}", "Es tu hora más fuerte. Anota {value|tu hábito} en tu agenda a las {best_time} y deja que la alarma decida por ti."),
                ("⏰ Coloque um alarme para as {best_time}", "É o seu horário mais forte. Agende {value|seu hábito} para as {best_time} e deixe o alarme decidir por você.")),
        ]),
        t("timing-supportive", &[M::TimingOptimization], Supportive, any(), &[
            ("a",
                ("Work with your rhythm", "Around {best_time} is when things click for you. Putting {value|your habit} there takes less willpower and more ease."),
                ("Aprovecha tu ritmo", "Hacia las {best_time} las cosas te fluyen mejor. Poner {value|tu hábito} a esa hora pide menos fuerza de voluntad y da más calma."),
                ("Aproveite seu ritmo", "Perto das {best_time} as coisas fluem melhor para você. Colocar {value|seu hábito} nesse horário pede menos força de vontade.")),
        ]),
        t("timing-challenging", &[M::TimingOptimization], Challenging, any(), &[
            ("a",
                ("The {best_time} challenge", "Give {best_time} to {value|your habit}, every day this week. Same time, every time: see how much easier it gets."),
                ("El reto de las {best_time}", "Dedica las {best_time} a {value|tu hábito} cada día de esta semana. Misma hora, siempre: mira cuánto más fácil se vuelve."),
                ("O desafio das {best_time}", "Reserve as {best_time} para {value|seu hábito} todos os dias desta semana. Mesmo horário, sempre: veja como fica mais fácil.")),
        ]),
        t("timing-gentle", &[M::TimingOptimization], Gentle, any(), &[
            ("a",
                ("A time that seems to suit you", "Around {best_time} seems to suit you. If it fits, that could be a nice moment for {value|your habit}."),
                ("Una hora que parece irte bien", "Hacia las {best_time} sueles tener más espacio. Si te encaja, podría ser un buen momento para {value|tu hábito}."),
                ("Um horário que combina com você", "Perto das {best_time} costuma dar certo para você. Se couber, pode ser um bom momento para {value|seu hábito}.")),
        ]),
        t("timing-best-hour", &[M::TimingOptimization], Wise, any(), &[
            ("a",
                ("Your best time", "You follow through most often around {best_time}. A steady time becomes a cue, and cues do the remembering for you."),
                ("Tu mejor momento", "Cumples más a menudo hacia las {best_time}. Una hora fija se convierte en señal, y la señal recuerda por ti."),
                ("Seu melhor momento", "Você cumpre com mais frequência perto das {best_time}. Um horário fixo vira um gatilho, e o gatilho lembra por você.")),
        ]),
        // General wisdom
        t("wisdom-motivation", &[M::GeneralWisdom], Encouraging, any(), &[
            ("a",
                ("Remember why", "You've got a good reason. When it feels hard, come back to it: \"{motivation|Small steps add up to big changes}\""),
                ("Recuerda por qué", "Tienes una buena razón. Cuando cueste, vuelve a ella: \"{motivation|Los pasos pequeños suman cambios grandes}\""),
                ("Lembre o porquê", "Você tem um bom motivo. Quando ficar difícil, volte a ele: \"{motivation|Pequenos passos somam grandes mudanças}\"")),
        ]),
        t("wisdom-motivational", &[M::GeneralWisdom], Motivational, any(), &[
            ("a",
                ("Momentum is built, not found", "Nobody feels motivated every day. Showing up anyway is what turns {value|a habit} into part of who you are."),
                ("El impulso se construye", "Nadie tiene ganas todos los días. Hacerlo igual es lo que convierte {value|un hábito} en parte de quien eres."),
                ("Embalo se constrói", "Ninguém tem vontade todo dia. Fazer mesmo assim é o que transforma {value|um hábito} em parte de quem você é.")),
        ]),
        t("wisdom-supportive", &[M::GeneralWisdom], Supportive, any(), &[
            ("a",
                ("Progress isn't a straight line, {name}.", "Some weeks flow, some don't. Both are part of the process. What matters is that you keep coming back, and we're with you."),
                ("El progreso no es una línea recta, {name}.", "Hay semanas que fluyen y otras que no. Ambas son parte del proceso. Lo que importa es volver, y estamos contigo."),
                ("Progresso não é uma linha reta, {name}.", "Tem semana que flui, tem semana que não. As duas fazem parte do processo. O que importa é voltar, e estamos com você.")),
        ]),
        t("wisdom-challenging", &[M::GeneralWisdom], Challenging, any(), &[
            ("a",
                ("Raise the floor, not the ceiling", "Epic weeks don't build habits; steady ones do. What's the least you'll accept from yourself, every single day?"),
                ("Sube tu mínimo, no tu máximo", "Los hábitos no se construyen con semanas épicas, sino con semanas constantes. ¿Qué es lo mínimo que te exiges cada día?"),
                ("Suba o piso, não o teto", "Hábitos não se constroem com semanas épicas, e sim com semanas constantes. Qual é o mínimo que você se cobra todo santo dia?")),
        ]),
        t("wisdom-gentle", &[M::GeneralWisdom], Gentle, any(), &[
            ("a",
                ("Slow counts too, {name}.", "A habit doesn't need to be impressive to be real. Small and steady is still moving forward."),
                ("Lo lento también cuenta, {name}.", "Un hábito no necesita ser impresionante para ser real. Poco a poco también es avanzar."),
                ("Devagar também conta, {name}.", "Um hábito não precisa impressionar para ser de verdade. Devagar e sempre também é seguir em frente.")),
        ]),
        t("wisdom-identity", &[M::GeneralWisdom], Wise, any(), &[
            ("a",
                ("Who you're becoming", "Every action is a vote for the person you want to be. You don't need every vote, just the majority."),
                ("En quién te conviertes", "Cada acción es un voto por la persona que quieres ser. No necesitas unanimidad, solo mayoría."),
                ("Quem você está se tornando", "Cada ação é um voto na pessoa que você quer ser. Não precisa de unanimidade, só de maioria.")),
        ]),
    ]
}
