//! Delivery against the local stack: job-deliver through the host, SNS pushes counted in moto's
//! `/moto-api/data.json`. The scenarios run one at a time (each deliverer run delivers every
//! due message, so a concurrent scenario's message could be delivered by another's run).

use std::collections::HashMap;

use chrono::{Duration, Timelike, Utc};
use coach_tests::{call, env, invoke, push, seed_message, stores, unique_user};
use coaching::app::delivery::{Deliverer, Outcome};
use coaching::domain::messages::MessageStatus;
use coaching::domain::preferences::{MessageType, PreferencesInput};
use coaching::domain::user::UserId;
use serde_json::{json, Value};
use tokio::sync::Mutex;

static SERIAL: Mutex<()> = Mutex::const_new(());

/// Pushes moto recorded per endpoint ARN: message id → SNS message.
async fn pushes() -> HashMap<String, HashMap<String, String>> {
    let data: Value = reqwest::get(format!("{}/moto-api/data.json", env("COACH_MOTO_URL")))
        .await
        .expect("moto answers")
        .json()
        .await
        .expect("data.json");
    data["sns"]["PlatformEndpoint"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|e| {
            let messages = e["messages"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                        .collect()
                })
                .unwrap_or_default();
            (e["arn"].as_str().unwrap_or_default().to_owned(), messages)
        })
        .collect()
}

async fn pushes_to(arn: &str) -> HashMap<String, String> {
    pushes().await.remove(arn).unwrap_or_default()
}

/// A user with these preferences (as the app would PUT them).
async fn user_with(prefs: Value) -> UserId {
    let stores = stores().await;
    let user = UserId::parse(&unique_user("deliver")).expect("user id");
    let input: PreferencesInput = serde_json::from_value(prefs).expect("preferences input");
    let prefs = input.into_preferences().expect("valid preferences");
    stores
        .profiles
        .put_preferences(&user, prefs, 0, Utc::now())
        .await
        .expect("preferences stored");
    user
}

/// Registers a device through the API; returns its endpoint ARN.
async fn device(user: &UserId, id: &str, body: Value) -> String {
    let (status, resp) = call(
        "PUT",
        &format!("/coaching/devices/{id}"),
        user.as_str(),
        Some(body),
    )
    .await;
    assert!(status == 200 || status == 201, "{status} {resp}");
    stores()
        .await
        .profiles
        .device(user, id)
        .await
        .expect("device read")
        .expect("device stored")
        .endpoint_arn
}

fn apns(seed: &str) -> Value {
    let hex: String = format!(
        "{:0>64}",
        seed.bytes().map(|b| format!("{b:02x}")).collect::<String>()
    );
    json!({"platform": "apns", "token": &hex[hex.len() - 64..]})
}

/// A user without quiet hours, one phone, and a tip due now under `occurrence`: the user, the
/// phone's endpoint and the message.
async fn due_tip(
    s: &functions::Stores,
    occurrence: &str,
) -> (UserId, String, coaching::domain::messages::Message) {
    let user = user_with(json!({"quiet_hours": null})).await;
    let arn = device(&user, "phone", apns(&unique_user("tip"))).await;
    let m = seed_message(
        s,
        user.as_str(),
        occurrence,
        MessageType::HabitFormationTip,
        MessageStatus::Scheduled,
        0,
    )
    .await;
    (user, arn, m)
}

async fn deliver() -> Value {
    let (ok, out) = invoke("job-deliver", &json!({"job": "deliver"})).await;
    assert!(ok, "job-deliver failed: {out}");
    out
}

