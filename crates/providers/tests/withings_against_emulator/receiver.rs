//! Stands in for the webhook receiver service on the callback URL `connect()` subscribes.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use providers::withings::Withings;
use providers::{ChallengeAnswer, ProviderApi};

pub const WEBHOOK_PATH: &str = "/api/v1/providers/withings/webhooks";

/// One notification as our webhook route received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub query: String,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

#[derive(Default)]
struct Inbox {
    checks: Mutex<usize>,
    posts: Mutex<Vec<Received>>,
}

/// Stands in for the webhook receiver: answers Withings' callback check like the service
/// (through `answer_challenge`) and records notifications.
pub struct Receiver {
    pub port: u16,
    inbox: Arc<Inbox>,
    handle: ServerHandle,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let inbox = Arc::new(Inbox::default());
        let data = web::Data::from(inbox.clone());
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route(WEBHOOK_PATH, web::get().to(check))
                .route(WEBHOOK_PATH, web::post().to(receive))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Receiver {
            port,
            inbox,
            handle,
        }
    }

    pub fn posts(&self) -> Vec<Received> {
        self.inbox.posts.lock().unwrap().clone()
    }

    pub fn checks(&self) -> usize {
        *self.inbox.checks.lock().unwrap()
    }
}

async fn check(req: HttpRequest, inbox: web::Data<Inbox>) -> HttpResponse {
    *inbox.checks.lock().unwrap() += 1;
    let query: Vec<(String, String)> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .collect();
    match Withings.answer_challenge(None, &query) {
        Ok(ChallengeAnswer::NoContent) => HttpResponse::NoContent().finish(),
        Ok(ChallengeAnswer::Json(body)) => HttpResponse::Ok().json(body),
        Err(_) => HttpResponse::Unauthorized().finish(),
    }
}

async fn receive(req: HttpRequest, body: web::Bytes, inbox: web::Data<Inbox>) -> HttpResponse {
    let headers = providers::headers_from_pairs(
        req.headers()
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_bytes())),
    );
    inbox.posts.lock().unwrap().push(Received {
        query: req.query_string().to_owned(),
        headers,
        body: body.to_vec(),
    });
    HttpResponse::Ok().finish()
}

impl Receiver {
    pub async fn stop(self) {
        self.handle.stop(true).await;
    }
}
