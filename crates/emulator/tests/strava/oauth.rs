//! OAuth: authorize, code exchange with the athlete, refresh rules and deauthorization.

use provider_emulator::StravaConfig;
use serde_json::{Value, json};

use crate::support::*;

#[tokio::test]
async fn strava_authorize_redirects_with_code_state_and_the_accepted_scope() {
    let emulator = start().await;
    let http = http();
    let response = authorize_response(&emulator, &http, &[]).await;
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap();
    assert!(location.starts_with(REDIRECT_URI), "{location}");
    let params = location_params(&response);
    assert_eq!(params["state"], "st4te");
    assert_eq!(params["scope"], SCOPE);
    assert_eq!(params["code"].len(), 40);

    let denied = authorize_response(&emulator, &http, &[("emulator_deny", "true")]).await;
    assert_eq!(denied.status(), 302);
    let params = location_params(&denied);
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["state"], "st4te");
    assert!(!params.contains_key("code"));
    emulator.stop().await;
}

#[tokio::test]
async fn strava_authorize_rejects_space_separated_scopes_and_unknown_clients() {
    let emulator = start().await;
    let http = http();
    let spaces = authorize_response(&emulator, &http, &[("scope", "read activity:read_all")]).await;
    assert_eq!(spaces.status(), 400);
    let body: Value = spaces.json().await.unwrap();
    assert_eq!(body["message"], "Bad Request");
    assert_eq!(body["errors"][0]["field"], "scope");

    let response = http
        .get(format!("{}/oauth/authorize", base(&emulator)))
        .query(&[
            ("client_id", "someone-else"),
            ("redirect_uri", REDIRECT_URI),
            ("response_type", "code"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["errors"][0],
        json!({"resource": "Application", "field": "client_id", "code": "invalid"})
    );
    emulator.stop().await;
}

#[tokio::test]
async fn strava_code_exchange_returns_six_hour_bearer_tokens_and_the_athlete_once() {
    let emulator = start().await;
    let http = http();
    let code = authorize(&emulator, &http, &[]).await;
    let before = chrono::Utc::now().timestamp();
    let response = token_request(
        &emulator,
        &http,
        &[("grant_type", "authorization_code"), ("code", &code)],
    )
    .await;
    assert_eq!(response.status(), 200);
    let tokens: Value = response.json().await.unwrap();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 21_600);
    let expires_at = tokens["expires_at"].as_i64().unwrap();
    assert!((before + 21_600..=before + 21_602).contains(&expires_at));
    assert_eq!(tokens["access_token"].as_str().unwrap().len(), 40);
    assert_eq!(tokens["refresh_token"].as_str().unwrap().len(), 40);
    assert!(tokens["athlete"]["id"].as_u64().unwrap() > 0);
    assert_eq!(tokens["athlete"]["resource_state"], 2);
    assert!(
        tokens.get("scope").is_none(),
        "Strava sends scope on the redirect only"
    );

    let again = token_request(
        &emulator,
        &http,
        &[("grant_type", "authorization_code"), ("code", &code)],
    )
    .await;
    assert_eq!(again.status(), 400);
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["errors"][0]["resource"], "AuthorizationCode");

    let code = authorize(&emulator, &http, &[]).await;
    let wrong_secret = http
        .post(format!("{}/api/v3/oauth/token", base(&emulator)))
        .form(&[
            ("client_id", CLIENT_ID),
            ("client_secret", "nope"),
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_secret.status(), 400);
    let body: Value = wrong_secret.json().await.unwrap();
    assert_eq!(body["errors"][0]["field"], "client_secret");
    emulator.stop().await;
}

async fn refresh(emulator: &provider_emulator::Emulator, refresh_token: &str) -> reqwest::Response {
    token_request(
        emulator,
        &http(),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ],
    )
    .await
}

