use std::time::Duration;

use chrono::{TimeZone, Utc};
use http::HeaderMap;

use super::*;

const CREATE: &[u8] = include_bytes!("../fixtures/webhook_activity_create.json");
const UPDATE: &[u8] = include_bytes!("../fixtures/webhook_activity_update.json");
const DELETE: &[u8] = include_bytes!("../fixtures/webhook_activity_delete.json");
const DEAUTHORIZED: &[u8] = include_bytes!("../fixtures/webhook_athlete_deauthorized.json");

const TOKEN: &str = "cb-7f3e9a1c2b4d";

fn secrets(list: &[&str]) -> WebhookSecrets {
    WebhookSecrets::new(
        list.iter().map(|s| SecretString::from(*s)).collect(),
        Duration::from_secs(300),
    )
}

fn verify(query: &str, body: &[u8], list: &[&str]) -> Result<StravaEvent, WebhookError> {
    let headers = HeaderMap::new();
    let request = WebhookRequest {
        headers: &headers,
        body,
        query,
        now: Utc.timestamp_opt(1_705_302_001, 0).unwrap(),
    };
    verify_webhook(&request, &secrets(list)).map(Verified::into_inner)
}

#[test]
fn a_delivery_with_the_configured_token_is_accepted() {
    let event = verify(&format!("token={TOKEN}"), CREATE, &[TOKEN]).unwrap();
    assert_eq!(event.object_type, "activity");
    assert_eq!(event.object_id, "10482675139");
    assert_eq!(event.owner_id, "134815");
    assert_eq!(event.aspect_type, "create");
    assert_eq!(event.event_time, Some(1_705_302_000));
}

#[test]
fn the_token_may_sit_among_other_query_parameters_and_be_percent_encoded() {
    let secret = "a b&c";
    let event = verify("x=1&token=a%20b%26c&y=2", CREATE, &[secret]).unwrap();
    assert_eq!(event.object_id, "10482675139");
}

#[test]
fn a_previous_secret_still_verifies_during_rotation() {
    assert!(verify(&format!("token={TOKEN}"), CREATE, &["new-token", TOKEN]).is_ok());
}

#[test]
fn a_token_with_one_changed_byte_is_rejected() {
    let mut changed = TOKEN.to_owned();
    changed.replace_range(3..4, "X");
    assert_eq!(
        verify(&format!("token={changed}"), CREATE, &[TOKEN]),
        Err(WebhookError::BadSignature)
    );
    assert_eq!(
        verify(&format!("token={TOKEN}x"), CREATE, &[TOKEN]),
        Err(WebhookError::BadSignature)
    );
}

#[test]
fn a_missing_or_empty_token_is_rejected() {
    assert_eq!(
        verify("", CREATE, &[TOKEN]),
        Err(WebhookError::MissingHeader("token"))
    );
    assert_eq!(
        verify("token=", CREATE, &[TOKEN]),
        Err(WebhookError::MissingHeader("token"))
    );
    assert_eq!(
        verify(&format!("hub.verify_token={TOKEN}"), CREATE, &[TOKEN]),
        Err(WebhookError::MissingHeader("token"))
    );
}

#[test]
fn no_secrets_or_an_empty_secret_never_verify() {
    assert_eq!(
        verify(&format!("token={TOKEN}"), CREATE, &[]),
        Err(WebhookError::BadSignature)
    );
    assert_eq!(
        verify("token=x", CREATE, &[""]),
        Err(WebhookError::BadSignature)
    );
}

#[test]
fn a_verified_body_that_is_not_an_event_is_malformed() {
    assert!(matches!(
        verify(&format!("token={TOKEN}"), b"{\"hello\":1}", &[TOKEN]),
        Err(WebhookError::Malformed(_))
    ));
}

