//! OAuth: auto-approved authorize, HTTP Basic token endpoint, `x_user_id`, no refresh tokens.

use serde_json::Value;

use crate::support::*;

#[tokio::test]
async fn authorize_redirects_with_a_code_and_the_state_and_creates_a_user() {
    let emulator = start().await;
    let http = http();
    let response = authorize_response(&emulator, &http, &[]).await;
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap();
    assert!(location.starts_with(REDIRECT_URI), "{location}");
    let params = location_params(&response);
    assert_eq!(params["state"], "st4te");
    assert!(params["code"].len() >= 20);
    let users: Value = http
        .get(format!("{}/_emulator/polar/users", emulator.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(users.as_array().unwrap().len(), 1);
    assert_eq!(users[0]["registered"], false);
    emulator.stop().await;
}

#[tokio::test]
async fn a_denied_authorization_redirects_with_access_denied_and_the_state() {
    let emulator = start().await;
    let http = http();
    let response = authorize_response(&emulator, &http, &[("emulator_deny", "true")]).await;
    assert_eq!(response.status(), 302);
    let params = location_params(&response);
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["state"], "st4te");
    assert!(!params.contains_key("code"));
    let bad_scope = authorize_response(&emulator, &http, &[("scope", "everything")]).await;
    assert_eq!(location_params(&bad_scope)["error"], "invalid_scope");
    emulator.stop().await;
}

#[tokio::test]
async fn the_code_exchange_returns_a_long_lived_token_with_x_user_id_and_no_refresh_token() {
    let emulator = start().await;
    let http = http();
    let code = authorize(&emulator, &http, &[]).await;
    let response = token_request(
        &emulator,
        &http,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
        ],
    )
    .await;
    assert_eq!(response.status(), 200);
    let tokens: Value = response.json().await.unwrap();
    assert_eq!(tokens["token_type"], "bearer");
    assert!(tokens["expires_in"].as_i64().unwrap() >= 30 * 86_400);
    assert!(tokens["x_user_id"].as_u64().unwrap() > 0);
    assert!(tokens.get("refresh_token").is_none());
    emulator.stop().await;
}

#[tokio::test]
async fn the_token_endpoint_accepts_only_http_basic_client_authentication() {
    let emulator = start().await;
    let http = http();
    let code = authorize(&emulator, &http, &[]).await;
    let in_body = http
        .post(format!("{}/v2/oauth2/token", base(&emulator)))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT_URI),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(in_body.status(), 401);
    let body: Value = in_body.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    let wrong = http
        .post(format!("{}/v2/oauth2/token", base(&emulator)))
        .basic_auth(CLIENT_ID, Some("wrong"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    emulator.stop().await;
}

#[tokio::test]
async fn codes_are_single_use_and_bound_to_the_redirect_uri() {
    let emulator = start().await;
    let http = http();
    let code = authorize(&emulator, &http, &[]).await;
    let other = token_request(
        &emulator,
        &http,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://evil.example/cb"),
        ],
    )
    .await;
    assert_eq!(other.status(), 400);
    let code = authorize(&emulator, &http, &[]).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT_URI),
    ];
    assert_eq!(token_request(&emulator, &http, &form).await.status(), 200);
    let again = token_request(&emulator, &http, &form).await;
    assert_eq!(again.status(), 400);
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    emulator.stop().await;
}

#[tokio::test]
async fn refresh_grants_are_unsupported() {
    let emulator = start().await;
    let http = http();
    let response = token_request(
        &emulator,
        &http,
        &[("grant_type", "refresh_token"), ("refresh_token", "x")],
    )
    .await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_grant_type");
    emulator.stop().await;
}

#[tokio::test]
async fn login_hint_reconnects_the_same_user() {
    let emulator = start().await;
    let http = http();
    let first = authorize_user(&emulator, &http).await;
    let hint = first.user_id.to_string();
    let code = authorize(&emulator, &http, &[("login_hint", &hint)]).await;
    let tokens: Value = token_request(
        &emulator,
        &http,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
        ],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(tokens["x_user_id"].as_u64(), Some(first.user_id));
    let unknown = authorize_response(&emulator, &http, &[("login_hint", "1")]).await;
    assert_eq!(unknown.status(), 400);
    emulator.stop().await;
}
