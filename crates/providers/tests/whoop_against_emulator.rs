//! The WHOOP integration against the local WHOOP emulator, through [`ProviderApi`] only: OAuth
//! connect with the account lookup, refresh rotation, error mapping, rate limits, REST pull with
//! pagination, and signed webhooks fetched and normalized. Test names start with `whoop` so that
//! `cargo test -- whoop` selects them.

// Test helpers outside #[test] fns are test code too (clippy only exempts the fns themselves).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::{Days, SubsecRound, Utc};
use domain::TimeWindow;
use provider_emulator::{Emulator, EmulatorConfig, WhoopConfig};
use providers::whoop::Whoop;
use providers::{
    ApiContext, Authorized, HttpSender, HttpSenderConfig, OAuthContext, ProviderApi,
    ProviderCredentials, ProviderEndpoints, ProviderError,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use url::Url;

#[path = "whoop_against_emulator/fetch.rs"]
mod whoop_fetch;
#[path = "whoop_against_emulator/webhook.rs"]
mod whoop_webhook;

struct Setup {
    emulator: Emulator,
    endpoints: ProviderEndpoints,
    credentials: ProviderCredentials,
    sender: HttpSender,
    config: WhoopConfig,
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
    setup_with(WhoopConfig::default()).await
}

async fn setup_with(config: WhoopConfig) -> Setup {
    let config = WhoopConfig {
        webhook_retry_base_ms: 20,
        ..config
    };
    let emulator = Emulator::start(
        EmulatorConfig {
            seed: 7,
            whoop: config.clone(),
            ..EmulatorConfig::default()
        },
        "127.0.0.1:0",
    )
    .await
    .unwrap();
    let base = emulator.provider_base("whoop");
    let endpoints = ProviderEndpoints {
        authorize_url: Url::parse(&format!("{base}/oauth/oauth2/auth")).unwrap(),
        token_url: Url::parse(&format!("{base}/oauth/oauth2/token")).unwrap(),
        api_base_url: Url::parse(&format!("{base}/developer")).unwrap(),
        revoke_url: None,
    };
    let credentials = ProviderCredentials {
        client_id: config.client_id.clone(),
        client_secret: SecretString::from(config.client_secret.clone()),
        redirect_url: Url::parse("http://localhost:8080/oauth/whoop/callback").unwrap(),
        scopes: Whoop
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
        endpoints,
        credentials,
        sender,
        config,
    }
}

/// Authorize (auto-approved: a new member), follow the 302 by hand, then `connect()`.
async fn connect(setup: &Setup) -> Authorized {
    let authorize = Whoop.authorize_url(setup.oauth(), "state-123456").unwrap();
    assert!(authorize.pkce_verifier.is_none(), "WHOOP uses no PKCE");
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
    assert_eq!(location.path(), "/oauth/whoop/callback");
    let param = |name: &str| {
        location
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(param("state").as_deref(), Some("state-123456"));
    let code = param("code").expect("callback carries a code");
    Whoop
        .connect(setup.oauth(), &code, None, Utc::now())
        .await
        .unwrap()
}

async fn control(setup: &Setup, path: &str, body: Value) -> Value {
    let url = format!("{}/_emulator/whoop/{path}", setup.emulator.base_url());
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
    let url = format!("{}/_emulator/whoop/users", setup.emulator.base_url());
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

fn last_days(days: u64) -> TimeWindow {
    let now = Utc::now().trunc_subsecs(0);
    TimeWindow::new(now.checked_sub_days(Days::new(days)).unwrap(), now).unwrap()
}

#[tokio::test]
async fn whoop_connect_exchanges_the_code_and_looks_up_the_member_id() {
    let setup = setup().await;
    let before = Utc::now();
    let authorized = connect(&setup).await;
    let users = emulated_users(&setup).await;
    assert_eq!(authorized.account.id, users[0]["user_id"].to_string());
    assert_eq!(
        authorized.account.username.as_deref(),
        users[0]["email"].as_str()
    );
    let tokens = &authorized.tokens;
    assert!(
        tokens.refresh_token.is_some(),
        "the offline scope brings a refresh token"
    );
    let ttl = chrono::Duration::seconds(setup.config.access_token_ttl_secs);
    let expires_at = tokens.expires_at.unwrap();
    assert!(expires_at >= before + ttl && expires_at <= Utc::now() + ttl);
    assert!(
        tokens
            .scope
            .as_deref()
            .unwrap()
            .split(' ')
            .any(|s| s == "offline")
    );
    setup.emulator.stop().await;
}

#[tokio::test]
async fn whoop_refresh_rotates_and_a_reused_refresh_token_is_rejected() {
    let setup = setup().await;
    let tokens = connect(&setup).await.tokens;
    let first = tokens.refresh_token.clone().unwrap();
    let rotated = Whoop
        .refresh(setup.oauth(), &first, Utc::now())
        .await
        .unwrap();
    let second = rotated.refresh_token.clone().unwrap();
    assert_ne!(second.expose_secret(), first.expose_secret());
    assert!(rotated.expires_at.is_some());
    let pages = Whoop
        .fetch_window(
            setup.api(),
            &rotated.access_token,
            last_days(2),
            &["cycle".into()],
        )
        .await
        .unwrap();
    assert!(!pages.is_empty());

    let err = Whoop
        .refresh(setup.oauth(), &first, Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::RefreshRejected(_)), "{err:?}");
    assert!(!err.is_retryable());
    Whoop
        .refresh(setup.oauth(), &second, Utc::now())
        .await
        .unwrap();
    setup.emulator.stop().await;
}

#[tokio::test]
async fn whoop_an_expired_access_token_is_unauthorized_until_refreshed() {
    let setup = setup().await;
    let tokens = connect(&setup).await.tokens;
    control(&setup, "tokens/expire", json!({})).await;
    let err = Whoop
        .fetch_window(setup.api(), &tokens.access_token, last_days(2), &[])
        .await
        .unwrap_err();
    assert_eq!(err, ProviderError::Unauthorized);
    let refreshed = Whoop
        .refresh(
            setup.oauth(),
            tokens.refresh_token.as_ref().unwrap(),
            Utc::now(),
        )
        .await
        .unwrap();
    Whoop
        .fetch_window(setup.api(), &refreshed.access_token, last_days(2), &[])
        .await
        .unwrap();
    setup.emulator.stop().await;
}

#[tokio::test]
async fn whoop_a_429_with_retry_after_is_retried_by_the_sender() {
    let setup = setup().await;
    let tokens = connect(&setup).await.tokens;
    let body = json!({"status": 429, "count": 1, "retry_after": 1});
    control(&setup, "fail-next", body).await;
    let started = Instant::now();
    let types = ["body_measurement".to_owned()];
    let pages = Whoop
        .fetch_window(setup.api(), &tokens.access_token, last_days(1), &types)
        .await
        .unwrap();
    assert_eq!(pages.len(), 1);
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "waited for Retry-After"
    );

    control(
        &setup,
        "fail-next",
        json!({"status": 429, "count": 10, "retry_after": 1}),
    )
    .await;
    let err = Whoop
        .fetch_window(setup.api(), &tokens.access_token, last_days(1), &types)
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
async fn whoop_a_429_with_only_x_ratelimit_headers_is_retried_with_backoff() {
    let setup = setup_with(WhoopConfig {
        send_retry_after: false,
        ..WhoopConfig::default()
    })
    .await;
    let tokens = connect(&setup).await.tokens;
    control(
        &setup,
        "fail-next",
        json!({"status": 429, "count": 2, "retry_after": 30}),
    )
    .await;
    let started = Instant::now();
    let pages = Whoop
        .fetch_window(
            setup.api(),
            &tokens.access_token,
            last_days(1),
            &["cycle".into()],
        )
        .await
        .unwrap();
    assert!(!pages.is_empty());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "jittered backoff, not X-RateLimit-Reset"
    );
    setup.emulator.stop().await;
}

#[tokio::test]
async fn whoop_disconnect_deletes_user_access() {
    let setup = setup().await;
    let tokens = connect(&setup).await.tokens;
    Whoop
        .disconnect(setup.oauth(), &tokens.access_token)
        .await
        .unwrap();
    let err = Whoop
        .fetch_window(setup.api(), &tokens.access_token, last_days(1), &[])
        .await
        .unwrap_err();
    assert_eq!(err, ProviderError::Unauthorized);
    let err = Whoop
        .refresh(
            setup.oauth(),
            tokens.refresh_token.as_ref().unwrap(),
            Utc::now(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::RefreshRejected(_)), "{err:?}");
    assert_eq!(emulated_users(&setup).await[0]["connected"], false);
    setup.emulator.stop().await;
}
