//! The Fitbit integration against the local Fitbit emulator, through [`ProviderApi`] only: PKCE
//! connect with the account id and subscriptions, refresh rotation, error mapping, rate limits,
//! REST pull with pagination, signed notifications fetched and normalized, disconnect. Test names
//! start with `fitbit` so that `cargo test -- fitbit` selects them.

// Test helpers outside #[test] fns are test code too (clippy only exempts the fns themselves).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::{Days, SubsecRound, Utc};
use domain::TimeWindow;
use provider_emulator::{Emulator, EmulatorConfig, FitbitConfig};
use providers::fitbit::Fitbit;
use providers::{
    ApiContext, Authorized, HttpSender, HttpSenderConfig, OAuthContext, ProviderApi,
    ProviderCredentials, ProviderEndpoints, ProviderError,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use url::Url;

#[path = "fitbit_against_emulator/fetch.rs"]
mod fitbit_fetch;
#[path = "fitbit_against_emulator/webhook.rs"]
mod fitbit_webhook;

struct Setup {
    emulator: Emulator,
    endpoints: ProviderEndpoints,
    credentials: ProviderCredentials,
    sender: HttpSender,
    config: FitbitConfig,
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
    let config = FitbitConfig {
        webhook_retry_base_ms: 20,
        ..FitbitConfig::default()
    };
    let emulator = Emulator::start(
        EmulatorConfig {
            seed: 7,
            fitbit: config.clone(),
            ..EmulatorConfig::default()
        },
        "127.0.0.1:0",
    )
    .await
    .unwrap();
    let base = emulator.provider_base("fitbit");
    let endpoints = ProviderEndpoints {
        authorize_url: Url::parse(&format!("{base}/oauth2/authorize")).unwrap(),
        token_url: Url::parse(&format!("{base}/oauth2/token")).unwrap(),
        api_base_url: Url::parse(&base).unwrap(),
        revoke_url: Some(Url::parse(&format!("{base}/oauth2/revoke")).unwrap()),
    };
    let credentials = ProviderCredentials {
        client_id: config.client_id.clone(),
        client_secret: SecretString::from(config.client_secret.clone()),
        redirect_url: Url::parse("http://localhost:8080/oauth/fitbit/callback").unwrap(),
        scopes: Fitbit
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

/// Authorize (auto-approved: a new user), follow the 302 by hand, then `connect()` with the
/// PKCE verifier kept from the authorize step.
async fn connect(setup: &Setup) -> Authorized {
    let authorize = Fitbit.authorize_url(setup.oauth(), "state-123456").unwrap();
    let verifier = authorize.pkce_verifier.clone().expect("Fitbit uses PKCE");
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
    assert_eq!(location.path(), "/oauth/fitbit/callback");
    let param = |name: &str| {
        location
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(param("state").as_deref(), Some("state-123456"));
    let code = param("code").expect("callback carries a code");
    Fitbit
        .connect(setup.oauth(), &code, Some(&verifier), Utc::now())
        .await
        .unwrap()
}

async fn control(setup: &Setup, path: &str, body: Value) -> Value {
    let url = format!("{}/_emulator/fitbit/{path}", setup.emulator.base_url());
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

async fn control_get(setup: &Setup, path: &str) -> Value {
    let url = format!("{}/_emulator/fitbit/{path}", setup.emulator.base_url());
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

fn last_days(days: u64) -> TimeWindow {
    let now = Utc::now().trunc_subsecs(0);
    TimeWindow::new(now.checked_sub_days(Days::new(days)).unwrap(), now).unwrap()
}

#[tokio::test]
async fn fitbit_connect_exchanges_the_code_with_pkce_names_the_account_and_subscribes() {
    let setup = setup().await;
    let before = Utc::now();
    let authorized = connect(&setup).await;
    let users = control_get(&setup, "users").await;
    assert_eq!(authorized.account.id, users[0]["id"].as_str().unwrap());
    assert_eq!(
        authorized.tokens.extra["user_id"],
        authorized.account.id.as_str()
    );
    let tokens = &authorized.tokens;
    assert!(tokens.refresh_token.is_some());
    let expires_at = tokens.expires_at.unwrap();
    let ttl = chrono::Duration::seconds(setup.config.access_token_ttl_secs);
    assert!(expires_at >= before + ttl && expires_at <= Utc::now() + ttl);
    let subscriptions = control_get(&setup, "subscriptions").await;
    let mut collections: Vec<&str> = subscriptions
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["collection"].as_str().unwrap())
        .collect();
    collections.sort();
    assert_eq!(
        collections,
        vec!["activities", "body", "sleep", "userRevokedAccess"]
    );
    // Connecting the same Fitbit account again finds its subscriptions in place.
    let again = Fitbit.authorize_url(setup.oauth(), "state-2").unwrap();
    let mut url = again.url.clone();
    url.query_pairs_mut()
        .append_pair("login_hint", &authorized.account.id);
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(url)
        .send()
        .await
        .unwrap();
    let location = Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let reconnected = Fitbit
        .connect(
            setup.oauth(),
            &code,
            again.pkce_verifier.as_ref(),
            Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(reconnected.account.id, authorized.account.id);
    setup.emulator.stop().await;
}

#[tokio::test]
async fn fitbit_refresh_rotates_and_a_reused_refresh_token_is_rejected() {
    let setup = setup().await;
    let tokens = connect(&setup).await.tokens;
    let first = tokens.refresh_token.clone().unwrap();
    let rotated = Fitbit
        .refresh(setup.oauth(), &first, Utc::now())
        .await
        .unwrap();
    let second = rotated.refresh_token.clone().unwrap();
    assert_ne!(second.expose_secret(), first.expose_secret());
    let err = Fitbit
        .refresh(setup.oauth(), &first, Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::RefreshRejected(_)), "{err:?}");
    assert!(!err.is_retryable());
    Fitbit
        .refresh(setup.oauth(), &second, Utc::now())
        .await
        .unwrap();
    setup.emulator.stop().await;
}

#[tokio::test]
async fn fitbit_an_expired_access_token_is_unauthorized_until_refreshed() {
    let setup = setup().await;
    let tokens = connect(&setup).await.tokens;
    control(&setup, "tokens/expire", json!({})).await;
    let types = ["hrv".to_owned()];
    let err = Fitbit
        .fetch_window(setup.api(), &tokens.access_token, last_days(2), &types)
        .await
        .unwrap_err();
    assert_eq!(err, ProviderError::Unauthorized);
    let refreshed = Fitbit
        .refresh(
            setup.oauth(),
            tokens.refresh_token.as_ref().unwrap(),
            Utc::now(),
        )
        .await
        .unwrap();
    let pages = Fitbit
        .fetch_window(setup.api(), &refreshed.access_token, last_days(2), &types)
        .await
        .unwrap();
    assert_eq!(pages.len(), 1);
    setup.emulator.stop().await;
}

#[tokio::test]
async fn fitbit_a_429_with_fitbits_headers_is_retried_by_the_sender() {
    let setup = setup().await;
    let tokens = connect(&setup).await.tokens;
    control(
        &setup,
        "fail-next",
        json!({"status": 429, "count": 2, "retry_after": 1}),
    )
    .await;
    let started = Instant::now();
    let pages = Fitbit
        .fetch_window(
            setup.api(),
            &tokens.access_token,
            last_days(1),
            &["weight".to_owned()],
        )
        .await
        .unwrap();
    assert!(!pages.is_empty());
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "Retry-After was honoured twice"
    );
    // Beyond the sender's patience the rate limit surfaces with its Retry-After.
    control(
        &setup,
        "fail-next",
        json!({"status": 429, "count": 1, "retry_after": 3600}),
    )
    .await;
    let err = Fitbit
        .fetch_window(
            setup.api(),
            &tokens.access_token,
            last_days(1),
            &["weight".to_owned()],
        )
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ProviderError::RateLimited {
            retry_after: Some(Duration::from_secs(3600))
        }
    );
    setup.emulator.stop().await;
}

#[tokio::test]
async fn fitbit_disconnect_deletes_the_subscriptions_and_revokes_the_grant() {
    let setup = setup().await;
    let authorized = connect(&setup).await;
    Fitbit
        .disconnect(setup.oauth(), &authorized.tokens.access_token)
        .await
        .unwrap();
    let subscriptions = control_get(&setup, "subscriptions").await;
    assert!(subscriptions.as_array().unwrap().is_empty());
    let err = Fitbit
        .fetch_window(
            setup.api(),
            &authorized.tokens.access_token,
            last_days(1),
            &["hrv".to_owned()],
        )
        .await
        .unwrap_err();
    assert_eq!(err, ProviderError::Unauthorized);
    let err = Fitbit
        .refresh(
            setup.oauth(),
            authorized.tokens.refresh_token.as_ref().unwrap(),
            Utc::now(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::RefreshRejected(_)));
    setup.emulator.stop().await;
}
