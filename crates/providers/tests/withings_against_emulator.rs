//! The Withings integration against the local Withings emulator, through [`ProviderApi`] only:
//! authorize and connect (user id, notification subscriptions), Withings' refresh rotation,
//! `{status}` error mapping, rate limits, REST pull with `offset` pages, and form-encoded
//! notifications verified by their callback token, fetched and normalized. Test names start with
//! `withings` so that `cargo test -- withings` selects them.

// Test helpers outside #[test] fns are test code too (clippy only exempts the fns themselves).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::{Days, SubsecRound, Utc};
use domain::TimeWindow;
use provider_emulator::{Emulator, EmulatorConfig, WithingsConfig};
use providers::withings::Withings;
use providers::{
    ApiContext, Authorized, HttpSender, HttpSenderConfig, OAuthContext, ProviderApi,
    ProviderCredentials, ProviderEndpoints, ProviderError,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use url::Url;

#[path = "withings_against_emulator/fetch.rs"]
mod withings_fetch;
#[path = "withings_against_emulator/receiver.rs"]
mod withings_receiver;
#[path = "withings_against_emulator/webhook.rs"]
mod withings_webhook;

use withings_receiver::{Received, Receiver};

struct Setup {
    emulator: Emulator,
    receiver: Receiver,
    endpoints: ProviderEndpoints,
    credentials: ProviderCredentials,
    sender: HttpSender,
}

impl Setup {
    fn oauth(&self) -> OAuthContext<'_> {
        OAuthContext {
            endpoints: &self.endpoints,
            credentials: &self.credentials,
            sender: &self.sender,
        }
    }

    fn api(&self) -> ApiContext<'_> {
        ApiContext {
            api_base_url: &self.endpoints.api_base_url,
            sender: &self.sender,
        }
    }

    async fn stop(self) {
        self.receiver.stop().await;
        self.emulator.stop().await;
    }
}

async fn setup() -> Setup {
    setup_with(WithingsConfig::default()).await
}

async fn setup_with(config: WithingsConfig) -> Setup {
    let config = WithingsConfig {
        webhook_retry_base_ms: 20,
        ..config
    };
    let emulator = Emulator::start(
        EmulatorConfig {
            seed: 11,
            withings: config.clone(),
            ..EmulatorConfig::default()
        },
        "127.0.0.1:0",
    )
    .await
    .unwrap();
    let receiver = Receiver::start().await;
    let base = emulator.provider_base("withings");
    let endpoints = ProviderEndpoints {
        authorize_url: Url::parse(&format!("{base}/oauth2_user/authorize2")).unwrap(),
        token_url: Url::parse(&format!("{base}/v2/oauth2")).unwrap(),
        api_base_url: Url::parse(&base).unwrap(),
        revoke_url: Some(Url::parse(&format!("{base}/v2/oauth2")).unwrap()),
    };
    let redirect = format!(
        "http://127.0.0.1:{}/api/v1/oauth/withings/callback",
        receiver.port
    );
    let credentials = ProviderCredentials {
        client_id: config.client_id.clone(),
        client_secret: SecretString::from(config.client_secret.clone()),
        redirect_url: Url::parse(&redirect).unwrap(),
        scopes: Withings
            .default_scopes()
            .iter()
            .map(|s| s.to_string())
            .collect(),
    };
    let sender = HttpSender::new(HttpSenderConfig {
        base_backoff: Duration::from_millis(20),
        ..HttpSenderConfig::default()
    })
    .unwrap();
    Setup {
        emulator,
        receiver,
        endpoints,
        credentials,
        sender,
    }
}

/// Authorize (auto-approved: a new emulated user), follow the 302 by hand, then `connect()`.
async fn connect(setup: &Setup) -> Authorized {
    let code = authorize(setup).await;
    Withings
        .connect(setup.oauth(), &code, None, Utc::now())
        .await
        .unwrap()
}

async fn authorize(setup: &Setup) -> String {
    let request = Withings.authorize_url(setup.oauth(), "state-123").unwrap();
    assert!(request.pkce_verifier.is_none(), "Withings uses no PKCE");
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = browser.get(request.url).send().await.unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::FOUND);
    let location = response.headers()[reqwest::header::LOCATION]
        .to_str()
        .unwrap();
    let location = Url::parse(location).unwrap();
    assert_eq!(location.path(), "/api/v1/oauth/withings/callback");
    let param = |name: &str| {
        location
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(param("state").as_deref(), Some("state-123"));
    param("code").expect("callback carries a code")
}

