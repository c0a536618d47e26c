//! Webhooks from the emulator to a test receiver that authenticates them with
//! `verify_webhook` (client id header + URL token), then `parse_webhook`, `fetch_notified` and
//! `normalize`.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use chrono::Utc;
use providers::garmin::{Garmin, webhook_secret};
use providers::{
    EventType, InboundEvent, Notification, ProviderApi, ProviderError, WebhookRequest,
    WebhookSecrets,
};
use serde_json::{Value, json};

use super::{connect, control, setup};

const URL_TOKEN: &str = "garmin-url-token-7f3a9c2e";

struct Receiver {
    secrets: WebhookSecrets,
    verified: Mutex<Vec<Vec<u8>>>,
    rejected: Mutex<usize>,
}

pub(super) struct Running {
    pub(super) url: String,
    state: Arc<Receiver>,
    pub(super) handle: ServerHandle,
}

impl Running {
    async fn bodies(&self, n: usize) -> Vec<Vec<u8>> {
        for _ in 0..300 {
            if self.state.verified.lock().unwrap().len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.state.verified.lock().unwrap().clone()
    }
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
    match Garmin.verify_webhook(&request, &state.secrets) {
        Ok(_) => {
            state.verified.lock().unwrap().push(body.to_vec());
            HttpResponse::Ok().json(json!({"status": "accepted"}))
        }
        Err(_) => {
            *state.rejected.lock().unwrap() += 1;
            HttpResponse::Unauthorized().finish()
        }
    }
}

pub(super) async fn receiver(client_id: &str) -> Running {
    let state = Arc::new(Receiver {
        secrets: WebhookSecrets::new(
            vec![webhook_secret(client_id, URL_TOKEN)],
            Duration::from_secs(300),
        ),
        verified: Mutex::new(Vec::new()),
        rejected: Mutex::new(0),
    });
    let data = web::Data::from(state.clone());
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(web::PayloadConfig::new(64 * 1024 * 1024))
            .route("/api/v1/providers/garmin/webhooks", web::post().to(receive))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .unwrap()
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    Running {
        url: format!("http://127.0.0.1:{port}/api/v1/providers/garmin/webhooks?token={URL_TOKEN}"),
        state,
        handle,
    }
}

#[tokio::test]
async fn a_pushed_sleep_verifies_and_parses_to_its_exact_bytes_which_normalize() {
    let setup = setup().await;
    let account = connect(&setup).await.account.id;
    let hook = receiver(&setup.config.client_id).await;
    control(
        &setup,
        "webhook-target",
        json!({"url": hook.url, "mode": "push"}),
    )
    .await;
    let created = control(&setup, &format!("users/{account}/sleeps"), json!({})).await;
    let start = created["created"][0]["startTimeInSeconds"]
        .as_i64()
        .unwrap();

    let bodies = hook.bodies(1).await;
    assert_eq!(bodies.len(), 1);
    let events = Garmin.parse_webhook(&bodies[0]).unwrap();
    assert_eq!(events.len(), 1);
    let InboundEvent::Data {
        provider_user_id,
        kind,
        body,
    } = &events[0]
    else {
        panic!("expected pushed data, got {:?}", events[0]);
    };
    assert_eq!(provider_user_id, &account);
    assert_eq!(kind, "sleeps");
    let whole = String::from_utf8(bodies[0].clone()).unwrap();
    assert!(
        whole.contains(std::str::from_utf8(body).unwrap()),
        "exact item bytes"
    );
    let item: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(item["userId"], account.as_str());

    let batch = Garmin.normalize(kind, body).unwrap();
    assert_eq!(batch.sleeps.len(), 1);
    let sleep = &batch.sleeps[0];
    assert_eq!(sleep.external_id, format!("sleep-{start}"));
    assert!(!sleep.stages.is_empty());
    assert_eq!(
        sleep.zone_offset.unwrap().seconds(),
        setup.config.zone_offset_secs
    );
    let staged: i64 = sleep
        .stages
        .iter()
        .map(|s| (s.end - s.start).num_seconds())
        .sum();
    assert_eq!(staged, sleep.duration_seconds());
    hook.handle.stop(true).await;
    setup.emulator.stop().await;
}

#[tokio::test]
async fn deliveries_without_our_client_id_or_url_token_are_rejected() {
    let setup = setup().await;
    let hook = receiver(&setup.config.client_id).await;
    let http = reqwest::Client::new();
    let body = r#"{"dailies":[{"userId":"u","summaryId":"s"}]}"#;
    let wrong_token = hook.url.replace(URL_TOKEN, "garmin-url-token-7f3a9c2f");
    let no_token = hook.url.split('?').next().unwrap().to_owned();
    for (url, client_id) in [
        (wrong_token.as_str(), Some("wearhouse-local")),
        (no_token.as_str(), Some("wearhouse-local")),
        (hook.url.as_str(), Some("someone-else")),
        (hook.url.as_str(), None),
    ] {
        let mut request = http.post(url).body(body);
        if let Some(id) = client_id {
            request = request.header("garmin-client-id", id);
        }
        assert_eq!(
            request.send().await.unwrap().status(),
            401,
            "{url} {client_id:?}"
        );
    }
    assert_eq!(*hook.state.rejected.lock().unwrap(), 4);
    hook.handle.stop(true).await;
    setup.emulator.stop().await;
}

#[tokio::test]
async fn a_ping_is_fetched_by_fetch_notified_and_normalizes() {
    let setup = setup().await;
    let authorized = connect(&setup).await;
    let account = authorized.account.id.clone();
    let hook = receiver(&setup.config.client_id).await;
    control(
        &setup,
        "webhook-target",
        json!({"url": hook.url, "mode": "ping"}),
    )
    .await;
    control(&setup, &format!("users/{account}/dailies"), json!({})).await;
    let bodies = hook.bodies(1).await;
    let events = Garmin.parse_webhook(&bodies[0]).unwrap();
    let InboundEvent::Notification(notification) = &events[0] else {
        panic!("expected a ping notification, got {:?}", events[0]);
    };
    assert_eq!(notification.provider_user_id, account);
    assert_eq!(notification.data_type, "dailies");
    assert_eq!(notification.event_type, EventType::Update);
    let pages = Garmin
        .fetch_notified(setup.api(), &authorized.tokens.access_token, notification)
        .await
        .unwrap();
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].kind, "dailies");
    let batch = Garmin.normalize(&pages[0].kind, &pages[0].body).unwrap();
    assert_eq!(batch.daily_activity.len(), 1);
    let local_today = (Utc::now()
        + chrono::Duration::seconds(i64::from(setup.config.zone_offset_secs)))
    .date_naive();
    assert!(batch.daily_activity[0].date <= local_today);

    let elsewhere = Notification {
        url: Some("https://evil.example/wellness-api/rest/dailies".into()),
        ..notification.clone()
    };
    let err = Garmin
        .fetch_notified(setup.api(), &authorized.tokens.access_token, &elsewhere)
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::InvalidResponse(_)), "{err:?}");
    hook.handle.stop(true).await;
    setup.emulator.stop().await;
}

#[tokio::test]
async fn deregistration_and_permission_change_webhooks_become_lifecycle_events() {
    let setup = setup().await;
    let account = connect(&setup).await.account.id;
    let hook = receiver(&setup.config.client_id).await;
    control(&setup, "webhook-target", json!({"url": hook.url})).await;
    control(
        &setup,
        &format!("users/{account}/permissions"),
        json!({"permissions": ["HEALTH_EXPORT"]}),
    )
    .await;
    control(&setup, &format!("users/{account}/deauthorize"), json!({})).await;
    let bodies = hook.bodies(2).await;
    let events: Vec<InboundEvent> = bodies
        .iter()
        .flat_map(|b| Garmin.parse_webhook(b).unwrap())
        .collect();
    assert_eq!(
        events,
        vec![
            InboundEvent::PermissionsChanged {
                provider_user_id: account.clone(),
                permissions: vec!["HEALTH_EXPORT".into()],
            },
            InboundEvent::Deauthorized {
                provider_user_id: account,
            },
        ]
    );
    hook.handle.stop(true).await;
    setup.emulator.stop().await;
}
