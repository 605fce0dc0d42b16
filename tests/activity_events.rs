//! `ActivityLogged` events: through the bus (moto rule → tap queue → the host's feeder →
//! events-activity-logged) and by direct invocation with the same event shape.

use std::time::{Duration, Instant};

use chrono::Utc;
use coach_tests::{call, env, fixture, invoke, stores, unique_user};
use coaching::domain::preferences::PreferencesInput;
use coaching::domain::user::UserId;
use serde_json::{json, Value};

fn activity(user: &UserId, id: &str, hours_ago: i64) -> Value {
    let mut e = fixture("events-activity-logged");
    e["detail"]["user_id"] = json!(user.as_str());
    e["detail"]["activity_id"] = json!(id);
    e["detail"]["occurred_at"] =
        json!((Utc::now() - chrono::Duration::hours(hours_ago)).to_rfc3339());
    e
}

/// Puts an `ActivityLogged` event on the bus as the app's backend does.
async fn put_on_bus(event: &Value) {
    let bridge = aws_sdk_eventbridge::Client::new(&coaching::aws::sdk_config().await);
    let out = bridge
        .put_events()
        .entries(
            aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
                .event_bus_name(env("EVENT_BUS_NAME"))
                .source("tug.app")
                .detail_type("ActivityLogged")
                .detail(event["detail"].to_string())
                .build(),
        )
        .send()
        .await
        .expect("PutEvents");
    assert_eq!(out.failed_entry_count, 0);
}

async fn total_activities(user: &UserId) -> u64 {
    stores()
        .await
        .profiles
        .profile(user)
        .await
        .expect("profile")
        .summary
        .map_or(0, |s| s.summary.total_activities)
}

#[tokio::test]
async fn an_event_on_the_bus_is_counted_once() {
    let user = UserId::parse(&unique_user("activity")).expect("user");
    let event = activity(&user, "act-1", 1);
    put_on_bus(&event).await;
    let started = Instant::now();
    while total_activities(&user).await == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the event never arrived"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The same event again (a redelivery) changes nothing.
    let (ok, answer) = invoke("events-activity-logged", &event).await;
    assert!(ok, "{answer}");
    assert_eq!(answer["applied"], "duplicate");
    assert_eq!(total_activities(&user).await, 1);
}

#[tokio::test]
async fn a_malformed_event_fails_with_the_fields_named_and_changes_nothing() {
    let user = UserId::parse(&unique_user("activity")).expect("user");
    let mut event = activity(&user, "", 1);
    event["detail"]["minutes"] = json!(100_000);
    let (ok, answer) = invoke("events-activity-logged", &event).await;
    assert!(!ok);
    let message = answer["errorMessage"].as_str().unwrap_or_default();
    assert!(
        message.contains("activity_id") && message.contains("minutes"),
        "{answer}"
    );
    let (ok, answer) = invoke("events-activity-logged", &json!({"detail": "nope"})).await;
    assert!(!ok, "{answer}");
    assert_eq!(total_activities(&user).await, 0);
}

#[tokio::test]
async fn the_third_day_in_a_row_is_celebrated_at_once() {
    let s = stores().await;
    let user = UserId::parse(&unique_user("activity")).expect("user");
    let input: PreferencesInput =
        serde_json::from_value(json!({"quiet_hours": null})).expect("input");
    s.profiles
        .put_preferences(
            &user,
            input.into_preferences().expect("valid"),
            0,
            Utc::now(),
        )
        .await
        .expect("preferences");
    let token = uuid::Uuid::new_v4().simple().to_string().repeat(2);
    let (status, _) = call(
        "PUT",
        "/coaching/devices/phone",
        user.as_str(),
        Some(json!({"platform": "apns", "token": token})),
    )
    .await;
    assert_eq!(status, 201);

    for (i, hours_ago) in [48, 24].into_iter().enumerate() {
        let (ok, answer) = invoke(
            "events-activity-logged",
            &activity(&user, &format!("a{i}"), hours_ago),
        )
        .await;
        assert!(ok, "{answer}");
        assert_eq!(answer["applied"], "counted");
        assert!(answer.get("celebration").is_none(), "{answer}");
    }
    let (ok, answer) = invoke("events-activity-logged", &activity(&user, "a2", 0)).await;
    assert!(ok, "{answer}");
    assert_eq!(answer["celebration"]["delivery"], "sent", "{answer}");
    let id = answer["celebration"]["message_id"].as_str().expect("id");
    let m = s
        .messages
        .get(&user, id)
        .await
        .expect("read")
        .expect("message");
    assert_eq!(m.message_type.as_ref(), "milestone_celebration");
    assert_eq!(m.delivery.map(|d| d.devices), Some(1));
    // Counting the same activity again celebrates nothing more.
    let (_, again) = invoke("events-activity-logged", &activity(&user, "a2", 0)).await;
    assert_eq!(again["applied"], "duplicate");
}

