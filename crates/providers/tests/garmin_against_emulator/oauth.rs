//! OAuth + PKCE connect, refresh rotation, token errors, the sender's 429 retries and
//! disconnect, through `ProviderApi`.

use std::time::{Duration, Instant};

use chrono::Utc;
use providers::garmin::Garmin;
use providers::{ProviderApi, ProviderError};
use secrecy::ExposeSecret;
use serde_json::json;

use super::{connect, control, control_get, last_days, setup};

#[tokio::test]
async fn connect_exchanges_the_code_with_pkce_and_names_the_garmin_account() {
    let setup = setup().await;
    let before = Utc::now();
    let authorized = connect(&setup).await;
    let users = control_get(&setup, "users").await;
    assert_eq!(authorized.account.id, users[0]["id"].as_str().unwrap());
    assert_eq!(authorized.account.username, None);
    let tokens = &authorized.tokens;
    assert!(!tokens.access_token.expose_secret().is_empty());
    assert!(tokens.refresh_token.is_some());
    let ttl = chrono::Duration::seconds(setup.config.access_token_ttl_secs);
    let expires_at = tokens.expires_at.unwrap();
    assert!(expires_at >= before + ttl && expires_at <= Utc::now() + ttl);
    let scope = tokens.scope.as_deref().unwrap();
    for permission in ["ACTIVITY_EXPORT", "HEALTH_EXPORT", "HISTORICAL_DATA_EXPORT"] {
        assert!(scope.split(' ').any(|p| p == permission), "{scope}");
    }
    assert_eq!(tokens.extra["refresh_token_expires_in"], json!(7_776_000));
    setup.emulator.stop().await;
}

#[tokio::test]
async fn refresh_returns_a_new_refresh_token_and_the_used_one_is_rejected() {
    let setup = setup().await;
    let tokens = connect(&setup).await.tokens;
    let first = tokens.refresh_token.clone().unwrap();
    let rotated = Garmin
        .refresh(setup.ctx(), &first, Utc::now())
        .await
        .unwrap();
    let second = rotated.refresh_token.clone().unwrap();
    assert_ne!(second.expose_secret(), first.expose_secret());
    let window = last_days(1);
    Garmin
        .fetch_window(setup.api(), &rotated.access_token, window, &["hrv".into()])
        .await
        .unwrap();
    let err = Garmin
        .refresh(setup.ctx(), &first, Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::RefreshRejected(_)), "{err:?}");
    Garmin
        .refresh(setup.ctx(), &second, Utc::now())
        .await
        .unwrap();
    setup.emulator.stop().await;
}

#[tokio::test]
async fn an_expired_access_token_is_unauthorized_until_refreshed() {
    let setup = setup().await;
    let tokens = connect(&setup).await.tokens;
    control(&setup, "tokens/expire", json!({})).await;
    let err = Garmin
        .fetch_window(setup.api(), &tokens.access_token, last_days(2), &[])
        .await
        .unwrap_err();
    assert_eq!(err, ProviderError::Unauthorized);
    let refreshed = Garmin
        .refresh(setup.ctx(), &tokens.refresh_token.unwrap(), Utc::now())
        .await
        .unwrap();
    Garmin
        .fetch_window(
            setup.api(),
            &refreshed.access_token,
            last_days(2),
            &["sleeps".into()],
        )
        .await
        .unwrap();
    setup.emulator.stop().await;
}

#[tokio::test]
async fn a_429_with_retry_after_is_retried_by_the_sender_and_persistent_ones_surface() {
    let setup = setup().await;
    let tokens = connect(&setup).await.tokens;
    control(
        &setup,
        "fail-next",
        json!({"status": 429, "count": 1, "retry_after": 1}),
    )
    .await;
    let started = Instant::now();
    let types = ["sleeps".to_owned()];
    Garmin
        .fetch_window(setup.api(), &tokens.access_token, last_days(1), &types)
        .await
        .unwrap();
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
    let err = Garmin
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
async fn disconnect_deletes_the_registration_and_ends_access() {
    let setup = setup().await;
    let tokens = connect(&setup).await.tokens;
    Garmin
        .disconnect(setup.ctx(), &tokens.access_token)
        .await
        .unwrap();
    let users = control_get(&setup, "users").await;
    assert_eq!(users[0]["registered"], false);
    let err = Garmin
        .fetch_window(setup.api(), &tokens.access_token, last_days(1), &[])
        .await
        .unwrap_err();
    assert_eq!(err, ProviderError::Unauthorized);
    setup.emulator.stop().await;
}
