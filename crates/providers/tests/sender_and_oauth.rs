//! The shared sender and the OAuth client against a small fake server (no emulator needed).

// Test helpers outside #[test] fns are test code too (clippy only exempts the fns themselves).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use chrono::{TimeZone, Utc};
use domain::Provider;
use providers::{
    ClientAuth, HttpSender, HttpSenderConfig, OAuthClient, ProviderCredentials, ProviderEndpoints,
    ProviderError,
};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

#[derive(Default)]
struct Hits(AtomicUsize);

async fn flaky(hits: web::Data<Hits>) -> HttpResponse {
    if hits.0.fetch_add(1, Ordering::SeqCst) == 0 {
        HttpResponse::TooManyRequests()
            .insert_header(("Retry-After", "1"))
            .finish()
    } else {
        HttpResponse::Ok().json(serde_json::json!({"ok": true}))
    }
}

async fn always_500(hits: web::Data<Hits>) -> HttpResponse {
    hits.0.fetch_add(1, Ordering::SeqCst);
    HttpResponse::InternalServerError().body("x".repeat(2000))
}

async fn slow_down(hits: web::Data<Hits>) -> HttpResponse {
    hits.0.fetch_add(1, Ordering::SeqCst);
    HttpResponse::TooManyRequests()
        .insert_header(("Retry-After", "3600"))
        .finish()
}

async fn not_found(hits: web::Data<Hits>) -> HttpResponse {
    hits.0.fetch_add(1, Ordering::SeqCst);
    HttpResponse::NotFound().body(r#"{"status":404,"title":"Not Found"}"#)
}

async fn unauthorized() -> HttpResponse {
    HttpResponse::Unauthorized().finish()
}

async fn redirect() -> HttpResponse {
    HttpResponse::Found()
        .insert_header(("Location", "/elsewhere"))
        .finish()
}

/// Token endpoint: checks body credentials; `bad` refresh tokens get `invalid_grant`.
async fn token(form: web::Form<Vec<(String, String)>>) -> HttpResponse {
    let get = |k: &str| {
        form.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    if get("client_id") != Some("cid") || get("client_secret") != Some("csecret") {
        return HttpResponse::Unauthorized().json(serde_json::json!({"error": "invalid_client"}));
    }
    match (get("grant_type"), get("code"), get("refresh_token")) {
        (Some("authorization_code"), Some("good-code"), _) => {
            HttpResponse::Ok().json(serde_json::json!({
                "access_token": "at-1", "token_type": "bearer", "expires_in": 86400,
                "refresh_token": "rt-1", "scope": "personal daily"
            }))
        }
        (Some("refresh_token"), _, Some("rt-1")) => HttpResponse::Ok().json(serde_json::json!({
            "access_token": "at-2", "token_type": "Bearer", "expires_in": 3600
        })),
        (Some("refresh_token"), _, Some("weird")) => HttpResponse::BadRequest()
            .json(serde_json::json!({"detail": "Token Already Used Or Revoked"})),
        _ => HttpResponse::BadRequest().json(serde_json::json!({
            "error": "invalid_grant", "error_description": "refresh token already used"
        })),
    }
}

struct Server {
    base: Url,
    hits: Arc<Hits>,
    handle: actix_web::dev::ServerHandle,
}

async fn start() -> Server {
    let hits = web::Data::new(Hits::default());
    let data = hits.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/flaky", web::get().to(flaky))
            .route("/500", web::get().to(always_500))
            .route("/slow-down", web::get().to(slow_down))
            .route("/not-found", web::get().to(not_found))
            .route("/unauthorized", web::get().to(unauthorized))
            .route("/redirect", web::get().to(redirect))
            .route("/token", web::post().to(token))
            .default_service(web::to(|_: HttpRequest| async {
                HttpResponse::NotFound().finish()
            }))
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let addr = server.addrs()[0];
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    Server {
        base: Url::parse(&format!("http://{addr}/")).unwrap(),
        hits: hits.into_inner(),
        handle,
    }
}

fn sender() -> HttpSender {
    HttpSender::new(HttpSenderConfig {
        timeout: Duration::from_secs(5),
        max_attempts: 3,
        max_retry_after: Duration::from_secs(5),
        base_backoff: Duration::from_millis(5),
    })
    .unwrap()
}

async fn get(sender: &HttpSender, url: Url) -> Result<reqwest::Response, ProviderError> {
    let request = sender.client().get(url).build().unwrap();
    sender.send(Provider::Oura, "test", request).await
}

#[actix_web::test]
async fn a_429_with_retry_after_is_retried_and_succeeds() {
    let server = start().await;
    let sender = sender();
    let started = std::time::Instant::now();
    let request = sender
        .client()
        .get(server.base.join("flaky").unwrap())
        .build()
        .unwrap();
    let body: serde_json::Value = sender
        .send_json(Provider::Oura, "test", request)
        .await
        .unwrap();
    assert_eq!(body, serde_json::json!({"ok": true}));
    assert_eq!(server.hits.0.load(Ordering::SeqCst), 2);
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "Retry-After honoured"
    );
    server.handle.stop(false).await;
}

#[actix_web::test]
async fn server_errors_are_retried_up_to_max_attempts_then_reported_truncated() {
    let server = start().await;
    let err = get(&sender(), server.base.join("500").unwrap())
        .await
        .unwrap_err();
    match &err {
        ProviderError::Status { status: 500, body } => assert_eq!(body.len(), 512),
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.is_retryable());
    assert_eq!(server.hits.0.load(Ordering::SeqCst), 3);
    server.handle.stop(false).await;
}

#[actix_web::test]
async fn a_retry_after_beyond_the_cap_returns_rate_limited_at_once() {
    let server = start().await;
    let err = get(&sender(), server.base.join("slow-down").unwrap())
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ProviderError::RateLimited {
            retry_after: Some(Duration::from_secs(3600))
        }
    );
    assert_eq!(server.hits.0.load(Ordering::SeqCst), 1);
    server.handle.stop(false).await;
}

