//! Handler tests of devices, export and erasure from the `events/` fixtures, against DynamoDB
//! Local and moto's SNS (endpoints checked in `/moto-api/data.json`).

use coach_tests::{
    endpoints_for, fixture, parts, push, request, seed_message, stores, unique_user, with_sub,
};
use coaching::aws::sns::Push;
use coaching::domain::messages::MessageStatus;
use coaching::domain::preferences::MessageType;
use coaching::domain::user::UserId;
use functions::{
    api_delete_data, api_delete_device, api_export_data, api_feedback_message, api_register_device,
    Stores,
};
use serde_json::{json, Value};

fn device_event(name: &str, user: &str, device: &str, body: Option<Value>) -> lambda_http::Request {
    let mut e = with_sub(fixture(name), user);
    e["pathParameters"] = json!({ "deviceId": device });
    e["rawPath"] = json!(format!("/coaching/devices/{device}"));
    if let Some(b) = body {
        e["body"] = json!(b.to_string());
    }
    request(&e)
}

async fn register(s: &Stores, p: &Push, user: &str, device: &str, body: Value) -> (u16, Value) {
    let req = device_event("api-register-device", user, device, Some(body));
    let (status, _, body) = parts(
        api_register_device::handle(s, p, req)
            .await
            .expect("answers"),
    );
    (status, body)
}

async fn delete(s: &Stores, p: &Push, user: &str, device: &str) -> u16 {
    let req = device_event("api-delete-device", user, device, None);
    parts(api_delete_device::handle(s, p, req).await.expect("answers")).0
}

fn apns(byte: &str) -> Value {
    json!({"platform": "apns", "token": tok(byte)})
}

fn tok(byte: &str) -> String {
    byte.repeat(32)
}

async fn sns() -> aws_sdk_sns::Client {
    aws_sdk_sns::Client::new(&coaching::aws::sdk_config().await)
}

