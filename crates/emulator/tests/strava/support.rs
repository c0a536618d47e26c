//! Test helpers: an emulator on port 0, an HTTP client, the OAuth connect flow and a callback
//! server that answers Strava's `hub.challenge` and records event POSTs.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use provider_emulator::{Emulator, EmulatorConfig, StravaConfig};
use serde_json::{Value, json};

pub const REDIRECT_URI: &str = "http://localhost:8080/oauth/strava/callback";
pub const CLIENT_ID: &str = "wearhouse-local";
pub const CLIENT_SECRET: &str = "wearhouse-local-secret";
pub const VERIFY_TOKEN: &str = "verify-me";
pub const SCOPE: &str = "read,activity:read_all,profile:read_all";

pub async fn start() -> Emulator {
    start_with(StravaConfig::default()).await
}

pub async fn start_with(config: StravaConfig) -> Emulator {
    let config = EmulatorConfig {
        seed: 11,
        strava: StravaConfig {
            webhook_retry_base_ms: 20,
            ..config
        },
        ..EmulatorConfig::default()
    };
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

pub fn base(emulator: &Emulator) -> String {
    emulator.provider_base("strava")
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

/// `GET /oauth/authorize` with our client and `extra` parameters.
pub async fn authorize_response(
    emulator: &Emulator,
    http: &reqwest::Client,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let mut query = vec![
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT_URI),
        ("response_type", "code"),
        ("approval_prompt", "auto"),
        ("state", "st4te"),
    ];
    if !extra.iter().any(|(k, _)| *k == "scope") {
        query.push(("scope", SCOPE));
    }
    query.extend_from_slice(extra);
    http.get(format!("{}/oauth/authorize", base(emulator)))
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
    let response = authorize_response(emulator, http, extra).await;
    assert_eq!(response.status(), 302);
    location_params(&response)["code"].clone()
}

/// `POST /oauth/token` with our client credentials in the form body.
pub async fn token_request(
    emulator: &Emulator,
    http: &reqwest::Client,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut body = vec![("client_id", CLIENT_ID), ("client_secret", CLIENT_SECRET)];
    body.extend_from_slice(form);
    http.post(format!("{}/oauth/token", base(emulator)))
        .form(&body)
        .send()
        .await
        .unwrap()
}

pub struct Connection {
    pub athlete_id: u64,
    pub access_token: String,
    pub refresh_token: String,
    pub expires_at: i64,
}

/// A new athlete connected through the full OAuth flow with `extra` authorize parameters.
pub async fn connect_with(
    emulator: &Emulator,
    http: &reqwest::Client,
    extra: &[(&str, &str)],
) -> Connection {
    let code = authorize(emulator, http, extra).await;
    let response = token_request(
        emulator,
        http,
        &[("grant_type", "authorization_code"), ("code", &code)],
    )
    .await;
    assert_eq!(response.status(), 200);
    let tokens: Value = response.json().await.unwrap();
    Connection {
        athlete_id: tokens["athlete"]["id"].as_u64().unwrap(),
        access_token: tokens["access_token"].as_str().unwrap().to_owned(),
        refresh_token: tokens["refresh_token"].as_str().unwrap().to_owned(),
        expires_at: tokens["expires_at"].as_i64().unwrap(),
    }
}

pub async fn connect(emulator: &Emulator, http: &reqwest::Client) -> Connection {
    connect_with(emulator, http, &[]).await
}

/// `GET {base}/api/v3{path}` with a Bearer token.
pub async fn get(
    emulator: &Emulator,
    http: &reqwest::Client,
    token: &str,
    path: &str,
    query: &[(&str, &str)],
) -> reqwest::Response {
    http.get(format!("{}/api/v3{path}", base(emulator)))
        .bearer_auth(token)
        .query(query)
        .send()
        .await
        .unwrap()
}

/// Every activity in `(after, before)`, following `page` until an empty page; and the page count.
pub async fn all_pages(
    emulator: &Emulator,
    http: &reqwest::Client,
    token: &str,
    window: &[(&str, &str)],
    per_page: &str,
) -> (Vec<Value>, usize) {
    let mut all = Vec::new();
    for page in 1.. {
        let page_text = page.to_string();
        let mut query = window.to_vec();
        query.extend([("page", page_text.as_str()), ("per_page", per_page)]);
        let response = get(emulator, http, token, "/athlete/activities", &query).await;
        assert_eq!(response.status(), 200);
        let items: Vec<Value> = response.json().await.unwrap();
        if items.is_empty() {
            return (all, page - 1);
        }
        all.extend(items);
    }
    unreachable!()
}

/// A POST to the control API.
pub async fn control(
    emulator: &Emulator,
    http: &reqwest::Client,
    path: &str,
    body: Value,
) -> reqwest::Response {
    http.post(format!("{}/_emulator/strava{path}", emulator.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// `POST /api/v3/push_subscriptions` with our client and `callback_url`.
pub async fn subscribe(
    emulator: &Emulator,
    http: &reqwest::Client,
    callback_url: &str,
) -> reqwest::Response {
    http.post(format!("{}/api/v3/push_subscriptions", base(emulator)))
        .form(&[
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("callback_url", callback_url),
            ("verify_token", VERIFY_TOKEN),
        ])
        .send()
        .await
        .unwrap()
}

#[derive(Debug, Clone)]
pub struct Received {
    pub query: String,
    pub content_type: String,
    pub signature: Option<String>,
    pub raw: Vec<u8>,
    pub body: Value,
}

#[derive(Default)]
struct Recorder {
    challenges: Mutex<Vec<HashMap<String, String>>>,
    posts: Mutex<Vec<Received>>,
    /// Statuses for the next POSTs, in order; 200 once empty.
    statuses: Mutex<Vec<u16>>,
    /// Answer the challenge with a wrong value.
    wrong_echo: Mutex<bool>,
}

/// A webhook receiver at `/hook?token=cb-secret`.
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
                .route("/hook", web::get().to(challenge))
                .route("/hook", web::post().to(event))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Callback {
            url: format!("http://127.0.0.1:{port}/hook?token=cb-secret"),
            recorder,
            handle,
        }
    }

    pub fn challenges(&self) -> Vec<HashMap<String, String>> {
        self.recorder.challenges.lock().unwrap().clone()
    }

    pub fn posts(&self) -> Vec<Received> {
        self.recorder.posts.lock().unwrap().clone()
    }

    /// The next POSTs answer these statuses, in order.
    pub fn respond_with(&self, statuses: &[u16]) {
        *self.recorder.statuses.lock().unwrap() = statuses.to_vec();
    }

    pub fn echo_wrong_challenge(&self) {
        *self.recorder.wrong_echo.lock().unwrap() = true;
    }

    /// Waits until at least `n` POSTs arrived (or two seconds passed).
    pub async fn wait_for_posts(&self, n: usize) -> Vec<Received> {
        for _ in 0..100 {
            if self.posts().len() >= n {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        self.posts()
    }

    pub async fn stop(self) {
        self.handle.stop(true).await;
    }
}

async fn challenge(req: HttpRequest, recorder: web::Data<Recorder>) -> HttpResponse {
    let query: HashMap<String, String> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    recorder.challenges.lock().unwrap().push(query.clone());
    if query.get("hub.verify_token").map(String::as_str) != Some(VERIFY_TOKEN)
        || query.get("hub.mode").map(String::as_str) != Some("subscribe")
    {
        return HttpResponse::Forbidden().finish();
    }
    let mut echo = query.get("hub.challenge").cloned().unwrap_or_default();
    if *recorder.wrong_echo.lock().unwrap() {
        echo.push('x');
    }
    HttpResponse::Ok().json(json!({ "hub.challenge": echo }))
}

async fn event(req: HttpRequest, body: web::Bytes, recorder: web::Data<Recorder>) -> HttpResponse {
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    recorder.posts.lock().unwrap().push(Received {
        query: req.query_string().to_owned(),
        content_type,
        signature: req
            .headers()
            .get("x-strava-signature")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        raw: body.to_vec(),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
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

/// The emulated athletes, from the control API.
pub async fn users(emulator: &Emulator, http: &reqwest::Client) -> Vec<Value> {
    http.get(format!("{}/_emulator/strava/users", emulator.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}
