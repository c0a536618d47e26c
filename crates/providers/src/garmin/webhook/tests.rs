use std::time::Duration;

use chrono::Utc;
use http::{HeaderMap, HeaderValue};

use super::*;

const CLIENT_ID: &str = "3f1c2a9e-garmin-client";
const TOKEN: &str = "u9Jx2LqT7vRk4WmZ8sNd";

fn headers(client_id: Option<&str>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    if let Some(id) = client_id {
        headers.insert(CLIENT_ID_HEADER, HeaderValue::from_str(id).unwrap());
    }
    headers
}

fn secrets(entries: Vec<SecretString>) -> WebhookSecrets {
    WebhookSecrets::new(entries, Duration::from_secs(300))
}

fn ours() -> WebhookSecrets {
    secrets(vec![webhook_secret(CLIENT_ID, TOKEN)])
}

fn verify(headers: &HeaderMap, query: &str, secrets: &WebhookSecrets) -> Result<(), WebhookError> {
    let request = WebhookRequest {
        headers,
        body: br#"{"dailies":[]}"#,
        query,
        now: Utc::now(),
    };
    verify_webhook(&request, secrets).map(Verified::into_inner)
}

#[test]
fn our_client_id_with_our_url_token_verifies() {
    let query = format!("token={TOKEN}");
    assert_eq!(verify(&headers(Some(CLIENT_ID)), &query, &ours()), Ok(()));
    let with_other_params = format!("x=1&token={TOKEN}&y=2");
    assert_eq!(
        verify(&headers(Some(CLIENT_ID)), &with_other_params, &ours()),
        Ok(())
    );
}

#[test]
fn a_percent_encoded_token_is_decoded_before_comparing() {
    let token = "a+b/c=d&e_0123456789";
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("token", token)
        .finish();
    let secrets = secrets(vec![webhook_secret(CLIENT_ID, token)]);
    assert_eq!(verify(&headers(Some(CLIENT_ID)), &query, &secrets), Ok(()));
}

#[test]
fn one_changed_byte_of_the_token_or_the_client_id_is_rejected() {
    let mut bad = TOKEN.as_bytes().to_vec();
    bad[5] ^= 0x01;
    let query = format!("token={}", String::from_utf8(bad).unwrap());
    assert_eq!(
        verify(&headers(Some(CLIENT_ID)), &query, &ours()),
        Err(WebhookError::BadVerificationToken)
    );
    let query = format!("token={TOKEN}");
    assert_eq!(
        verify(&headers(Some("3f1c2a9e-garmin-clienu")), &query, &ours()),
        Err(WebhookError::BadVerificationToken)
    );
    assert_eq!(
        verify(
            &headers(Some(CLIENT_ID)),
            &format!("token={TOKEN}x"),
            &ours()
        ),
        Err(WebhookError::BadVerificationToken)
    );
}

#[test]
fn a_missing_header_or_token_is_rejected() {
    assert_eq!(
        verify(&headers(None), &format!("token={TOKEN}"), &ours()),
        Err(WebhookError::MissingHeader(CLIENT_ID_HEADER))
    );
    assert_eq!(
        verify(&headers(Some(CLIENT_ID)), "", &ours()),
        Err(WebhookError::MissingHeader(TOKEN_PARAM))
    );
    assert_eq!(
        verify(&headers(Some(CLIENT_ID)), "token=", &ours()),
        Err(WebhookError::MissingHeader(TOKEN_PARAM))
    );
}

#[test]
fn an_empty_secret_list_fails_closed() {
    assert_eq!(
        verify(
            &headers(Some(CLIENT_ID)),
            &format!("token={TOKEN}"),
            &secrets(vec![])
        ),
        Err(WebhookError::BadVerificationToken)
    );
}

#[test]
fn a_client_secret_fallback_or_a_short_token_never_matches() {
    // The settings fall back to the client secret when no webhook secret is configured.
    let fallback = secrets(vec![SecretString::from(TOKEN)]);
    assert_eq!(
        verify(
            &headers(Some(CLIENT_ID)),
            &format!("token={TOKEN}"),
            &fallback
        ),
        Err(WebhookError::BadVerificationToken)
    );
    let short = secrets(vec![webhook_secret(CLIENT_ID, "short")]);
    assert_eq!(
        verify(&headers(Some(CLIENT_ID)), "token=short", &short),
        Err(WebhookError::BadVerificationToken)
    );
    let no_id = secrets(vec![webhook_secret("", TOKEN)]);
    assert_eq!(
        verify(&headers(Some(CLIENT_ID)), &format!("token={TOKEN}"), &no_id),
        Err(WebhookError::BadVerificationToken)
    );
}

#[test]
fn during_rotation_the_previous_token_still_verifies() {
    let rotating = secrets(vec![
        webhook_secret(CLIENT_ID, "new-token-0123456789"),
        webhook_secret(CLIENT_ID, TOKEN),
    ]);
    let query = format!("token={TOKEN}");
    assert_eq!(verify(&headers(Some(CLIENT_ID)), &query, &rotating), Ok(()));
    assert_eq!(
        verify(
            &headers(Some(CLIENT_ID)),
            "token=new-token-0123456789",
            &rotating
        ),
        Ok(())
    );
}

