//! The one Polar webhook: created through the webhooks API (its PING accepted unsigned), then
//! signed notifications verified, parsed, fetched and normalized.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use chrono::Utc;
use domain::SeriesType;
use providers::polar::{Polar, WEBHOOK_EVENTS, WebhookClient};
use providers::{EventType, InboundEvent, ProviderApi, WebhookRequest, WebhookSecrets};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use super::{connect, control, setup};

#[derive(Default)]
struct Receiver {
    /// Signing keys; empty until the webhook exists (only the PING comes before).
    secrets: Mutex<Vec<SecretString>>,
    /// Verified bodies.
    accepted: Mutex<Vec<Vec<u8>>>,
    rejected: Mutex<u32>,
}

async fn receive(req: HttpRequest, body: web::Bytes, state: web::Data<Receiver>) -> HttpResponse {
    let headers = providers::headers_from_pairs(
        req.headers()
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_bytes())),
    );
    let request = WebhookRequest {
        query: req.query_string(),
        headers: &headers,
        body: &body,
        now: Utc::now(),
    };
    let secrets = WebhookSecrets::new(
        state.secrets.lock().unwrap().clone(),
        Duration::from_secs(300),
    );
    match Polar.verify_webhook(&request, &secrets) {
        Ok(_) => {
            state.accepted.lock().unwrap().push(body.to_vec());
            HttpResponse::Ok().finish()
        }
        Err(_) => {
            *state.rejected.lock().unwrap() += 1;
            HttpResponse::Unauthorized().finish()
        }
    }
}

#[tokio::test]
async fn a_signed_webhook_verifies_parses_and_its_data_fetches_and_normalizes() {
    let setup = setup().await;
    let authorized = connect(&setup).await;
    let user_id = authorized.account.id.clone();
    let token = &authorized.tokens.access_token;

    let state = Arc::new(Receiver::default());
    let data = web::Data::from(state.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/api/v1/providers/polar/webhooks", web::post().to(receive))
    })
    .workers(1)
    .disable_signals()
    .bind(("127.0.0.1", 0))
    .unwrap();
    let callback = format!(
        "http://{}/api/v1/providers/polar/webhooks",
        server.addrs()[0]
    );
    let server = server.run();
    let handle = server.handle();
    tokio::spawn(server);

    let client = WebhookClient::new(
        setup.endpoints.api_base_url.clone(),
        setup.config.client_id.clone(),
        SecretString::from(setup.config.client_secret.clone()),
        setup.sender.clone(),
    );
    let registration = client.ensure(&callback, WEBHOOK_EVENTS).await.unwrap();
    let key = registration
        .signature_secret_key
        .expect("a new webhook returns its key");
    assert_eq!(
        state.accepted.lock().unwrap().len(),
        1,
        "the unsigned PING was accepted"
    );
    *state.secrets.lock().unwrap() = vec![SecretString::from("previous-key"), key.clone()];
    let again = client.ensure(&callback, WEBHOOK_EVENTS).await.unwrap();
    assert_eq!(again.id, registration.id);
    assert!(
        again.signature_secret_key.is_none(),
        "the key is shown only at creation"
    );

    // A new exercise: EXERCISE notification → fetch_notified → workout.
    let created = control(&setup, &format!("users/{user_id}/exercise"), json!({})).await;
    assert_eq!(created["delivery"]["state"], "delivered");
    let body = state.accepted.lock().unwrap().last().cloned().unwrap();
    let events = Polar.parse_webhook(&body).unwrap();
    let [InboundEvent::Notification(notification)] = events.as_slice() else {
        panic!("one notification expected: {events:?}");
    };
    assert_eq!(notification.provider_user_id, user_id);
    assert_eq!(notification.event_type, EventType::Create);
    assert_eq!(notification.data_type, "exercise");
    assert_eq!(
        notification.object_id,
        created["record"]["id"].as_str().unwrap()
    );
    let pages = Polar
        .fetch_notified(setup.api(), token, notification)
        .await
        .unwrap();
    assert_eq!(pages.len(), 1);
    let batch = Polar.normalize(&pages[0].kind, &pages[0].body).unwrap();
    assert_eq!(batch.workouts.len(), 1);
    assert_eq!(batch.workouts[0].external_id, notification.object_id);
    assert!(
        batch
            .samples
            .iter()
            .any(|s| s.series == SeriesType::HeartRate)
    );

    // A new night: SLEEP notification → the night and its Nightly Recharge.
    control(&setup, &format!("users/{user_id}/sleep"), json!({})).await;
    let body = state.accepted.lock().unwrap().last().cloned().unwrap();
    let events = Polar.parse_webhook(&body).unwrap();
    let [InboundEvent::Notification(notification)] = events.as_slice() else {
        panic!("one notification expected: {events:?}");
    };
    assert_eq!(notification.data_type, "sleep");
    let pages = Polar
        .fetch_notified(setup.api(), token, notification)
        .await
        .unwrap();
    let kinds: Vec<&str> = pages.iter().map(|p| p.kind.as_str()).collect();
    assert_eq!(kinds, ["sleep", "nightly_recharge@+02:00"]);
    let night = Polar.normalize(&pages[0].kind, &pages[0].body).unwrap();
    assert_eq!(
        night.sleeps[0].external_id,
        format!("sleep:{}", notification.object_id)
    );
    let recharge = Polar.normalize(&pages[1].kind, &pages[1].body).unwrap();
    assert!(
        recharge
            .samples
            .iter()
            .any(|s| s.series == SeriesType::HeartRateVariabilityRmssd)
    );

    // Continuous heart rate and physical info notifications fetch too.
    for (data_type, series) in [
        ("continuous_heart_rate", SeriesType::HeartRate),
        ("physical_info", SeriesType::Weight),
    ] {
        control(&setup, &format!("users/{user_id}/{data_type}"), json!({})).await;
        let body = state.accepted.lock().unwrap().last().cloned().unwrap();
        let events = Polar.parse_webhook(&body).unwrap();
        let [InboundEvent::Notification(n)] = events.as_slice() else {
            panic!("one notification expected: {events:?}");
        };
        assert_eq!(n.data_type, data_type);
        let pages = Polar.fetch_notified(setup.api(), token, n).await.unwrap();
        let batch = Polar.normalize(&pages[0].kind, &pages[0].body).unwrap();
        assert!(
            batch.samples.iter().any(|s| s.series == series),
            "{data_type}"
        );
    }
    assert_eq!(*state.rejected.lock().unwrap(), 0);

    // Tampering, or a key we do not hold, is refused.
    let forged = br#"{"event":"EXERCISE","user_id":1,"entity_id":"x","timestamp":"2030-01-01T00:00:00Z","url":"u"}"#;
    let mut headers = http::HeaderMap::new();
    headers.insert(
        "polar-webhook-signature",
        providers::polar::sign("other-key", forged).parse().unwrap(),
    );
    let request = WebhookRequest {
        query: "",
        headers: &headers,
        body: forged,
        now: Utc::now(),
    };
    let secrets = WebhookSecrets::new(vec![key.clone()], Duration::from_secs(300));
    assert!(Polar.verify_webhook(&request, &secrets).is_err());
    assert!(!key.expose_secret().is_empty());
    handle.stop(true).await;
    setup.emulator.stop().await;
}
