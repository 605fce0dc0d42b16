//! The message ledger (profile partition) stays what the engine would read from the messages
//! themselves, through every write that changes a message, a generation that reads the
//! history of a user without a ledger, and a generation that stopped between its message
//! writes and its ledger writes. Its own test binary: the worker plans every user in the table.

use chrono::{Duration, Utc};
use coach_tests::{jobs, quiet_now_preferences, seed_message, segment_worker, unique_user};
use coaching::app::generation::{plan_seed, Generator, SegmentRun};
use coaching::aws::dynamo::messages::MAX_MESSAGES_READ;
use coaching::domain::events::GenerateSegment;
use coaching::domain::messages::{interact, Delivery, Interaction, MessageStatus};
use coaching::domain::preferences::MessageType;
use coaching::domain::user::UserId;
use coaching::engine::history::HistoryEntry;

/// The tests here run one at a time: a pass writes a user's messages a moment before their
/// ledger entries, and would be seen in between by the other test's comparisons.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// What the engine reads of the user's messages, from the messages table.
async fn history(s: &functions::Stores, user: &UserId) -> Vec<HistoryEntry> {
    s.messages
        .recent(user, None, MAX_MESSAGES_READ)
        .await
        .expect("history")
        .iter()
        .map(HistoryEntry::of)
        .collect()
}

/// The user's ledger as the profile read returns it (`None`: not complete).
async fn ledger(s: &functions::Stores, user: &UserId) -> Option<Vec<HistoryEntry>> {
    s.profiles
        .profile_with_ledger(user)
        .await
        .expect("profile")
        .ledger
}

async fn assert_same(s: &functions::Stores, user: &UserId, after: &str) {
    let from_messages = history(s, user).await;
    assert_eq!(
        ledger(s, user).await.as_deref(),
        Some(from_messages.as_slice()),
        "after {after}"
    );
}

#[tokio::test]
async fn every_write_that_changes_a_message_changes_its_ledger_entry() {
    let _one = SERIAL.lock().await;
    let j = jobs().await;
    let s = &j.stores;
    let user = UserId::parse(&unique_user("ledger-writes")).expect("user");
    s.messages
        .write_ledger(&[], &[], std::slice::from_ref(&user))
        .await
        .expect("marker");
    assert_same(s, &user, "the marker alone").await;

    let ty = MessageType::GeneralWisdom;
    let to_send = seed_message(s, user.as_str(), "l:send", ty, MessageStatus::Scheduled, 1).await;
    let to_fail = seed_message(s, user.as_str(), "l:fail", ty, MessageStatus::Scheduled, 1).await;
    let to_drop = seed_message(s, user.as_str(), "l:drop", ty, MessageStatus::Scheduled, 1).await;
    let to_move = seed_message(s, user.as_str(), "l:move", ty, MessageStatus::Scheduled, 1).await;
    let to_delete = seed_message(
        s,
        user.as_str(),
        "l:delete",
        ty,
        MessageStatus::Scheduled,
        1,
    )
    .await;
    assert_same(s, &user, "creates").await;

    let now = Utc::now();
    let claimed = claim(s, &user, &to_send.id, now).await;
    assert_same(s, &user, "a claim (still scheduled to the engine)").await;
    let sent = Delivery {
        devices: 1,
        sns_message_ids: vec!["sns-1".into()],
        ..Delivery::default()
    };
    assert!(s
        .messages
        .finish_delivery(&user, &claimed, &sent, now)
        .await
        .expect("finish"));
    assert_same(s, &user, "a send").await;

    let claimed = claim(s, &user, &to_fail.id, now).await;
    assert!(s
        .messages
        .finish_delivery(&user, &claimed, &Delivery::default(), now)
        .await
        .expect("finish"));
    assert_same(s, &user, "a failed send").await;

    assert!(s
        .messages
        .drop_unsent(&user, &to_drop, "expired")
        .await
        .expect("drop"));
    assert_same(s, &user, "a drop").await;

    assert!(s
        .messages
        .reschedule(&user, &to_move, now + Duration::hours(3))
        .await
        .expect("reschedule"));
    assert_same(s, &user, "a reschedule").await;

    let delivered = s
        .messages
        .get(&user, &to_send.id)
        .await
        .expect("get")
        .expect("stored");
    for action in [Interaction::Read, Interaction::Acted] {
        let m = s
            .messages
            .get(&user, &to_send.id)
            .await
            .expect("get")
            .expect("stored");
        let change = interact(&m, action, Utc::now())
            .expect("delivered")
            .expect("a change");
        assert!(s
            .messages
            .apply_interaction(&user, &m, &change)
            .await
            .expect("interaction"));
        assert_same(s, &user, &format!("{action:?}")).await;
    }
    assert!(s
        .messages
        .mark_rewarded(&user, &delivered, Utc::now())
        .await
        .expect("reward"));
    assert_same(s, &user, "a reward").await;

    s.messages
        .delete_messages(&[(user.clone(), to_delete.id.clone())])
        .await
        .expect("delete");
    assert_same(s, &user, "a deletion").await;
    // (A generation pass of the other test may have planned for this user since.)
    let left: Vec<String> = history(s, &user)
        .await
        .into_iter()
        .map(|h| h.occurrence)
        .filter(|o| o.starts_with("l:"))
        .collect();
    assert_eq!(left.len(), 4, "{left:?}");
}

