//! `MessageScheduled` comes from the messages table's stream through the template's pipe
//! (played by the local host): one event per message stored as scheduled, with the message's
//! fields; none for a message stored in another status or for a later update.

use std::time::{Duration, Instant};

use coach_tests::{env, seed_message, stores, unique_user};
use coaching::domain::messages::MessageStatus;
use coaching::domain::preferences::MessageType;
use serde_json::{json, Value};

/// A queue receiving the bus's `MessageScheduled` events of `user` (a rule of this test's own).
async fn listen(user: &str) -> (aws_sdk_sqs::Client, String) {
    let config = coaching::aws::sdk_config().await;
    let sqs = aws_sdk_sqs::Client::new(&config);
    let events = aws_sdk_eventbridge::Client::new(&config);
    let name = format!("scheduled-{}", uuid::Uuid::new_v4().simple());
    let url = sqs
        .create_queue()
        .queue_name(&name)
        .send()
        .await
        .expect("queue")
        .queue_url
        .unwrap_or_default();
    let arn = format!("arn:aws:sqs:us-east-1:123456789012:{name}");
    let bus = env("EVENT_BUS_NAME");
    events
        .put_rule()
        .name(&name)
        .event_bus_name(&bus)
        .event_pattern(
            json!({"source": ["tug.coach"], "detail-type": ["MessageScheduled"],
                   "detail": {"user_id": [user]}})
            .to_string(),
        )
        .send()
        .await
        .expect("rule");
    events
        .put_targets()
        .rule(&name)
        .event_bus_name(&bus)
        .targets(
            aws_sdk_eventbridge::types::Target::builder()
                .id("q")
                .arn(arn)
                .build()
                .expect("target"),
        )
        .send()
        .await
        .expect("target");
    (sqs, url)
}

/// The event details received within `wait`.
async fn received(sqs: &aws_sdk_sqs::Client, url: &str, wait: Duration) -> Vec<Value> {
    let started = Instant::now();
    let mut out = Vec::new();
    while started.elapsed() < wait {
        let got = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .expect("receive");
        for m in got.messages() {
            let body: Value = serde_json::from_str(m.body().unwrap_or_default()).expect("event");
            out.push(body["detail"].clone());
            sqs.delete_message()
                .queue_url(url)
                .receipt_handle(m.receipt_handle().unwrap_or_default())
                .send()
                .await
                .expect("delete");
        }
    }
    out
}

#[tokio::test]
async fn each_message_stored_as_scheduled_is_announced_once_from_the_stream() {
    let s = stores().await;
    let user = unique_user("piped");
    let (sqs, url) = listen(&user).await;
    let scheduled = seed_message(
        &s,
        &user,
        "piped:1",
        MessageType::MorningMotivation,
        MessageStatus::Scheduled,
        -2,
    )
    .await;
    // Stored as already sent (a celebration delivered at once): not announced as scheduled.
    seed_message(
        &s,
        &user,
        "piped:2",
        MessageType::GeneralWisdom,
        MessageStatus::Sent,
        1,
    )
    .await;
    let mut got = Vec::new();
    let started = Instant::now();
    while got.is_empty() && started.elapsed() < Duration::from_secs(30) {
        got = received(&sqs, &url, Duration::from_secs(2)).await;
    }
    assert_eq!(
        got,
        vec![json!({
            "user_id": user,
            "message_id": scheduled.id,
            "occurrence": "piped:1",
            "message_type": "morning_motivation",
            "template_id": scheduled.template_id,
            "variant_id": "a",
            "send_at": serde_json::to_value(scheduled.send_at).expect("time"),
        })]
    );
    // Writing it again changed, still scheduled, is an update, and removing it a removal:
    // neither announces it again.
    let uid = coaching::domain::user::UserId::parse(&user).expect("user");
    let mut changed = scheduled.clone();
    changed.title = "Keep going, changed".into();
    s.messages
        .put_new(&[(uid.clone(), changed)])
        .await
        .expect("rewrite");
    s.messages
        .delete_messages(&[(uid, scheduled.id.clone())])
        .await
        .expect("delete");
    assert_eq!(
        received(&sqs, &url, Duration::from_secs(4)).await,
        Vec::<Value>::new()
    );
}