#[tokio::test]
async fn two_deliverers_at_once_send_each_message_once() {
    let _one = SERIAL.lock().await;
    let s = stores().await;
    let user = user_with(json!({"quiet_hours": null})).await;
    let arn = device(&user, "phone", apns(&unique_user("t"))).await;
    let mut ids = Vec::new();
    for i in 0..12 {
        let m = seed_message(
            &s,
            user.as_str(),
            &format!("tip:{i}"),
            MessageType::HabitFormationTip,
            MessageStatus::Scheduled,
            0,
        )
        .await;
        ids.push(m.id);
    }
    let (a, b) = tokio::join!(deliver(), deliver());
    let sent = a["sent"].as_u64().unwrap_or(0) + b["sent"].as_u64().unwrap_or(0);
    assert!(sent >= 12, "runs: {a} {b}");

    let pushed = pushes_to(&arn).await;
    assert_eq!(pushed.len(), 12, "one push per message");
    for id in &ids {
        let m = s
            .messages
            .get(&user, id)
            .await
            .expect("read")
            .expect("message");
        assert_eq!(m.status, MessageStatus::Sent);
        let delivery = m.delivery.expect("delivery recorded");
        assert_eq!(delivery.devices, 1);
        let sns_id = &delivery.sns_message_ids[0];
        let body: Value = serde_json::from_str(&pushed[sns_id]).expect("SNS JSON message");
        let apns: Value =
            serde_json::from_str(body["APNS"].as_str().expect("APNS body")).expect("APNS JSON");
        assert_eq!(apns["message_id"], json!(id));
        assert_eq!(
            apns["deep_link"],
            json!(format!("tug://coaching/messages/{id}"))
        );
        assert_eq!(apns["aps"]["alert"]["title"], json!(m.title));
        let fcm: Value =
            serde_json::from_str(body["GCM"].as_str().expect("GCM body")).expect("FCM JSON");
        assert_eq!(fcm["data"]["message_id"], json!(id));
    }
    // Nothing is left to send.
    let again = deliver().await;
    assert_eq!(pushes_to(&arn).await.len(), 12, "{again}");
}

#[tokio::test]
async fn a_dead_endpoint_disables_its_device_and_the_other_device_still_gets_the_push() {
    let _one = SERIAL.lock().await;
    let s = stores().await;
    let user = user_with(json!({"quiet_hours": null})).await;
    let dead = device(&user, "old-phone", apns(&unique_user("d"))).await;
    let fcm_token = format!(
        "{}:APA91b",
        uuid::Uuid::new_v4().simple().to_string().repeat(2)
    );
    let live = device(
        &user,
        "pixel",
        json!({"platform": "fcm", "token": fcm_token}),
    )
    .await;
    let sns = aws_sdk_sns::Client::new(&coaching::aws::sdk_config().await);
    sns.set_endpoint_attributes()
        .endpoint_arn(&dead)
        .attributes("Enabled", "false")
        .send()
        .await
        .expect("disable endpoint");

    let first = seed_message(
        &s,
        user.as_str(),
        "tip:a",
        MessageType::HabitFormationTip,
        MessageStatus::Scheduled,
        0,
    )
    .await;
    deliver().await;
    let m = s
        .messages
        .get(&user, &first.id)
        .await
        .expect("read")
        .expect("message");
    assert_eq!(m.status, MessageStatus::Sent);
    assert_eq!(m.delivery.expect("delivery").devices, 1);
    let old = s
        .profiles
        .device(&user, "old-phone")
        .await
        .expect("read")
        .expect("device");
    assert!(!old.enabled, "the dead endpoint's device is disabled");
    assert!(
        s.profiles
            .device(&user, "pixel")
            .await
            .expect("read")
            .expect("device")
            .enabled
    );

    // The disabled device is not tried again; the live one gets every message.
    seed_message(
        &s,
        user.as_str(),
        "tip:b",
        MessageType::HabitFormationTip,
        MessageStatus::Scheduled,
        0,
    )
    .await;
    deliver().await;
    assert_eq!(pushes_to(&dead).await.len(), 0);
    assert_eq!(pushes_to(&live).await.len(), 2);
}

#[tokio::test]
async fn a_user_whose_only_endpoint_died_gets_a_failed_message_not_a_retry() {
    let _one = SERIAL.lock().await;
    let s = stores().await;
    let user = user_with(json!({"quiet_hours": null})).await;
    let arn = device(&user, "phone", apns(&unique_user("x"))).await;
    let sns = aws_sdk_sns::Client::new(&coaching::aws::sdk_config().await);
    sns.delete_endpoint()
        .endpoint_arn(&arn)
        .send()
        .await
        .expect("delete endpoint");
    let m = seed_message(
        &s,
        user.as_str(),
        "tip:gone",
        MessageType::HabitFormationTip,
        MessageStatus::Scheduled,
        0,
    )
    .await;
    deliver().await;
    let m = s
        .messages
        .get(&user, &m.id)
        .await
        .expect("read")
        .expect("message");
    assert_eq!(m.status, MessageStatus::Failed);
    assert_eq!(
        m.delivery.and_then(|d| d.failure).as_deref(),
        Some("no_enabled_device")
    );
    assert!(
        !s.profiles
            .device(&user, "phone")
            .await
            .expect("read")
            .expect("device")
            .enabled
    );
    assert!(pushes_to(&arn).await.is_empty());
}

