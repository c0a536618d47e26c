//! Webhooks from the emulator to a test receiver that uses the trait: the subscription handshake,
//! token verification, parsing, `fetch_notified` and `normalize`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use chrono::Utc;
use providers::strava::Strava;
use providers::strava::subscriptions::{SubscriptionClient, callback_url_with_token};
use providers::{
    ChallengeAnswer, EventType, InboundEvent, ProviderApi, WebhookError, WebhookRequest,
    WebhookSecrets,
};
use secrecy::SecretString;
use serde_json::json;

use super::{Setup, connect, control, setup};

const CALLBACK_TOKEN: &str = "cb-7f3e9a1c2b4d";
const VERIFY_TOKEN: &str = "verify-me";

#[derive(Default)]
struct Received {
    events: Mutex<Vec<InboundEvent>>,
    rejected: Mutex<Vec<WebhookError>>,
}

struct Receiver {
    secrets: WebhookSecrets,
    verify_token: SecretString,
    received: Arc<Received>,
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
    if let Err(e) = Strava.verify_webhook(&request, &state.secrets) {
        state.received.rejected.lock().unwrap().push(e);
        return HttpResponse::Unauthorized().finish();
    }
    let events = Strava.parse_webhook(&body).unwrap();
    state.received.events.lock().unwrap().extend(events);
    HttpResponse::Ok().finish()
}

async fn challenge(
    query: web::Query<Vec<(String, String)>>,
    state: web::Data<Receiver>,
) -> HttpResponse {
    match Strava.answer_challenge(Some(&state.verify_token), &query) {
        Ok(ChallengeAnswer::Json(body)) => HttpResponse::Ok().json(body),
        Ok(ChallengeAnswer::NoContent) => HttpResponse::NoContent().finish(),
        Err(_) => HttpResponse::Forbidden().finish(),
    }
}

/// Starts the receiver; returns its callback URL (without the token) and what it received.
async fn receiver() -> (String, Arc<Received>, actix_web::dev::ServerHandle) {
    let received = Arc::new(Received::default());
    let state = web::Data::new(Receiver {
        secrets: WebhookSecrets::new(
            vec![
                SecretString::from("rotated-out-token"),
                SecretString::from(CALLBACK_TOKEN),
            ],
            Duration::from_secs(300),
        ),
        verify_token: SecretString::from(VERIFY_TOKEN),
        received: received.clone(),
    });
    let server = HttpServer::new(move || {
        App::new().app_data(state.clone()).service(
            web::resource("/api/v1/providers/strava/webhooks")
                .route(web::get().to(challenge))
                .route(web::post().to(receive)),
        )
    })
    .workers(1)
    .disable_signals()
    .bind(("127.0.0.1", 0))
    .unwrap();
    let url = format!(
        "http://{}/api/v1/providers/strava/webhooks",
        server.addrs()[0]
    );
    let server = server.run();
    let handle = server.handle();
    tokio::spawn(server);
    (url, received, handle)
}

fn subscriptions(setup: &Setup) -> SubscriptionClient {
    SubscriptionClient::new(
        setup.endpoints.api_base_url.clone(),
        setup.config.client_id.clone(),
        SecretString::from(setup.config.client_secret.clone()),
        setup.sender.clone(),
    )
}

