//! The push a message becomes: one SNS message with a body per platform (`MessageStructure =
//! json`), each carrying title, body, message id and deep link.

use serde_json::json;

use crate::domain::messages::Message;

/// Where a tap on the push takes the app.
pub fn deep_link(message_id: &str) -> String {
    format!("tug://coaching/messages/{message_id}")
}

/// The SNS `Message` (to publish with `MessageStructure = json`): APNs (production and
/// sandbox), FCM (the `GCM` key), and a plain default.
pub fn sns_message(m: &Message) -> String {
    let link = deep_link(&m.id);
    let kind: &str = m.message_type.as_ref();
    let apns = json!({
        "aps": {
            "alert": {"title": m.title, "body": m.body},
            "sound": "default",
            "thread-id": "coaching",
        },
        "message_id": m.id,
        "message_type": kind,
        "deep_link": link,
    })
    .to_string();
    let fcm = json!({
        "notification": {"title": m.title, "body": m.body},
        "data": {"message_id": m.id, "message_type": kind, "deep_link": link},
    })
    .to_string();
    json!({
        "default": m.body,
        "APNS": apns,
        "APNS_SANDBOX": apns,
        "GCM": fcm,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    fn message(title: &str, body: &str) -> Message {
        let mut m: Message = serde_json::from_value(json!({
            "id": "0123456789abcdef0123456789abcdef",
            "occurrence": "o", "message_type": "milestone_celebration", "category": "progress_and_achievement",
            "priority": 90, "tone": "encouraging", "template_id": "t", "variant_id": "a",
            "language": "en", "title": "", "body": "", "status": "scheduled",
            "created_at": "2026-11-24T10:00:00Z", "send_at": "2026-11-24T10:00:00Z",
            "expires_at": "2026-11-24T16:00:00Z"
        }))
        .expect("message");
        m.title = title.into();
        m.body = body.into();
        m
    }

    proptest! {
        #[test]
        fn every_platform_gets_title_body_id_and_link(title in ".{0,60}", body in ".{0,200}") {
            let m = message(&title, &body);
            let link = deep_link(&m.id);
            let outer: Value = serde_json::from_str(&sns_message(&m)).expect("outer JSON");
            prop_assert_eq!(outer["default"].as_str(), Some(body.as_str()));
            for key in ["APNS", "APNS_SANDBOX"] {
                let apns: Value = serde_json::from_str(outer[key].as_str().expect("string")).expect("inner JSON");
                prop_assert_eq!(apns["aps"]["alert"]["title"].as_str(), Some(title.as_str()));
                prop_assert_eq!(apns["aps"]["alert"]["body"].as_str(), Some(body.as_str()));
                prop_assert_eq!(apns["message_id"].as_str(), Some(m.id.as_str()));
                prop_assert_eq!(apns["deep_link"].as_str(), Some(link.as_str()));
            }
            let fcm: Value = serde_json::from_str(outer["GCM"].as_str().expect("string")).expect("inner JSON");
            prop_assert_eq!(fcm["notification"]["title"].as_str(), Some(title.as_str()));
            prop_assert_eq!(fcm["data"]["message_id"].as_str(), Some(m.id.as_str()));
            prop_assert_eq!(fcm["data"]["deep_link"].as_str(), Some(link.as_str()));
        }
    }
}