const PUSH: &str = r#"{"dailies": [{"userId":"u-1","summaryId":"x1-65a4","steps":12500},
 {"userId":"u-2", "summaryId":"x2-65a4", "steps":800}],
 "sleeps":[{"userId":"u-1","summaryId":"s1","durationInSeconds":27000}]}"#;

#[test]
fn a_push_with_several_users_becomes_one_data_event_per_item_with_its_exact_bytes() {
    let events = parse(PUSH.as_bytes()).unwrap();
    assert_eq!(events.len(), 3);
    let expected = [
        (
            "u-1",
            "dailies",
            r#"{"userId":"u-1","summaryId":"x1-65a4","steps":12500}"#,
        ),
        (
            "u-2",
            "dailies",
            r#"{"userId":"u-2", "summaryId":"x2-65a4", "steps":800}"#,
        ),
        (
            "u-1",
            "sleeps",
            r#"{"userId":"u-1","summaryId":"s1","durationInSeconds":27000}"#,
        ),
    ];
    for (event, (user, kind, bytes)) in events.iter().zip(expected) {
        assert_eq!(
            event,
            &InboundEvent::Data {
                provider_user_id: user.to_owned(),
                kind: kind.to_owned(),
                body: bytes.as_bytes().to_vec(),
            }
        );
    }
}

#[test]
fn a_ping_becomes_a_notification_carrying_the_callback_url() {
    let body = br#"{"epochs":[{"userId":"4aacafe8","callbackURL":"https://apis.garmin.com/wellness-api/rest/epochs?uploadStartTimeInSeconds=1444937651&uploadEndTimeInSeconds=1444937902&token=XYZ","uploadStartTimeInSeconds":1444937651,"uploadEndTimeInSeconds":1444937902}],
        "pulseox":[{"userId":"u2","summaryId":"sp-1","callbackURL":"https://apis.garmin.com/wellness-api/rest/pulseOx?x=1"}]}"#;
    let events = parse(body).unwrap();
    assert_eq!(
        events[0],
        InboundEvent::Notification(Notification {
            provider_user_id: "4aacafe8".into(),
            event_type: EventType::Update,
            data_type: "epochs".into(),
            object_id: "4aacafe8:1444937651-1444937902".into(),
            url: Some("https://apis.garmin.com/wellness-api/rest/epochs?uploadStartTimeInSeconds=1444937651&uploadEndTimeInSeconds=1444937902&token=XYZ".into()),
        })
    );
    match &events[1] {
        InboundEvent::Notification(n) => {
            assert_eq!(n.data_type, "pulseox");
            assert_eq!(n.object_id, "sp-1");
        }
        other => panic!("expected a notification, got {other:?}"),
    }
}

#[test]
fn deregistrations_and_permission_changes_are_lifecycle_events() {
    let body = br#"{"deregistrations":[{"userId":"u1","userAccessToken":"old"}],
        "userPermissionsChange":[{"userId":"u2","summaryId":"p-1","permissions":["ACTIVITY_EXPORT","HEALTH_EXPORT"],"changeTimeInSeconds":1705309200}]}"#;
    let events = parse(body).unwrap();
    assert_eq!(
        events,
        vec![
            InboundEvent::Deauthorized {
                provider_user_id: "u1".into()
            },
            InboundEvent::PermissionsChanged {
                provider_user_id: "u2".into(),
                permissions: vec!["ACTIVITY_EXPORT".into(), "HEALTH_EXPORT".into()],
            },
        ]
    );
}

#[test]
fn lists_we_do_not_ingest_are_dropped() {
    let body = br#"{"activityFiles":[{"userId":"u1","summaryId":"1-file","fileType":"FIT","callbackURL":"https://apis.garmin.com/wellness-api/rest/activityFile?id=1"}],
        "moveIQActivities":[{"userId":"u1","summaryId":"m"}],"mct":[{"userId":"u1"}],"somethingNew":[{"userId":"u1"}],
        "hrv":[{"userId":"u1","summaryId":"h1"}]}"#;
    let events = parse(body).unwrap();
    assert_eq!(events.len(), 1);
    assert!(matches!(&events[0], InboundEvent::Data { kind, .. } if kind == "hrv"));
}

#[test]
fn items_without_a_user_or_bodies_that_are_not_objects_are_malformed() {
    assert!(matches!(
        parse(br#"{"dailies":[{"summaryId":"x"}]}"#),
        Err(WebhookError::Malformed(_))
    ));
    assert!(matches!(
        parse(br#"{"dailies":[42]}"#),
        Err(WebhookError::Malformed(_))
    ));
    assert!(matches!(
        parse(br#"{"userPermissionsChange":[{"userId":"u"}]}"#),
        Err(WebhookError::Malformed(_))
    ));
    assert!(matches!(parse(b"[]"), Err(WebhookError::Malformed(_))));
    assert!(matches!(
        parse(b"not json"),
        Err(WebhookError::Malformed(_))
    ));
    assert_eq!(parse(b"{}"), Ok(Vec::new()));
}
