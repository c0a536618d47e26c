//! The Strava integration against the local Strava emulator, through [`ProviderApi`] only: OAuth
//! connect with the athlete from the token response, the refresh rule, deauthorization, error
//! mapping and rate limits, REST pull with paging and streams, and webhooks verified, parsed,
//! fetched and normalized. Test names start with `strava` so that `cargo test -- strava` selects
//! them.

// Test helpers outside #[test] fns are test code too (clippy only exempts the fns themselves).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::{Days, SubsecRound, Utc};
use domain::{Provider, TimeWindow};
use provider_emulator::{Emulator, EmulatorConfig, StravaConfig};
use providers::strava::Strava;
use providers::{
    ApiContext, Authorized, HttpSender, HttpSenderConfig, OAuthContext, ProviderApi,
    ProviderCredentials, ProviderEndpoints, ProviderError,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use url::Url;

#[path = "strava_against_emulator/fetch.rs"]
mod strava_fetch;
#[path = "strava_against_emulator/webhook.rs"]
mod strava_webhook;

struct Setup {
    emulator: Emulator,
    endpoints: ProviderEndpoints,
    credentials: ProviderCredentials,
    sender: HttpSender,
    config: StravaConfig,
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
}

async fn setup() -> Setup {
    setup_with(StravaConfig::default()).await
}

async fn setup_with(config: StravaConfig) -> Setup {
    let config = StravaConfig {
        webhook_retry_base_ms: 20,
        ..config
    };
    let emulator = Emulator::start(
        EmulatorConfig {
            seed: 7,
            strava: config.clone(),
            ..EmulatorConfig::default()
        },
        "127.0.0.1:0",
    )
    .await
    .unwrap();
    let base = emulator.provider_base("strava");
    // As deployed against an emulator: no revoke URL (disconnect derives /oauth/deauthorize).
    let endpoints = ProviderEndpoints {
        authorize_url: Url::parse(&format!("{base}/oauth/authorize")).unwrap(),
        token_url: Url::parse(&format!("{base}/oauth/token")).unwrap(),
        api_base_url: Url::parse(&format!("{base}/api/v3")).unwrap(),
        revoke_url: None,
    };
    let credentials = ProviderCredentials {
        client_id: config.client_id.clone(),
        client_secret: SecretString::from(config.client_secret.clone()),
        redirect_url: Url::parse("http://localhost:8080/oauth/strava/callback").unwrap(),
        scopes: providers::default_scopes(Provider::Strava)
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
        endpoints,
        credentials,
        sender,
        config,
    }
}

/// Authorize (auto-approved: a new athlete), follow the 302 by hand, then `connect()`.
async fn connect(setup: &Setup) -> Authorized {
    let authorize = Strava.authorize_url(setup.oauth(), "state-123").unwrap();
    assert!(authorize.pkce_verifier.is_none(), "Strava uses no PKCE");
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
    assert_eq!(location.path(), "/oauth/strava/callback");
    let param = |name: &str| {
        location
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(param("state").as_deref(), Some("state-123"));
    assert_eq!(
        param("scope").as_deref(),
        Some("read,activity:read_all,profile:read_all"),
        "the accepted scopes come back on the redirect"
    );
    let code = param("code").expect("callback carries a code");
    Strava
        .connect(setup.oauth(), &code, None, Utc::now())
        .await
        .unwrap()
}

async fn control(setup: &Setup, path: &str, body: Value) -> Value {
    let url = format!("{}/_emulator/strava/{path}", setup.emulator.base_url());
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

async fn emulated_users(setup: &Setup) -> Value {
    let url = format!("{}/_emulator/strava/users", setup.emulator.base_url());
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

fn last_days(days: u64) -> TimeWindow {
    let now = Utc::now().trunc_subsecs(0);
    TimeWindow::new(now.checked_sub_days(Days::new(days)).unwrap(), now).unwrap()
}

fn athlete_only() -> Vec<String> {
    vec!["athlete".to_owned()]
}

#[tokio::test]
async fn strava_connect_follows_the_redirect_and_takes_the_athlete_from_the_token_response() {
    let setup = setup().await;
    let before = Utc::now();
    let authorized = connect(&setup).await;
    let users = emulated_users(&setup).await;
    assert_eq!(authorized.account.id, users[0]["id"].to_string());
    assert_eq!(
        authorized.account.username.as_deref(),
        users[0]["username"].as_str()
    );
    let tokens = &authorized.tokens;
    assert!(!tokens.access_token.expose_secret().is_empty());
    assert!(tokens.refresh_token.is_some());
    let ttl = chrono::Duration::seconds(setup.config.access_token_ttl_secs);
    let expires_at = tokens.expires_at.unwrap();
    assert!(expires_at >= before + ttl - chrono::Duration::seconds(1));
    assert!(expires_at <= Utc::now() + ttl);
    let server_expiry = tokens.extra["expires_at"].as_i64().unwrap();
    assert!((server_expiry - expires_at.timestamp()).abs() <= 1);
    assert_eq!(tokens.extra["athlete"]["id"], users[0]["id"]);
    setup.emulator.stop().await;
}

#[tokio::test]
async fn strava_refresh_keeps_fresh_tokens_rotates_expired_ones_and_rejects_the_old_refresh_token()
{
    let setup = setup().await;
    let tokens = connect(&setup).await.tokens;
    let first_refresh = tokens.refresh_token.clone().unwrap();
    let same = Strava
        .refresh(setup.oauth(), &first_refresh, Utc::now())
        .await
        .unwrap();
    assert_eq!(
        same.access_token.expose_secret(),
        tokens.access_token.expose_secret()
    );

    control(&setup, "tokens/expire", json!({})).await;
    let err = Strava
        .fetch_window(
            setup.api(),
            &tokens.access_token,
            last_days(2),
            &athlete_only(),
        )
        .await
        .unwrap_err();
    assert_eq!(err, ProviderError::Unauthorized);

    let rotated = Strava
        .refresh(setup.oauth(), &first_refresh, Utc::now())
        .await
        .unwrap();
    let second_refresh = rotated.refresh_token.clone().unwrap();
    assert_ne!(
        second_refresh.expose_secret(),
        first_refresh.expose_secret()
    );
    Strava
        .fetch_window(
            setup.api(),
            &rotated.access_token,
            last_days(2),
            &athlete_only(),
        )
        .await
        .unwrap();
    let err = Strava
        .refresh(setup.oauth(), &first_refresh, Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::RefreshRejected(_)), "{err:?}");
    assert!(!err.is_retryable());
    setup.emulator.stop().await;
}

#[tokio::test]
async fn strava_a_429_with_stravas_headers_is_retried_by_the_sender() {
    let setup = setup().await;
    let tokens = connect(&setup).await.tokens;
    control(&setup, "fail-next", json!({"status": 429, "count": 2})).await;
    let started = Instant::now();
    let pages = Strava
        .fetch_window(
            setup.api(),
            &tokens.access_token,
            last_days(2),
            &athlete_only(),
        )
        .await
        .unwrap();
    assert_eq!(pages.len(), 1);
    assert!(started.elapsed() < Duration::from_secs(5));

    control(&setup, "fail-next", json!({"status": 429, "count": 10})).await;
    let err = Strava
        .fetch_window(
            setup.api(),
            &tokens.access_token,
            last_days(2),
            &athlete_only(),
        )
        .await
        .unwrap_err();
    // Strava sends no Retry-After: the caller learns nothing more than "rate limited".
    assert_eq!(err, ProviderError::RateLimited { retry_after: None });
    assert!(err.is_retryable());
    setup.emulator.stop().await;
}

#[tokio::test]
async fn strava_disconnect_deauthorizes_the_athlete() {
    let setup = setup().await;
    let tokens = connect(&setup).await.tokens;
    Strava
        .disconnect(setup.oauth(), &tokens.access_token)
        .await
        .unwrap();
    let err = Strava
        .fetch_window(
            setup.api(),
            &tokens.access_token,
            last_days(2),
            &athlete_only(),
        )
        .await
        .unwrap_err();
    assert_eq!(err, ProviderError::Unauthorized);
    let err = Strava
        .refresh(setup.oauth(), &tokens.refresh_token.unwrap(), Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::RefreshRejected(_)), "{err:?}");
    let gone = SecretString::from("not-a-token");
    assert_eq!(
        Strava.disconnect(setup.oauth(), &gone).await,
        Err(ProviderError::Unauthorized)
    );
    setup.emulator.stop().await;
}
