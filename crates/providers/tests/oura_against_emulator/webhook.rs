//! A signed webhook from the emulator, verified by a test receiver, then fetched and normalized.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use chrono::Utc;
use domain::Provider;
use providers::oura::{self, OuraDataType};
use providers::{ProviderError, WebhookRequest, WebhookSecrets};
use secrecy::SecretString;
use serde_json::json;

use super::{connect, control, setup};

#[derive(Default)]
struct Received(Mutex<Vec<oura::OuraNotification>>);

struct Receiver {
    secrets: WebhookSecrets,
    verification_token: SecretString,
    received: Arc<Received>,
}

async fn receive(req: HttpRequest, body: web::Bytes, state: web::Data<Receiver>) -> HttpResponse {
    let headers = providers::headers_from_pairs(
        req.headers()
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_bytes())),
    );
    let request = WebhookRequest {
        query: "",
        headers: &headers,
        body: &body,
        now: Utc::now(),
    };
    match oura::verify_webhook(&request, &state.secrets) {
        Ok(verified) => {
            state.received.0.lock().unwrap().push(verified.into_inner());
            HttpResponse::Ok().finish()
        }
        Err(_) => HttpResponse::Unauthorized().finish(),
    }
}

async fn challenge(
    query: web::Query<Vec<(String, String)>>,
    state: web::Data<Receiver>,
) -> HttpResponse {
    let get = |k: &str| {
        query
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    match oura::answer_challenge(
        &state.verification_token,
        get("verification_token"),
        get("challenge"),
    ) {
        Ok(answer) => HttpResponse::Ok().json(answer),
        Err(_) => HttpResponse::Unauthorized().finish(),
    }
}

#[tokio::test]
async fn a_signed_webhook_verifies_and_its_document_fetches_and_normalizes() {
    let setup = setup().await;
    let tokens = connect(&setup).await;
    let user_id = setup
        .client
        .personal_info(&tokens.access_token)
        .await
        .unwrap()
        .id;

    let received = Arc::new(Received::default());
    let state = web::Data::new(Receiver {
        secrets: WebhookSecrets::new(
            vec![
                SecretString::from("old-secret"),
                SecretString::from(setup.config.client_secret.clone()),
            ],
            Duration::from_secs(300),
        ),
        verification_token: SecretString::from("verify-me"),
        received: received.clone(),
    });
    let server = HttpServer::new(move || {
        App::new().app_data(state.clone()).service(
            web::resource("/webhooks/oura")
                .route(web::get().to(challenge))
                .route(web::post().to(receive)),
        )
    })
    .workers(1)
    .disable_signals()
    .bind(("127.0.0.1", 0))
    .unwrap();
    let callback = format!("http://{}/webhooks/oura", server.addrs()[0]);
    let server = server.run();
    let handle = server.handle();
    tokio::spawn(server);

    let response = reqwest::Client::new()
        .post(format!(
            "{}/v2/webhook/subscription",
            setup.emulator.oura_api_base()
        ))
        .header("x-client-id", &setup.config.client_id)
        .header("x-client-secret", &setup.config.client_secret)
        .json(
            &json!({"callback_url": callback, "verification_token": "verify-me",
                      "event_type": "create", "data_type": "sleep"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        reqwest::StatusCode::CREATED,
        "challenge answered"
    );

    let created = control(&setup, &format!("users/{user_id}/sleep"), json!({})).await;
    let document_id = created["id"].as_str().unwrap();
    let notifications = received.0.lock().unwrap().clone();
    assert_eq!(notifications.len(), 1, "delivered once and verified");
    let notification = &notifications[0];
    assert_eq!(
        (
            notification.event_type.as_str(),
            notification.data_type.as_str()
        ),
        ("create", "sleep")
    );
    assert_eq!(notification.object_id, document_id);
    assert_eq!(notification.user_id, user_id);

    let data_type: OuraDataType = notification.data_type.parse().unwrap();
    let payload = setup
        .client
        .fetch_document(&tokens.access_token, data_type, &notification.object_id)
        .await
        .unwrap();
    let batch = providers::normalize(Provider::Oura, &payload.kind, &payload.body).unwrap();
    assert_eq!(batch.sleeps.len(), 1);
    assert_eq!(batch.sleeps[0].external_id, document_id);
    let err = setup
        .client
        .fetch_document(&tokens.access_token, OuraDataType::Sleep, "nope")
        .await;
    assert!(matches!(
        err,
        Err(ProviderError::Status { status: 404, .. })
    ));

    handle.stop(false).await;
    setup.emulator.stop().await;
}