#[test]
fn activity_events_become_notifications_with_the_aspect_as_event_type() {
    for (body, expected) in [
        (CREATE, EventType::Create),
        (UPDATE, EventType::Update),
        (DELETE, EventType::Delete),
    ] {
        let event: StravaEvent = serde_json::from_slice(body).unwrap();
        assert_eq!(
            event.to_events(),
            vec![InboundEvent::Notification(Notification {
                provider_user_id: "134815".into(),
                event_type: expected,
                data_type: "activity".into(),
                object_id: "10482675139".into(),
                url: None,
            })]
        );
    }
}

#[test]
fn an_athlete_update_with_authorized_false_is_a_deauthorization() {
    let event: StravaEvent = serde_json::from_slice(DEAUTHORIZED).unwrap();
    assert_eq!(
        event.to_events(),
        vec![InboundEvent::Deauthorized {
            provider_user_id: "134815".into()
        }]
    );
    let as_bool: StravaEvent = serde_json::from_str(
        r#"{"aspect_type":"update","object_id":1,"object_type":"athlete","owner_id":1,"updates":{"authorized":false}}"#,
    )
    .unwrap();
    assert_eq!(as_bool.to_events().len(), 1);
    let deleted: StravaEvent = serde_json::from_str(
        r#"{"aspect_type":"delete","object_id":1,"object_type":"athlete","owner_id":1}"#,
    )
    .unwrap();
    assert!(matches!(
        deleted.to_events()[..],
        [InboundEvent::Deauthorized { .. }]
    ));
}

#[test]
fn other_athlete_updates_and_unknown_objects_yield_no_events() {
    let renamed: StravaEvent = serde_json::from_str(
        r#"{"aspect_type":"update","object_id":1,"object_type":"athlete","owner_id":1,"updates":{"authorized":"true"}}"#,
    )
    .unwrap();
    assert!(renamed.to_events().is_empty());
    let route: StravaEvent = serde_json::from_str(
        r#"{"aspect_type":"create","object_id":9,"object_type":"route","owner_id":1}"#,
    )
    .unwrap();
    assert!(route.to_events().is_empty());
    let odd: StravaEvent = serde_json::from_str(
        r#"{"aspect_type":"archive","object_id":9,"object_type":"activity","owner_id":1}"#,
    )
    .unwrap();
    assert!(odd.to_events().is_empty());
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn the_challenge_is_echoed_when_mode_and_verify_token_match() {
    let expected = SecretString::from("verify-me");
    let query = pairs(&[
        ("hub.mode", "subscribe"),
        ("hub.challenge", "15f7d1a91c1f40"),
        ("hub.verify_token", "verify-me"),
        ("token", TOKEN),
    ]);
    assert_eq!(
        answer_challenge(Some(&expected), &query),
        Ok(serde_json::json!({"hub.challenge": "15f7d1a91c1f40"}))
    );
}

#[test]
fn a_challenge_with_a_wrong_token_or_mode_or_missing_parts_is_refused() {
    let expected = SecretString::from("verify-me");
    let wrong = pairs(&[
        ("hub.mode", "subscribe"),
        ("hub.challenge", "c"),
        ("hub.verify_token", "verify-mE"),
    ]);
    assert_eq!(
        answer_challenge(Some(&expected), &wrong),
        Err(WebhookError::BadVerificationToken)
    );
    let mode = pairs(&[
        ("hub.mode", "unsubscribe"),
        ("hub.challenge", "c"),
        ("hub.verify_token", "verify-me"),
    ]);
    assert!(matches!(
        answer_challenge(Some(&expected), &mode),
        Err(WebhookError::Malformed(_))
    ));
    let missing = pairs(&[("hub.mode", "subscribe"), ("hub.verify_token", "verify-me")]);
    assert_eq!(
        answer_challenge(Some(&expected), &missing),
        Err(WebhookError::MissingHeader("hub.challenge"))
    );
    let fine = pairs(&[
        ("hub.mode", "subscribe"),
        ("hub.challenge", "c"),
        ("hub.verify_token", ""),
    ]);
    assert_eq!(
        answer_challenge(None, &fine),
        Err(WebhookError::BadVerificationToken)
    );
    assert_eq!(
        answer_challenge(Some(&SecretString::from("")), &fine),
        Err(WebhookError::BadVerificationToken)
    );
}
