//! Test helpers: an emulator on port 0, an HTTP client, an OAuth connect flow and a callback server.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use provider_emulator::{Emulator, EmulatorConfig};
use serde_json::{Value, json};

pub const REDIRECT_URI: &str = "http://localhost:8080/oauth/oura/callback";
pub const VERIFICATION_TOKEN: &str = "verify-me";

pub async fn start() -> Emulator {
    start_with(EmulatorConfig::default()).await
}

pub async fn start_with(mut config: EmulatorConfig) -> Emulator {
    config.oura.webhook_retry_base_ms = 20;
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

/// Query parameters of the `Location` header of a redirect.
pub fn location_params(response: &reqwest::Response) -> HashMap<String, String> {
    let location = response
        .headers()
        .get("location")
        .expect("a Location header")
        .to_str()
        .expect("ASCII Location");
    url::Url::parse(location)
        .expect("absolute Location")
        .query_pairs()
        .into_owned()
        .collect()
}

/// Runs authorize (auto-approved) and returns the code.
pub async fn authorize(
    emulator: &Emulator,
    http: &reqwest::Client,
    extra: &[(&str, &str)],
) -> String {
    let mut query = vec![
        ("response_type", "code"),
        ("client_id", "wearhouse-local"),
        ("redirect_uri", REDIRECT_URI),
        ("scope", "personal daily heartrate workout"),
        ("state", "st4te"),
    ];
    query.extend_from_slice(extra);
    let response = http
        .get(emulator.oura_authorize_url())
        .query(&query)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    location_params(&response)["code"].clone()
}

pub async fn token_request(
    emulator: &Emulator,
    http: &reqwest::Client,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut body = vec![
        ("client_id", "wearhouse-local"),
        ("client_secret", "wearhouse-local-secret"),
    ];
    body.extend_from_slice(form);
    http.post(emulator.oura_token_url())
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

/// A new user connected through the full OAuth flow.
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
    let info = get(
        emulator,
        http,
        &access_token,
        "/v2/usercollection/personal_info",
        &[],
    )
    .await;
    assert_eq!(info.status(), 200);
    let info: Value = info.json().await.unwrap();
    Connection {
        user_id: info["id"].as_str().unwrap().to_owned(),
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
    http.get(format!("{}{path}", emulator.oura_api_base()))
        .bearer_auth(token)
        .query(query)
        .send()
        .await
        .unwrap()
}

/// Every document of a collection in `[start, end]`, following `next_token`.
pub async fn all_pages(
    emulator: &Emulator,
    http: &reqwest::Client,
    token: &str,
    collection: &str,
    start: &str,
    end: &str,
) -> (Vec<Value>, usize) {
    let path = format!("/v2/usercollection/{collection}");
    let mut docs = Vec::new();
    let mut pages = 0;
    let mut next: Option<String> = None;
    loop {
        let mut query = vec![("start_date", start), ("end_date", end)];
        if let Some(token) = next.as_deref() {
            query.push(("next_token", token));
        }
        let response = get(emulator, http, token, &path, &query).await;
        assert_eq!(response.status(), 200);
        let page: Value = response.json().await.unwrap();
        pages += 1;
        docs.extend(page["data"].as_array().unwrap().iter().cloned());
        match page["next_token"].as_str() {
            Some(token) => next = Some(token.to_owned()),
            None => return (docs, pages),
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
    http.post(format!("{}/_emulator/oura{path}", emulator.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap()
}

pub async fn subscribe(
    emulator: &Emulator,
    http: &reqwest::Client,
    callback_url: &str,
    event_type: &str,
    data_type: &str,
) -> reqwest::Response {
    http.post(format!(
        "{}/v2/webhook/subscription",
        emulator.oura_api_base()
    ))
    .header("x-client-id", "wearhouse-local")
    .header("x-client-secret", "wearhouse-local-secret")
    .json(&json!({
        "callback_url": callback_url,
        "verification_token": VERIFICATION_TOKEN,
        "event_type": event_type,
        "data_type": data_type,
    }))
    .send()
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
    challenges: Mutex<Vec<String>>,
    posts: Mutex<Vec<Received>>,
    /// Statuses for the next POSTs, in order; 200 once empty.
    statuses: Mutex<Vec<u16>>,
}

/// A webhook receiver that answers the Oura challenge and records notifications.
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
            url: format!("http://127.0.0.1:{port}/hook"),
            recorder,
            handle,
        }
    }

    pub fn challenges(&self) -> Vec<String> {
        self.recorder.challenges.lock().unwrap().clone()
    }

    pub fn posts(&self) -> Vec<Received> {
        self.recorder.posts.lock().unwrap().clone()
    }

    /// The next POSTs answer these statuses, in order.
    pub fn respond_with(&self, statuses: &[u16]) {
        *self.recorder.statuses.lock().unwrap() = statuses.to_vec();
    }

    pub async fn stop(self) {
        self.handle.stop(true).await;
    }
}

async fn challenge(req: HttpRequest, recorder: web::Data<Recorder>) -> HttpResponse {
    let query: HashMap<String, String> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let challenge = query.get("challenge").cloned().unwrap_or_default();
    recorder.challenges.lock().unwrap().push(challenge.clone());
    if query.get("verification_token").map(String::as_str) != Some(VERIFICATION_TOKEN) {
        return HttpResponse::Unauthorized().finish();
    }
    HttpResponse::Ok().json(json!({ "challenge": challenge }))
}

async fn notification(
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
        timestamp: header("x-oura-timestamp"),
        signature: header("x-oura-signature"),
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

/// The emulated user's creation day (UTC), from the control API.
pub async fn created_day(
    emulator: &Emulator,
    http: &reqwest::Client,
    user_id: &str,
) -> chrono::NaiveDate {
    let users: Value = http
        .get(format!("{}/_emulator/oura/users", emulator.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let user = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == user_id)
        .expect("user listed");
    user["created_day"].as_str().unwrap().parse().unwrap()
}

/// Every duration of a sleep document agrees with its phase string and bedtimes.
pub fn assert_sleep_consistent(doc: &Value) {
    let phases = doc["sleep_phase_5_min"].as_str().unwrap();
    let count = |c: char| phases.chars().filter(|&p| p == c).count() as i64 * 300;
    let field = |name: &str| {
        doc[name]
            .as_i64()
            .unwrap_or_else(|| panic!("{name} is an integer"))
    };
    assert!(phases.chars().all(|c| "1234".contains(c)), "{phases}");
    assert_eq!(field("deep_sleep_duration"), count('1'));
    assert_eq!(field("light_sleep_duration"), count('2'));
    assert_eq!(field("rem_sleep_duration"), count('3'));
    assert_eq!(field("awake_time"), count('4'));
    assert_eq!(
        field("total_sleep_duration"),
        count('1') + count('2') + count('3')
    );
    assert_eq!(field("time_in_bed"), phases.len() as i64 * 300);
    let start =
        chrono::DateTime::parse_from_rfc3339(doc["bedtime_start"].as_str().unwrap()).unwrap();
    let end = chrono::DateTime::parse_from_rfc3339(doc["bedtime_end"].as_str().unwrap()).unwrap();
    assert_eq!((end - start).num_seconds(), field("time_in_bed"));
    let efficiency =
        (100.0 * field("total_sleep_duration") as f64 / field("time_in_bed") as f64).round() as i64;
    assert_eq!(field("efficiency"), efficiency);
    assert_eq!(doc["day"].as_str().unwrap(), end.date_naive().to_string());
    assert_eq!(
        doc["sleep_phase_30_sec"].as_str().unwrap().len(),
        phases.len() * 10
    );
    for series in ["heart_rate", "hrv"] {
        assert_eq!(doc[series]["interval"], 300.0);
        assert_eq!(doc[series]["items"].as_array().unwrap().len(), phases.len());
    }
    assert_eq!(
        field("latency"),
        phases.chars().take_while(|&c| c == '4').count() as i64 * 300
    );
    assert_eq!(doc["low_battery_alert"], false);
    assert_eq!(doc["period"], 0);
}
