//! Signed webhooks from the emulator, verified and parsed by a test receiver through the trait,
//! then fetched with `fetch_notified` and normalized.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use chrono::Utc;
use domain::SeriesType;
use provider_emulator::WhoopConfig;
use provider_emulator::whoop::RecoveryWebhookId;
use providers::whoop::Whoop;
use providers::{
    EventType, InboundEvent, Notification, ProviderApi, WebhookRequest, WebhookSecrets,
};
use secrecy::SecretString;
use serde_json::{Value, json};

use super::{Setup, connect, control, setup, setup_with};

struct Receiver {
    secrets: WebhookSecrets,
    events: Mutex<Vec<InboundEvent>>,
    rejected: Mutex<usize>,
}

async fn receive(req: HttpRequest, body: web::Bytes, state: web::Data<Receiver>) -> HttpResponse {
    let headers = providers::headers_from_pairs(
        req.headers()
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_bytes())),
    );
    let request = WebhookRequest {
        headers: &headers,
        body: &body,
        query: req.query_string(),
        now: Utc::now(),
    };
    if Whoop.verify_webhook(&request, &state.secrets).is_err() {
        *state.rejected.lock().unwrap() += 1;
        return HttpResponse::Unauthorized().finish();
    }
    match Whoop.parse_webhook(&body) {
        Ok(events) => {
            state.events.lock().unwrap().extend(events);
            HttpResponse::Ok().finish()
        }
        Err(_) => HttpResponse::BadRequest().finish(),
    }
}

/// A receiver whose secrets are `[old-secret, <secret>]` (a rotation in progress).
async fn receiver(setup: &Setup, secret: &str) -> (Arc<Receiver>, ServerHandle) {
    let state = Arc::new(Receiver {
        secrets: WebhookSecrets::new(
            vec![
                SecretString::from("old-secret"),
                SecretString::from(secret.to_owned()),
            ],
            Duration::from_secs(300),
        ),
        events: Mutex::new(Vec::new()),
        rejected: Mutex::new(0),
    });
    let data = web::Data::from(state.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/webhooks/whoop", web::post().to(receive))
    })
    .workers(1)
    .disable_signals()
    .bind(("127.0.0.1", 0))
    .unwrap();
    let url = format!("http://{}/webhooks/whoop", server.addrs()[0]);
    let server = server.run();
    let handle = server.handle();
    tokio::spawn(server);
    control(setup, "webhook-target", json!({ "url": url })).await;
    (state, handle)
}

