use serde_json::Value;

use crate::support::{
    self, REDIRECT_URI, authorize, connect, get, http, location_params, token_request,
};

#[tokio::test]
async fn authorize_redirects_with_code_and_state() {
    let emulator = support::start().await;
    let http = http();
    let response = http
        .get(emulator.oura_authorize_url())
        .query(&[
            ("response_type", "code"),
            ("client_id", "wearhouse-local"),
            ("redirect_uri", "http://localhost:8080/cb?tenant=a"),
            ("state", "xyz"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap();
    assert!(
        location.starts_with("http://localhost:8080/cb?tenant=a&code="),
        "{location}"
    );
    let params = location_params(&response);
    assert_eq!(params["state"], "xyz");
    assert!(params["code"].len() >= 32);
    emulator.stop().await;
}

#[tokio::test]
async fn authorize_rejects_an_unknown_client_and_a_missing_redirect_uri() {
    let emulator = support::start().await;
    let http = http();
    for query in [
        vec![
            ("response_type", "code"),
            ("client_id", "nope"),
            ("redirect_uri", REDIRECT_URI),
        ],
        vec![
            ("response_type", "token"),
            ("client_id", "wearhouse-local"),
            ("redirect_uri", REDIRECT_URI),
        ],
        vec![("response_type", "code"), ("client_id", "wearhouse-local")],
    ] {
        let response = http
            .get(emulator.oura_authorize_url())
            .query(&query)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_request");
    }
    emulator.stop().await;
}

#[tokio::test]
async fn denied_authorization_redirects_with_access_denied() {
    let emulator = support::start().await;
    let http = http();
    let response = http
        .get(emulator.oura_authorize_url())
        .query(&[
            ("response_type", "code"),
            ("client_id", "wearhouse-local"),
            ("redirect_uri", REDIRECT_URI),
            ("state", "s1"),
            ("emulator_deny", "true"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    let params = location_params(&response);
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["state"], "s1");
    assert!(!params.contains_key("code"));
    emulator.stop().await;
}

#[tokio::test]
async fn authorization_code_is_exchanged_once_only() {
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
    assert_eq!(tokens["expires_in"], 86_400);
    assert_eq!(tokens["scope"], "personal daily heartrate workout");
    assert!(tokens["access_token"].as_str().unwrap().len() >= 32);
    assert!(tokens["refresh_token"].as_str().unwrap().len() >= 32);

    let second = token_request(&emulator, &http, &form).await;
    assert_eq!(second.status(), 400);
    let body: Value = second.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    emulator.stop().await;
}

#[tokio::test]
async fn code_exchange_requires_the_authorize_redirect_uri() {
    let emulator = support::start().await;
    let http = http();
    let code = authorize(&emulator, &http, &[]).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", "http://evil.example/cb"),
    ];
    let response = token_request(&emulator, &http, &form).await;
    assert_eq!(response.status(), 400);
    emulator.stop().await;
}

#[tokio::test]
async fn token_endpoint_accepts_basic_auth_and_rejects_a_wrong_secret() {
    let emulator = support::start().await;
    let http = http();
    let code = authorize(&emulator, &http, &[]).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT_URI),
    ];
    let wrong = http
        .post(emulator.oura_token_url())
        .basic_auth("wearhouse-local", Some("wrong"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");

    let basic = http
        .post(emulator.oura_token_url())
        .basic_auth("wearhouse-local", Some("wearhouse-local-secret"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 200);
    emulator.stop().await;
}

#[tokio::test]
async fn refresh_token_cannot_be_used_twice() {
    let emulator = support::start().await;
    let http = http();
    let connection = connect(&emulator, &http).await;
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", connection.refresh_token.as_str()),
    ];
    let first = token_request(&emulator, &http, &form).await;
    assert_eq!(first.status(), 200);
    let rotated: Value = first.json().await.unwrap();
    let new_refresh = rotated["refresh_token"].as_str().unwrap();
    assert_ne!(new_refresh, connection.refresh_token);
    assert_ne!(
        rotated["access_token"].as_str().unwrap(),
        connection.access_token
    );

    let reused = token_request(&emulator, &http, &form).await;
    assert_eq!(reused.status(), 400);
    let body: Value = reused.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(body["error_description"], "Token Already Used Or Revoked");

    let next = token_request(
        &emulator,
        &http,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", new_refresh),
        ],
    )
    .await;
    assert_eq!(next.status(), 200);
    emulator.stop().await;
}

#[tokio::test]
async fn unsupported_grant_type_is_rejected() {
    let emulator = support::start().await;
    let response = token_request(&emulator, &http(), &[("grant_type", "password")]).await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_grant_type");
    emulator.stop().await;
}

#[tokio::test]
async fn login_hint_reconnects_the_same_user() {
    let emulator = support::start().await;
    let http = http();
    let first = connect(&emulator, &http).await;
    let code = authorize(&emulator, &http, &[("login_hint", first.user_id.as_str())]).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT_URI),
    ];
    let tokens: Value = token_request(&emulator, &http, &form)
        .await
        .json()
        .await
        .unwrap();
    let info: Value = get(
        &emulator,
        &http,
        tokens["access_token"].as_str().unwrap(),
        "/v2/usercollection/personal_info",
        &[],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(info["id"], first.user_id.as_str());
    let users: Value = http
        .get(format!("{}/_emulator/oura/users", emulator.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(users.as_array().unwrap().len(), 1);
    emulator.stop().await;
}

#[tokio::test]
async fn revoked_access_token_and_its_refresh_token_stop_working() {
    let emulator = support::start().await;
    let http = http();
    let connection = connect(&emulator, &http).await;
    let revoke = http
        .post(format!("{}/oura/oauth/revoke", emulator.base_url()))
        .query(&[("access_token", connection.access_token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), 200);
    let response = get(
        &emulator,
        &http,
        &connection.access_token,
        "/v2/usercollection/personal_info",
        &[],
    )
    .await;
    assert_eq!(response.status(), 401);
    let refresh = token_request(
        &emulator,
        &http,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", connection.refresh_token.as_str()),
        ],
    )
    .await;
    assert_eq!(refresh.status(), 400);
    emulator.stop().await;
}
