//! The Polar integration against the local Polar emulator, through [`ProviderApi`] only: OAuth
//! code flow with registration, no refresh, REST pull over every data type, error mapping, and a
//! signed webhook delivered to a test receiver.

// Test helpers outside #[test] fns are test code too (clippy only exempts the fns themselves).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use chrono::{Days, SubsecRound, Utc};
use domain::TimeWindow;
use provider_emulator::{Emulator, EmulatorConfig, PolarConfig};
use providers::polar::Polar;
use providers::{
    ApiContext, Authorized, HttpSender, HttpSenderConfig, OAuthContext, ProviderApi,
    ProviderCredentials, ProviderEndpoints,
};
use secrecy::SecretString;
use serde_json::Value;
use url::Url;

// Module names carry `polar` so that `cargo test -- polar` selects every test here.
#[path = "polar_against_emulator/fetch.rs"]
mod polar_fetch;
#[path = "polar_against_emulator/oauth.rs"]
mod polar_oauth;
#[path = "polar_against_emulator/webhook.rs"]
mod polar_webhook;

struct Setup {
    emulator: Emulator,
    endpoints: ProviderEndpoints,
    credentials: ProviderCredentials,
    sender: HttpSender,
    config: PolarConfig,
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

    fn control_url(&self, path: &str) -> String {
        format!("{}/_emulator/polar/{path}", self.emulator.base_url())
    }
}

async fn setup() -> Setup {
    let config = PolarConfig {
        webhook_retry_base_ms: 20,
        ..PolarConfig::default()
    };
    let emulator = Emulator::start(
        EmulatorConfig {
            seed: 11,
            polar: config.clone(),
            ..EmulatorConfig::default()
        },
        "127.0.0.1:0",
    )
    .await
    .unwrap();
    let base = emulator.provider_base("polar");
    let endpoints = ProviderEndpoints {
        authorize_url: Url::parse(&format!("{base}/oauth2/authorization")).unwrap(),
        token_url: Url::parse(&format!("{base}/v2/oauth2/token")).unwrap(),
        api_base_url: Url::parse(&base).unwrap(),
        revoke_url: None,
    };
    let credentials = ProviderCredentials {
        client_id: config.client_id.clone(),
        client_secret: SecretString::from(config.client_secret.clone()),
        redirect_url: Url::parse("http://localhost:8080/oauth/polar/callback").unwrap(),
        scopes: Polar
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

/// Authorize (auto-approved: a new emulated user, or `login_hint`), follow the 302 by hand,
/// then `connect()`.
async fn connect_as(setup: &Setup, login_hint: Option<&str>) -> Authorized {
    let authorize = Polar.authorize_url(setup.oauth(), "state-123").unwrap();
    assert!(authorize.pkce_verifier.is_none(), "Polar uses no PKCE");
    let mut url = authorize.url;
    if let Some(hint) = login_hint {
        url.query_pairs_mut().append_pair("login_hint", hint);
    }
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = browser.get(url).send().await.unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::FOUND);
    let location = Url::parse(
        response.headers()[reqwest::header::LOCATION]
            .to_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(location.path(), "/oauth/polar/callback");
    let param = |name: &str| {
        location
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(param("state").as_deref(), Some("state-123"));
    let code = param("code").expect("callback carries a code");
    Polar
        .connect(setup.oauth(), &code, None, Utc::now())
        .await
        .unwrap()
}

async fn connect(setup: &Setup) -> Authorized {
    connect_as(setup, None).await
}

async fn control(setup: &Setup, path: &str, body: Value) -> Value {
    let response = reqwest::Client::new()
        .post(setup.control_url(path))
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
    reqwest::Client::new()
        .get(setup.control_url("users"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn last_days(days: u64) -> TimeWindow {
    let now = Utc::now().trunc_subsecs(0);
    TimeWindow::new(now.checked_sub_days(Days::new(days)).unwrap(), now).unwrap()
}
