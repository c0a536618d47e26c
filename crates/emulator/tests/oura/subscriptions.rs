use chrono::{DateTime, Utc};
use provider_emulator::Emulator;
use serde_json::{Value, json};

use crate::support::{self, Callback, VERIFICATION_TOKEN, http, subscribe};

pub const SECRET: &str = "wearhouse-local-secret";

pub fn subscription_url(emulator: &Emulator, rest: &str) -> String {
    format!("{}/v2/webhook/subscription{rest}", emulator.oura_api_base())
}

pub fn app(request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    request
        .header("x-client-id", "wearhouse-local")
        .header("x-client-secret", SECRET)
}

#[tokio::test]
async fn subscription_creation_performs_the_challenge() {
    let emulator = support::start().await;
    let callback = Callback::start().await;
    let http = http();
    let response = subscribe(&emulator, &http, &callback.url, "create", "sleep").await;
    assert_eq!(response.status(), 201);
    let model: Value = response.json().await.unwrap();
    assert_eq!(model["callback_url"], callback.url.as_str());
    assert_eq!(model["event_type"], "create");
    assert_eq!(model["data_type"], "sleep");
    assert!(model.get("verification_token").is_none());
    let expires = DateTime::parse_from_rfc3339(model["expiration_time"].as_str().unwrap()).unwrap();
    assert!((expires.with_timezone(&Utc) - Utc::now()).num_days() >= 89);
    let challenges = callback.challenges();
    assert_eq!(challenges.len(), 1);
    assert!(challenges[0].len() >= 16);

    let listed: Value = app(http.get(subscription_url(&emulator, "")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed, json!([model]));
    callback.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn subscription_with_a_failing_challenge_is_rejected() {
    let emulator = support::start().await;
    let callback = Callback::start().await;
    let http = http();
    let wrong_token = app(http.post(subscription_url(&emulator, "")))
        .json(&json!({
            "callback_url": callback.url,
            "verification_token": "not-the-token",
            "event_type": "create",
            "data_type": "sleep",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_token.status(), 400);
    let body: Value = wrong_token.json().await.unwrap();
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .starts_with("callback verification failed")
    );

    let nobody_listens = subscribe(
        &emulator,
        &http,
        "http://127.0.0.1:9/hook",
        "create",
        "sleep",
    )
    .await;
    assert_eq!(nobody_listens.status(), 400);
    let listed: Value = app(http.get(subscription_url(&emulator, "")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed, json!([]));
    callback.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn subscription_api_checks_credentials_types_and_duplicates() {
    let emulator = support::start().await;
    let callback = Callback::start().await;
    let http = http();
    let unauthenticated = http
        .get(subscription_url(&emulator, ""))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), 401);
    let wrong_secret = http
        .get(subscription_url(&emulator, ""))
        .header("x-client-id", "wearhouse-local")
        .header("x-client-secret", "nope")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_secret.status(), 401);
    assert_eq!(
        subscribe(&emulator, &http, &callback.url, "explode", "sleep")
            .await
            .status(),
        422
    );
    assert_eq!(
        subscribe(&emulator, &http, &callback.url, "create", "naps")
            .await
            .status(),
        422
    );
    assert_eq!(
        subscribe(&emulator, &http, &callback.url, "update", "workout")
            .await
            .status(),
        201
    );
    assert_eq!(
        subscribe(&emulator, &http, &callback.url, "update", "workout")
            .await
            .status(),
        409
    );
    assert_eq!(
        subscribe(&emulator, &http, &callback.url, "delete", "workout")
            .await
            .status(),
        201
    );
    callback.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn subscription_can_be_read_renewed_updated_and_deleted() {
    let emulator = support::start().await;
    let callback = Callback::start().await;
    let http = http();
    let model: Value = subscribe(&emulator, &http, &callback.url, "create", "sleep")
        .await
        .json()
        .await
        .unwrap();
    let id = model["id"].as_str().unwrap();
    let path = format!("/{id}");

    let read: Value = app(http.get(subscription_url(&emulator, &path)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read, model);
    let renewed = app(http.put(subscription_url(&emulator, &format!("/renew/{id}"))))
        .send()
        .await
        .unwrap();
    assert_eq!(renewed.status(), 200);
    assert_eq!(callback.challenges().len(), 2);

    let missing_token = app(http.put(subscription_url(&emulator, &path)))
        .json(&json!({ "data_type": "workout" }))
        .send()
        .await
        .unwrap();
    assert_eq!(missing_token.status(), 422);
    let updated = app(http.put(subscription_url(&emulator, &path)))
        .json(&json!({ "verification_token": VERIFICATION_TOKEN, "data_type": "workout" }))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.status(), 200);
    let updated: Value = updated.json().await.unwrap();
    assert_eq!(updated["data_type"], "workout");
    assert_eq!(updated["event_type"], "create");
    assert_eq!(callback.challenges().len(), 3);

    let deleted = app(http.delete(subscription_url(&emulator, &path)))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    for request in [
        http.get(subscription_url(&emulator, &path)),
        http.delete(subscription_url(&emulator, &path)),
    ] {
        assert_eq!(app(request).send().await.unwrap().status(), 403);
    }
    callback.stop().await;
    emulator.stop().await;
}