#[tokio::test]
async fn an_expired_message_is_never_sent() {
    let _one = SERIAL.lock().await;
    let s = stores().await;
    let user = user_with(json!({"quiet_hours": null})).await;
    let arn = device(&user, "phone", apns(&unique_user("e"))).await;
    // Planned 8 hours ago, expiring 6 hours after its send time.
    let m = seed_message(
        &s,
        user.as_str(),
        "risk:old",
        MessageType::RiskWarning,
        MessageStatus::Scheduled,
        8,
    )
    .await;
    deliver().await;
    let m = s
        .messages
        .get(&user, &m.id)
        .await
        .expect("read")
        .expect("message");
    assert_eq!(m.status, MessageStatus::Expired);
    assert_eq!(
        m.delivery.and_then(|d| d.failure).as_deref(),
        Some("expired")
    );
    assert!(pushes_to(&arn).await.is_empty());
}

#[tokio::test]
async fn a_risk_warning_for_a_day_already_done_is_dropped_not_pushed() {
    let _one = SERIAL.lock().await;
    let s = stores().await;
    let user = user_with(json!({"quiet_hours": null})).await;
    let arn = device(&user, "phone", apns(&unique_user("r"))).await;
    let mut summary = coaching::engine::summary::BehaviourSummary::default();
    summary.apply(
        &coaching::domain::events::ActivityEvent {
            activity_id: "done-today".into(),
            user_id: user.as_str().into(),
            value_id: "health".into(),
            value_name: None,
            minutes: 20,
            occurred_at: Utc::now(),
        },
        chrono_tz::UTC,
    );
    assert!(s
        .profiles
        .put_summary(&user, &summary, 0)
        .await
        .expect("summary stored"));
    let risk = seed_message(
        &s,
        user.as_str(),
        "risk:today",
        MessageType::RiskWarning,
        MessageStatus::Scheduled,
        0,
    )
    .await;
    let tip = seed_message(
        &s,
        user.as_str(),
        "tip:today",
        MessageType::HabitFormationTip,
        MessageStatus::Scheduled,
        0,
    )
    .await;
    deliver().await;
    let get = |id: String| coach_tests::stored_message(&s, &user, id);
    let risk = get(risk.id).await;
    assert_eq!(risk.status, MessageStatus::Expired);
    assert_eq!(
        risk.delivery.and_then(|d| d.failure).as_deref(),
        Some("no_longer_relevant")
    );
    assert_eq!(
        get(tip.id).await.status,
        MessageStatus::Sent,
        "others still go"
    );
    assert_eq!(pushes_to(&arn).await.len(), 1, "only the tip was pushed");
}

#[tokio::test]
async fn quiet_hours_set_after_planning_hold_the_message_until_they_end() {
    let _one = SERIAL.lock().await;
    let s = stores().await;
    let (user, arn, m) = due_tip(&s, "tip:quiet").await;

    // The user now sets quiet hours covering the present (UTC): from an hour ago to 3 h on.
    let hour = Utc::now().hour();
    let input: PreferencesInput = serde_json::from_value(json!({
        "quiet_hours": {"start": format!("{:02}:00", (hour + 23) % 24), "end": format!("{:02}:00", (hour + 3) % 24)}
    }))
    .expect("input");
    s.profiles
        .put_preferences(
            &user,
            input.into_preferences().expect("valid"),
            1,
            Utc::now(),
        )
        .await
        .expect("preferences updated");
    deliver().await;

    let after = s
        .messages
        .get(&user, &m.id)
        .await
        .expect("read")
        .expect("message");
    assert_eq!(after.status, MessageStatus::Scheduled);
    let quiet_end = (Utc::now() + Duration::hours(3))
        .with_minute(0)
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .expect("time");
    assert_eq!(
        after.send_at, quiet_end,
        "moved to the end of the quiet hours"
    );
    assert!(pushes_to(&arn).await.is_empty());
}

