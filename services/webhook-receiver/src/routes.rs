//! `POST /api/v1/providers/{provider}/webhooks` and its subscription challenge `GET`.

use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use domain::Provider;
use messaging::Stream;
use messaging::proto::{PayloadOrigin, RawPayload};
use providers::{ChallengeAnswer, WebhookError, WebhookRequest, headers_from_pairs};
use service_kit::ApiError;
use service_kit::telemetry::current_trace_context;
use uuid::Uuid;

use crate::startup::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/api/v1/providers/{provider}/webhooks",
        web::post().to(receive),
    )
    .route(
        "/api/v1/providers/{provider}/webhooks",
        web::get().to(challenge),
    );
}

fn parse_provider(raw: &str) -> Result<Provider, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::not_found(format!("Unknown provider '{raw}'")))
}

fn reject(state: &AppState, provider: Provider, e: WebhookError) -> ApiError {
    let (code, detail) = match &e {
        WebhookError::Malformed(_) => {
            state
                .metrics
                .received
                .with_label_values(&[provider.as_str(), "malformed"])
                .inc();
            return ApiError::bad_request("malformed_webhook", e.to_string());
        }
        WebhookError::StaleTimestamp => (
            "stale_timestamp",
            "Webhook timestamp outside the accepted window",
        ),
        WebhookError::MissingHeader(_) => {
            ("missing_signature", "Webhook signature headers missing")
        }
        _ => ("invalid_signature", "Invalid webhook signature"),
    };
    state
        .metrics
        .received
        .with_label_values(&[provider.as_str(), "rejected"])
        .inc();
    tracing::warn!(%provider, reason = %e, "webhook rejected");
    ApiError::new(rejected_status(provider), code, detail)
}

/// The status the provider expects for a webhook or handshake we refuse (401, Fitbit 404).
fn rejected_status(provider: Provider) -> actix_web::http::StatusCode {
    let (_, rejected) = providers::webhook_statuses(provider);
    actix_web::http::StatusCode::from_u16(rejected)
        .unwrap_or(actix_web::http::StatusCode::UNAUTHORIZED)
}

async fn receive(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let provider = parse_provider(&path)?;
    let settings =
        state.settings.common.provider(provider).ok_or_else(|| {
            ApiError::not_found(format!("Provider '{provider}' is not configured"))
        })?;
    let headers = headers_from_pairs(
        req.headers()
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_bytes())),
    );
    let request = WebhookRequest {
        headers: &headers,
        body: &body,
        query: req.query_string(),
        now: Utc::now(),
    };
    let secrets = settings.webhook_secrets(Duration::from_secs(
        state.settings.webhooks.timestamp_tolerance_secs,
    ));
    // Only a verified body is published; the poller interprets it.
    let _verified = providers::verify_webhook(provider, &request, &secrets)
        .map_err(|e| reject(&state, provider, e))?;
    let (stream, kind) = (Stream::Notifications, "webhook");
    let payload = RawPayload {
        id: Uuid::new_v4().to_string(),
        provider: provider.as_str().to_owned(),
        kind: kind.to_owned(),
        received_at_unix_ms: Utc::now().timestamp_millis(),
        content_type: req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/json")
            .to_owned(),
        body: body.to_vec(),
        trace: Some(current_trace_context()),
        origin: PayloadOrigin::Webhook.into(),
        ..Default::default()
    };
    // The provider gets its 2xx only once the broker has confirmed the message.
    state
        .publisher
        .publish(
            stream,
            &format!("{provider}.{kind}"),
            &payload.id,
            &payload,
            payload.trace.as_ref(),
        )
        .await
        .map_err(|e| {
            state
                .metrics
                .received
                .with_label_values(&[provider.as_str(), "unavailable"])
                .inc();
            ApiError::unavailable(e)
        })?;
    state
        .metrics
        .received
        .with_label_values(&[provider.as_str(), "accepted"])
        .inc();
    match providers::webhook_statuses(provider).0 {
        204 => Ok(HttpResponse::NoContent().finish()),
        _ => Ok(
            HttpResponse::Ok().json(serde_json::json!({"status": "accepted", "id": payload.id}))
        ),
    }
}

async fn challenge(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, ApiError> {
    let provider = parse_provider(&path)?;
    let settings =
        state.settings.common.provider(provider).ok_or_else(|| {
            ApiError::not_found(format!("Provider '{provider}' is not configured"))
        })?;
    match providers::answer_challenge(
        provider,
        settings.webhook_verification_token.as_ref(),
        &query,
    ) {
        Ok(ChallengeAnswer::Json(body)) => Ok(HttpResponse::Ok().json(body)),
        Ok(ChallengeAnswer::NoContent) => Ok(HttpResponse::NoContent().finish()),
        Err(WebhookError::MissingHeader(name)) => Err(ApiError::bad_request(
            "missing_parameter",
            format!("Field required: {name}"),
        )),
        Err(_) => Err(ApiError::new(
            rejected_status(provider),
            "unauthorized",
            "Verification token does not match",
        )),
    }
}