/// Waits up to two seconds for the receiver to hold `n` events, then returns them.
async fn events(receiver: &Receiver, n: usize) -> Vec<InboundEvent> {
    for _ in 0..100 {
        if receiver.events.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    receiver.events.lock().unwrap().clone()
}

fn notification(event: &InboundEvent) -> &Notification {
    match event {
        InboundEvent::Notification(n) => n,
        other => panic!("expected a notification, got {other:?}"),
    }
}

#[tokio::test]
async fn whoop_a_signed_workout_webhook_verifies_and_its_workout_fetches_and_normalizes() {
    let setup = setup().await;
    let authorized = connect(&setup).await;
    let (receiver, handle) = receiver(&setup, &setup.config.client_secret).await;
    let user = &authorized.account.id;
    let created = control(&setup, &format!("users/{user}/workout"), json!({})).await;

    let received = events(&receiver, 1).await;
    assert_eq!(received.len(), 1, "delivered once and verified");
    let n = notification(&received[0]);
    assert_eq!(n.provider_user_id, *user);
    assert_eq!(
        (n.data_type.as_str(), n.event_type),
        ("workout", EventType::Update)
    );
    assert_eq!(n.object_id, created["id"].as_str().unwrap());

    let token = &authorized.tokens.access_token;
    let pages = Whoop.fetch_notified(setup.api(), token, n).await.unwrap();
    assert_eq!(pages.len(), 1);
    let batch = Whoop.normalize(&pages[0].kind, &pages[0].body).unwrap();
    assert_eq!(batch.workouts.len(), 1);
    assert_eq!(batch.workouts[0].external_id, n.object_id);
    assert!(batch.workouts[0].calories_kcal.unwrap() > 0.0);
    handle.stop(false).await;
    setup.emulator.stop().await;
}

#[tokio::test]
async fn whoop_a_sleep_webhook_fetches_the_sleep_and_the_cycles_around_it() {
    let setup = setup().await;
    let authorized = connect(&setup).await;
    let (receiver, handle) = receiver(&setup, &setup.config.client_secret).await;
    let user = &authorized.account.id;
    let nap = control(&setup, &format!("users/{user}/sleep"), json!({})).await;
    let received = events(&receiver, 1).await;
    let n = notification(&received[0]);
    assert_eq!(n.data_type, "sleep");

    let token = &authorized.tokens.access_token;
    let pages = Whoop.fetch_notified(setup.api(), token, n).await.unwrap();
    let kinds: Vec<&str> = pages.iter().map(|p| p.kind.as_str()).collect();
    assert_eq!(kinds.first(), Some(&"sleep"));
    assert!(kinds.contains(&"cycle"), "{kinds:?}");
    let sleep = Whoop.normalize("sleep", &pages[0].body).unwrap();
    assert_eq!(sleep.sleeps[0].external_id, nap["id"].as_str().unwrap());
    assert!(sleep.sleeps[0].is_nap);
    let cycles = Whoop.normalize("cycle", &pages[1].body).unwrap();
    let nap_cycle = nap["cycle_id"].to_string();
    assert!(
        cycles
            .daily_activity
            .iter()
            .any(|d| d.external_id == nap_cycle)
    );

    let sleep_id = nap["id"].as_str().unwrap();
    control(
        &setup,
        &format!("users/{user}/sleep/{sleep_id}/delete"),
        json!({}),
    )
    .await;
    let received = events(&receiver, 2).await;
    let deleted = notification(&received[1]);
    assert_eq!(
        (deleted.data_type.as_str(), deleted.event_type),
        ("sleep", EventType::Delete)
    );
    assert_eq!(deleted.object_id, sleep_id);
    handle.stop(false).await;
    setup.emulator.stop().await;
}

#[tokio::test]
async fn whoop_recovery_webhooks_resolve_by_sleep_uuid_or_cycle_id() {
    for mode in [RecoveryWebhookId::SleepId, RecoveryWebhookId::CycleId] {
        let setup = setup_with(WhoopConfig {
            recovery_webhook_id: mode,
            ..WhoopConfig::default()
        })
        .await;
        let authorized = connect(&setup).await;
        let (receiver, handle) = receiver(&setup, &setup.config.client_secret).await;
        let user = &authorized.account.id;
        let recovery = control(&setup, &format!("users/{user}/recovery"), json!({})).await;
        let received = events(&receiver, 1).await;
        let n = notification(&received[0]);
        assert_eq!(n.data_type, "recovery");

        let token = &authorized.tokens.access_token;
        let pages = Whoop.fetch_notified(setup.api(), token, n).await.unwrap();
        assert_eq!(pages.len(), 1, "{mode:?}");
        let fetched: Value = serde_json::from_slice(&pages[0].body).unwrap();
        assert_eq!(fetched["cycle_id"], recovery["cycle_id"], "{mode:?}");
        let batch = Whoop.normalize(&pages[0].kind, &pages[0].body).unwrap();
        let rmssd = batch
            .samples
            .iter()
            .find(|s| s.series == SeriesType::HeartRateVariabilityRmssd)
            .unwrap();
        assert_eq!(
            Some(rmssd.value),
            recovery["score"]["hrv_rmssd_milli"].as_f64()
        );
        handle.stop(false).await;
        setup.emulator.stop().await;
    }
}

#[tokio::test]
async fn whoop_a_webhook_signed_with_another_secret_is_rejected_and_retried() {
    let setup = setup().await;
    let authorized = connect(&setup).await;
    let (receiver, handle) = receiver(&setup, "not-the-client-secret").await;
    let user = &authorized.account.id;
    control(&setup, &format!("users/{user}/workout"), json!({})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(receiver.events.lock().unwrap().is_empty());
    assert!(
        *receiver.rejected.lock().unwrap() >= 2,
        "WHOOP retries a 401"
    );
    handle.stop(false).await;
    setup.emulator.stop().await;
}
