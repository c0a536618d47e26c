//! OAuth: PKCE authorization, Basic client authentication, single-use refresh tokens, revocation.

use serde_json::Value;

use crate::support::*;

#[tokio::test]
async fn fitbit_authorize_redirects_with_a_code_and_the_token_response_names_the_user() {
    let emulator = start().await;
    let http = http();
    let response = authorize_response(&emulator, &http, &[]).await;
    assert_eq!(response.status(), 302);
    let params = location_params(&response);
    assert_eq!(params["state"], "st4te");
    let code = params["code"].clone();
    let response = token_request(
        &emulator,
        &http,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", VERIFIER),
        ],
        true,
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let tokens: Value = response.json().await.unwrap();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 28_800);
    assert!(tokens["scope"].as_str().unwrap().contains("sleep"));
    let user_id = tokens["user_id"].as_str().unwrap();
    assert_eq!(user_id.len(), 6);
    let profile = get_json(
        &emulator,
        &http,
        tokens["access_token"].as_str().unwrap(),
        "1/user/-/profile.json",
    )
    .await;
    assert_eq!(profile["user"]["encodedId"], user_id);
    assert_eq!(profile["user"]["offsetFromUTCMillis"], -18_000_000);
    // The code is single use.
    let again = token_request(
        &emulator,
        &http,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("code_verifier", VERIFIER),
        ],
        true,
    )
    .await;
    assert_eq!(again.status(), 400);
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["errors"][0]["errorType"], "invalid_grant");
    assert_eq!(body["success"], false);
    emulator.stop().await;
}

#[tokio::test]
async fn fitbit_authorize_requires_an_s256_challenge_and_honours_a_denial() {
    let emulator = start().await;
    let http = http();
    let response = authorize_response(&emulator, &http, &[("code_challenge", "")]).await;
    assert_eq!(response.status(), 302);
    assert_eq!(location_params(&response)["error"], "invalid_request");
    let response =
        authorize_response(&emulator, &http, &[("code_challenge_method", "plain")]).await;
    assert_eq!(location_params(&response)["error"], "invalid_request");
    let response = authorize_response(&emulator, &http, &[("emulator_deny", "true")]).await;
    let params = location_params(&response);
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["state"], "st4te");
    let response = authorize_response(&emulator, &http, &[("client_id", "nobody")]).await;
    assert_eq!(response.status(), 400);
    emulator.stop().await;
}

#[tokio::test]
async fn fitbit_token_exchange_checks_the_code_verifier_and_basic_client_authentication() {
    let emulator = start().await;
    let http = http();
    let code = authorize(&emulator, &http, &[]).await;
    let without_basic = token_request(
        &emulator,
        &http,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("code_verifier", VERIFIER),
        ],
        false,
    )
    .await;
    assert_eq!(without_basic.status(), 401);
    let body: Value = without_basic.json().await.unwrap();
    assert_eq!(body["errors"][0]["errorType"], "invalid_client");
    let wrong_verifier = token_request(
        &emulator,
        &http,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("code_verifier", "x".repeat(50).as_str()),
        ],
        true,
    )
    .await;
    assert_eq!(wrong_verifier.status(), 400);
    let code = authorize(&emulator, &http, &[]).await;
    let missing = token_request(
        &emulator,
        &http,
        &[("grant_type", "authorization_code"), ("code", &code)],
        true,
    )
    .await;
    assert_eq!(missing.status(), 400);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["errors"][0]["errorType"], "invalid_request");
    emulator.stop().await;
}

#[tokio::test]
async fn fitbit_refresh_tokens_are_single_use_and_rotate() {
    let emulator = start().await;
    let http = http();
    let connection = connect(&emulator, &http).await;
    let refresh = |token: String| {
        let (emulator, http) = (&emulator, &http);
        async move {
            token_request(
                emulator,
                http,
                &[("grant_type", "refresh_token"), ("refresh_token", &token)],
                true,
            )
            .await
        }
    };
    let response = refresh(connection.refresh_token.clone()).await;
    assert_eq!(response.status(), 200);
    let rotated: Value = response.json().await.unwrap();
    let second = rotated["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second, connection.refresh_token);
    assert_eq!(rotated["user_id"], connection.user_id.as_str());
    let reused = refresh(connection.refresh_token.clone()).await;
    assert_eq!(reused.status(), 400);
    let body: Value = reused.json().await.unwrap();
    assert_eq!(body["errors"][0]["errorType"], "invalid_grant");
    assert_eq!(refresh(second).await.status(), 200);
    emulator.stop().await;
}

#[tokio::test]
async fn fitbit_revoke_ends_the_whole_grant_and_login_hint_reuses_the_user() {
    let emulator = start().await;
    let http = http();
    let connection = connect(&emulator, &http).await;
    let config = config();
    let response = http
        .post(format!("{}/oauth2/revoke", base(&emulator)))
        .basic_auth(&config.client_id, Some(&config.client_secret))
        .form(&[("token", connection.access_token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let after = get(
        &emulator,
        &http,
        &connection.access_token,
        "1/user/-/profile.json",
    )
    .await;
    assert_eq!(after.status(), 401);
    let refresh = token_request(
        &emulator,
        &http,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &connection.refresh_token),
        ],
        true,
    )
    .await;
    assert_eq!(
        refresh.status(),
        400,
        "the refresh token died with the grant"
    );

    let code = authorize(&emulator, &http, &[("login_hint", &connection.user_id)]).await;
    let response = token_request(
        &emulator,
        &http,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("code_verifier", VERIFIER),
        ],
        true,
    )
    .await;
    let tokens: Value = response.json().await.unwrap();
    assert_eq!(tokens["user_id"], connection.user_id.as_str());
    emulator.stop().await;
}
