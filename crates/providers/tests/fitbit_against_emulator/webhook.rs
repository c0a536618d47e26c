//! The subscriber side: the emulator verifies our endpoint with `answer_challenge`, then signed
//! notifications are verified and parsed through the trait, fetched with `fetch_notified` and
//! normalized; deauthorizations arrive as events.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use chrono::Utc;
use domain::SeriesType;
use providers::fitbit::Fitbit;
use providers::{
    ChallengeAnswer, EventType, InboundEvent, Notification, ProviderApi, WebhookRequest,
    WebhookSecrets,
};
use secrecy::SecretString;
use serde_json::{Value, json};

use super::{Setup, connect, control, setup};

const VERIFICATION_CODE: &str = "our-verification-code";

struct Receiver {
    secrets: WebhookSecrets,
    events: Mutex<Vec<InboundEvent>>,
    rejected: Mutex<usize>,
}

/// `GET ?verify=`: 204 for our code, 404 otherwise (what the webhook receiver must answer).
async fn verify(req: HttpRequest) -> HttpResponse {
    let query: Vec<(String, String)> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .collect();
    let expected = SecretString::from(VERIFICATION_CODE);
    match Fitbit.answer_challenge(Some(&expected), &query) {
        Ok(ChallengeAnswer::NoContent) => HttpResponse::NoContent().finish(),
        _ => HttpResponse::NotFound().finish(),
    }
}

/// A notification: 204 once verified and parsed; 404 for a bad signature (Fitbit's advice).
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
    if Fitbit.verify_webhook(&request, &state.secrets).is_err() {
        *state.rejected.lock().unwrap() += 1;
        return HttpResponse::NotFound().finish();
    }
    match Fitbit.parse_webhook(&body) {
        Ok(events) => {
            state.events.lock().unwrap().extend(events);
            HttpResponse::NoContent().finish()
        }
        Err(_) => HttpResponse::BadRequest().finish(),
    }
}

