//! OAuth: auto-approved authorize, `action=requesttoken` envelopes, Withings' refresh rotation
//! rule, signed-nonce revocation.

use provider_emulator::EmulatorConfig;
use serde_json::{Value, json};

use crate::support::*;

#[tokio::test]
async fn authorize_redirects_with_a_code_and_the_state_for_a_new_user() {
    let emulator = start().await;
    let http = http();
    let response = authorize_with(&emulator, &http, &[]).await;
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(REDIRECT_URI), "{location}");
    let params = location_params(&response);
    assert_eq!(params["state"], "st4te");
    assert_eq!(params["code"].len(), 40);
    let users: Vec<Value> = http
        .get(format!("{}/_emulator/withings/users", emulator.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(users.len(), 1);
    assert!(users[0]["id"].as_str().unwrap().parse::<u64>().is_ok());
    emulator.stop().await;
}

#[tokio::test]
async fn denying_consent_redirects_with_access_denied() {
    let emulator = start().await;
    let response = authorize_with(&emulator, &http(), &[("emulator_deny", "true")]).await;
    assert_eq!(response.status(), 302);
    let params = location_params(&response);
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["state"], "st4te");
    assert!(!params.contains_key("code"));
    emulator.stop().await;
}

#[tokio::test]
async fn tokens_come_wrapped_in_a_status_envelope_with_the_user_id() {
    let emulator = start().await;
    let http = http();
    let code = code(&emulator, &http, &[]).await;
    let answer = exchange(&emulator, &http, &code).await;
    assert_eq!(answer["status"], 0);
    let body = &answer["body"];
    assert!(body["userid"].is_string());
    assert_eq!(body["expires_in"], 10_800);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], SCOPE);
    assert_eq!(body["access_token"].as_str().unwrap().len(), 40);
    assert_ne!(body["access_token"], body["refresh_token"]);
    assert!(body["csrf_token"].is_string());
    emulator.stop().await;
}

