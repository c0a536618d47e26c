//! Test helpers: an emulator on port 0, the OAuth flow, form calls and a notification receiver.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use provider_emulator::{Emulator, EmulatorConfig};
use serde_json::Value;

pub const REDIRECT_URI: &str = "http://localhost:8080/api/v1/oauth/withings/callback";
pub const CLIENT_ID: &str = "wearhouse-local";
pub const CLIENT_SECRET: &str = "wearhouse-local-secret";
pub const SCOPE: &str = "user.info,user.metrics,user.activity,user.sleepevents";

pub async fn start() -> Emulator {
    start_with(EmulatorConfig::default()).await
}

pub async fn start_with(mut config: EmulatorConfig) -> Emulator {
    config.withings.webhook_retry_base_ms = 20;
    config.withings.ack_timeout_ms = 1000;
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
    emulator.provider_base("withings")
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

/// `GET /oauth2_user/authorize2` with the standard parameters plus `extra` (which win).
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
        ("state", "st4te"),
    ];
    query.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
    query.extend_from_slice(extra);
    http.get(format!("{}/oauth2_user/authorize2", base(emulator)))
        .query(&query)
        .send()
        .await
        .unwrap()
}

/// An authorization code for a new user (or `login_hint`'s).
pub async fn code(emulator: &Emulator, http: &reqwest::Client, extra: &[(&str, &str)]) -> String {
    let response = authorize_with(emulator, http, extra).await;
    assert_eq!(response.status(), 302);
    location_params(&response)["code"].clone()
}

/// `POST /v2/oauth2` with `form` (HTTP 200 whatever the outcome); the JSON answer.
pub async fn oauth2(emulator: &Emulator, http: &reqwest::Client, form: &[(&str, &str)]) -> Value {
    let response = http
        .post(format!("{}/v2/oauth2", base(emulator)))
        .form(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

pub async fn exchange(emulator: &Emulator, http: &reqwest::Client, code: &str) -> Value {
    oauth2(
        emulator,
        http,
        &[
            ("action", "requesttoken"),
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
        ],
    )
    .await
}

pub async fn refresh(emulator: &Emulator, http: &reqwest::Client, refresh_token: &str) -> Value {
    oauth2(
        emulator,
        http,
        &[
            ("action", "requesttoken"),
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("refresh_token", refresh_token),
        ],
    )
    .await
}

pub struct Connection {
    pub user_id: String,
    pub access_token: String,
    pub refresh_token: String,
}

/// A new user connected through the full OAuth flow.
pub async fn connect(emulator: &Emulator, http: &reqwest::Client) -> Connection {
    let code = code(emulator, http, &[]).await;
    let answer = exchange(emulator, http, &code).await;
    assert_eq!(answer["status"], 0, "{answer}");
    Connection {
        user_id: answer["body"]["userid"].as_str().unwrap().to_owned(),
        access_token: answer["body"]["access_token"].as_str().unwrap().to_owned(),
        refresh_token: answer["body"]["refresh_token"].as_str().unwrap().to_owned(),
    }
}

/// `POST {base}{path}` with a Bearer token and a form body.
pub async fn call_raw(
    emulator: &Emulator,
    http: &reqwest::Client,
    token: &str,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    http.post(format!("{}{path}", base(emulator)))
        .bearer_auth(token)
        .form(form)
        .send()
        .await
        .unwrap()
}

/// [`call_raw`] expecting HTTP 200; the JSON answer.
pub async fn call(
    emulator: &Emulator,
    http: &reqwest::Client,
    token: &str,
    path: &str,
    form: &[(&str, &str)],
) -> Value {
    let response = call_raw(emulator, http, token, path, form).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// Every item of `field` over the pages of an `offset`-paged action; and the page count.
pub async fn all_pages(
    emulator: &Emulator,
    http: &reqwest::Client,
    token: &str,
    path: &str,
    form: &[(&str, &str)],
    field: &str,
) -> (Vec<Value>, usize) {
    let mut items = Vec::new();
    let mut offset: Option<String> = None;
    for pages in 1..100 {
        let mut params = form.to_vec();
        if let Some(offset) = offset.as_deref() {
            params.push(("offset", offset));
        }
        let answer = call(emulator, http, token, path, &params).await;
        assert_eq!(answer["status"], 0, "{answer}");
        items.extend(answer["body"][field].as_array().unwrap().iter().cloned());
        let more = match &answer["body"]["more"] {
            Value::Bool(b) => *b,
            Value::Number(n) => n.as_i64() != Some(0),
            _ => false,
        };
        if !more {
            return (items, pages);
        }
        offset = Some(answer["body"]["offset"].to_string());
    }
    panic!("too many pages");
}

/// A POST to the control API.
pub async fn control(
    emulator: &Emulator,
    http: &reqwest::Client,
    path: &str,
    body: Value,
) -> reqwest::Response {
    http.post(format!("{}/_emulator/withings{path}", emulator.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap()
}

pub async fn deliveries(emulator: &Emulator, http: &reqwest::Client) -> Vec<Value> {
    http.get(format!(
        "{}/_emulator/withings/deliveries",
        emulator.base_url()
    ))
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap()
}

#[derive(Default)]
struct Recorder {
    checks: Mutex<usize>,
    posts: Mutex<Vec<(String, String)>>,
    /// Statuses for the next POSTs, in order; 200 once empty.
    statuses: Mutex<Vec<u16>>,
}

/// A notification receiver: answers GET checks 200 and records form POSTs.
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
                .route("/hook", web::get().to(check))
                .route("/hook", web::post().to(notification))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Callback {
            url: format!("http://127.0.0.1:{port}/hook?token=abc"),
            recorder,
            handle,
        }
    }

    pub fn checks(&self) -> usize {
        *self.recorder.checks.lock().unwrap()
    }

    /// `(content type, body)` of each POST.
    pub fn posts(&self) -> Vec<(String, String)> {
        self.recorder.posts.lock().unwrap().clone()
    }

    pub fn respond_with(&self, statuses: &[u16]) {
        *self.recorder.statuses.lock().unwrap() = statuses.to_vec();
    }

    pub async fn stop(self) {
        self.handle.stop(true).await;
    }
}

async fn check(recorder: web::Data<Recorder>) -> HttpResponse {
    *recorder.checks.lock().unwrap() += 1;
    HttpResponse::Ok().finish()
}

async fn notification(
    req: HttpRequest,
    body: web::Bytes,
    recorder: web::Data<Recorder>,
) -> HttpResponse {
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    recorder
        .posts
        .lock()
        .unwrap()
        .push((content_type, String::from_utf8_lossy(&body).into_owned()));
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
