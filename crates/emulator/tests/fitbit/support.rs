//! Test helpers: an emulator on port 0, the PKCE OAuth flow, API calls and a subscriber endpoint.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use provider_emulator::{Emulator, EmulatorConfig, FitbitConfig};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

pub const REDIRECT_URI: &str = "http://localhost:8080/oauth/fitbit/callback";
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-fitbit-pkce";
pub const VERIFICATION_CODE: &str = "verify-me";

pub fn config() -> FitbitConfig {
    FitbitConfig {
        webhook_retry_base_ms: 20,
        ..FitbitConfig::default()
    }
}

pub async fn start() -> Emulator {
    start_with(config()).await
}

pub async fn start_with(fitbit: FitbitConfig) -> Emulator {
    Emulator::start(
        EmulatorConfig {
            fitbit,
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
    emulator.provider_base("fitbit")
}

pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
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

/// `GET /oauth2/authorize` with a PKCE challenge of [`VERIFIER`] plus `extra`.
pub async fn authorize_response(
    emulator: &Emulator,
    http: &reqwest::Client,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let config = config();
    let challenge = challenge(VERIFIER);
    let mut query = vec![
        ("response_type", "code"),
        ("client_id", config.client_id.as_str()),
        ("redirect_uri", REDIRECT_URI),
        (
            "scope",
            "activity heartrate sleep profile weight oxygen_saturation respiratory_rate temperature cardio_fitness",
        ),
        ("state", "st4te"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    query.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
    query.extend(extra.iter().filter(|(_, v)| !v.is_empty()));
    http.get(format!("{}/oauth2/authorize", base(emulator)))
        .query(&query)
        .send()
        .await
        .unwrap()
}

pub async fn authorize(
    emulator: &Emulator,
    http: &reqwest::Client,
    extra: &[(&str, &str)],
) -> String {
    let response = authorize_response(emulator, http, extra).await;
    assert_eq!(response.status(), 302);
    location_params(&response)["code"].clone()
}

/// `POST /oauth2/token` with HTTP Basic client authentication (unless `basic` is false).
pub async fn token_request(
    emulator: &Emulator,
    http: &reqwest::Client,
    form: &[(&str, &str)],
    basic: bool,
) -> reqwest::Response {
    let config = config();
    let mut request = http
        .post(format!("{}/oauth2/token", base(emulator)))
        .form(form);
    if basic {
        request = request.basic_auth(&config.client_id, Some(&config.client_secret));
    }
    request.send().await.unwrap()
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
            ("code_verifier", VERIFIER),
        ],
        true,
    )
    .await;
    assert_eq!(response.status(), 200);
    let tokens: Value = response.json().await.unwrap();
    Connection {
        user_id: tokens["user_id"].as_str().unwrap().to_owned(),
        access_token: tokens["access_token"].as_str().unwrap().to_owned(),
        refresh_token: tokens["refresh_token"].as_str().unwrap().to_owned(),
    }
}

/// `{method} {base}/fitbit/{path}` with a Bearer token.
pub async fn call(
    emulator: &Emulator,
    http: &reqwest::Client,
    method: reqwest::Method,
    token: &str,
    path: &str,
) -> reqwest::Response {
    http.request(method, format!("{}/{path}", base(emulator)))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

pub async fn get(
    emulator: &Emulator,
    http: &reqwest::Client,
    token: &str,
    path: &str,
) -> reqwest::Response {
    call(emulator, http, reqwest::Method::GET, token, path).await
}

pub async fn get_json(
    emulator: &Emulator,
    http: &reqwest::Client,
    token: &str,
    path: &str,
) -> Value {
    let response = get(emulator, http, token, path).await;
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.unwrap()
}

/// A POST to the control API.
pub async fn control(
    emulator: &Emulator,
    http: &reqwest::Client,
    path: &str,
    body: Value,
) -> reqwest::Response {
    http.post(format!("{}/_emulator/fitbit{path}", emulator.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap()
}

pub async fn deliveries(emulator: &Emulator, http: &reqwest::Client) -> Vec<Value> {
    let list: Value = http
        .get(format!(
            "{}/_emulator/fitbit/deliveries",
            emulator.base_url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    list.as_array().unwrap().clone()
}

#[derive(Debug, Clone)]
pub struct Received {
    pub signature: String,
    pub content_type: String,
    pub body: Vec<u8>,
}

#[derive(Default)]
struct Recorder {
    verifications: Mutex<Vec<String>>,
    posts: Mutex<Vec<Received>>,
    /// Statuses for the next POSTs, in order; 204 once empty.
    statuses: Mutex<Vec<u16>>,
}

/// A subscriber endpoint: answers Fitbit's verification for [`VERIFICATION_CODE`] and records
/// notifications.
pub struct Subscriber {
    pub url: String,
    recorder: Arc<Recorder>,
    handle: ServerHandle,
}

impl Subscriber {
    pub async fn start() -> Subscriber {
        let recorder = Arc::new(Recorder::default());
        let data = web::Data::from(recorder.clone());
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/hook", web::get().to(verify))
                .route("/hook", web::post().to(notification))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Subscriber {
            url: format!("http://127.0.0.1:{port}/hook"),
            recorder,
            handle,
        }
    }

    pub fn verifications(&self) -> Vec<String> {
        self.recorder.verifications.lock().unwrap().clone()
    }

    pub fn posts(&self) -> Vec<Received> {
        self.recorder.posts.lock().unwrap().clone()
    }

    /// The next POSTs answer these statuses, in order.
    pub fn respond_with(&self, statuses: &[u16]) {
        *self.recorder.statuses.lock().unwrap() = statuses.to_vec();
    }

    /// Waits until `n` notifications arrived.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let posts = self.posts();
            if posts.len() >= n || Instant::now() > deadline {
                return posts;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn stop(self) {
        self.handle.stop(true).await;
    }
}

async fn verify(req: HttpRequest, recorder: web::Data<Recorder>) -> HttpResponse {
    let query: HashMap<String, String> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let code = query.get("verify").cloned().unwrap_or_default();
    recorder.verifications.lock().unwrap().push(code.clone());
    if code == VERIFICATION_CODE {
        HttpResponse::NoContent().finish()
    } else {
        HttpResponse::NotFound().finish()
    }
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
        signature: header("x-fitbit-signature"),
        content_type: header("content-type"),
        body: body.to_vec(),
    });
    let status = {
        let mut statuses = recorder.statuses.lock().unwrap();
        if statuses.is_empty() {
            204
        } else {
            statuses.remove(0)
        }
    };
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).finish()
}
