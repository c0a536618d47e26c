//! The webhooks API (HTTP Basic client credentials): one webhook per client, created only after
//! the URL answered a PING with 200; the `signature_secret_key` is shown once, at creation.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::delivery::ping;
use super::oauth::basic_credentials;
use super::state::Webhook;
use super::{Failure, Polar, error};

/// Event types a webhook may subscribe to.
pub(crate) const EVENTS: [&str; 7] = [
    "EXERCISE",
    "SLEEP",
    "CONTINUOUS_HEART_RATE",
    "SLEEP_WISE_CIRCADIAN_BEDTIME",
    "SLEEP_WISE_ALERTNESS",
    "ACTIVITY_SUMMARY",
    "PHYSICAL_INFORMATION",
];

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/v3/webhooks", web::post().to(create))
        .route("/v3/webhooks", web::get().to(get))
        .route("/v3/webhooks/activate", web::post().to(activate))
        .route("/v3/webhooks/deactivate", web::post().to(deactivate))
        .route("/v3/webhooks/{webhook_id}", web::patch().to(update))
        .route("/v3/webhooks/{webhook_id}", web::delete().to(delete));
}

fn authorized(req: &HttpRequest, polar: &Polar) -> Result<(), Failure> {
    match basic_credentials(req) {
        Some((id, secret))
            if id == polar.config.client_id && secret == polar.config.client_secret =>
        {
            Ok(())
        }
        _ => Err(Failure::new(
            StatusCode::UNAUTHORIZED,
            "client authentication failed (HTTP Basic required)",
        )),
    }
}

#[derive(Deserialize)]
struct WebhookRequest {
    events: Option<Vec<String>>,
    url: Option<String>,
}

fn parse(body: &[u8]) -> Result<WebhookRequest, Failure> {
    let request: WebhookRequest = serde_json::from_slice(body)
        .map_err(|e| Failure::new(StatusCode::BAD_REQUEST, format!("invalid body: {e}")))?;
    if let Some(events) = &request.events
        && (events.is_empty() || events.iter().any(|e| !EVENTS.contains(&e.as_str())))
    {
        return Err(Failure::new(
            StatusCode::BAD_REQUEST,
            "events must be a non-empty list of webhook types",
        ));
    }
    if let Some(url) = &request.url
        && url::Url::parse(url).is_err()
    {
        return Err(Failure::new(
            StatusCode::BAD_REQUEST,
            "url must be an absolute URL",
        ));
    }
    Ok(request)
}

fn info(hook: &Webhook) -> serde_json::Value {
    json!({ "id": hook.id, "events": hook.events, "url": hook.url, "active": hook.active })
}

async fn create(req: HttpRequest, body: web::Bytes, polar: web::Data<Polar>) -> HttpResponse {
    if let Err(failure) = authorized(&req, &polar) {
        return failure.response();
    }
    let request = match parse(&body) {
        Ok(r) => r,
        Err(failure) => return failure.response(),
    };
    let (Some(events), Some(url)) = (request.events, request.url) else {
        return error(StatusCode::BAD_REQUEST, "events and url are required");
    };
    let (id, secret) = {
        let mut st = polar.lock();
        if st.webhook.is_some() {
            return error(StatusCode::CONFLICT, "Webhook already exists");
        }
        let id = st.secret(6).to_ascii_lowercase();
        (id, st.uuid_secret())
    };
    if let Err(reason) = ping(&polar, &url, &secret).await {
        return error(
            StatusCode::BAD_REQUEST,
            format!("Webhook cannot be created: {reason}"),
        );
    }
    let mut st = polar.lock();
    if st.webhook.is_some() {
        return error(StatusCode::CONFLICT, "Webhook already exists");
    }
    st.webhook = Some(Webhook {
        id: id.clone(),
        events: events.clone(),
        url: url.clone(),
        active: true,
        signature_secret_key: secret.clone(),
        failed_in_a_row: 0,
    });
    HttpResponse::Created().json(json!({
        "data": { "id": id, "events": events, "url": url, "signature_secret_key": secret }
    }))
}

async fn get(req: HttpRequest, polar: web::Data<Polar>) -> HttpResponse {
    if let Err(failure) = authorized(&req, &polar) {
        return failure.response();
    }
    let data: Vec<_> = polar.lock().webhook.iter().map(info).collect();
    HttpResponse::Ok().json(json!({ "data": data }))
}

async fn update(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    polar: web::Data<Polar>,
) -> HttpResponse {
    if let Err(failure) = authorized(&req, &polar) {
        return failure.response();
    }
    let id = path.into_inner();
    let request = match parse(&body) {
        Ok(r) => r,
        Err(failure) => return failure.response(),
    };
    let (current_url, secret) = match polar.lock().webhook.as_ref().filter(|h| h.id == id) {
        Some(hook) => (hook.url.clone(), hook.signature_secret_key.clone()),
        None => return error(StatusCode::NOT_FOUND, format!("webhook '{id}' not found")),
    };
    if let Some(url) = request.url.as_ref().filter(|u| **u != current_url)
        && let Err(reason) = ping(&polar, url, &secret).await
    {
        return error(
            StatusCode::BAD_REQUEST,
            format!("Webhook cannot be updated: {reason}"),
        );
    }
    let mut st = polar.lock();
    let Some(hook) = st.webhook.as_mut().filter(|h| h.id == id) else {
        return error(StatusCode::NOT_FOUND, format!("webhook '{id}' not found"));
    };
    if let Some(url) = request.url {
        hook.url = url;
    }
    if let Some(events) = request.events {
        hook.events = events;
    }
    HttpResponse::Ok().json(json!({ "data": [info(hook)] }))
}

async fn delete(
    req: HttpRequest,
    path: web::Path<String>,
    polar: web::Data<Polar>,
) -> HttpResponse {
    if let Err(failure) = authorized(&req, &polar) {
        return failure.response();
    }
    let id = path.into_inner();
    let mut st = polar.lock();
    if st.webhook.as_ref().is_some_and(|h| h.id == id) {
        st.webhook = None;
        HttpResponse::NoContent().finish()
    } else {
        error(StatusCode::NOT_FOUND, format!("webhook '{id}' not found"))
    }
}

/// Re-activates after a successful PING; 204 when there is no webhook.
async fn activate(req: HttpRequest, polar: web::Data<Polar>) -> HttpResponse {
    if let Err(failure) = authorized(&req, &polar) {
        return failure.response();
    }
    let Some((url, secret)) = polar
        .lock()
        .webhook
        .as_ref()
        .map(|h| (h.url.clone(), h.signature_secret_key.clone()))
    else {
        return HttpResponse::NoContent().finish();
    };
    if let Err(reason) = ping(&polar, &url, &secret).await {
        return error(
            StatusCode::BAD_REQUEST,
            format!("Webhook cannot be activated: {reason}"),
        );
    }
    if let Some(hook) = polar.lock().webhook.as_mut() {
        hook.active = true;
        hook.failed_in_a_row = 0;
    }
    HttpResponse::Ok().finish()
}

async fn deactivate(req: HttpRequest, polar: web::Data<Polar>) -> HttpResponse {
    if let Err(failure) = authorized(&req, &polar) {
        return failure.response();
    }
    match polar.lock().webhook.as_mut() {
        Some(hook) => {
            hook.active = false;
            HttpResponse::Ok().finish()
        }
        None => HttpResponse::NoContent().finish(),
    }
}
