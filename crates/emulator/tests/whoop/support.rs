//! Test helpers: an emulator on port 0, the OAuth connect flow, REST calls and a webhook receiver.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use provider_emulator::{Emulator, EmulatorConfig};
use serde_json::Value;

pub const REDIRECT_URI: &str = "http://localhost:8080/oauth/whoop/callback";
pub const CLIENT_ID: &str = "wearhouse-local";
pub const CLIENT_SECRET: &str = "wearhouse-local-secret";
pub const SCOPE: &str =
    "offline read:profile read:body_measurement read:cycles read:recovery read:sleep read:workout";

pub async fn start() -> Emulator {
    start_with(EmulatorConfig::default()).await
}

pub async fn start_with(mut config: EmulatorConfig) -> Emulator {
    config.whoop.webhook_retry_base_ms = 20;
    Emulator::start(config, "127.0.0.1:0")
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

pub fn authorize_url(emulator: &Emulator) -> String {
    format!("{}/oauth/oauth2/auth", emulator.provider_base("whoop"))
}

pub fn token_url(emulator: &Emulator) -> String {
    format!("{}/oauth/oauth2/token", emulator.provider_base("whoop"))
}

pub fn api_base(emulator: &Emulator) -> String {
    format!("{}/developer", emulator.provider_base("whoop"))
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

/// `GET` authorize with the standard parameters plus `extra` (which win).
pub async fn authorize_with(
    emulator: &Emulator,
    http: &reqwest::Client,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let mut query: Vec<(&str, &str)> = vec![
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT_URI),
        ("scope", SCOPE),
        ("state", "st4te-12345"),
    ];
    query.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
    query.extend_from_slice(extra);
    http.get(authorize_url(emulator))
        .query(&query)
        .send()
        .await
        .unwrap()
}

/// Runs authorize (auto-approved) and returns the code.
pub async fn authorize(
    emulator: &Emulator,
    http: &reqwest::Client,
    extra: &[(&str, &str)],
) -> String {
    let response = authorize_with(emulator, http, extra).await;
    assert_eq!(response.status(), 302);
    location_params(&response)["code"].clone()
}

/// A token request with the client credentials in the form body.
pub async fn token_request(
    emulator: &Emulator,
    http: &reqwest::Client,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut body = vec![("client_id", CLIENT_ID), ("client_secret", CLIENT_SECRET)];
    body.extend_from_slice(form);
    http.post(token_url(emulator))
        .form(&body)
        .send()
        .await
        .unwrap()
}

pub struct Connection {
    pub user_id: i64,
    pub access_token: String,
    pub refresh_token: String,
}

/// A new member connected through the full OAuth flow.
pub async fn connect(emulator: &Emulator, http: &reqwest::Client) -> Connection {
    let code = authorize(emulator, http, &[]).await;
    let response = token_request(
        emulator,
        http,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
        ],
    )
    .await;
    assert_eq!(response.status(), 200);
    let tokens: Value = response.json().await.unwrap();
    let access_token = tokens["access_token"].as_str().unwrap().to_owned();
    let profile = get(emulator, http, &access_token, "/v2/user/profile/basic", &[]).await;
    assert_eq!(profile.status(), 200);
    let profile: Value = profile.json().await.unwrap();
    Connection {
        user_id: profile["user_id"].as_i64().unwrap(),
        access_token,
        refresh_token: tokens["refresh_token"].as_str().unwrap().to_owned(),
    }
}

/// `GET {api_base}{path}` with a Bearer token.
pub async fn get(
    emulator: &Emulator,
    http: &reqwest::Client,
    token: &str,
    path: &str,
    query: &[(&str, &str)],
) -> reqwest::Response {
    http.get(format!("{}{path}", api_base(emulator)))
        .bearer_auth(token)
        .query(query)
        .send()
        .await
        .unwrap()
}

/// Every record of a collection for `query`, following `nextToken`; also the page count.
pub async fn all_pages(
    emulator: &Emulator,
    http: &reqwest::Client,
    token: &str,
    path: &str,
    query: &[(&str, &str)],
) -> (Vec<Value>, usize) {
    let mut records = Vec::new();
    let mut pages = 0;
    let mut next: Option<String> = None;
    loop {
        let mut q = query.to_vec();
        if let Some(token) = next.as_deref() {
            q.push(("nextToken", token));
        }
        let response = get(emulator, http, token, path, &q).await;
        assert_eq!(response.status(), 200);
        let page: Value = response.json().await.unwrap();
        pages += 1;
        records.extend(page["records"].as_array().unwrap().iter().cloned());
        match page.get("next_token").and_then(Value::as_str) {
            Some(token) => next = Some(token.to_owned()),
            None => return (records, pages),
        }
    }
}

/// A POST to the control API.
pub async fn control(
    emulator: &Emulator,
    http: &reqwest::Client,
    path: &str,
    body: Value,
) -> reqwest::Response {
    http.post(format!("{}/_emulator/whoop{path}", emulator.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// `GET` on the control API, as JSON.
pub async fn control_get(emulator: &Emulator, http: &reqwest::Client, path: &str) -> Value {
    http.get(format!("{}/_emulator/whoop{path}", emulator.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[derive(Debug, Clone)]
pub struct Received {
    pub timestamp: String,
    pub signature: String,
    pub content_type: String,
    pub body: Vec<u8>,
}

#[derive(Default)]
struct Recorder {
    posts: Mutex<Vec<Received>>,
    /// Statuses for the next POSTs, in order; 200 once empty.
    statuses: Mutex<Vec<u16>>,
}

/// A webhook receiver that records what WHOOP posts.
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
            url: format!("http://127.0.0.1:{port}/hook"),
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

    /// Waits up to two seconds for at least `n` posts.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..100 {
            let posts = self.posts();
            if posts.len() >= n {
                return posts;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
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
        timestamp: header("x-whoop-signature-timestamp"),
        signature: header("x-whoop-signature"),
        content_type: header("content-type"),
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