#[actix_web::test]
async fn client_errors_are_not_retried_and_redirects_are_not_followed() {
    let server = start().await;
    let sender = sender();
    let err = get(&sender, server.base.join("not-found").unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(err, ProviderError::Status { status: 404, ref body } if body.contains("Not Found"))
    );
    assert_eq!(server.hits.0.load(Ordering::SeqCst), 1);
    let err = get(&sender, server.base.join("unauthorized").unwrap())
        .await
        .unwrap_err();
    assert_eq!(err, ProviderError::Unauthorized);
    let err = get(&sender, server.base.join("redirect").unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::Status { status: 302, .. }));
    server.handle.stop(false).await;
}

#[actix_web::test]
async fn connection_failures_are_transport_errors() {
    // Bind then drop a listener to get a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = Url::parse(&format!("http://127.0.0.1:{port}/x?access_token=secret")).unwrap();
    let err = get(&sender(), url).await.unwrap_err();
    assert!(
        matches!(&err, ProviderError::Transport(m) if !m.contains("secret")),
        "{err:?}"
    );
    assert!(err.is_retryable());
}

fn oauth(server: &Server, auth: ClientAuth) -> OAuthClient {
    let endpoints = ProviderEndpoints {
        authorize_url: server.base.join("authorize").unwrap(),
        token_url: server.base.join("token").unwrap(),
        api_base_url: server.base.clone(),
        revoke_url: None,
    };
    let credentials = ProviderCredentials {
        client_id: "cid".into(),
        client_secret: SecretString::from("csecret"),
        redirect_url: Url::parse("https://app.example/cb").unwrap(),
        scopes: vec!["personal".into()],
    };
    OAuthClient::new(&endpoints, &credentials, auth, false, sender()).unwrap()
}

#[actix_web::test]
async fn code_exchange_and_refresh_map_tokens_and_expiry() {
    let server = start().await;
    let client = oauth(&server, ClientAuth::RequestBody);
    let now = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let tokens = client.exchange_code("good-code", None, now).await.unwrap();
    assert_eq!(tokens.access_token.expose_secret(), "at-1");
    assert_eq!(
        tokens.refresh_token.as_ref().map(|t| t.expose_secret()),
        Some("rt-1")
    );
    assert_eq!(tokens.expires_at, Some(now + chrono::Duration::days(1)));
    assert_eq!(tokens.scope.as_deref(), Some("personal daily"));
    let refreshed = client
        .refresh(&SecretString::from("rt-1"), now)
        .await
        .unwrap();
    assert_eq!(refreshed.access_token.expose_secret(), "at-2");
    assert!(
        refreshed.refresh_token.is_none(),
        "omitted refresh token stays None"
    );
    server.handle.stop(false).await;
}

#[actix_web::test]
async fn rejected_grants_are_refresh_rejected_and_bad_client_auth_is_not() {
    let server = start().await;
    let now = Utc::now();
    let client = oauth(&server, ClientAuth::RequestBody);
    let err = client
        .refresh(&SecretString::from("used"), now)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ProviderError::RefreshRejected(ref m) if m.contains("invalid_grant")),
        "{err:?}"
    );
    let err = client
        .refresh(&SecretString::from("weird"), now)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ProviderError::RefreshRejected(ref m) if m.contains("Already Used")),
        "{err:?}"
    );
    let err = client
        .exchange_code("bad-code", None, now)
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::RefreshRejected(_)), "{err:?}");
    // Basic auth is not what this server accepts: a client problem, not a dead connection.
    let basic = oauth(&server, ClientAuth::BasicHeader);
    let err = basic
        .exchange_code("good-code", None, now)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ProviderError::Status { status: 401, .. }),
        "{err:?}"
    );
    server.handle.stop(false).await;
}

#[test]
fn client_futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let endpoints = providers::default_endpoints(Provider::Oura).unwrap();
        let credentials = ProviderCredentials {
            client_id: "c".into(),
            client_secret: SecretString::from("s"),
            redirect_url: Url::parse("https://app.example/cb").unwrap(),
            scopes: vec![],
        };
        let client =
            providers::oauth::for_provider(Provider::Oura, &endpoints, &credentials, sender())
                .unwrap();
        let token = SecretString::from("t");
        assert_send(&client.refresh(&token, Utc::now()));
        assert_send(&client.exchange_code("c", None, Utc::now()));
        assert_send(&client.revoke(&token));
        let oura = providers::oura::OuraClient::new(endpoints.api_base_url.clone(), sender());
        let window =
            domain::TimeWindow::new(Utc::now() - chrono::Duration::days(1), Utc::now()).unwrap();
        assert_send(&oura.personal_info(&token));
        assert_send(&oura.fetch_window(&token, window, &providers::oura::OuraDataType::ALL));
        assert_send(&oura.fetch_document(&token, providers::oura::OuraDataType::Sleep, "id"));
    });
}
