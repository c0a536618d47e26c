use serde_json::Value;

use crate::support::{
    self, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, authorize, authorize_response, base, connect,
    get, http, location_params, pkce, token_request,
};

#[tokio::test]
async fn authorize_redirects_with_a_code_and_the_state_and_a_denial_with_access_denied() {
    let emulator = support::start().await;
    let http = http();
    let (_, challenge) = pkce();
    let response = authorize_response(&emulator, &http, Some(&challenge), &[]).await;
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(REDIRECT_URI), "{location}");
    let params = location_params(&response);
    assert_eq!(params["state"], "st4te");
    assert!(params["code"].len() >= 20);

    let denied = authorize_response(
        &emulator,
        &http,
        Some(&challenge),
        &[("emulator_deny", "true")],
    )
    .await;
    assert_eq!(denied.status(), 302);
    let params = location_params(&denied);
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["state"], "st4te");
    assert!(!params.contains_key("code"));
    emulator.stop().await;
}

#[tokio::test]
async fn authorize_requires_an_s256_pkce_challenge() {
    let emulator = support::start().await;
    let http = http();
    let response = authorize_response(&emulator, &http, None, &[]).await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    let plain = authorize_response(
        &emulator,
        &http,
        None,
        &[
            ("code_challenge", "abc"),
            ("code_challenge_method", "plain"),
        ],
    )
    .await;
    assert_eq!(plain.status(), 400);
    emulator.stop().await;
}

#[tokio::test]
async fn the_code_exchange_checks_the_verifier_and_codes_are_single_use() {
    let emulator = support::start().await;
    let http = http();
    let (code, _) = authorize(&emulator, &http, &[]).await;
    let exchange = |code: String, verifier: String| {
        let (emulator, http) = (&emulator, &http);
        async move {
            token_request(
                emulator,
                http,
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", REDIRECT_URI),
                    ("code_verifier", &verifier),
                ],
            )
            .await
        }
    };
    let wrong = exchange(code.clone(), "not-the-verifier".into()).await;
    assert_eq!(wrong.status(), 400);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");

    // The failed attempt consumed the code.
    let (code, verifier) = authorize(&emulator, &http, &[]).await;
    let ok = exchange(code.clone(), verifier.clone()).await;
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()["cache-control"], "no-store");
    let tokens: Value = ok.json().await.unwrap();
    assert_eq!(tokens["token_type"], "bearer");
    assert_eq!(tokens["expires_in"], 86_400);
    assert_eq!(tokens["refresh_token_expires_in"], 7_776_000);
    assert!(tokens["jti"].is_string());
    assert!(tokens["scope"].as_str().unwrap().contains("PARTNER_READ"));
    let again = exchange(code, verifier).await;
    assert_eq!(again.status(), 400);
    emulator.stop().await;
}

#[tokio::test]
async fn client_credentials_in_a_basic_header_instead_of_the_body_are_rejected() {
    let emulator = support::start().await;
    let http = http();
    let (code, verifier) = authorize(&emulator, &http, &[]).await;
    let response = http
        .post(format!("{}/di-oauth2-service/oauth/token", base(&emulator)))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", verifier.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    emulator.stop().await;
}

#[tokio::test]
async fn every_refresh_returns_a_new_refresh_token_and_a_used_one_is_rejected() {
    let emulator = support::start().await;
    let http = http();
    let connection = connect(&emulator, &http).await;
    let refresh = |token: String| {
        let (emulator, http) = (&emulator, &http);
        async move {
            token_request(
                emulator,
                http,
                &[("grant_type", "refresh_token"), ("refresh_token", &token)],
            )
            .await
        }
    };
    let first = refresh(connection.refresh_token.clone()).await;
    assert_eq!(first.status(), 200);
    let first: Value = first.json().await.unwrap();
    let rotated = first["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(rotated, connection.refresh_token);
    let access = first["access_token"].as_str().unwrap();
    assert_eq!(
        get(&emulator, &http, access, "/wellness-api/rest/user/id", &[])
            .await
            .status(),
        200
    );
    let reused = refresh(connection.refresh_token.clone()).await;
    assert_eq!(reused.status(), 400);
    let body: Value = reused.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(refresh(rotated).await.status(), 200);
    emulator.stop().await;
}

#[tokio::test]
async fn login_hint_reconnects_the_same_user() {
    let emulator = support::start().await;
    let http = http();
    let first = connect(&emulator, &http).await;
    let again = support::connect_with(&emulator, &http, &[("login_hint", &first.user_id)]).await;
    assert_eq!(again.user_id, first.user_id);
    let users = support::control_get(&emulator, &http, "/users").await;
    assert_eq!(users.as_array().unwrap().len(), 1);
    assert_eq!(users[0]["registered"], true);
    emulator.stop().await;
}