/// Claims the user's message `id` for sending at `now` (as a deliverer does first).
async fn claim(
    s: &functions::Stores,
    user: &UserId,
    id: &str,
    now: chrono::DateTime<Utc>,
) -> coaching::domain::messages::Message {
    s.messages
        .claim(user, id, now, 60)
        .await
        .expect("claim")
        .expect("claimed")
}

/// A new user with preferences (quiet hours now: nothing planned for them is due during the
/// test).
async fn user_with_preferences(s: &functions::Stores, prefix: &str) -> UserId {
    let user = UserId::parse(&unique_user(prefix)).expect("user");
    s.profiles
        .put_preferences(
            &user,
            quiet_now_preferences(chrono_tz::Asia::Tokyo),
            0,
            Utc::now(),
        )
        .await
        .expect("prefs");
    user
}

/// One worker pass over the whole table at `as_of` (pinned, so a second pass plans as the
/// first did).
async fn pass(j: &functions::Jobs, generator: &Generator, as_of: chrono::DateTime<Utc>) {
    let worker = segment_worker(j, generator);
    let work = GenerateSegment {
        run_id: unique_user("ledger-run"),
        as_of,
        segment: 0,
        total_segments: 1,
        start: None,
        pinned: true,
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(600);
    match worker.run(&work, deadline).await.expect("worker") {
        SegmentRun::Worked { next: None, .. } => {}
        other => panic!("the pass did not finish: {other:?}"),
    }
}

#[tokio::test]
async fn generation_writes_the_ledger_from_the_history_and_repairs_an_interrupted_write() {
    let _one = SERIAL.lock().await;
    let j = jobs().await;
    let s = &j.stores;
    let generator = Generator::default();

    // A user with messages from before the ledger: stored without entries, and one with a
    // partial entry (a send recorded before the entry existed).
    let old = user_with_preferences(s, "ledger-old").await;
    let client = aws_sdk_dynamodb::Client::new(&coaching::aws::sdk_config().await);
    let mut seeded = Vec::new();
    for (k, status) in [MessageStatus::Sent, MessageStatus::Scheduled]
        .into_iter()
        .enumerate()
    {
        let m = seed_message(
            s,
            old.as_str(),
            &format!("old:{k}"),
            MessageType::GeneralWisdom,
            status,
            30 - k as i64,
        )
        .await;
        seeded.push(m);
    }
    // Take their entries away again: what a user from before the ledger has.
    let profiles_table = coach_tests::env("PROFILES_TABLE");
    for m in &seeded {
        client
            .delete_item()
            .table_name(&profiles_table)
            .key(
                "pk",
                aws_sdk_dynamodb::types::AttributeValue::S(format!("USER#{}", old.as_str())),
            )
            .key(
                "sk",
                aws_sdk_dynamodb::types::AttributeValue::S(format!("~LEDGER#{}", m.id)),
            )
            .send()
            .await
            .expect("delete entry");
    }
    // A send recorded since: its transaction leaves a partial entry (the status alone), which
    // the pass must complete without undoing.
    let claimed = claim(s, &old, &seeded[1].id, Utc::now()).await;
    let sent = Delivery {
        devices: 1,
        sns_message_ids: vec!["sns-old".into()],
        ..Delivery::default()
    };
    assert!(s
        .messages
        .finish_delivery(&old, &claimed, &sent, Utc::now())
        .await
        .expect("finish"));
    assert_eq!(ledger(s, &old).await, None, "no ledger yet");

    let as_of = Utc::now();
    pass(&j, &generator, as_of).await;
    assert_same(s, &old, "the pass that read the history").await;
    let planned = history(s, &old).await.len();
    assert!(planned > seeded.len(), "the pass planned something new");

    // A user with a complete ledger whose last pass stopped after writing its messages and
    // before their entries: the messages are stored, the ledger does not know them.
    let cut = user_with_preferences(s, "ledger-cut").await;
    s.messages
        .write_ledger(&[], &[], std::slice::from_ref(&cut))
        .await
        .expect("marker");
    let as_of = as_of + Duration::minutes(1);
    let profile = s.profiles.profile_with_ledger(&cut).await.expect("profile");
    let stats = s
        .messages
        .variant_stats(&generator.variant_pairs())
        .await
        .expect("stats");
    let plan = generator.plan_entries(
        &cut,
        &profile,
        profile.ledger.as_deref().unwrap_or_default(),
        &stats,
        as_of,
        plan_seed(cut.as_str(), as_of),
    );
    assert!(!plan.messages.is_empty(), "the user has something planned");
    let written: Vec<_> = plan
        .messages
        .iter()
        .map(|p| (cut.clone(), p.scheduled(as_of)))
        .collect();
    s.messages.put_new(&written).await.expect("messages only");
    assert_eq!(
        ledger(s, &cut).await,
        Some(Vec::new()),
        "the cut left no entries"
    );

    // The retry plans the same ids, finds them stored and writes their entries.
    pass(&j, &generator, as_of).await;
    assert_same(s, &cut, "the retried pass").await;
    assert_eq!(history(s, &cut).await.len(), written.len());
}

#[tokio::test]
async fn a_migration_writes_no_entry_for_a_message_deleted_since_it_read_the_history() {
    let _one = SERIAL.lock().await;
    let j = jobs().await;
    let s = &j.stores;
    let user = user_with_preferences(s, "ledger-race").await;
    let mut seeded = Vec::new();
    for k in 0..2 {
        let m = seed_message(
            s,
            user.as_str(),
            &format!("race:{k}"),
            MessageType::GeneralWisdom,
            MessageStatus::Sent,
            40 - k,
        )
        .await;
        seeded.push(m);
    }
    // The pass reads the history of a user without a ledger (their entries forgotten, as
    // before the ledger) ...
    let ids: Vec<(UserId, String)> = seeded
        .iter()
        .map(|m| (user.clone(), m.id.clone()))
        .collect();
    s.messages.forget_ledger(&ids, &[]).await.expect("forget");
    let read = s
        .messages
        .recent(&user, None, MAX_MESSAGES_READ)
        .await
        .expect("history");
    assert_eq!(read.len(), 2);
    // ... a cleanup deletes one of the messages (and its entry) ...
    s.messages
        .delete_messages(&ids[..1])
        .await
        .expect("cleanup's delete");
    // ... and the pass writes the ledger from what it read: no entry comes back for the
    // deleted message.
    let stored: Vec<(UserId, &coaching::domain::messages::Message)> =
        read.iter().map(|m| (user.clone(), m)).collect();
    s.messages
        .write_ledger(&[], &stored, std::slice::from_ref(&user))
        .await
        .expect("ledger");
    assert_same(s, &user, "the migration that raced a cleanup").await;
    assert_eq!(ledger(s, &user).await.map(|l| l.len()), Some(1));
}

/// The requests `function` made between two reports of the IAM proxy, by operation.
fn made_by(
    function: &str,
    before: &coach_tests::ProxiedRequests,
    after: &coach_tests::ProxiedRequests,
) -> std::collections::BTreeMap<String, u64> {
    let was = before.get(function).cloned().unwrap_or_default();
    after
        .get(function)
        .into_iter()
        .flatten()
        .map(|(op, n)| (op.clone(), n - was.get(op).copied().unwrap_or(0)))
        .collect()
}

#[tokio::test]
async fn an_activity_finds_the_pushes_it_rewards_in_the_ledger_without_reading_the_history() {
    use coaching::engine::plan::message_id;
    let _one = SERIAL.lock().await;
    let j = jobs().await;
    let s = &j.stores;
    // Two users with the same pushes, one with a complete ledger and one without.
    let with = UserId::parse(&unique_user("reward-ledger")).expect("user");
    let without = UserId::parse(&unique_user("reward-history")).expect("user");
    s.messages
        .write_ledger(&[], &[], std::slice::from_ref(&with))
        .await
        .expect("marker");
    let ty = MessageType::HabitFormationTip;
    for u in [&with, &without] {
        seed_message(s, u.as_str(), "tip:recent", ty, MessageStatus::Sent, 1).await;
        seed_message(s, u.as_str(), "tip:old", ty, MessageStatus::Read, 3).await;
    }
    let mut made = Vec::new();
    for u in [&with, &without] {
        let mut event = coach_tests::fixture("events-activity-logged");
        event["detail"]["user_id"] = serde_json::json!(u.as_str());
        event["detail"]["activity_id"] = serde_json::json!("after-push");
        event["detail"]["occurred_at"] = serde_json::json!(Utc::now().to_rfc3339());
        let before = coach_tests::proxied_requests().await;
        let (ok, answer) = coach_tests::invoke("events-activity-logged", &event).await;
        assert!(ok, "{answer}");
        assert_eq!(
            answer["rewarded"],
            serde_json::json!([message_id(u.as_str(), "tip:recent")]),
            "{answer}"
        );
        let after = coach_tests::proxied_requests().await;
        made.push(made_by("events-activity-logged", &before, &after));
    }
    println!("requests of one activity, with a ledger and without: {made:?}");
    let count = |i: usize, op: &str| made[i].get(op).copied().unwrap_or(0);
    assert_eq!(
        count(0, "dynamodb:Query") + 1,
        count(1, "dynamodb:Query"),
        "the ledger's user costs no history Query: {made:?}"
    );
    assert_eq!(
        count(0, "dynamodb:GetItem"),
        count(1, "dynamodb:GetItem") + 1,
        "only the rewarded push's message is read: {made:?}"
    );
    // The reward reached the message and its ledger entry alike.
    assert_same(s, &with, "a reward found in the ledger").await;
}
