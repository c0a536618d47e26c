//! Notifications: a form POST to the subscribed callback verifies by its token, parses into
//! events, and `fetch_notified` + `normalize` turn it into records.

use chrono::Utc;
use domain::SeriesType;
use providers::withings::Withings;
use providers::{
    InboundEvent, Notification, ProviderApi, WebhookError, WebhookRequest, WebhookSecrets,
};
use secrecy::SecretString;
use serde_json::json;

use super::{Received, Setup, connect, control, setup};

fn secrets(setup: &Setup) -> WebhookSecrets {
    WebhookSecrets::new(
        vec![setup.credentials.client_secret.clone()],
        std::time::Duration::from_secs(300),
    )
}

/// Verifies and parses one received notification into its single notification event.
fn verified(setup: &Setup, received: &Received) -> InboundEvent {
    let request = WebhookRequest {
        headers: &received.headers,
        body: &received.body,
        query: &received.query,
        now: Utc::now(),
    };
    Withings
        .verify_webhook(&request, &secrets(setup))
        .expect("the notification verifies");
    let mut events = Withings.parse_webhook(&received.body).unwrap();
    assert_eq!(events.len(), 1);
    events.remove(0)
}

fn notification(event: InboundEvent) -> Notification {
    match event {
        InboundEvent::Notification(n) => n,
        other => panic!("not a notification: {other:?}"),
    }
}

#[tokio::test]
async fn withings_a_measures_notification_verifies_and_fetches_the_new_weigh_in() {
    let setup = setup().await;
    let authorized = connect(&setup).await;
    let user = authorized.account.id.clone();
    let created = control(&setup, &format!("users/{user}/measures"), json!({})).await;
    let posts = setup.receiver.posts();
    assert_eq!(posts.len(), 1);
    let received = &posts[0];
    assert_eq!(
        received.headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    let n = notification(verified(&setup, received));
    assert_eq!(n.provider_user_id, user);
    assert_eq!(n.data_type, "measures");
    let payloads = Withings
        .fetch_notified(setup.api(), &authorized.tokens.access_token, &n)
        .await
        .unwrap();
    assert!(payloads.iter().all(|p| p.kind == "measures"));
    let date = created["record"]["date"].as_i64().unwrap();
    let weight = payloads
        .iter()
        .flat_map(|p| Withings.normalize(&p.kind, &p.body).unwrap().samples)
        .find(|s| s.series == SeriesType::Weight && s.time.timestamp() == date)
        .expect("the new weigh-in");
    assert!((40.0..130.0).contains(&weight.value));
    setup.stop().await;
}

#[tokio::test]
async fn withings_sleep_and_activity_notifications_fetch_their_range() {
    let setup = setup().await;
    let authorized = connect(&setup).await;
    let user = authorized.account.id.clone();
    let token = &authorized.tokens.access_token;
    let created = control(&setup, &format!("users/{user}/sleep"), json!({})).await;
    let n = notification(verified(&setup, &setup.receiver.posts()[0]));
    assert_eq!(n.data_type, "sleep");
    let payloads = Withings
        .fetch_notified(setup.api(), token, &n)
        .await
        .unwrap();
    let id = created["record"]["id"].as_i64().unwrap().to_string();
    let night = payloads
        .iter()
        .flat_map(|p| Withings.normalize(&p.kind, &p.body).unwrap().sleeps)
        .find(|s| s.external_id == id)
        .expect("the new night");
    assert!(!night.stages.is_empty());

    control(&setup, &format!("users/{user}/workouts"), json!({})).await;
    let n = notification(verified(&setup, &setup.receiver.posts()[1]));
    assert_eq!(n.data_type, "activity");
    let payloads = Withings
        .fetch_notified(setup.api(), token, &n)
        .await
        .unwrap();
    let kinds: Vec<&str> = payloads.iter().map(|p| p.kind.as_str()).collect();
    assert!(kinds.contains(&"workouts") && kinds.contains(&"activity"));
    assert!(kinds.contains(&"intraday_activity"));
    let workouts: usize = payloads
        .iter()
        .map(|p| Withings.normalize(&p.kind, &p.body).unwrap().workouts.len())
        .sum();
    assert!(workouts >= 1);

    // Categories we do not ingest fetch nothing.
    let bed = Notification {
        data_type: "bed_in".into(),
        object_id: "1..2".into(),
        ..n
    };
    assert!(
        Withings
            .fetch_notified(setup.api(), token, &bed)
            .await
            .unwrap()
            .is_empty()
    );
    setup.stop().await;
}

#[tokio::test]
async fn withings_unlink_is_a_deauthorization_and_a_wrong_token_is_rejected() {
    let setup = setup().await;
    let authorized = connect(&setup).await;
    let user = authorized.account.id.clone();
    control(&setup, &format!("users/{user}/deauthorize"), json!({})).await;
    let received = setup.receiver.posts()[0].clone();
    assert_eq!(
        verified(&setup, &received),
        InboundEvent::Deauthorized {
            provider_user_id: user
        }
    );
    let forged = WebhookRequest {
        headers: &received.headers,
        body: &received.body,
        query: "token=0000",
        now: Utc::now(),
    };
    assert_eq!(
        Withings.verify_webhook(&forged, &secrets(&setup)),
        Err(WebhookError::BadVerificationToken)
    );
    let other_secret = WebhookSecrets::new(
        vec![SecretString::from("another-secret")],
        std::time::Duration::from_secs(300),
    );
    let request = WebhookRequest {
        query: &received.query,
        ..forged
    };
    assert!(Withings.verify_webhook(&request, &other_secret).is_err());
    setup.stop().await;
}