async fn wait_for(received: &Received, n: usize) -> Vec<InboundEvent> {
    for _ in 0..100 {
        if received.events.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    received.events.lock().unwrap().clone()
}

#[tokio::test]
async fn strava_a_webhook_verifies_parses_and_its_activity_fetches_and_normalizes() {
    let setup = setup().await;
    let (url, received, handle) = receiver().await;
    let callback = callback_url_with_token(&url, &SecretString::from(CALLBACK_TOKEN)).unwrap();
    let verify = SecretString::from(VERIFY_TOKEN);
    let client = subscriptions(&setup);
    let id = client.ensure(callback.as_str(), &verify).await.unwrap();
    assert_eq!(client.ensure(callback.as_str(), &verify).await.unwrap(), id);

    let authorized = connect(&setup).await;
    let athlete = authorized.account.id.clone();
    let token = authorized.tokens.access_token.clone();
    let created = control(
        &setup,
        &format!("users/{athlete}/activity"),
        json!({"sport_type": "Run"}),
    )
    .await;
    let activity_id = created["activity"]["id"].to_string();

    let events = wait_for(&received, 1).await;
    let InboundEvent::Notification(notification) = &events[0] else {
        panic!("expected a notification, got {events:?}");
    };
    assert_eq!(notification.provider_user_id, athlete);
    assert_eq!(notification.event_type, EventType::Create);
    assert_eq!(notification.data_type, "activity");
    assert_eq!(notification.object_id, activity_id);

    let payloads = Strava
        .fetch_notified(setup.api(), &token, notification)
        .await
        .unwrap();
    let kinds: Vec<&str> = payloads.iter().map(|p| p.kind.as_str()).collect();
    assert_eq!(kinds, ["activity", "activity_streams"]);
    let workout = Strava
        .normalize("activity", &payloads[0].body)
        .unwrap()
        .workouts;
    assert_eq!(workout.len(), 1);
    assert_eq!(workout[0].external_id, activity_id);
    assert_eq!(workout[0].workout_type, "running");
    assert!(
        workout[0].calories_kcal.is_some_and(|c| c > 0.0),
        "detail has calories"
    );
    assert!(workout[0].device.is_some());
    let samples = Strava
        .normalize("activity_streams", &payloads[1].body)
        .unwrap()
        .samples;
    assert!(
        samples
            .iter()
            .all(|s| s.time >= workout[0].start && s.time <= workout[0].end)
    );
    assert!(
        samples
            .iter()
            .any(|s| s.series == domain::SeriesType::HeartRate)
    );

    control(
        &setup,
        &format!("users/{athlete}/activity/{activity_id}/delete"),
        json!({}),
    )
    .await;
    control(&setup, &format!("users/{athlete}/deauthorize"), json!({})).await;
    let events = wait_for(&received, 3).await;
    let InboundEvent::Notification(deleted) = &events[1] else {
        panic!("expected a notification, got {events:?}");
    };
    assert_eq!(deleted.event_type, EventType::Delete);
    assert!(
        Strava
            .fetch_notified(setup.api(), &token, deleted)
            .await
            .unwrap()
            .is_empty(),
        "deletions need no fetch"
    );
    assert_eq!(
        events[2],
        InboundEvent::Deauthorized {
            provider_user_id: athlete
        }
    );
    assert!(received.rejected.lock().unwrap().is_empty());
    handle.stop(true).await;
    setup.emulator.stop().await;
}

#[tokio::test]
async fn strava_a_callback_without_our_token_is_rejected_and_a_new_callback_replaces_the_old() {
    let setup = setup().await;
    let (url, received, handle) = receiver().await;
    let verify = SecretString::from(VERIFY_TOKEN);
    let client = subscriptions(&setup);
    // Registered without the token (a misconfiguration): the handshake works, events do not.
    let first = client.ensure(&url, &verify).await.unwrap();
    let authorized = connect(&setup).await;
    let athlete = authorized.account.id;
    control(&setup, &format!("users/{athlete}/activity"), json!({})).await;
    assert_eq!(
        received.rejected.lock().unwrap().first(),
        Some(&WebhookError::MissingHeader("token"))
    );
    assert!(received.events.lock().unwrap().is_empty());

    let callback = callback_url_with_token(&url, &SecretString::from(CALLBACK_TOKEN)).unwrap();
    let second = client.ensure(callback.as_str(), &verify).await.unwrap();
    assert_ne!(second, first);
    let listed = client.list().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].callback_url, callback.as_str());

    let wrong = SecretString::from("wrong");
    assert!(
        client
            .ensure("http://127.0.0.1:1/unreachable", &wrong)
            .await
            .is_err()
    );
    handle.stop(true).await;
    setup.emulator.stop().await;
}