#[tokio::test]
async fn an_activity_rewards_the_pushes_of_the_two_hours_before_it_once() {
    use coach_tests::seed_message;
    use coaching::domain::messages::MessageStatus;
    use coaching::domain::preferences::MessageType;
    let s = stores().await;
    let user = UserId::parse(&unique_user("reward")).expect("user");
    let recent = seed_message(
        &s,
        user.as_str(),
        "tip:recent",
        MessageType::HabitFormationTip,
        MessageStatus::Sent,
        1,
    )
    .await;
    let old = seed_message(
        &s,
        user.as_str(),
        "tip:old",
        MessageType::HabitFormationTip,
        MessageStatus::Read,
        3,
    )
    .await;
    let event = activity(&user, "after-push", 0);
    let (ok, answer) = invoke("events-activity-logged", &event).await;
    assert!(ok, "{answer}");
    assert_eq!(answer["rewarded"], json!([recent.id.clone()]), "{answer}");
    let get = |id: String| coach_tests::stored_message(&s, &user, id);
    assert!(get(recent.id.clone()).await.rewarded_at.is_some());
    assert!(
        get(old.id).await.rewarded_at.is_none(),
        "three hours is too late"
    );
    // A second activity in the window rewards nothing more.
    let (ok, answer) = invoke("events-activity-logged", &activity(&user, "again", 0)).await;
    assert!(ok, "{answer}");
    assert!(answer.get("rewarded").is_none(), "{answer}");
}

/// The URL of the dead-letter queue named `name` in the health function's list.
fn dead_letter_queue(name: &str) -> String {
    env("DEAD_LETTER_QUEUES")
        .split(',')
        .filter_map(|p| p.split_once('='))
        .find(|(n, _)| n.trim() == name)
        .map(|(_, url)| url.trim().to_owned())
        .unwrap_or_else(|| panic!("the {name} dead-letter queue is listed"))
}

#[tokio::test]
async fn an_event_the_consumer_always_fails_on_lands_in_the_dead_letter_queue() {
    let user = UserId::parse(&unique_user("poison")).expect("user");
    let mut event = activity(&user, "poison-1", 1);
    event["detail"]["minutes"] = json!(100_000);
    put_on_bus(&event).await;
    let sqs = aws_sdk_sqs::Client::new(&coaching::aws::sdk_config().await);
    wait_for_dead_letter(&sqs, "activity", user.as_str()).await;
    assert_eq!(total_activities(&user).await, 0, "never counted");
}

#[tokio::test]
async fn a_scheduled_run_that_fails_every_attempt_lands_in_the_jobs_failure_queue() {
    // Scheduler invokes asynchronously: the schedule fires into its tap queue, the host
    // retries a failed run (EventInvokeConfig's attempts), then hands it to the OnFailure
    // destination. A replay clock that is not a time fails job-fit-model every time.
    let sqs = aws_sdk_sqs::Client::new(&coaching::aws::sdk_config().await);
    let tap = sqs
        .get_queue_url()
        .queue_name(format!(
            "{}-tap-job-fit-model-Schedule",
            coach_local::template::STACK_NAME
        ))
        .send()
        .await
        .expect("the schedule has a tap queue")
        .queue_url
        .unwrap_or_default();
    let marker = format!("not-a-time-{}", uuid::Uuid::new_v4().simple());
    sqs.send_message()
        .queue_url(&tap)
        .message_body(json!({ "as_of": marker }).to_string())
        .send()
        .await
        .expect("fired");
    wait_for_dead_letter(&sqs, "jobs", &marker).await;
}

/// Waits (two minutes at most) until the dead-letter queue `queue` of health's list holds a
/// message whose body contains `marker`.
async fn wait_for_dead_letter(sqs: &aws_sdk_sqs::Client, queue: &str, marker: &str) {
    let url = dead_letter_queue(queue);
    let started = Instant::now();
    loop {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{marker} never reached the {queue} dead-letter queue"
        );
        let got = sqs
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(10)
            .visibility_timeout(0)
            .wait_time_seconds(1)
            .send()
            .await
            .expect("receive");
        if got
            .messages()
            .iter()
            .any(|m| m.body().unwrap_or_default().contains(marker))
        {
            return;
        }
    }
}
