//! Test helpers: an emulator on port 0, the OAuth + PKCE connect flow, REST and control calls,
//! and a webhook receiver.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use provider_emulator::{Emulator, EmulatorConfig, GarminConfig};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

pub const REDIRECT_URI: &str = "http://localhost:8080/api/v1/oauth/garmin/callback";
pub const CLIENT_ID: &str = "wearhouse-local";
pub const CLIENT_SECRET: &str = "wearhouse-local-secret";

pub fn config() -> GarminConfig {
    GarminConfig {
        webhook_retry_base_ms: 20,
        backfill_delay_ms: 10,
        ..GarminConfig::default()
    }
}

pub async fn start() -> Emulator {
    start_with(config()).await
}

pub async fn start_with(garmin: GarminConfig) -> Emulator {
    Emulator::start(
        EmulatorConfig {
            garmin,
            ..EmulatorConfig::default()
        },
        "127.0.0.1:0",
    )
    .await
    .expect("emulator starts")
}

pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client builds")
}

pub fn base(emulator: &Emulator) -> String {
    emulator.provider_base("garmin")
}

/// A PKCE verifier and its S256 challenge.
pub fn pkce() -> (String, String) {
    let verifier: String = (0..64).map(|_| fastrand::alphanumeric()).collect();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// Query parameters of the `Location` header of a redirect.
pub fn location_params(response: &reqwest::Response) -> HashMap<String, String> {
    let location = response.headers()["location"].to_str().unwrap();
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

pub async fn authorize_response(
    emulator: &Emulator,
    http: &reqwest::Client,
    challenge: Option<&str>,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let mut query = vec![
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT_URI),
        ("state", "st4te"),
    ];
    if let Some(challenge) = challenge {
        query.push(("code_challenge", challenge));
        query.push(("code_challenge_method", "S256"));
    }
    query.extend_from_slice(extra);
    http.get(format!("{}/oauth2Confirm", base(emulator)))
        .query(&query)
        .send()
        .await
        .unwrap()
}

/// Authorizes (auto-approved) and returns `(code, verifier)`.
pub async fn authorize(
    emulator: &Emulator,
    http: &reqwest::Client,
    extra: &[(&str, &str)],
) -> (String, String) {
    let (verifier, challenge) = pkce();
    let response = authorize_response(emulator, http, Some(&challenge), extra).await;
    assert_eq!(response.status(), 302);
    (location_params(&response)["code"].clone(), verifier)
}

pub async fn token_request(
    emulator: &Emulator,
    http: &reqwest::Client,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut body = vec![("client_id", CLIENT_ID), ("client_secret", CLIENT_SECRET)];
    body.extend_from_slice(form);
    http.post(format!("{}/di-oauth2-service/oauth/token", base(emulator)))
        .form(&body)
        .send()
        .await
        .unwrap()
}

pub struct Connection {
    pub user_id: String,
    pub access_token: String,
    pub refresh_token: String,
}

/// A new user connected through the full OAuth + PKCE flow.
pub async fn connect(emulator: &Emulator, http: &reqwest::Client) -> Connection {
    connect_with(emulator, http, &[]).await
}

pub async fn connect_with(
    emulator: &Emulator,
    http: &reqwest::Client,
    extra: &[(&str, &str)],
) -> Connection {
    let (code, verifier) = authorize(emulator, http, extra).await;
    let response = token_request(
        emulator,
        http,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_eq!(response.status(), 200);
    let tokens: Value = response.json().await.unwrap();
    let access_token = tokens["access_token"].as_str().unwrap().to_owned();
    let id = get(
        emulator,
        http,
        &access_token,
        "/wellness-api/rest/user/id",
        &[],
    )
    .await;
    assert_eq!(id.status(), 200);
    let id: Value = id.json().await.unwrap();
    Connection {
        user_id: id["userId"].as_str().unwrap().to_owned(),
        access_token,
        refresh_token: tokens["refresh_token"].as_str().unwrap().to_owned(),
    }
}

/// `GET {base}/garmin{path}` with a Bearer token.
pub async fn get(
    emulator: &Emulator,
    http: &reqwest::Client,
    token: &str,
    path: &str,
    query: &[(&str, String)],
) -> reqwest::Response {
    http.get(format!("{}{path}", base(emulator)))
        .bearer_auth(token)
        .query(query)
        .send()
        .await
        .unwrap()
}

pub async fn control(
    emulator: &Emulator,
    http: &reqwest::Client,
    path: &str,
    body: Value,
) -> Value {
    let response = http
        .post(format!("{}/_emulator/garmin{path}", emulator.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "control {path}: {status} {body}");
    body
}

pub async fn control_get(emulator: &Emulator, http: &reqwest::Client, path: &str) -> Value {
    http.get(format!("{}/_emulator/garmin{path}", emulator.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The summary ids of one type the emulator holds for a user.
pub async fn stored_ids(
    emulator: &Emulator,
    http: &reqwest::Client,
    user_id: &str,
    kind: &str,
) -> Vec<String> {
    let list = control_get(emulator, http, &format!("/users/{user_id}/{kind}")).await;
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| r["summaryId"].as_str().unwrap().to_owned())
        .collect()
}

#[derive(Debug, Clone)]
pub struct Received {
    pub client_id: String,
    pub content_type: String,
    pub query: String,
    pub body: Vec<u8>,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Default)]
struct Recorder {
    posts: Mutex<Vec<Received>>,
    /// Statuses for the next POSTs, in order; 200 once empty.
    statuses: Mutex<Vec<u16>>,
}

/// A webhook receiver recording every POST.
pub struct Callback {
    pub url: String,
    recorder: Arc<Recorder>,
    handle: ServerHandle,
}

impl Callback {
    pub async fn start() -> Callback {
        let recorder = Arc::new(Recorder::default());
        let data = web::Data::from(recorder.clone());
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(64 * 1024 * 1024))
                .route("/hook", web::post().to(receive))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Callback {
            url: format!("http://127.0.0.1:{port}/hook?token=url-token-0123456789"),
            recorder,
            handle,
        }
    }

    pub fn posts(&self) -> Vec<Received> {
        self.recorder.posts.lock().unwrap().clone()
    }

    /// The next POSTs answer these statuses, in order.
    pub fn respond_with(&self, statuses: &[u16]) {
        *self.recorder.statuses.lock().unwrap() = statuses.to_vec();
    }

    /// Waits until at least `n` POSTs arrived (or two seconds passed).
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..200 {
            if self.posts().len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.posts()
    }

    pub async fn stop(self) {
        self.handle.stop(true).await;
    }
}

async fn receive(
    req: HttpRequest,
    body: web::Bytes,
    recorder: web::Data<Recorder>,
) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    recorder.posts.lock().unwrap().push(Received {
        client_id: header("garmin-client-id"),
        content_type: header("content-type"),
        query: req.query_string().to_owned(),
        body: body.to_vec(),
    });
    let status = {
        let mut statuses = recorder.statuses.lock().unwrap();
        if statuses.is_empty() {
            200
        } else {
            statuses.remove(0)
        }
    };
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).finish()
}

/// Points the emulator's notifications at `callback` in `mode`.
pub async fn target(emulator: &Emulator, http: &reqwest::Client, callback: &Callback, mode: &str) {
    control(
        emulator,
        http,
        "/webhook-target",
        json!({"url": callback.url, "mode": mode}),
    )
    .await;
}
