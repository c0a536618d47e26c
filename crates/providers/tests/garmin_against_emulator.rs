//! The Garmin integration against the local Garmin emulator, through [`ProviderApi`] only:
//! OAuth + PKCE connect, refresh rotation, pull in 24-hour chunks, PUSH/PING webhooks verified
//! by client id + URL token, backfill, error mapping and the sender's 429 retries.

// Test helpers outside #[test] fns are test code too (clippy only exempts the fns themselves).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use chrono::{Days, SubsecRound, Utc};
use domain::TimeWindow;
use provider_emulator::{Emulator, EmulatorConfig, GarminConfig};
use providers::garmin::Garmin;
use providers::{
    ApiContext, Authorized, HttpSender, HttpSenderConfig, OAuthContext, ProviderApi,
    ProviderCredentials, ProviderEndpoints,
};
use serde_json::Value;
use url::Url;

#[path = "garmin_against_emulator/backfill.rs"]
mod garmin_backfill;
#[path = "garmin_against_emulator/fetch.rs"]
mod garmin_fetch;
#[path = "garmin_against_emulator/oauth.rs"]
mod garmin_oauth;
#[path = "garmin_against_emulator/webhook.rs"]
mod garmin_webhook;

struct Setup {
    emulator: Emulator,
    endpoints: ProviderEndpoints,
    credentials: ProviderCredentials,
    sender: HttpSender,
    config: GarminConfig,
}

impl Setup {
    fn ctx(&self) -> OAuthContext<'_> {
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
        format!("{}/_emulator/garmin/{path}", self.emulator.base_url())
    }
}

async fn setup() -> Setup {
    let config = GarminConfig {
        webhook_retry_base_ms: 20,
        backfill_delay_ms: 10,
        ..GarminConfig::default()
    };
    let emulator = Emulator::start(
        EmulatorConfig {
            seed: 7,
            garmin: config.clone(),
            ..EmulatorConfig::default()
        },
        "127.0.0.1:0",
    )
    .await
    .unwrap();
    let base = emulator.provider_base("garmin");
    let endpoints = ProviderEndpoints {
        authorize_url: Url::parse(&format!("{base}/oauth2Confirm")).unwrap(),
        token_url: Url::parse(&format!("{base}/di-oauth2-service/oauth/token")).unwrap(),
        api_base_url: Url::parse(&base).unwrap(),
        revoke_url: None,
    };
    let credentials = ProviderCredentials {
        client_id: config.client_id.clone(),
        client_secret: secrecy::SecretString::from(config.client_secret.clone()),
        redirect_url: Url::parse("http://localhost:8080/api/v1/oauth/garmin/callback").unwrap(),
        scopes: Garmin
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

/// Authorize (auto-approved: a new emulated user), follow the 302 by hand, then `connect`.
async fn connect_with(setup: &Setup, extra: &[(&str, &str)]) -> Authorized {
    let authorize = Garmin.authorize_url(setup.ctx(), "state-123").unwrap();
    let verifier = authorize.pkce_verifier.clone().expect("Garmin uses PKCE");
    let mut url = authorize.url.clone();
    for (k, v) in extra {
        url.query_pairs_mut().append_pair(k, v);
    }
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = browser.get(url).send().await.unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::FOUND);
    let location = response.headers()[reqwest::header::LOCATION]
        .to_str()
        .unwrap();
    let location = Url::parse(location).unwrap();
    assert_eq!(location.path(), "/api/v1/oauth/garmin/callback");
    let param = |name: &str| {
        location
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(param("state").as_deref(), Some("state-123"));
    let code = param("code").expect("callback carries a code");
    Garmin
        .connect(setup.ctx(), &code, Some(&verifier), Utc::now())
        .await
        .unwrap()
}

async fn connect(setup: &Setup) -> Authorized {
    connect_with(setup, &[]).await
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

async fn control_get(setup: &Setup, path: &str) -> Value {
    reqwest::Client::new()
        .get(setup.control_url(path))
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