#[tokio::test]
async fn registering_is_idempotent_and_a_new_token_updates_the_endpoint() {
    let (s, p) = (stores().await, push().await);
    let user = unique_user("device");
    let req = device_event("api-register-device", &user, "iphone", None);
    let (status, _, first) = parts(
        api_register_device::handle(&s, &p, req)
            .await
            .expect("answers"),
    );
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["enabled"], true);
    assert!(
        first.get("endpoint_arn").is_none(),
        "internal ARNs stay internal"
    );
    let fixture_token = "a1b2c3d4".repeat(8);
    let eps = endpoints_for(&[&fixture_token]).await;
    assert_eq!(eps.len(), 1);
    assert!(eps[0].enabled);

    let (status, again) = register(
        &s,
        &p,
        &user,
        "iphone",
        json!({"platform": "apns", "token": fixture_token}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(again, first, "the same call changes nothing");
    assert_eq!(endpoints_for(&[&fixture_token]).await, eps);

    let (status, _) = register(&s, &p, &user, "iphone", apns("0f")).await;
    assert_eq!(status, 200);
    let updated = endpoints_for(&[&fixture_token, &tok("0f")]).await;
    assert_eq!(updated.len(), 1, "the endpoint is updated, not duplicated");
    assert_eq!(
        (&updated[0].arn, &updated[0].token),
        (&eps[0].arn, &tok("0f"))
    );

    // A second device is a second endpoint; FCM goes to the FCM application.
    let fcm_token = format!("{}:APA91b", "x".repeat(40));
    let fcm = json!({"platform": "fcm", "token": fcm_token});
    let (status, _) = register(&s, &p, &user, "pixel", fcm).await;
    assert_eq!(status, 201);
    let eps = endpoints_for(&[&fcm_token]).await;
    assert_eq!(eps.len(), 1);
    assert!(eps[0].arn.contains("/GCM/"), "{eps:?}");
}

#[tokio::test]
async fn a_disabled_endpoint_is_re_enabled_with_a_fresh_token() {
    let (s, p) = (stores().await, push().await);
    let user = unique_user("disabled");
    register(&s, &p, &user, "ipad", apns("1a")).await;
    let arn = endpoints_for(&[&tok("1a")])
        .await
        .first()
        .map(|e| e.arn.clone())
        .expect("endpoint");
    sns()
        .await
        .set_endpoint_attributes()
        .endpoint_arn(&arn)
        .attributes("Enabled", "false")
        .send()
        .await
        .expect("disable");
    assert!(!endpoints_for(&[&tok("1a")]).await[0].enabled);

    let (status, body) = register(&s, &p, &user, "ipad", apns("2b")).await;
    assert_eq!(status, 200, "{body}");
    let eps = endpoints_for(&[&tok("1a"), &tok("2b")]).await;
    assert_eq!(eps.len(), 1);
    assert_eq!(eps[0].arn, arn);
    assert!(eps[0].enabled);
    assert_eq!(eps[0].token, tok("2b"));
}

#[tokio::test]
async fn bad_device_input_is_refused_and_creates_nothing() {
    let (s, p) = (stores().await, push().await);
    let user = unique_user("device-bad");
    for (device, body, status) in [
        (
            "ok",
            json!({"platform": "apns", "token": "zz".repeat(32)}),
            422,
        ),
        ("ok", json!({"platform": "apns", "token": "ab"}), 422),
        (
            "ok",
            json!({"platform": "webpush", "token": "ab".repeat(32)}),
            422,
        ),
        ("ok", json!({"platform": "apns"}), 422),
        (
            "ok",
            json!({"platform": "apns", "token": "ab".repeat(32), "extra": 1}),
            422,
        ),
        ("a b", apns("ab"), 422),
        (&"d".repeat(129), apns("ab"), 422),
    ] {
        let (got, problem) = register(&s, &p, &user, device, body.clone()).await;
        assert_eq!(got, status, "{body}: {problem}");
    }
    assert!(endpoints_for(&[&tok("ab")]).await.is_empty());
    let profile = s
        .profiles
        .profile(&UserId::parse(&user).unwrap())
        .await
        .unwrap();
    assert!(profile.devices.is_empty());
}

#[tokio::test]
async fn a_user_keeps_at_most_ten_devices_the_oldest_is_replaced() {
    let (s, p) = (stores().await, push().await);
    let user = unique_user("many-devices");
    let max = coaching::app::devices::MAX_DEVICES;
    let tokens: Vec<String> = (0..=max).map(|i| format!("{i:02x}").repeat(32)).collect();
    for (i, token) in tokens.iter().enumerate() {
        let body = json!({"platform": "apns", "token": token});
        let (status, answer) = register(&s, &p, &user, &format!("phone-{i:02}"), body).await;
        assert_eq!(status, 201, "{answer}");
    }
    let uid = UserId::parse(&user).expect("user");
    let devices = s.profiles.profile(&uid).await.expect("profile").devices;
    assert_eq!(devices.len(), max);
    assert!(
        devices.iter().all(|d| d.device_id != "phone-00"),
        "the oldest was replaced"
    );
    assert!(
        endpoints_for(&[tokens[0].as_str()]).await.is_empty(),
        "and its endpoint deleted"
    );
    assert_eq!(endpoints_for(&[tokens[max].as_str()]).await.len(), 1);
}

#[tokio::test]
async fn a_reinstalled_app_under_a_new_id_keeps_one_device_per_phone() {
    let (s, p) = (stores().await, push().await);
    let user = unique_user("reinstall");
    let token = apns("3c");
    assert_eq!(
        register(&s, &p, &user, "install-1", token.clone()).await.0,
        201
    );
    assert_eq!(register(&s, &p, &user, "install-2", token).await.0, 201);
    let uid = UserId::parse(&user).expect("user");
    let devices = s.profiles.profile(&uid).await.expect("profile").devices;
    assert_eq!(
        devices
            .iter()
            .map(|d| d.device_id.as_str())
            .collect::<Vec<_>>(),
        ["install-2"],
        "one device per endpoint: each message reaches the phone once"
    );
    assert_eq!(endpoints_for(&[&tok("3c")]).await.len(), 1);
}

#[tokio::test]
async fn deleting_a_device_removes_its_endpoint_and_is_harmless_twice() {
    let (s, p) = (stores().await, push().await);
    let user = unique_user("device-del");
    assert_eq!(register(&s, &p, &user, "iphone", apns("3c")).await.0, 201);
    assert_eq!(register(&s, &p, &user, "ipad", apns("4d")).await.0, 201);
    assert_eq!(delete(&s, &p, &user, "iphone").await, 204);
    let eps = endpoints_for(&[&tok("3c"), &tok("4d")]).await;
    assert_eq!(eps.len(), 1, "{eps:?}");
    assert_eq!(eps[0].token, tok("4d"));
    let profile = s
        .profiles
        .profile(&UserId::parse(&user).unwrap())
        .await
        .unwrap();
    assert_eq!(profile.devices.len(), 1);
    assert_eq!(delete(&s, &p, &user, "iphone").await, 204);
    assert_eq!(delete(&s, &p, &user, "never-registered").await, 204);
}

#[tokio::test]
async fn a_token_that_moves_to_another_account_is_not_deleted_by_the_old_one() {
    let (s, p) = (stores().await, push().await);
    let (alice, bob) = (unique_user("alice"), unique_user("bob"));
    let token = apns("5e");
    register(&s, &p, &alice, "shared-phone", token.clone()).await;
    let (status, _) = register(&s, &p, &bob, "phone", token).await;
    assert_eq!(status, 201);
    let eps = endpoints_for(&[&tok("5e")]).await;
    assert_eq!(eps.len(), 1, "one endpoint per token");
    let owner = |arn: String| {
        let p = p.clone();
        async move { p.state(&arn).await.expect("state").and_then(|s| s.user) }
    };
    assert_eq!(owner(eps[0].arn.clone()).await, Some(bob.clone()));
    let alice_id = UserId::parse(&alice).expect("user");
    assert!(
        s.profiles
            .profile(&alice_id)
            .await
            .expect("profile")
            .devices
            .is_empty(),
        "the token left alice's devices: her pushes no longer reach bob's phone"
    );
    assert_eq!(delete(&s, &p, &alice, "shared-phone").await, 204);
    assert_eq!(
        owner(eps[0].arn.clone()).await,
        Some(bob),
        "alice's delete left bob's endpoint"
    );
}

async fn export(s: &Stores, user: &str) -> Value {
    let req = request(&with_sub(fixture("api-export-data"), user));
    let (status, headers, body) = parts(api_export_data::handle(s, req).await.expect("answers"));
    assert_eq!(status, 200, "{body}");
    assert!(headers.get("content-disposition").is_some());
    body
}

#[tokio::test]
async fn export_has_everything_and_erasure_leaves_nothing() {
    let (s, p) = (stores().await, push().await);
    let user = unique_user("gdpr");
    let bystander = unique_user("bystander");
    register(&s, &p, &user, "iphone", apns("6f")).await;
    register(&s, &p, &bystander, "iphone", apns("7a")).await;
    let m = seed_message(
        &s,
        &user,
        "occ:read",
        MessageType::GeneralWisdom,
        MessageStatus::Sent,
        2,
    )
    .await;
    seed_message(
        &s,
        &user,
        "occ:pending",
        MessageType::EveningReflection,
        MessageStatus::Scheduled,
        -3,
    )
    .await;
    seed_message(
        &s,
        &bystander,
        "occ:b",
        MessageType::GeneralWisdom,
        MessageStatus::Sent,
        2,
    )
    .await;
    let mut fb = with_sub(fixture("api-feedback-message"), &user);
    fb["pathParameters"] = json!({ "id": m.id });
    api_feedback_message::handle(&s, request(&fb))
        .await
        .expect("answers");

    let body = export(&s, &user).await;
    assert_eq!(body["user_id"], user.as_str());
    assert_eq!(body["preferences"]["version"], 0);
    assert_eq!(body["devices"].as_array().map(Vec::len), Some(1));
    assert_eq!(body["devices"][0]["token"], "6f".repeat(32));
    assert_eq!(body["messages"].as_array().map(Vec::len), Some(2));
    assert_eq!(body["feedback"][0]["message_id"], m.id.as_str());
    assert_eq!(body["feedback"][0]["rating"], 5);

    let erase = || async {
        let req = request(&with_sub(fixture("api-delete-data"), &user));
        parts(api_delete_data::handle(&s, &p, req).await.expect("answers")).0
    };
    assert_eq!(erase().await, 204);
    // Nothing of the user in any table or in SNS.
    let client = aws_sdk_dynamodb::Client::new(&coaching::aws::sdk_config().await);
    for table in ["PROFILES_TABLE", "MESSAGES_TABLE", "STATS_TABLE"] {
        let items = client
            .scan()
            .table_name(coach_tests::env(table))
            .send()
            .await
            .expect("scan")
            .items
            .unwrap_or_default();
        let mine = items
            .iter()
            .filter(|i| format!("{i:?}").contains(user.as_str()))
            .count();
        assert_eq!(mine, 0, "{table} still holds items of the user");
    }
    assert!(endpoints_for(&[&tok("6f")]).await.is_empty());
    let after = export(&s, &user).await;
    assert_eq!(after["messages"], json!([]));
    assert_eq!(after["devices"], json!([]));
    assert_eq!(erase().await, 204, "a second erasure is harmless");

    // The bystander keeps everything.
    assert_eq!(endpoints_for(&[&tok("7a")]).await.len(), 1);
    assert_eq!(
        export(&s, &bystander).await["messages"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}