#[tokio::test]
async fn codes_are_single_use_and_bad_clients_get_status_503_in_an_http_200() {
    let emulator = start().await;
    let http = http();
    let code = code(&emulator, &http, &[]).await;
    let wrong_secret = oauth2(
        &emulator,
        &http,
        &[
            ("action", "requesttoken"),
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("client_secret", "nope"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
        ],
    )
    .await;
    assert_eq!(wrong_secret["status"], 503);
    assert_eq!(exchange(&emulator, &http, &code).await["status"], 0);
    let reused = exchange(&emulator, &http, &code).await;
    assert_eq!(reused["status"], 503);
    assert_eq!(reused["error"], "Invalid Params: invalid code");
    let no_action = oauth2(&emulator, &http, &[("grant_type", "authorization_code")]).await;
    assert_eq!(no_action["status"], 503);
    emulator.stop().await;
}

#[tokio::test]
async fn codes_expire_after_their_lifetime() {
    let mut config = EmulatorConfig::default();
    config.withings.code_ttl_secs = 0;
    let emulator = start_with(config).await;
    let http = http();
    let code = code(&emulator, &http, &[]).await;
    assert_eq!(exchange(&emulator, &http, &code).await["status"], 503);
    emulator.stop().await;
}

#[tokio::test]
async fn a_rotated_refresh_token_works_until_the_new_access_token_is_used() {
    let emulator = start().await;
    let http = http();
    let first = connect(&emulator, &http).await;
    let second = refresh(&emulator, &http, &first.refresh_token).await;
    assert_eq!(second["status"], 0);
    assert_ne!(
        second["body"]["refresh_token"],
        first.refresh_token.as_str()
    );
    // The answer was "lost": the old refresh token still works (grace period).
    let third = refresh(&emulator, &http, &first.refresh_token).await;
    assert_eq!(third["status"], 0);
    let newest = third["body"]["access_token"].as_str().unwrap();
    let used = call(
        &emulator,
        &http,
        newest,
        "/measure",
        &[("action", "getmeas")],
    )
    .await;
    assert_eq!(used["status"], 0);
    // Using a successor's access token ends the old refresh token's grace.
    let rejected = refresh(&emulator, &http, &first.refresh_token).await;
    assert_eq!(rejected["status"], 503);
    assert_eq!(rejected["error"], "Invalid Params: invalid refresh_token");
    let next = third["body"]["refresh_token"].as_str().unwrap();
    assert_eq!(refresh(&emulator, &http, next).await["status"], 0);
    emulator.stop().await;
}

#[tokio::test]
async fn a_rotated_refresh_token_expires_after_the_grace_period() {
    let mut config = EmulatorConfig::default();
    config.withings.refresh_grace_secs = 0;
    let emulator = start_with(config).await;
    let http = http();
    let first = connect(&emulator, &http).await;
    assert_eq!(
        refresh(&emulator, &http, &first.refresh_token).await["status"],
        0
    );
    assert_eq!(
        refresh(&emulator, &http, &first.refresh_token).await["status"],
        503
    );
    emulator.stop().await;
}

#[tokio::test]
async fn login_hint_reconnects_the_same_user() {
    let emulator = start().await;
    let http = http();
    let first = connect(&emulator, &http).await;
    let code = code(&emulator, &http, &[("login_hint", &first.user_id)]).await;
    let again = exchange(&emulator, &http, &code).await;
    assert_eq!(again["body"]["userid"], first.user_id.as_str());
    let unknown = authorize_with(&emulator, &http, &[("login_hint", "1")]).await;
    assert_eq!(unknown.status(), 400);
    emulator.stop().await;
}

#[tokio::test]
async fn revoke_with_a_signed_nonce_ends_the_grant() {
    let emulator = start().await;
    let http = http();
    let connection = connect(&emulator, &http).await;
    let timestamp = chrono::Utc::now().timestamp().to_string();
    let signature =
        provider_emulator::withings::sign(CLIENT_SECRET, "getnonce", CLIENT_ID, &timestamp);
    let nonce: Value = http
        .post(format!("{}/v2/signature", base(&emulator)))
        .form(&[
            ("action", "getnonce"),
            ("client_id", CLIENT_ID),
            ("timestamp", &timestamp),
            ("signature", &signature),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(nonce["status"], 0, "{nonce}");
    let nonce = nonce["body"]["nonce"].as_str().unwrap();
    let bad = oauth2(
        &emulator,
        &http,
        &[
            ("action", "revoke"),
            ("client_id", CLIENT_ID),
            ("nonce", nonce),
            ("signature", "00"),
            ("userid", &connection.user_id),
        ],
    )
    .await;
    assert_eq!(bad["status"], 342);
    // The failed attempt spent the nonce: get another one.
    let timestamp = chrono::Utc::now().timestamp().to_string();
    let signature =
        provider_emulator::withings::sign(CLIENT_SECRET, "getnonce", CLIENT_ID, &timestamp);
    let nonce: Value = http
        .post(format!("{}/v2/signature", base(&emulator)))
        .form(&[
            ("action", "getnonce"),
            ("client_id", CLIENT_ID),
            ("timestamp", &timestamp),
            ("signature", &signature),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let nonce = nonce["body"]["nonce"].as_str().unwrap();
    let signature = provider_emulator::withings::sign(CLIENT_SECRET, "revoke", CLIENT_ID, nonce);
    let revoked = oauth2(
        &emulator,
        &http,
        &[
            ("action", "revoke"),
            ("client_id", CLIENT_ID),
            ("nonce", nonce),
            ("signature", &signature),
            ("userid", &connection.user_id),
        ],
    )
    .await;
    assert_eq!(revoked, json!({"status": 0, "body": {}}));
    let after = call(
        &emulator,
        &http,
        &connection.access_token,
        "/measure",
        &[("action", "getmeas")],
    )
    .await;
    assert_eq!(after["status"], 401);
    assert_eq!(
        refresh(&emulator, &http, &connection.refresh_token).await["status"],
        503
    );
    emulator.stop().await;
}
