//! The Oura integration against the local Oura emulator: OAuth code flow and refresh rotation,
//! REST pull with pagination, error mapping, and a signed webhook delivered to a test receiver.

// Test helpers outside #[test] fns are test code too (clippy only exempts the fns themselves).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::{Days, SubsecRound, Utc};
use domain::{Provider, TimeWindow};
use provider_emulator::{Emulator, EmulatorConfig, OuraConfig};
use providers::oura::OuraClient;
use providers::oura::OuraDataType;
use providers::{
    HttpSender, HttpSenderConfig, OAuthClient, ProviderCredentials, ProviderEndpoints,
    ProviderError, TokenSet,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use url::Url;

#[path = "oura_against_emulator/fetch.rs"]
mod fetch;
#[path = "oura_against_emulator/webhook.rs"]
mod webhook;

struct Setup {
    emulator: Emulator,
    oauth: OAuthClient,
    client: OuraClient,
    config: OuraConfig,
}

async fn setup() -> Setup {
    let config = OuraConfig::default();
    let emulator = Emulator::start(
        EmulatorConfig {
            seed: 7,
            oura: config.clone(),
            ..EmulatorConfig::default()
        },
        "127.0.0.1:0",
    )
    .await
    .unwrap();
    let endpoints = ProviderEndpoints {
        authorize_url: Url::parse(&emulator.oura_authorize_url()).unwrap(),
        token_url: Url::parse(&emulator.oura_token_url()).unwrap(),
        api_base_url: Url::parse(&emulator.oura_api_base()).unwrap(),
        revoke_url: Some(
            Url::parse(&format!("{}/oauth/revoke", emulator.oura_api_base())).unwrap(),
        ),
    };
    let credentials = ProviderCredentials {
        client_id: config.client_id.clone(),
        client_secret: SecretString::from(config.client_secret.clone()),
        redirect_url: Url::parse("http://localhost:8080/oauth/oura/callback").unwrap(),
        scopes: providers::default_scopes(Provider::Oura)
            .iter()
            .map(|s| s.to_string())
            .collect(),
    };
    let sender = HttpSender::new(HttpSenderConfig {
        base_backoff: Duration::from_millis(20),
        ..HttpSenderConfig::default()
    })
    .unwrap();
    let oauth =
        providers::oauth::for_provider(Provider::Oura, &endpoints, &credentials, sender.clone())
            .unwrap();
    let client = OuraClient::new(endpoints.api_base_url.clone(), sender);
    Setup {
        emulator,
        oauth,
        client,
        config,
    }
}

/// Authorize (auto-approved: a new emulated user), follow the 302 by hand, exchange the code.
async fn connect(setup: &Setup) -> TokenSet {
    let authorize = setup.oauth.authorize_url("state-123");
    assert!(authorize.pkce_verifier.is_none(), "Oura uses no PKCE");
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = browser.get(authorize.url).send().await.unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::FOUND);
    let location = response.headers()[reqwest::header::LOCATION]
        .to_str()
        .unwrap();
    let location = Url::parse(location).unwrap();
    assert_eq!(location.path(), "/oauth/oura/callback");
    let param = |name: &str| {
        location
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(param("state").as_deref(), Some("state-123"));
    let code = param("code").expect("callback carries a code");
    setup
        .oauth
        .exchange_code(&code, None, Utc::now())
        .await
        .unwrap()
}

async fn control(setup: &Setup, path: &str, body: Value) -> Value {
    let url = format!("{}/_emulator/oura/{path}", setup.emulator.base_url());
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

fn last_days(days: u64) -> TimeWindow {
    let now = Utc::now().trunc_subsecs(0);
    TimeWindow::new(now.checked_sub_days(Days::new(days)).unwrap(), now).unwrap()
}

#[tokio::test]
async fn oauth_code_flow_yields_tokens_and_personal_info() {
    let setup = setup().await;
    let before = Utc::now();
    let tokens = connect(&setup).await;
    assert!(!tokens.access_token.expose_secret().is_empty());
    assert!(
        tokens.refresh_token.is_some(),
        "Oura returns a refresh token"
    );
    let expires_at = tokens.expires_at.unwrap();
    let ttl = chrono::Duration::seconds(setup.config.access_token_ttl_secs);
    assert!(expires_at >= before + ttl && expires_at <= Utc::now() + ttl);
    assert!(
        tokens
            .scope
            .as_deref()
            .unwrap_or_default()
            .contains("heartrate")
    );

    let info = setup
        .client
        .personal_info(&tokens.access_token)
        .await
        .unwrap();
    assert!(!info.id.is_empty());
    assert!(info.email.as_deref().unwrap_or_default().contains('@'));
    setup.emulator.stop().await;
}

#[tokio::test]
async fn refresh_rotates_and_a_reused_refresh_token_is_rejected() {
    let setup = setup().await;
    let tokens = connect(&setup).await;
    let first_refresh = tokens.refresh_token.clone().unwrap();
    let rotated = setup
        .oauth
        .refresh(&first_refresh, Utc::now())
        .await
        .unwrap();
    let second_refresh = rotated.refresh_token.clone().unwrap();
    assert_ne!(
        second_refresh.expose_secret(),
        first_refresh.expose_secret()
    );
    setup
        .client
        .personal_info(&rotated.access_token)
        .await
        .unwrap();

    let err = setup
        .oauth
        .refresh(&first_refresh, Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::RefreshRejected(_)), "{err:?}");
    assert!(!err.is_retryable());
    setup
        .oauth
        .refresh(&second_refresh, Utc::now())
        .await
        .unwrap();
    setup.emulator.stop().await;
}

#[tokio::test]
async fn an_expired_access_token_is_unauthorized_until_refreshed() {
    let setup = setup().await;
    let tokens = connect(&setup).await;
    control(&setup, "tokens/expire", json!({})).await;
    let err = setup
        .client
        .personal_info(&tokens.access_token)
        .await
        .unwrap_err();
    assert_eq!(err, ProviderError::Unauthorized);
    let err = setup
        .client
        .fetch_window(&tokens.access_token, last_days(2), &OuraDataType::ALL)
        .await
        .unwrap_err();
    assert_eq!(err, ProviderError::Unauthorized);

    let refreshed = setup
        .oauth
        .refresh(&tokens.refresh_token.unwrap(), Utc::now())
        .await
        .unwrap();
    setup
        .client
        .personal_info(&refreshed.access_token)
        .await
        .unwrap();
    setup.emulator.stop().await;
}

#[tokio::test]
async fn a_429_with_retry_after_is_retried_and_succeeds() {
    let setup = setup().await;
    let tokens = connect(&setup).await;
    control(
        &setup,
        "fail-next",
        json!({"status": 429, "count": 1, "retry_after": 1}),
    )
    .await;
    let started = Instant::now();
    let info = setup
        .client
        .personal_info(&tokens.access_token)
        .await
        .unwrap();
    assert!(!info.id.is_empty());
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "waited for Retry-After"
    );

    control(&setup, "fail-next", json!({"status": 503, "count": 2})).await;
    setup
        .client
        .personal_info(&tokens.access_token)
        .await
        .unwrap();

    control(
        &setup,
        "fail-next",
        json!({"status": 429, "count": 10, "retry_after": 1}),
    )
    .await;
    let err = setup
        .client
        .personal_info(&tokens.access_token)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ProviderError::RateLimited {
            retry_after: Some(Duration::from_secs(1))
        }
    );
    setup.emulator.stop().await;
}

#[tokio::test]
async fn revoking_the_access_token_ends_access() {
    let setup = setup().await;
    let tokens = connect(&setup).await;
    setup.oauth.revoke(&tokens.access_token).await.unwrap();
    let err = setup
        .client
        .personal_info(&tokens.access_token)
        .await
        .unwrap_err();
    assert_eq!(err, ProviderError::Unauthorized);
    setup.emulator.stop().await;
}
