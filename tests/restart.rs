//! A restart of `make run` keeps devices working: DynamoDB Local keeps its data on disk while
//! moto forgets every SNS endpoint, and the host gives the stored devices endpoints again on
//! start (`coach_local::stack::restore_endpoints`). Its own binary: the restore walks every
//! stored device, and the device tests must not see it mid-way.

use coach_tests::{endpoints_for, fixture, parts, push, request, stores, unique_user, with_sub};
use coaching::aws::sns::Push;
use coaching::domain::user::UserId;
use functions::{api_register_device, Stores};
use serde_json::{json, Value};

async fn register(s: &Stores, p: &Push, user: &str, device: &str, body: Value) -> (u16, Value) {
    let mut e = with_sub(fixture("api-register-device"), user);
    e["pathParameters"] = json!({ "deviceId": device });
    e["rawPath"] = json!(format!("/coaching/devices/{device}"));
    e["body"] = json!(body.to_string());
    let (status, _, body) = parts(
        api_register_device::handle(s, p, request(&e))
            .await
            .expect("answers"),
    );
    (status, body)
}

async fn sns() -> aws_sdk_sns::Client {
    aws_sdk_sns::Client::new(&coaching::aws::sdk_config().await)
}

#[tokio::test]
async fn after_moto_forgets_the_endpoints_a_restart_gives_the_devices_new_ones() {
    let (s, p) = (stores().await, push().await);
    let user = unique_user("restart");
    let token = "7a".repeat(32);
    let (status, _) = register(
        &s,
        &p,
        &user,
        "phone",
        json!({"platform": "fcm", "token": token}),
    )
    .await;
    assert_eq!(status, 201);
    let uid = UserId::parse(&user).expect("user");
    let before = s
        .profiles
        .device(&uid, "phone")
        .await
        .expect("read")
        .expect("device");
    // What a restart of `make run` does to moto: the endpoint is gone, the item still names it.
    sns()
        .await
        .delete_endpoint()
        .endpoint_arn(&before.endpoint_arn)
        .send()
        .await
        .expect("deleted");
    assert!(endpoints_for(&[&token]).await.is_empty());
    let restored = coach_local::stack::restore_endpoints(&s.profiles, &p)
        .await
        .expect("restored");
    assert!(restored >= 1);
    let after = s
        .profiles
        .device(&uid, "phone")
        .await
        .expect("read")
        .expect("device");
    assert_ne!(after.endpoint_arn, before.endpoint_arn);
    let live = endpoints_for(&[&token]).await;
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].arn, after.endpoint_arn);
    assert!(live[0].enabled);
    // Run again, nothing changes.
    let again = coach_local::stack::restore_endpoints(&s.profiles, &p)
        .await
        .expect("restored");
    let unchanged = s
        .profiles
        .device(&uid, "phone")
        .await
        .expect("read")
        .expect("device");
    assert_eq!(unchanged.endpoint_arn, after.endpoint_arn);
    let _ = again;
}
