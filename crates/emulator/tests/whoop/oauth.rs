use base64::Engine as _;
use serde_json::Value;
use sha2::Digest as _;

use crate::support::{
    self, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, authorize, authorize_with, connect, get, http,
    location_params, token_request, token_url,
};

#[tokio::test]
async fn authorize_redirects_with_code_scope_and_state() {
    let emulator = support::start().await;
    let http = http();
    let response = authorize_with(
        &emulator,
        &http,
        &[("redirect_uri", "http://localhost:8080/cb?tenant=a")],
    )
    .await;
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap();
    assert!(
        location.starts_with("http://localhost:8080/cb?tenant=a&code=ory_ac_"),
        "{location}"
    );
    let params = location_params(&response);
    assert_eq!(params["state"], "st4te-12345");
    assert_eq!(params["scope"], support::SCOPE);
    emulator.stop().await;
}

#[tokio::test]
async fn a_state_shorter_than_eight_characters_is_refused_like_hydra_does() {
    let emulator = support::start().await;
    let http = http();
    let response = authorize_with(&emulator, &http, &[("state", "short")]).await;
    assert_eq!(response.status(), 302);
    let params = location_params(&response);
    assert_eq!(params["error"], "invalid_state");
    assert!(!params.contains_key("code"));
    emulator.stop().await;
}

#[tokio::test]
async fn denied_or_invalid_authorizations_redirect_with_an_error() {
    let emulator = support::start().await;
    let http = http();
    for (extra, error) in [
        (("emulator_deny", "true"), "access_denied"),
        (("scope", "read:sleep read:everything"), "invalid_scope"),
        (("response_type", "token"), "unsupported_response_type"),
    ] {
        let response = authorize_with(&emulator, &http, &[extra]).await;
        assert_eq!(response.status(), 302);
        let params = location_params(&response);
        assert_eq!(params["error"], error);
        assert_eq!(params["state"], "st4te-12345");
    }
    let unknown = authorize_with(&emulator, &http, &[("client_id", "nope")]).await;
    assert_eq!(unknown.status(), 401);
    let no_redirect = authorize_with(&emulator, &http, &[("redirect_uri", "not a url")]).await;
    assert_eq!(no_redirect.status(), 400);
    emulator.stop().await;
}

#[tokio::test]
async fn a_code_is_exchanged_once_for_an_hour_long_token_and_a_refresh_token() {
    let emulator = support::start().await;
    let http = http();
    let code = authorize(&emulator, &http, &[]).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT_URI),
    ];
    let first = token_request(&emulator, &http, &form).await;
    assert_eq!(first.status(), 200);
    let tokens: Value = first.json().await.unwrap();
    assert_eq!(tokens["token_type"], "bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert_eq!(tokens["scope"], support::SCOPE);
    assert!(
        tokens["access_token"]
            .as_str()
            .unwrap()
            .starts_with("ory_at_")
    );
    assert!(
        tokens["refresh_token"]
            .as_str()
            .unwrap()
            .starts_with("ory_rt_")
    );
    let second = token_request(&emulator, &http, &form).await;
    assert_eq!(second.status(), 400);
    let body: Value = second.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    emulator.stop().await;
}

#[tokio::test]
async fn without_the_offline_scope_there_is_no_refresh_token() {
    let emulator = support::start().await;
    let http = http();
    let code = authorize(&emulator, &http, &[("scope", "read:sleep read:profile")]).await;
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
    let tokens: Value = response.json().await.unwrap();
    assert!(tokens["access_token"].is_string());
    assert!(tokens.get("refresh_token").is_none());
    emulator.stop().await;
}

#[tokio::test]
async fn client_credentials_must_be_in_the_form_body() {
    let emulator = support::start().await;
    let http = http();
    let code = authorize(&emulator, &http, &[]).await;
    let response = http
        .post(token_url(&emulator))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT_URI),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    let wrong = token_request(&emulator, &http, &[("client_secret", "nope")]).await;
    assert_eq!(wrong.status(), 401);
    emulator.stop().await;
}

#[tokio::test]
async fn a_code_exchange_needs_the_same_redirect_uri_and_the_pkce_verifier_when_one_was_challenged()
{
    let emulator = support::start().await;
    let http = http();
    let code = authorize(&emulator, &http, &[]).await;
    let other = token_request(
        &emulator,
        &http,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://localhost/other"),
        ],
    )
    .await;
    assert_eq!(other.status(), 400);

    let verifier = "a-long-enough-pkce-verifier-with-43-characters-x";
    let challenge =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier));
    let pkce = [
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    for (attempt, expected) in [(None, 400), (Some("wrong"), 400), (Some(verifier), 200)] {
        let code = authorize(&emulator, &http, &pkce).await;
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT_URI),
        ];
        if let Some(v) = attempt {
            form.push(("code_verifier", v));
        }
        assert_eq!(
            token_request(&emulator, &http, &form).await.status(),
            expected
        );
    }
    emulator.stop().await;
}

#[tokio::test]
async fn refresh_with_scope_offline_rotates_and_a_used_refresh_token_is_rejected() {
    let emulator = support::start().await;
    let http = http();
    let conn = connect(&emulator, &http).await;
    let refresh = |token: String| {
        let (emulator, http) = (&emulator, &http);
        async move {
            token_request(
                emulator,
                http,
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", &token),
                    ("scope", "offline"),
                ],
            )
            .await
        }
    };
    let rotated = refresh(conn.refresh_token.clone()).await;
    assert_eq!(rotated.status(), 200);
    let rotated: Value = rotated.json().await.unwrap();
    let second = rotated["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second, conn.refresh_token);
    assert_eq!(
        rotated["scope"],
        support::SCOPE,
        "the grant keeps every scope"
    );
    let access = rotated["access_token"].as_str().unwrap();
    assert_eq!(
        get(&emulator, &http, access, "/v2/activity/sleep", &[])
            .await
            .status(),
        200
    );

    let reused = refresh(conn.refresh_token.clone()).await;
    assert_eq!(reused.status(), 400);
    assert_eq!(
        reused.json::<Value>().await.unwrap()["error"],
        "invalid_grant"
    );
    let without_scope = token_request(
        &emulator,
        &http,
        &[("grant_type", "refresh_token"), ("refresh_token", &second)],
    )
    .await;
    assert_eq!(without_scope.status(), 200, "scope on refresh is optional");
    emulator.stop().await;
}

#[tokio::test]
async fn login_hint_reconnects_an_existing_member() {
    let emulator = support::start().await;
    let http = http();
    let first = connect(&emulator, &http).await;
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
    let profile: Value = get(
        &emulator,
        &http,
        tokens["access_token"].as_str().unwrap(),
        "/v2/user/profile/basic",
        &[],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(profile["user_id"], first.user_id);
    let users = support::control_get(&emulator, &http, "/users").await;
    assert_eq!(users.as_array().unwrap().len(), 1);
    emulator.stop().await;
}