/// A receiver registered (and verified) as the app's subscriber; secrets mid-rotation.
async fn receiver(setup: &Setup) -> (Arc<Receiver>, ServerHandle, String) {
    let state = Arc::new(Receiver {
        secrets: WebhookSecrets::new(
            vec![
                SecretString::from("old-secret"),
                SecretString::from(setup.config.client_secret.clone()),
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
            .route("/webhooks/fitbit", web::get().to(verify))
            .route("/webhooks/fitbit", web::post().to(receive))
    })
    .workers(1)
    .disable_signals()
    .bind(("127.0.0.1", 0))
    .unwrap();
    let url = format!("http://{}/webhooks/fitbit", server.addrs()[0]);
    let server = server.run();
    let handle = server.handle();
    tokio::spawn(server);
    let target = control(
        setup,
        "webhook-target",
        json!({"url": url, "verification_code": VERIFICATION_CODE}),
    )
    .await;
    assert_eq!(
        target["verified"], true,
        "the emulator verified our endpoint"
    );
    (state, handle, url)
}

async fn wait_for_events(state: &Receiver, n: usize) -> Vec<InboundEvent> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let events = state.events.lock().unwrap().clone();
        if events.len() >= n || Instant::now() > deadline {
            return events;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn fitbit_a_signed_notification_verifies_parses_and_its_day_is_fetched_and_normalized() {
    let setup = setup().await;
    let (state, handle, _) = receiver(&setup).await;
    let authorized = connect(&setup).await;
    let user = authorized.account.id.clone();
    let token = &authorized.tokens.access_token;

    let created = control(&setup, &format!("users/{user}/sleep"), json!({})).await;
    let events = wait_for_events(&state, 1).await;
    let date = created["date"].as_str().unwrap().to_owned();
    let expected = Notification {
        provider_user_id: user.clone(),
        event_type: EventType::Update,
        data_type: "sleep".into(),
        object_id: date,
        url: None,
    };
    assert_eq!(events, vec![InboundEvent::Notification(expected.clone())]);
    let pages = Fitbit
        .fetch_notified(setup.api(), token, &expected)
        .await
        .unwrap();
    let kinds: Vec<&str> = pages.iter().map(|p| p.kind.as_str()).collect();
    assert_eq!(
        kinds,
        vec![
            "sleep@-05:00",
            "hrv@-05:00",
            "br@-05:00",
            "spo2@-05:00",
            "temp_skin@-05:00"
        ]
    );
    let log_id = created["record"]["logId"].to_string();
    let sleep = Fitbit.normalize(&pages[0].kind, &pages[0].body).unwrap();
    assert!(sleep.sleeps.iter().any(|s| s.external_id == log_id));
    for page in &pages[1..] {
        Fitbit.normalize(&page.kind, &page.body).unwrap();
    }

    let created = control(&setup, &format!("users/{user}/activities"), json!({})).await;
    let events = wait_for_events(&state, 2).await;
    let InboundEvent::Notification(activities) = &events[1] else {
        panic!("{:?}", events[1]);
    };
    assert_eq!(activities.data_type, "activities");
    let pages = Fitbit
        .fetch_notified(setup.api(), token, activities)
        .await
        .unwrap();
    let mut workouts = Vec::new();
    let mut days = Vec::new();
    for page in &pages {
        let batch = Fitbit.normalize(&page.kind, &page.body).unwrap();
        workouts.extend(batch.workouts);
        days.extend(batch.daily_activity);
    }
    let log_id = created["record"]["logId"].to_string();
    assert!(workouts.iter().any(|w| w.external_id == log_id));
    assert_eq!(days.len(), 1);
    assert_eq!(days[0].date.to_string(), created["date"].as_str().unwrap());

    let created = control(&setup, &format!("users/{user}/body"), json!({})).await;
    let events = wait_for_events(&state, 3).await;
    let InboundEvent::Notification(body) = &events[2] else {
        panic!("{:?}", events[2]);
    };
    let pages = Fitbit
        .fetch_notified(setup.api(), token, body)
        .await
        .unwrap();
    let weight = Fitbit.normalize(&pages[0].kind, &pages[0].body).unwrap();
    let kg = created["record"]["weight"].as_f64().unwrap();
    assert!(
        weight
            .samples
            .iter()
            .any(|s| s.series == SeriesType::Weight && s.value == kg)
    );
    assert_eq!(*state.rejected.lock().unwrap(), 0);
    handle.stop(true).await;
    setup.emulator.stop().await;
}

#[tokio::test]
async fn fitbit_a_tampered_notification_is_rejected_and_a_revocation_is_a_deauthorization() {
    let setup = setup().await;
    let (state, handle, url) = receiver(&setup).await;
    let authorized = connect(&setup).await;
    let user = authorized.account.id.clone();

    let body = format!(
        r#"[{{"collectionType":"sleep","date":"2024-01-15","ownerId":"{user}","ownerType":"user","subscriptionId":"{user}-sleep"}}]"#
    );
    let signature = providers::fitbit::sign(&setup.config.client_secret, body.as_bytes());
    let tampered = body.replace("2024-01-15", "2024-01-16");
    let response = reqwest::Client::new()
        .post(&url)
        .header("X-Fitbit-Signature", signature)
        .header("content-type", "application/json")
        .body(tampered)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(*state.rejected.lock().unwrap(), 1);

    control(&setup, &format!("users/{user}/deauthorize"), json!({})).await;
    let events = wait_for_events(&state, 1).await;
    assert_eq!(
        events,
        vec![InboundEvent::Deauthorized {
            provider_user_id: user.clone()
        }]
    );
    let deliveries: Value = reqwest::get(format!(
        "{}/_emulator/fitbit/deliveries",
        setup.emulator.base_url()
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(deliveries[0]["state"], "delivered");
    handle.stop(true).await;
    setup.emulator.stop().await;
}
