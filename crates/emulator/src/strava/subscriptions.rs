//! `/api/v3/push_subscriptions`: one subscription per application, authenticated with
//! `client_id` and `client_secret` parameters. Creation first validates the callback with
//! `GET <callback>?hub.mode=subscribe&hub.challenge=..&hub.verify_token=..`, which must answer
//! 200 within two seconds with `{"hub.challenge": "<same>"}`.

use std::collections::HashMap;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::json::fmt_utc;
use super::oauth::params;
use super::state::Subscription;
use super::{Fault, Strava, bad_request, not_found, strava_error};

/// Our application's id in `application_id`.
const APPLICATION_ID: u64 = 163_429;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/push_subscriptions", web::post().to(create))
        .route("/push_subscriptions", web::get().to(list))
        .route("/push_subscriptions/{id}", web::delete().to(delete));
}

/// `None` when the client credentials are right, else the error response.
fn check_client(strava: &Strava, found: &HashMap<String, String>) -> Option<HttpResponse> {
    let get = |k: &str| found.get(k).map(String::as_str);
    let field = if get("client_id") != Some(strava.config.client_id.as_str()) {
        "client_id"
    } else if get("client_secret") != Some(strava.config.client_secret.as_str()) {
        "client_secret"
    } else {
        return None;
    };
    Some(strava_error(
        StatusCode::UNAUTHORIZED,
        "Authorization Error",
        &[Fault {
            resource: "Application",
            field,
            code: "invalid",
        }],
    ))
}

async fn create(req: HttpRequest, body: web::Bytes, strava: web::Data<Strava>) -> HttpResponse {
    let mut found = params(req.query_string().as_bytes());
    found.extend(params(&body));
    if let Some(error) = check_client(&strava, &found) {
        return error;
    }
    let Some(callback) = found
        .get("callback_url")
        .and_then(|u| url::Url::parse(u).ok())
    else {
        return bad_request("PushSubscription", "callback_url", "invalid");
    };
    let Some(verify_token) = found.get("verify_token") else {
        return bad_request("PushSubscription", "verify_token", "missing");
    };
    if strava.lock().subscription.is_some() {
        return bad_request("PushSubscription", "callback_url", "already exists");
    }
    if let Err(reason) = validate(&strava, &callback, verify_token).await {
        tracing::info!(%reason, "push subscription callback validation failed");
        return bad_request(
            "PushSubscription",
            "callback url",
            "GET to callback URL does not return 200",
        );
    }
    let mut st = strava.lock();
    if st.subscription.is_some() {
        return bad_request("PushSubscription", "callback_url", "already exists");
    }
    let id = st.next_subscription_id;
    st.next_subscription_id += 1;
    let now = fmt_utc(chrono::Utc::now().timestamp());
    st.subscription = Some(Subscription {
        id,
        resource_state: 2,
        application_id: APPLICATION_ID,
        callback_url: callback.to_string(),
        created_at: now.clone(),
        updated_at: now,
    });
    HttpResponse::Created().json(json!({ "id": id }))
}

/// The validation request; `Err` says why the callback failed it.
async fn validate(strava: &Strava, callback: &url::Url, verify_token: &str) -> Result<(), String> {
    let challenge = strava.lock().secret(14);
    let mut url = callback.clone();
    url.query_pairs_mut()
        .append_pair("hub.verify_token", verify_token)
        .append_pair("hub.challenge", &challenge)
        .append_pair("hub.mode", "subscribe");
    let response = strava
        .http
        .get(url)
        .timeout(Duration::from_millis(strava.config.webhook_timeout_ms))
        .send()
        .await
        .map_err(|e| format!("request failed: {}", e.without_url()))?;
    if response.status() != reqwest::StatusCode::OK {
        return Err(format!("callback answered {}", response.status()));
    }
    let body: Value = response
        .json()
        .await
        .map_err(|e| format!("response is not JSON: {e}"))?;
    if body.get("hub.challenge").and_then(Value::as_str) != Some(challenge.as_str()) {
        return Err("response does not echo hub.challenge".to_owned());
    }
    Ok(())
}

async fn list(req: HttpRequest, strava: web::Data<Strava>) -> HttpResponse {
    let found = params(req.query_string().as_bytes());
    if let Some(error) = check_client(&strava, &found) {
        return error;
    }
    let list: Vec<Subscription> = strava.lock().subscription.iter().cloned().collect();
    HttpResponse::Ok().json(list)
}

async fn delete(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    strava: web::Data<Strava>,
) -> HttpResponse {
    let mut found = params(req.query_string().as_bytes());
    found.extend(params(&body));
    if let Some(error) = check_client(&strava, &found) {
        return error;
    }
    let mut st = strava.lock();
    match &st.subscription {
        Some(s) if s.id.to_string() == path.as_str() => {
            st.subscription = None;
            HttpResponse::NoContent().finish()
        }
        _ => not_found("PushSubscription"),
    }
}