#[tokio::test]
async fn sends_reads_actions_and_feedback_reach_the_daily_report() {
    let _one = SERIAL.lock().await;
    let s = stores().await;
    let (user, _arn, m) = due_tip(&s, "tip:report").await;
    deliver().await;
    for action in ["read", "acted"] {
        let (status, body) = call(
            "POST",
            &format!("/coaching/messages/{}/interact", m.id),
            user.as_str(),
            Some(json!({"action": action})),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = call(
        "POST",
        &format!("/coaching/messages/{}/feedback", m.id),
        user.as_str(),
        Some(json!({"rating": 4, "helpful": true})),
    )
    .await;
    assert_eq!(status, 201, "{body}");

    let date = m.send_at.date_naive().to_string();
    let (ok, report) = invoke("admin-analytics", &json!({"date": date, "recompute": true})).await;
    assert!(ok, "{report}");
    let v = &report["by_variant"][format!("{}#{}", m.template_id, m.variant_id)];
    assert_eq!(v["sent"], 1, "{report}");
    assert_eq!(v["read"], 1);
    assert_eq!(v["acted"], 1);
    assert_eq!(v["read_rate"], 1.0);
    assert_eq!(v["action_rate"], 1.0);
    assert!(
        v["mean_seconds_to_read"].as_f64().is_some_and(|s| s >= 0.0),
        "{v}"
    );
    assert_eq!(v["satisfaction"], 4.0);
    assert_eq!(v["helpful_share"], 1.0);
    assert!(
        report["by_type"]["habit_formation_tip"]["sent"]
            .as_u64()
            .unwrap_or(0)
            >= 1
    );
}

#[tokio::test]
async fn a_stuck_claim_is_put_back_when_nothing_went_out_and_then_sent_once() {
    let _one = SERIAL.lock().await;
    let s = stores().await;
    let (user, arn, m) = due_tip(&s, "tip:stuck").await;
    // A deliverer claimed it an hour ago and died before pushing anything.
    let claimed = s
        .messages
        .claim(&user, &m.id, Utc::now() - Duration::hours(1), 300)
        .await
        .expect("claim");
    assert!(claimed.is_some());
    deliver().await;
    assert!(
        pushes_to(&arn).await.is_empty(),
        "a claimed message is not resent blindly by the deliverer"
    );
    let (ok, health) = invoke("admin-system-health", &json!({})).await;
    assert!(ok, "{health}");
    assert!(
        health["recovered"]["requeued"].as_u64().unwrap_or(0) >= 1,
        "{health}"
    );
    let back = s
        .messages
        .get(&user, &m.id)
        .await
        .expect("read")
        .expect("message");
    assert_eq!(
        back.status,
        MessageStatus::Scheduled,
        "no push was recorded: put back"
    );
    deliver().await;
    assert_eq!(pushes_to(&arn).await.len(), 1, "then sent exactly once");
    let (ok, again) = invoke("admin-system-health", &json!({})).await;
    assert!(ok, "{again}");
    assert!(
        !again["stuck_message_ids"].to_string().contains(&m.id),
        "{again}"
    );
}

#[tokio::test]
async fn a_stuck_claim_with_a_push_recorded_is_sent_unconfirmed_not_resent() {
    let _one = SERIAL.lock().await;
    let s = stores().await;
    let (user, arn, m) = due_tip(&s, "tip:pushed").await;
    // A deliverer claimed it, SNS took the push, and it died before recording the end.
    s.messages
        .claim(&user, &m.id, Utc::now() - Duration::hours(1), 300)
        .await
        .expect("claim")
        .expect("claimed");
    s.messages
        .note_push(&user, &m.id, "sns-1")
        .await
        .expect("noted");
    let (ok, health) = invoke("admin-system-health", &json!({})).await;
    assert!(ok, "{health}");
    assert!(
        health["recovered"]["sent_unconfirmed"]
            .as_u64()
            .unwrap_or(0)
            >= 1,
        "{health}"
    );
    let done = s
        .messages
        .get(&user, &m.id)
        .await
        .expect("read")
        .expect("message");
    assert_eq!(done.status, MessageStatus::Sent);
    let delivery = done.delivery.expect("delivery");
    assert!(delivery.unconfirmed);
    assert_eq!(delivery.sns_message_ids, ["sns-1"]);
    deliver().await;
    assert!(pushes_to(&arn).await.is_empty(), "not pushed again");
}

/// SNS as seen from a deliverer whose network to it is down: every call fails without an
/// answer, as an outage does.
async fn unreachable_push() -> coaching::aws::sns::Push {
    let sdk = coaching::aws::sdk_config().await;
    let conf = aws_sdk_sns::config::Builder::from(&sdk)
        .endpoint_url("http://127.0.0.1:9")
        .build();
    coaching::aws::sns::Push::new(
        aws_sdk_sns::Client::from_conf(conf),
        coaching::aws::sns::PlatformApps {
            apns: env("APNS_PLATFORM_APPLICATION_ARN"),
            fcm: env("FCM_PLATFORM_APPLICATION_ARN"),
        },
    )
}

#[tokio::test]
async fn a_push_outage_loses_nothing_the_message_is_retried_and_sent_once() {
    let _one = SERIAL.lock().await;
    let s = stores().await;
    let (user, arn, m) = due_tip(&s, "tip:outage").await;
    let key = coaching::aws::dynamo::DueKey {
        user: user.clone(),
        id: m.id.clone(),
    };
    let down = unreachable_push().await;
    let deliverer = |push, clock| Deliverer {
        profiles: &s.profiles,
        messages: &s.messages,
        push,
        bus: None,
        clock,
    };
    let (outcome, _) = deliverer(&down, None).deliver(&key).await.expect("deliver");
    let Outcome::Retrying { until } = outcome else {
        panic!("an outage is retried, not failed: {outcome:?}");
    };
    let back = s
        .messages
        .get(&user, &m.id)
        .await
        .expect("read")
        .expect("message");
    assert_eq!(back.status, MessageStatus::Scheduled);
    assert_eq!(back.push_attempts, 1);
    // Still down at the next try: back again, later.
    let (outcome, _) = deliverer(&down, Some(until + Duration::seconds(1)))
        .deliver(&key)
        .await
        .expect("deliver");
    let Outcome::Retrying { until: later } = outcome else {
        panic!("{outcome:?}");
    };
    assert!(later - until > Duration::minutes(5), "backing off");
    // SNS is back: sent, once.
    let up = push().await;
    let run = deliverer(&up, Some(later + Duration::seconds(1)))
        .run(std::time::Instant::now() + std::time::Duration::from_secs(60))
        .await
        .expect("run");
    assert!(run.sent >= 1, "{run:?}");
    let sent = s
        .messages
        .get(&user, &m.id)
        .await
        .expect("read")
        .expect("message");
    assert_eq!(sent.status, MessageStatus::Sent);
    assert_eq!(pushes_to(&arn).await.len(), 1, "sent exactly once");
}

#[tokio::test]
async fn a_push_outage_past_the_messages_expiry_fails_it() {
    let _one = SERIAL.lock().await;
    let s = stores().await;
    let (user, _arn, m) = due_tip(&s, "tip:expiring").await;
    let down = unreachable_push().await;
    let near_expiry = m.expires_at - Duration::minutes(1);
    let d = Deliverer {
        profiles: &s.profiles,
        messages: &s.messages,
        push: &down,
        bus: None,
        clock: Some(near_expiry),
    };
    let key = coaching::aws::dynamo::DueKey {
        user: user.clone(),
        id: m.id.clone(),
    };
    let (outcome, _) = d.deliver(&key).await.expect("deliver");
    assert_eq!(
        outcome,
        Outcome::Failed {
            reason: "push_unavailable"
        }
    );
}

#[tokio::test]
async fn health_answers_while_sqs_is_down() {
    let s = stores().await;
    let sdk = coaching::aws::sdk_config().await;
    let conf = aws_sdk_sqs::config::Builder::from(&sdk)
        .endpoint_url("http://127.0.0.1:9")
        .build();
    let down = coaching::aws::sqs::WorkQueue::new(
        aws_sdk_sqs::Client::from_conf(conf),
        "http://127.0.0.1:9/000000000000/dead-letters",
    );
    let report =
        coaching::app::health::check(&s.messages, &[("activity".into(), down)], Utc::now())
            .await
            .expect("a report, SQS or not");
    assert_eq!(report.dead_letters_unread, ["activity"]);
    assert_eq!(report.status, "degraded");
    assert!(report
        .problems
        .iter()
        .any(|p| p.contains("could not be read")));
}
