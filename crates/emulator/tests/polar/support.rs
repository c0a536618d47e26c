//! Test helpers: an emulator on port 0, the OAuth connect flow, REST and control calls, and a
//! webhook receiver that records deliveries.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use chrono::{NaiveDate, TimeDelta, Utc};
use provider_emulator::{Emulator, EmulatorConfig};
use serde_json::{Value, json};

pub const CLIENT_ID: &str = "wearhouse-local";
pub const CLIENT_SECRET: &str = "wearhouse-local-secret";
pub const REDIRECT_URI: &str = "http://localhost:8080/oauth/polar/callback";

pub async fn start() -> Emulator {
    start_with(EmulatorConfig::default()).await
}

pub async fn start_with(mut config: EmulatorConfig) -> Emulator {
    config.polar.webhook_retry_base_ms = 20;
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
    emulator.provider_base("polar")
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
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let mut query = vec![
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT_URI),
        ("scope", "accesslink.read_all"),
        ("state", "st4te"),
    ];
    query.extend_from_slice(extra);
    http.get(format!("{}/oauth2/authorization", base(emulator)))
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

/// `POST /v2/oauth2/token` with HTTP Basic client authentication.
pub async fn token_request(
    emulator: &Emulator,
    http: &reqwest::Client,
    form: &[(&str, &str)],
) -> reqwest::Response {
    http.post(format!("{}/v2/oauth2/token", base(emulator)))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .header("accept", "application/json")
        .form(form)
        .send()
        .await
        .unwrap()
}

pub struct Connection {
    pub user_id: u64,
    pub access_token: String,
}

/// A new user through the OAuth flow, not yet registered.
pub async fn authorize_user(emulator: &Emulator, http: &reqwest::Client) -> Connection {
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
    Connection {
        user_id: tokens["x_user_id"].as_u64().unwrap(),
        access_token: tokens["access_token"].as_str().unwrap().to_owned(),
    }
}

/// A new user, authorized and registered (`POST /v3/users`).
pub async fn connect(emulator: &Emulator, http: &reqwest::Client) -> Connection {
    let connection = authorize_user(emulator, http).await;
    let response = register(
        emulator,
        http,
        &connection.access_token,
        &format!("member-{}", connection.user_id),
    )
    .await;
    assert_eq!(response.status(), 200);
    connection
}

pub async fn register(
    emulator: &Emulator,
    http: &reqwest::Client,
    token: &str,
    member_id: &str,
) -> reqwest::Response {
    http.post(format!("{}/v3/users", base(emulator)))
        .bearer_auth(token)
        .json(&json!({ "member-id": member_id }))
        .send()
        .await
        .unwrap()
}

/// `GET {base}/v3{path}` with a Bearer token.
pub async fn get(
    emulator: &Emulator,
    http: &reqwest::Client,
    token: &str,
    path: &str,
    query: &[(&str, &str)],
) -> reqwest::Response {
    http.get(format!("{}/v3{path}", base(emulator)))
        .bearer_auth(token)
        .query(query)
        .send()
        .await
        .unwrap()
}

pub async fn get_json(
    emulator: &Emulator,
    http: &reqwest::Client,
    token: &str,
    path: &str,
    query: &[(&str, &str)],
) -> Value {
    let response = get(emulator, http, token, path, query).await;
    assert_eq!(response.status(), 200, "GET {path}");
    response.json().await.unwrap()
}

/// A POST to the control API.
pub async fn control(
    emulator: &Emulator,
    http: &reqwest::Client,
    path: &str,
    body: Value,
) -> reqwest::Response {
    http.post(format!("{}/_emulator/polar{path}", emulator.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// A webhooks-API request with HTTP Basic client credentials.
pub fn webhooks(
    http: &reqwest::Client,
    emulator: &Emulator,
    method: reqwest::Method,
    path: &str,
) -> reqwest::RequestBuilder {
    http.request(method, format!("{}/v3/webhooks{path}", base(emulator)))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
}

/// Creates the webhook for `events`; returns its id and signing key.
pub async fn create_webhook(
    emulator: &Emulator,
    http: &reqwest::Client,
    url: &str,
    events: &[&str],
) -> (String, String) {
    let response = webhooks(http, emulator, reqwest::Method::POST, "")
        .json(&json!({ "events": events, "url": url }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    (
        body["data"]["id"].as_str().unwrap().to_owned(),
        body["data"]["signature_secret_key"]
            .as_str()
            .unwrap()
            .to_owned(),
    )
}

#[derive(Debug, Clone)]
pub struct Received {
    pub event: String,
    pub signature: String,
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

/// A webhook receiver that records every POST (pings included).
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

    /// Deliveries other than pings.
    pub fn events(&self) -> Vec<Received> {
        self.posts()
            .into_iter()
            .filter(|p| p.event != "PING")
            .collect()
    }

    /// The next POSTs answer these statuses, in order.
    pub fn respond_with(&self, statuses: &[u16]) {
        *self.recorder.statuses.lock().unwrap() = statuses.to_vec();
    }

    /// Waits up to two seconds for `n` non-ping deliveries.
    pub async fn wait_for_events(&self, n: usize) -> Vec<Received> {
        for _ in 0..100 {
            let events = self.events();
            if events.len() >= n {
                return events;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        self.events()
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
        event: header("polar-webhook-event"),
        signature: header("polar-webhook-signature"),
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

/// Seconds per hypnogram stage code, from a sleep document's change points and its bounds.
pub fn hypnogram_totals(doc: &Value) -> HashMap<i64, i64> {
    let start =
        chrono::DateTime::parse_from_rfc3339(doc["sleep_start_time"].as_str().unwrap()).unwrap();
    let end =
        chrono::DateTime::parse_from_rfc3339(doc["sleep_end_time"].as_str().unwrap()).unwrap();
    let mut changes: Vec<(chrono::DateTime<chrono::FixedOffset>, i64)> = doc["hypnogram"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(clock, code)| {
            let time = chrono::NaiveTime::parse_from_str(clock, "%H:%M").unwrap();
            let mut at = start
                .date_naive()
                .and_time(time)
                .and_local_timezone(*start.offset())
                .unwrap();
            if at < start {
                at += chrono::TimeDelta::days(1);
            }
            (at, code.as_i64().unwrap())
        })
        .collect();
    changes.sort();
    let mut totals = HashMap::new();
    for (i, (at, code)) in changes.iter().enumerate() {
        let until = changes.get(i + 1).map_or(end, |(next, _)| *next);
        *totals.entry(*code).or_insert(0) += (until - *at).num_seconds();
    }
    totals
}

/// Today in the emulator's default zone (+02:00).
pub fn today() -> NaiveDate {
    (Utc::now() + TimeDelta::hours(2)).date_naive()
}

pub fn ymd(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}