#[tokio::test]
async fn strava_a_refresh_with_more_than_an_hour_left_returns_the_same_tokens() {
    let emulator = start().await;
    let http = http();
    let conn = connect(&emulator, &http).await;
    let response = refresh(&emulator, &conn.refresh_token).await;
    assert_eq!(response.status(), 200);
    let tokens: Value = response.json().await.unwrap();
    assert_eq!(tokens["access_token"], conn.access_token.as_str());
    assert_eq!(tokens["refresh_token"], conn.refresh_token.as_str());
    assert_eq!(tokens["expires_at"], conn.expires_at);
    assert!(tokens.get("athlete").is_none());
    emulator.stop().await;
}

#[tokio::test]
async fn strava_a_refresh_of_an_expired_token_rotates_and_the_old_refresh_token_stops_working() {
    let emulator = start().await;
    let http = http();
    let conn = connect(&emulator, &http).await;
    control(&emulator, &http, "/tokens/expire", json!({})).await;
    let expired = get(&emulator, &http, &conn.access_token, "/athlete", &[]).await;
    assert_eq!(expired.status(), 401);

    let tokens: Value = refresh(&emulator, &conn.refresh_token)
        .await
        .json()
        .await
        .unwrap();
    let (access, refresh_token) = (
        tokens["access_token"].as_str().unwrap().to_owned(),
        tokens["refresh_token"].as_str().unwrap().to_owned(),
    );
    assert_ne!(access, conn.access_token);
    assert_ne!(refresh_token, conn.refresh_token);
    assert_eq!(tokens["expires_in"], 21_600);
    assert_eq!(
        get(&emulator, &http, &access, "/athlete", &[])
            .await
            .status(),
        200
    );

    let old = refresh(&emulator, &conn.refresh_token).await;
    assert_eq!(old.status(), 400);
    let body: Value = old.json().await.unwrap();
    assert_eq!(
        body["errors"][0],
        json!({"resource": "RefreshToken", "field": "refresh_token", "code": "invalid"})
    );
    assert_eq!(refresh(&emulator, &refresh_token).await.status(), 200);
    emulator.stop().await;
}

#[tokio::test]
async fn strava_every_refresh_rotates_when_fresh_token_reuse_is_off() {
    let emulator = start_with(StravaConfig {
        refresh_reuses_fresh_token: false,
        ..StravaConfig::default()
    })
    .await;
    let conn = connect(&emulator, &http()).await;
    let tokens: Value = refresh(&emulator, &conn.refresh_token)
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(tokens["refresh_token"], conn.refresh_token.as_str());
    assert_eq!(refresh(&emulator, &conn.refresh_token).await.status(), 400);
    emulator.stop().await;
}

#[tokio::test]
async fn strava_login_hint_reconnects_the_same_athlete() {
    let emulator = start().await;
    let http = http();
    let first = connect(&emulator, &http).await;
    let id = first.athlete_id.to_string();
    let second = connect_with(&emulator, &http, &[("login_hint", &id)]).await;
    assert_eq!(second.athlete_id, first.athlete_id);
    assert_eq!(users(&emulator, &http).await.len(), 1);
    let unknown = authorize_response(&emulator, &http, &[("login_hint", "1")]).await;
    assert_eq!(unknown.status(), 400);
    emulator.stop().await;
}

#[tokio::test]
async fn strava_deauthorize_revokes_every_token_of_the_athlete() {
    let emulator = start().await;
    let http = http();
    let conn = connect(&emulator, &http).await;
    let response = http
        .post(format!("{}/oauth/deauthorize", base(&emulator)))
        .form(&[("access_token", conn.access_token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["access_token"], conn.access_token.as_str());
    let after = get(&emulator, &http, &conn.access_token, "/athlete", &[]).await;
    assert_eq!(after.status(), 401);
    let body: Value = after.json().await.unwrap();
    assert_eq!(body["message"], "Authorization Error");
    assert_eq!(refresh(&emulator, &conn.refresh_token).await.status(), 400);
    emulator.stop().await;
}