async fn control(setup: &Setup, path: &str, body: Value) -> Value {
    let url = format!("{}/_emulator/withings/{path}", setup.emulator.base_url());
    let response = reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "control {path}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

async fn emulator_users(setup: &Setup) -> Vec<Value> {
    let url = format!("{}/_emulator/withings/users", setup.emulator.base_url());
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

fn last_days(days: u64) -> TimeWindow {
    let now = Utc::now().trunc_subsecs(0);
    TimeWindow::new(now.checked_sub_days(Days::new(days)).unwrap(), now).unwrap()
}

fn measures_only() -> Vec<String> {
    vec!["measures".to_owned()]
}

#[tokio::test]
async fn withings_connect_returns_the_user_id_and_subscribes_the_callback() {
    let setup = setup().await;
    let before = Utc::now();
    let authorized = connect(&setup).await;
    let users = emulator_users(&setup).await;
    assert_eq!(authorized.account.id, users[0]["id"].as_str().unwrap());
    let tokens = &authorized.tokens;
    assert!(tokens.refresh_token.is_some());
    let expires_at = tokens.expires_at.unwrap();
    assert!(expires_at >= before + chrono::Duration::hours(3));
    assert!(tokens.scope.as_deref().unwrap().contains("user.metrics"));
    // Withings checked our callback once per category: 1, 4, 16, 44, 46.
    assert_eq!(setup.receiver.checks(), 5);
    setup.stop().await;
}

#[tokio::test]
async fn withings_refresh_rotates_and_the_old_token_dies_once_the_new_access_token_is_used() {
    let setup = setup().await;
    let tokens = connect(&setup).await.tokens;
    let first = tokens.refresh_token.clone().unwrap();
    let rotated = Withings
        .refresh(setup.oauth(), &first, Utc::now())
        .await
        .unwrap();
    let second = rotated.refresh_token.clone().unwrap();
    assert_ne!(second.expose_secret(), first.expose_secret());
    assert!(rotated.extra.contains_key("userid"));
    // Until the new access token is used, the old refresh token still works (lost answers).
    let retried = Withings
        .refresh(setup.oauth(), &first, Utc::now())
        .await
        .unwrap();
    Withings
        .fetch_window(
            setup.api(),
            &retried.access_token,
            last_days(2),
            &measures_only(),
        )
        .await
        .unwrap();
    let err = Withings
        .refresh(setup.oauth(), &first, Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::RefreshRejected(_)), "{err:?}");
    assert!(!err.is_retryable());
    let latest = retried.refresh_token.unwrap();
    Withings
        .refresh(setup.oauth(), &latest, Utc::now())
        .await
        .unwrap();
    setup.stop().await;
}

#[tokio::test]
async fn withings_a_reused_code_is_a_rejected_grant() {
    let setup = setup().await;
    let code = authorize(&setup).await;
    Withings
        .connect(setup.oauth(), &code, None, Utc::now())
        .await
        .unwrap();
    let err = Withings
        .connect(setup.oauth(), &code, None, Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::RefreshRejected(_)), "{err:?}");
    setup.stop().await;
}

#[tokio::test]
async fn withings_an_expired_access_token_is_unauthorized_until_refreshed() {
    let setup = setup().await;
    let tokens = connect(&setup).await.tokens;
    control(&setup, "tokens/expire", json!({})).await;
    let err = Withings
        .fetch_window(setup.api(), &tokens.access_token, last_days(2), &[])
        .await
        .unwrap_err();
    assert_eq!(err, ProviderError::Unauthorized);
    let refreshed = Withings
        .refresh(setup.oauth(), &tokens.refresh_token.unwrap(), Utc::now())
        .await
        .unwrap();
    let pages = Withings
        .fetch_window(
            setup.api(),
            &refreshed.access_token,
            last_days(2),
            &measures_only(),
        )
        .await
        .unwrap();
    assert!(!pages.is_empty());
    setup.stop().await;
}

#[tokio::test]
async fn withings_a_429_is_retried_by_the_sender_and_status_601_is_a_rate_limit() {
    let setup = setup().await;
    let tokens = connect(&setup).await.tokens;
    control(
        &setup,
        "fail-next",
        json!({"status": 429, "count": 1, "retry_after": 1}),
    )
    .await;
    let started = Instant::now();
    let pages = Withings
        .fetch_window(
            setup.api(),
            &tokens.access_token,
            last_days(2),
            &measures_only(),
        )
        .await
        .unwrap();
    assert!(!pages.is_empty());
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "waited for Retry-After"
    );

    control(&setup, "fail-next", json!({"status": 601, "count": 1})).await;
    let err = Withings
        .fetch_window(
            setup.api(),
            &tokens.access_token,
            last_days(2),
            &measures_only(),
        )
        .await
        .unwrap_err();
    assert_eq!(err, ProviderError::RateLimited { retry_after: None });
    assert!(err.is_retryable());

    control(
        &setup,
        "fail-next",
        json!({"status": 429, "count": 10, "retry_after": 1}),
    )
    .await;
    let err = Withings
        .fetch_window(
            setup.api(),
            &tokens.access_token,
            last_days(2),
            &measures_only(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ProviderError::RateLimited {
            retry_after: Some(Duration::from_secs(1))
        }
    );
    setup.stop().await;
}

#[tokio::test]
async fn withings_disconnect_drops_the_subscriptions_and_revoke_user_ends_the_grant() {
    let setup = setup().await;
    let authorized = connect(&setup).await;
    let token = authorized.tokens.access_token.clone();
    Withings.disconnect(setup.oauth(), &token).await.unwrap();
    let created = control(
        &setup,
        &format!("users/{}/measures", authorized.account.id),
        json!({}),
    )
    .await;
    assert_eq!(created["deliveries"], json!([]), "no subscription left");
    Withings
        .revoke_user(setup.oauth(), &authorized.account.id)
        .await
        .unwrap();
    let err = Withings
        .fetch_window(setup.api(), &token, last_days(1), &measures_only())
        .await
        .unwrap_err();
    assert_eq!(err, ProviderError::Unauthorized);
    setup.stop().await;
}

#[tokio::test]
async fn withings_deregister_works_even_when_the_access_token_is_dead() {
    let setup = setup().await;
    let authorized = connect(&setup).await;
    control(&setup, "tokens/expire", json!({})).await;
    Withings
        .deregister(
            setup.oauth(),
            &authorized.tokens.access_token,
            &authorized.account.id,
        )
        .await
        .unwrap();
    let refresh = authorized.tokens.refresh_token.unwrap();
    let err = Withings
        .refresh(setup.oauth(), &refresh, Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::RefreshRejected(_)), "{err:?}");
    setup.stop().await;
}
