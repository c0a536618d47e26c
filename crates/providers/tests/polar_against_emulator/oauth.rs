//! Connect with registration, no refresh, error mapping and deregistration.

use std::time::{Duration, Instant};

use chrono::Utc;
use domain::Provider;
use providers::polar::Polar;
use providers::{ProviderApi, ProviderError};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use super::{connect, connect_as, control, emulated_users, last_days, setup};

#[tokio::test]
async fn connect_exchanges_the_code_registers_the_user_and_returns_x_user_id() {
    let setup = setup().await;
    let before = Utc::now();
    let authorized = connect(&setup).await;
    let tokens = &authorized.tokens;
    assert!(!tokens.access_token.expose_secret().is_empty());
    assert!(
        tokens.refresh_token.is_none(),
        "Polar issues no refresh token"
    );
    let ttl = chrono::Duration::seconds(setup.config.access_token_ttl_secs);
    let expires_at = tokens.expires_at.unwrap();
    assert!(expires_at >= before + ttl && expires_at <= Utc::now() + ttl);
    let id = &authorized.account.id;
    assert_eq!(tokens.extra["x_user_id"].to_string(), *id);

    let users = emulated_users(&setup).await;
    let user = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"].as_u64().map(|n| n.to_string()).as_deref() == Some(id.as_str()))
        .unwrap();
    assert_eq!(user["registered"], true);
    assert_eq!(user["member_id"], format!("wearhouse-{id}"));

    // Reconnecting an already registered user (409 at registration) still succeeds.
    let again = connect_as(&setup, Some(id)).await;
    assert_eq!(&again.account.id, id);
    assert!(providers::supported().contains(&Provider::Polar));
    setup.emulator.stop().await;
}

#[tokio::test]
async fn refresh_is_rejected_and_an_expired_token_is_unauthorized() {
    let setup = setup().await;
    let authorized = connect(&setup).await;
    let err = Polar
        .refresh(setup.oauth(), &SecretString::from("none"), Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::RefreshRejected(_)), "{err:?}");
    assert!(!err.is_retryable());
    let token = &authorized.tokens.access_token;
    let types = vec!["physical_info".to_owned()];
    Polar
        .fetch_window(setup.api(), token, last_days(2), &types)
        .await
        .unwrap();
    control(&setup, "tokens/expire", json!({})).await;
    let err = Polar
        .fetch_window(setup.api(), token, last_days(2), &types)
        .await
        .unwrap_err();
    assert_eq!(err, ProviderError::Unauthorized);
    setup.emulator.stop().await;
}

#[tokio::test]
async fn a_429_with_polars_rate_limit_headers_is_retried_by_the_sender() {
    let setup = setup().await;
    let authorized = connect(&setup).await;
    let token = &authorized.tokens.access_token;
    let types = vec!["physical_info".to_owned()];
    control(
        &setup,
        "fail-next",
        json!({"status": 429, "count": 1, "retry_after": 1}),
    )
    .await;
    let started = Instant::now();
    let pages = Polar
        .fetch_window(setup.api(), token, last_days(2), &types)
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
    let err = Polar
        .fetch_window(setup.api(), token, last_days(2), &types)
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
async fn deregistration_ends_data_access_and_disconnect_explains_what_it_needs() {
    let setup = setup().await;
    let authorized = connect(&setup).await;
    let token = &authorized.tokens.access_token;
    assert!(Polar.disconnect(setup.oauth(), token).await.is_err());
    Polar
        .deregister(setup.oauth(), token, &authorized.account.id)
        .await
        .unwrap();
    // Idempotent: a second deregistration (404) is fine.
    Polar
        .deregister(setup.oauth(), token, &authorized.account.id)
        .await
        .unwrap();
    let types = vec!["physical_info".to_owned()];
    let err = Polar
        .fetch_window(setup.api(), token, last_days(2), &types)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ProviderError::Status { status: 403, .. }),
        "{err:?}"
    );
    setup.emulator.stop().await;
}
