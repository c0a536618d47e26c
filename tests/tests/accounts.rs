//! Accounts, keys, users, applications, SDK tokens, integrations and the connection
//! lifecycle, against the running stack (real PostgreSQL and RabbitMQ, the Oura emulator).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use e2e_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, REDIRECT_URI, Stack};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const KEY: &str = "X-Open-Wearables-API-Key";

async fn call(
    stack: &Stack,
    method: Method,
    url: &str,
    auth: Option<(&str, &str)>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = stack.http.request(method, url);
    if let Some((name, value)) = auth {
        req = req.header(name, value);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn developers_log_in_manage_keys_and_api_keys_are_never_bearer_tokens() {
    let stack = Stack::start().await;
    let a = &stack.auth_url;
    // Wrong password and unknown account look the same.
    for (user, pw) in [
        (ADMIN_EMAIL, "wrong-password-123"),
        ("nobody@e2e.example", ADMIN_PASSWORD),
    ] {
        let resp = stack
            .http
            .post(format!("{a}/api/v1/auth/login"))
            .form(&[("username", user), ("password", pw)])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401);
        assert_eq!(
            resp.json::<Value>().await.unwrap()["detail"],
            "Incorrect email or password"
        );
    }
    let jwt = stack.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let auth = ("Authorization", bearer(&jwt));
    let (status, me) = call(
        &stack,
        Method::GET,
        &format!("{a}/api/v1/auth/me"),
        Some((auth.0, &auth.1)),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(me["email"], ADMIN_EMAIL);
    assert_eq!(me["is_admin"], true);
    let (status, me) = call(
        &stack,
        Method::PATCH,
        &format!("{a}/api/v1/auth/me"),
        Some((auth.0, &auth.1)),
        Some(json!({"first_name": "Ada"})),
    )
    .await;
    assert_eq!(
        (status, me["first_name"].clone()),
        (StatusCode::OK, json!("Ada"))
    );
    let (status, err) = call(
        &stack,
        Method::PATCH,
        &format!("{a}/api/v1/auth/me"),
        Some((auth.0, &auth.1)),
        Some(json!({"password": "short"})),
    )
    .await;
    assert_eq!(
        (status, err["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("weak_password"))
    );

    // Keys: shown once, listed masked, renamed, rotated (old one dies), deleted.
    let (status, created) = call(
        &stack,
        Method::POST,
        &format!("{a}/api/v1/developer/api-keys"),
        Some((auth.0, &auth.1)),
        Some(json!({"name": "ci"})),
    )
    .await;
    assert_eq!(status, 201);
    let key = created["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("sk-") && key.len() == 35);
    let id = created["id"].as_str().unwrap().to_owned();
    let (_, list) = call(
        &stack,
        Method::GET,
        &format!("{a}/api/v1/developer/api-keys"),
        Some((auth.0, &auth.1)),
        None,
    )
    .await;
    let listed = list
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == id.as_str())
        .unwrap()
        .clone();
    assert!(
        !listed["key"].as_str().unwrap().contains(&key[8..]),
        "listed masked: {listed}"
    );
    let (status, renamed) = call(
        &stack,
        Method::PATCH,
        &format!("{a}/api/v1/developer/api-keys/{id}"),
        Some((auth.0, &auth.1)),
        Some(json!({"name": "ci-2"})),
    )
    .await;
    assert_eq!(
        (status, renamed["name"].clone()),
        (StatusCode::OK, json!("ci-2"))
    );
    let users_url = format!("{a}/api/v1/users");
    assert_eq!(
        call(&stack, Method::GET, &users_url, Some((KEY, &key)), None)
            .await
            .0,
        200
    );
    let (status, rotated) = call(
        &stack,
        Method::POST,
        &format!("{a}/api/v1/developer/api-keys/{id}/rotate"),
        Some((auth.0, &auth.1)),
        None,
    )
    .await;
    assert_eq!(status, 201);
    let new_key = rotated["key"].as_str().unwrap().to_owned();
    assert_eq!(
        call(&stack, Method::GET, &users_url, Some((KEY, &key)), None)
            .await
            .0,
        401
    );
    assert_eq!(
        call(&stack, Method::GET, &users_url, Some((KEY, &new_key)), None)
            .await
            .0,
        200
    );
    let new_id = rotated["id"].as_str().unwrap();
    assert_eq!(
        call(
            &stack,
            Method::DELETE,
            &format!("{a}/api/v1/developer/api-keys/{new_id}"),
            Some((auth.0, &auth.1)),
            None
        )
        .await
        .0,
        204
    );
    assert_eq!(
        call(&stack, Method::GET, &users_url, Some((KEY, &new_key)), None)
            .await
            .0,
        401
    );

    // An API key as a bearer token: 401 naming the right header. Keys cannot manage keys.
    let (status, err) = call(
        &stack,
        Method::GET,
        &users_url,
        Some(("Authorization", &bearer(&stack.api_key))),
        None,
    )
    .await;
    assert_eq!(status, 401);
    assert!(err["detail"].as_str().unwrap().contains(KEY), "{err}");
    let (status, _) = call(
        &stack,
        Method::GET,
        &format!("{a}/api/v1/developer/api-keys"),
        Some((KEY, &stack.api_key)),
        None,
    )
    .await;
    assert_eq!(status, 401);
    // Invitations bring a developer into the same tenant; the token works once.
    let (status, invite) = call(
        &stack,
        Method::POST,
        &format!("{a}/api/v1/invitations"),
        Some((auth.0, &auth.1)),
        Some(json!({"email": "bob@e2e.example"})),
    )
    .await;
    assert_eq!(status, 201);
    let accept = json!({"token": invite["token"], "email": "bob@e2e.example", "password": "bobs-long-password"});
    let (status, bob) = call(
        &stack,
        Method::POST,
        &format!("{a}/api/v1/invitations/accept"),
        None,
        Some(accept.clone()),
    )
    .await;
    assert_eq!(
        (status, bob["tenant_id"].clone()),
        (StatusCode::CREATED, me["tenant_id"].clone())
    );
    assert_eq!(
        call(
            &stack,
            Method::POST,
            &format!("{a}/api/v1/invitations/accept"),
            None,
            Some(accept)
        )
        .await
        .0,
        400
    );
    let bob_jwt = stack.login("bob@e2e.example", "bobs-long-password").await;
    let (_, bob_keys) = call(
        &stack,
        Method::GET,
        &format!("{a}/api/v1/developer/api-keys"),
        Some(("Authorization", &bearer(&bob_jwt))),
        None,
    )
    .await;
    assert!(
        !bob_keys.as_array().unwrap().is_empty(),
        "same tenant, same keys"
    );
    // Open sign-up is off by default.
    let (status, _) = call(
        &stack,
        Method::POST,
        &format!("{a}/api/v1/auth/register"),
        None,
        Some(json!({"email": "eve@e2e.example", "password": "eves-long-password"})),
    )
    .await;
    assert_eq!(status, 403);

    // A developer JWT works wherever an API key does (seed 002: KEY|JWT).
    assert_eq!(
        call(
            &stack,
            Method::GET,
            &users_url,
            Some((auth.0, &auth.1)),
            None
        )
        .await
        .0,
        200
    );
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_list_filter_patch_and_delete_and_concurrent_creates_yield_one_user() {
    let stack = Stack::start().await;
    let a = &stack.auth_url;
    let k = Some((KEY, stack.api_key.as_str()));
    for i in 0..5 {
        let body = json!({"email": format!("u{i}@example.com"), "external_user_id": format!("ext-{i}"), "first_name": if i == 3 { "Zelda" } else { "Ann" }});
        assert_eq!(
            call(
                &stack,
                Method::POST,
                &format!("{a}/api/v1/users"),
                k,
                Some(body)
            )
            .await
            .0,
            201
        );
    }
    let (status, page) = call(
        &stack,
        Method::GET,
        &format!("{a}/api/v1/users?limit=2&page=2&sort_order=asc"),
        k,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            page["total"].clone(),
            page["pages"].clone(),
            page["has_next"].clone(),
            page["has_prev"].clone()
        ),
        (json!(5), json!(3), json!(true), json!(true))
    );
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["items"][0]["external_user_id"], "ext-2");
    let (_, found) = call(
        &stack,
        Method::GET,
        &format!("{a}/api/v1/users?external_user_id=ext-4"),
        k,
        None,
    )
    .await;
    assert_eq!(found["items"][0]["email"], "u4@example.com");
    let (_, found) = call(
        &stack,
        Method::GET,
        &format!("{a}/api/v1/users?search=zel"),
        k,
        None,
    )
    .await;
    assert_eq!(found["total"], 1);
    assert_eq!(
        call(
            &stack,
            Method::GET,
            &format!("{a}/api/v1/users?limit=0"),
            k,
            None
        )
        .await
        .0,
        400
    );

    let id = found["items"][0]["id"].as_str().unwrap().to_owned();
    let (status, patched) = call(
        &stack,
        Method::PATCH,
        &format!("{a}/api/v1/users/{id}"),
        k,
        Some(json!({"last_name": "Link", "email": null})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            patched["last_name"].clone(),
            patched["email"].clone(),
            patched["first_name"].clone()
        ),
        (json!("Link"), Value::Null, json!("Zelda"))
    );

    // Concurrent creates of one external id: exactly one wins, the others learn its id.
    let results = futures_join(&stack, 6).await;
    let winners: Vec<&(StatusCode, Value)> = results.iter().filter(|(s, _)| *s == 201).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    let winner_id = winners[0].1["id"].clone();
    for (status, body) in results.iter().filter(|(s, _)| *s != 201) {
        assert_eq!(*status, 409);
        assert_eq!(body["id"], winner_id);
    }

    // Delete hides the user at once; reads of it are 404 straight away.
    let (status, _) = call(
        &stack,
        Method::DELETE,
        &format!("{a}/api/v1/users/{id}"),
        k,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        call(
            &stack,
            Method::GET,
            &format!("{a}/api/v1/users/{id}"),
            k,
            None
        )
        .await
        .0,
        404
    );
    let q = &stack.query_url;
    assert_eq!(
        call(
            &stack,
            Method::GET,
            &format!(
                "{q}/api/v1/users/{id}/events/sleep?start_date=2025-01-01&end_date=2025-01-02"
            ),
            k,
            None
        )
        .await
        .0,
        404
    );
    let (_, after) = call(&stack, Method::GET, &format!("{a}/api/v1/users"), k, None).await;
    assert_eq!(after["total"], 5);
    // And the background purge removes the row itself (and everything of the user's).
    let gone: uuid::Uuid = id.parse().unwrap();
    stack
        .eventually("purge", 20, || async {
            (!stack.user_row_exists(gone).await).then_some(())
        })
        .await;
    stack.stop().await;
}

async fn futures_join(stack: &Stack, n: usize) -> Vec<(StatusCode, Value)> {
    let mut tasks = Vec::new();
    for _ in 0..n {
        let http = stack.http.clone();
        let url = format!("{}/api/v1/users", stack.auth_url);
        let key = stack.api_key.clone();
        tasks.push(tokio::spawn(async move {
            let resp = http
                .post(url)
                .header(KEY, key)
                .json(&json!({"external_user_id": "same-person"}))
                .send()
                .await
                .unwrap();
            (resp.status(), resp.json::<Value>().await.unwrap())
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_tokens_come_from_application_secrets_rotate_and_only_open_sdk_routes() {
    let stack = Stack::start().await;
    let a = &stack.auth_url;
    let jwt = stack.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let dev = bearer(&jwt);
    let d = Some(("Authorization", dev.as_str()));
    let (status, app) = call(
        &stack,
        Method::POST,
        &format!("{a}/api/v1/applications"),
        d,
        Some(json!({"name": "iOS"})),
    )
    .await;
    assert_eq!(status, 201);
    let (app_id, secret) = (
        app["app_id"].as_str().unwrap().to_owned(),
        app["app_secret"].as_str().unwrap().to_owned(),
    );
    let (_, list) = call(
        &stack,
        Method::GET,
        &format!("{a}/api/v1/applications"),
        d,
        None,
    )
    .await;
    assert!(
        list[0].get("app_secret").is_none(),
        "the secret is shown once"
    );

    let user = stack.create_user("sdk-user").await;
    let token_url = format!("{a}/api/v1/users/{user}/token");
    let (status, _) = call(
        &stack,
        Method::POST,
        &token_url,
        None,
        Some(json!({"app_id": app_id, "app_secret": "secret_wrong"})),
    )
    .await;
    assert_eq!(status, 401);
    let (status, pair) = call(
        &stack,
        Method::POST,
        &token_url,
        None,
        Some(json!({"app_id": app_id, "app_secret": secret})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(pair["token_type"], "bearer");
    assert!(pair["expires_in"].as_i64().unwrap() > 0);
    let sdk = bearer(pair["access_token"].as_str().unwrap());

    // SDK tokens open nothing outside /api/v1/sdk.
    for url in [
        format!("{a}/api/v1/users/{user}/connections"),
        format!("{a}/api/v1/users"),
        format!(
            "{}/api/v1/users/{user}/events/sleep?start_date=2025-01-01&end_date=2025-01-02",
            stack.query_url
        ),
    ] {
        let (status, err) = call(
            &stack,
            Method::GET,
            &url,
            Some(("Authorization", &sdk)),
            None,
        )
        .await;
        assert_eq!(status, 401, "{url}");
        assert!(err["detail"].as_str().unwrap().contains("SDK"), "{err}");
    }

    // Refresh rotates: the old refresh token works once.
    let refresh = pair["refresh_token"].as_str().unwrap();
    let (status, second) = call(
        &stack,
        Method::POST,
        &format!("{a}/api/v1/token/refresh"),
        None,
        Some(json!({"refresh_token": refresh})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        call(
            &stack,
            Method::POST,
            &format!("{a}/api/v1/token/refresh"),
            None,
            Some(json!({"refresh_token": refresh}))
        )
        .await
        .0,
        401
    );
    let second_refresh = second["refresh_token"].as_str().unwrap();
    assert_eq!(
        call(
            &stack,
            Method::POST,
            &format!("{a}/api/v1/token/revoke"),
            None,
            Some(json!({"refresh_token": second_refresh}))
        )
        .await
        .0,
        204
    );
    assert_eq!(
        call(
            &stack,
            Method::POST,
            &format!("{a}/api/v1/token/refresh"),
            None,
            Some(json!({"refresh_token": second_refresh}))
        )
        .await
        .0,
        401
    );
    assert_eq!(
        call(
            &stack,
            Method::POST,
            &format!("{a}/api/v1/token/revoke"),
            None,
            Some(json!({"refresh_token": "rt-unknown"}))
        )
        .await
        .0,
        404
    );

    // Rotating the app secret kills the old one.
    let (_, rotated) = call(
        &stack,
        Method::POST,
        &format!("{a}/api/v1/applications/{app_id}/rotate-secret"),
        d,
        None,
    )
    .await;
    assert_eq!(
        call(
            &stack,
            Method::POST,
            &token_url,
            None,
            Some(json!({"app_id": app_id, "app_secret": secret}))
        )
        .await
        .0,
        401
    );
    assert_eq!(
        call(
            &stack,
            Method::POST,
            &token_url,
            None,
            Some(json!({"app_id": app_id, "app_secret": rotated["app_secret"]}))
        )
        .await
        .0,
        200
    );
    assert_eq!(
        call(
            &stack,
            Method::DELETE,
            &format!("{a}/api/v1/applications/{app_id}"),
            d,
            None
        )
        .await
        .0,
        204
    );
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn integrations_validate_scopes_and_redirects_and_serve_the_tenants_connects() {
    let stack = Stack::start().await;
    let a = &stack.auth_url;
    let k = Some((KEY, stack.api_key.as_str()));
    let base = json!({"provider": "oura", "client_id": "wearhouse-local", "client_secret": "wearhouse-local-secret",
        "redirect_allowlist": ["https://app.example.com/oauth/done", REDIRECT_URI]});
    let mut bad = base.clone();
    bad["scopes"] = json!(["daily", "teleport"]);
    let (status, err) = call(
        &stack,
        Method::POST,
        &format!("{a}/api/v1/integrations"),
        k,
        Some(bad),
    )
    .await;
    assert_eq!(
        (status, err["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("invalid_scope"))
    );
    let mut bad = base.clone();
    bad["redirect_allowlist"] = json!(["https://user:pw@app.example.com/cb"]);
    assert_eq!(
        call(
            &stack,
            Method::POST,
            &format!("{a}/api/v1/integrations"),
            k,
            Some(bad)
        )
        .await
        .0,
        400
    );
    let (status, integration) = call(
        &stack,
        Method::POST,
        &format!("{a}/api/v1/integrations"),
        k,
        Some(base.clone()),
    )
    .await;
    assert_eq!(status, 201);
    assert!(integration.get("client_secret").is_none());
    assert_eq!(integration["has_client_secret"], true);
    assert_eq!(
        call(
            &stack,
            Method::POST,
            &format!("{a}/api/v1/integrations"),
            k,
            Some(base)
        )
        .await
        .0,
        409
    );

    let user = stack.create_user("int-user").await;
    let authorize = |redirect: &str| {
        format!(
            "{a}/api/v1/oauth/oura/authorize?user_id={user}&redirect_uri={}",
            urlencode(redirect)
        )
    };
    for attack in [
        "https://app.example.com/oauth/done.evil",
        "https://app.example.com.evil.example/oauth/done",
        "https://app.example.com@evil.example/oauth/done",
        "https://evil.example/oauth/done",
        "http://app.example.com/oauth/done",
        "https://app.example.com/oauth/%2e%2e/done",
        "javascript:alert(1)",
    ] {
        let (status, err) = call(&stack, Method::GET, &authorize(attack), k, None).await;
        assert_eq!(
            (status, err["code"].clone()),
            (StatusCode::BAD_REQUEST, json!("redirect_uri_not_allowed")),
            "{attack}"
        );
    }
    // Omitted redirect: the first entry.
    let (status, started) = call(
        &stack,
        Method::GET,
        &format!("{a}/api/v1/oauth/oura/authorize?user_id={user}"),
        k,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let url = started["authorization_url"].as_str().unwrap();
    assert!(url.contains("client_id=wearhouse-local"), "{url}");
    let consent = stack.http.get(url).send().await.unwrap();
    let callback = consent.headers()["location"].to_str().unwrap().to_owned();
    let done = stack.http.get(&callback).send().await.unwrap();
    let landed = done.headers()["location"].to_str().unwrap();
    assert!(
        landed.starts_with("https://app.example.com/oauth/done?"),
        "{landed}"
    );
    // The state is single use.
    let replay = stack.http.get(&callback).send().await.unwrap();
    assert_eq!(replay.status(), 400);
    assert_eq!(
        replay.json::<Value>().await.unwrap()["code"],
        "invalid_state"
    );

    let (_, conns) = call(
        &stack,
        Method::GET,
        &format!("{a}/api/v1/users/{user}/connections"),
        k,
        None,
    )
    .await;
    assert_eq!(conns[0]["integration_id"], integration["id"]);
    assert_eq!(conns[0]["status"], "active");

    // Deleting the integration disconnects what it connected.
    let id = integration["id"].as_str().unwrap();
    assert_eq!(
        call(
            &stack,
            Method::DELETE,
            &format!("{a}/api/v1/integrations/{id}"),
            k,
            None
        )
        .await
        .0,
        204
    );
    let (_, conns) = call(
        &stack,
        Method::GET,
        &format!("{a}/api/v1/users/{user}/connections"),
        k,
        None,
    )
    .await;
    assert_eq!(conns[0]["status"], "revoked");
    assert_eq!(conns[0]["status_reason"], "integration deleted");
    stack.stop().await;
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consent_outcomes_reach_the_app_and_disconnect_wipes_tokens_and_reconnect_revives() {
    let stack = Stack::start().await;
    let a = &stack.auth_url;
    let k = Some((KEY, stack.api_key.as_str()));
    let user = stack.create_user("life-user").await;

    // Denied consent comes back as error=access_denied on the app's URL.
    let (_, started) = call(
        &stack,
        Method::GET,
        &format!("{a}/api/v1/oauth/oura/authorize?user_id={user}&redirect_uri={REDIRECT_URI}"),
        k,
        None,
    )
    .await;
    let denied_url = format!(
        "{}&emulator_deny=true",
        started["authorization_url"].as_str().unwrap()
    );
    let consent = stack.http.get(denied_url).send().await.unwrap();
    let back = stack
        .http
        .get(consent.headers()["location"].to_str().unwrap())
        .send()
        .await
        .unwrap();
    let landed = back.headers()["location"].to_str().unwrap();
    assert!(
        landed.contains("status=error") && landed.contains("error=access_denied"),
        "{landed}"
    );

    // An expired state is refused, and the app hears about it on its own URL.
    let (_, started) = call(
        &stack,
        Method::GET,
        &format!("{a}/api/v1/oauth/oura/authorize?user_id={user}&redirect_uri={REDIRECT_URI}"),
        k,
        None,
    )
    .await;
    stack.expire_oauth_states().await;
    let consent = stack
        .http
        .get(started["authorization_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let back = stack
        .http
        .get(consent.headers()["location"].to_str().unwrap())
        .send()
        .await
        .unwrap();
    // The app hears about it on its own URL.
    assert_eq!(back.status(), 303);
    let landed = back.headers()["location"].to_str().unwrap();
    assert!(landed.contains("error=invalid_state"), "{landed}");

    stack.connect_oura(&user).await;
    let (_, conns) = call(
        &stack,
        Method::GET,
        &format!("{a}/api/v1/users/{user}/connections"),
        k,
        None,
    )
    .await;
    let first_id = conns[0]["id"].clone();
    assert_eq!(
        call(
            &stack,
            Method::DELETE,
            &format!("{a}/api/v1/users/{user}/connections/oura"),
            k,
            None
        )
        .await
        .0,
        204
    );
    let (_, conns) = call(
        &stack,
        Method::GET,
        &format!("{a}/api/v1/users/{user}/connections"),
        k,
        None,
    )
    .await;
    assert_eq!(conns[0]["status"], "revoked");
    assert!(
        stack
            .connection_tokens_wiped(&first_id.as_str().unwrap().parse().unwrap())
            .await
    );
    // Reconnecting revives the same connection (its history stays).
    stack.connect_oura(&user).await;
    let (_, conns) = call(
        &stack,
        Method::GET,
        &format!("{a}/api/v1/users/{user}/connections"),
        k,
        None,
    )
    .await;
    assert_eq!(
        (conns[0]["id"].clone(), conns[0]["status"].clone()),
        (first_id.clone(), json!("active"))
    );
    let history = stack
        .connection_history(&first_id.as_str().unwrap().parse().unwrap())
        .await;
    let steps: Vec<(Option<String>, String)> = history
        .iter()
        .map(|(f, t, _, _)| (f.clone(), t.clone()))
        .collect();
    assert_eq!(
        steps,
        vec![
            (None, "active".into()),
            (Some("active".into()), "revoked".into()),
            (Some("revoked".into()), "active".into())
        ]
    );

    // Seed 000's disconnect by account and connection id.
    let url = format!(
        "{a}/api/v1/integration/connection/{}/{}",
        stack.tenant_id,
        first_id.as_str().unwrap()
    );
    let (other_tenant, _) = stack.other_tenant().await;
    let wrong = format!(
        "{a}/api/v1/integration/connection/{other_tenant}/{}",
        first_id.as_str().unwrap()
    );
    assert_eq!(call(&stack, Method::DELETE, &wrong, k, None).await.0, 404);
    assert_eq!(call(&stack, Method::DELETE, &url, k, None).await.0, 204);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_tenants_credentials_get_404_on_every_route_that_names_a_resource() {
    let stack = Stack::start().await;
    let (a, q) = (&stack.auth_url, &stack.query_url);
    let k = Some((KEY, stack.api_key.as_str()));
    let user = stack.create_user("victim").await;
    stack.connect_oura(&user).await;
    let (_, conns) = call(
        &stack,
        Method::GET,
        &format!("{a}/api/v1/users/{user}/connections"),
        k,
        None,
    )
    .await;
    let connection = conns[0]["id"].as_str().unwrap().to_owned();
    let (_, integration) = call(
        &stack,
        Method::POST,
        &format!("{a}/api/v1/integrations"),
        k,
        Some(json!({"provider": "oura", "client_id": "x", "client_secret": "y"})),
    )
    .await;
    let integration = integration["id"].as_str().unwrap().to_owned();
    let tenant = stack.tenant_id;

    let (_, other_key) = stack.other_tenant().await;
    let o = Some((KEY, other_key.as_str()));
    let window = "start_date=2025-01-01&end_date=2025-02-01";
    let routes: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("{a}/api/v1/users/{user}"), None),
        (
            Method::PATCH,
            format!("{a}/api/v1/users/{user}"),
            Some(json!({"first_name": "x"})),
        ),
        (Method::DELETE, format!("{a}/api/v1/users/{user}"), None),
        (
            Method::GET,
            format!("{a}/api/v1/users/{user}/connections"),
            None,
        ),
        (
            Method::DELETE,
            format!("{a}/api/v1/users/{user}/connections/oura"),
            None,
        ),
        (
            Method::DELETE,
            format!("{a}/api/v1/integration/connection/{tenant}/{connection}"),
            None,
        ),
        (
            Method::GET,
            format!("{a}/api/v1/oauth/oura/authorize?user_id={user}"),
            None,
        ),
        (
            Method::GET,
            format!("{a}/api/v1/integrations/{integration}"),
            None,
        ),
        (
            Method::PATCH,
            format!("{a}/api/v1/integrations/{integration}"),
            Some(json!({"enabled": false})),
        ),
        (
            Method::DELETE,
            format!("{a}/api/v1/integrations/{integration}"),
            None,
        ),
        (
            Method::GET,
            format!("{q}/api/v1/users/{user}/events/sleep?{window}"),
            None,
        ),
        (
            Method::GET,
            format!("{q}/api/v1/users/{user}/events/workouts?{window}"),
            None,
        ),
        (
            Method::GET,
            format!("{q}/api/v1/users/{user}/timeseries?start_time=2025-01-01&end_time=2025-01-02"),
            None,
        ),
    ];
    for (method, url, body) in routes {
        let (status, err) = call(&stack, method.clone(), &url, o, body).await;
        assert_eq!(status, 404, "{method} {url}: {err}");
    }
    // Developer routes: another tenant's developer cannot touch our keys or applications.
    let jwt = stack.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let ours = bearer(&jwt);
    let (_, key) = call(
        &stack,
        Method::POST,
        &format!("{a}/api/v1/developer/api-keys"),
        Some(("Authorization", &ours)),
        Some(json!({"name": "mine"})),
    )
    .await;
    let (_, app) = call(
        &stack,
        Method::POST,
        &format!("{a}/api/v1/applications"),
        Some(("Authorization", &ours)),
        Some(json!({"name": "mine"})),
    )
    .await;
    let theirs = bearer(&stack.developer_of_other_tenant().await);
    let (key_id, app_id) = (key["id"].as_str().unwrap(), app["app_id"].as_str().unwrap());
    for (method, url, body) in [
        (
            Method::PATCH,
            format!("{a}/api/v1/developer/api-keys/{key_id}"),
            Some(json!({"name": "x"})),
        ),
        (
            Method::POST,
            format!("{a}/api/v1/developer/api-keys/{key_id}/rotate"),
            None,
        ),
        (
            Method::DELETE,
            format!("{a}/api/v1/developer/api-keys/{key_id}"),
            None,
        ),
        (
            Method::POST,
            format!("{a}/api/v1/applications/{app_id}/rotate-secret"),
            None,
        ),
        (
            Method::DELETE,
            format!("{a}/api/v1/applications/{app_id}"),
            None,
        ),
    ] {
        let (status, err) = call(
            &stack,
            method.clone(),
            &url,
            Some(("Authorization", &theirs)),
            body,
        )
        .await;
        assert_eq!(status, 404, "{method} {url}: {err}");
    }
    let (_, their_keys) = call(
        &stack,
        Method::GET,
        &format!("{a}/api/v1/developer/api-keys"),
        Some(("Authorization", &theirs)),
        None,
    )
    .await;
    assert!(
        their_keys
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["id"] != key["id"])
    );
    // The key still works.
    assert_eq!(
        call(
            &stack,
            Method::GET,
            &format!("{a}/api/v1/users"),
            Some((KEY, key["key"].as_str().unwrap())),
            None
        )
        .await
        .0,
        200
    );

    // The other tenant's user list does not include ours.
    let (_, list) = call(&stack, Method::GET, &format!("{a}/api/v1/users"), o, None).await;
    assert_eq!(list["total"], 0);
    // And nothing was touched.
    let (_, conns) = call(
        &stack,
        Method::GET,
        &format!("{a}/api/v1/users/{user}/connections"),
        k,
        None,
    )
    .await;
    assert_eq!(conns[0]["status"], "active");
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_dump_contains_no_plaintext_secret() {
    let stack = Stack::start().await;
    let a = &stack.auth_url;
    let jwt = stack.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let dev = bearer(&jwt);
    let d = Some(("Authorization", dev.as_str()));
    let (_, key) = call(
        &stack,
        Method::POST,
        &format!("{a}/api/v1/developer/api-keys"),
        d,
        Some(json!({"name": "dump"})),
    )
    .await;
    let (_, app) = call(
        &stack,
        Method::POST,
        &format!("{a}/api/v1/applications"),
        d,
        Some(json!({"name": "dump"})),
    )
    .await;
    // The emulator's real client secret, so connecting through this integration works.
    let client_secret = "wearhouse-local-secret";
    call(&stack, Method::POST, &format!("{a}/api/v1/integrations"), Some((KEY, &stack.api_key)),
        Some(json!({"provider": "oura", "client_id": "wearhouse-local", "client_secret": client_secret, "redirect_allowlist": [REDIRECT_URI]}))).await;
    let user = stack.create_user("dump-user").await;
    let (_, pair) = call(
        &stack,
        Method::POST,
        &format!("{a}/api/v1/users/{user}/token"),
        None,
        Some(json!({"app_id": app["app_id"], "app_secret": app["app_secret"]})),
    )
    .await;
    let tokens = stack.emulator_tokens_for_new_connection(&user).await;

    tokio::time::sleep(Duration::from_millis(200)).await;
    let dump = stack.pg_dump().await;
    let mut secrets: Vec<String> = vec![
        key["key"].as_str().unwrap().into(),
        stack.api_key.clone(),
        app["app_secret"].as_str().unwrap().into(),
        client_secret.into(),
        pair["refresh_token"].as_str().unwrap().into(),
        ADMIN_PASSWORD.into(),
    ];
    secrets.extend(tokens);
    assert!(secrets.len() >= 8, "{secrets:?}");
    for secret in secrets {
        assert!(
            !dump.contains(&secret),
            "plaintext secret found in the dump: {}…",
            &secret[..6]
        );
    }
    stack.stop().await;
}
