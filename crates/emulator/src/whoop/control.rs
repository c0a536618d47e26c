//! Control API for tests and the local demo (not part of WHOOP), under `/_emulator/whoop`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};

use super::data::User;
use super::delivery::{Event, notify};
use super::records::Recovery;
use super::state::Fault;
use super::{RecoveryWebhookId, Whoop, error};

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/users", web::get().to(users))
        .route("/users/{user_id}/deauthorize", web::post().to(deauthorize))
        .route("/users/{user_id}/{data_type}", web::post().to(create))
        .route(
            "/users/{user_id}/{data_type}/{object_id}/delete",
            web::post().to(delete),
        )
        .route("/webhook-target", web::post().to(set_webhook_target))
        .route("/webhook-target", web::get().to(webhook_target))
        .route("/deliveries", web::get().to(deliveries))
        .route("/tokens/expire", web::post().to(expire_tokens))
        .route("/tokens/revoke", web::post().to(revoke_tokens))
        .route("/fail-next", web::post().to(fail_next));
}

fn unknown_user(user_id: &str) -> HttpResponse {
    error(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("unknown user '{user_id}'"),
    )
}

fn invalid_body(e: impl std::fmt::Display) -> HttpResponse {
    error(
        StatusCode::BAD_REQUEST,
        "bad_request",
        format!("invalid body: {e}"),
    )
}

/// Runs `f` on the member under the lock; `None` if the member is unknown.
fn with_user<R>(whoop: &Whoop, user_id: &str, f: impl FnOnce(&mut User) -> R) -> Option<R> {
    let mut st = whoop.lock();
    let index = st.user_index(user_id)?;
    st.users.get_mut(index).map(f)
}

fn recovery_id(whoop: &Whoop, recovery: &Recovery) -> Value {
    match whoop.config.recovery_webhook_id {
        RecoveryWebhookId::SleepId => Value::String(recovery.sleep_id.clone()),
        RecoveryWebhookId::CycleId => json!(recovery.cycle_id),
    }
}

async fn users(whoop: web::Data<Whoop>) -> HttpResponse {
    let list: Vec<_> = whoop
        .lock()
        .users
        .iter()
        .map(|u| {
            json!({
                "user_id": u.profile.user_id,
                "number": u.number,
                "email": u.profile.email,
                "created_day": u.created_day,
                "connected": u.connected,
                "cycles": u.cycles.len(),
                "sleeps": u.sleeps.len(),
                "recoveries": u.recoveries.len(),
                "workouts": u.workouts.len(),
            })
        })
        .collect();
    HttpResponse::Ok().json(list)
}

/// A new record of `data_type` ending now (`sleep`: a nap; `workout`), or a re-scored latest
/// `recovery`, with its webhook.
async fn create(path: web::Path<(String, String)>, whoop: web::Data<Whoop>) -> HttpResponse {
    let (user_id, data_type) = path.into_inner();
    let now = Utc::now();
    let created = with_user(&whoop, &user_id, |u| match data_type.as_str() {
        "sleep" => {
            let nap = u.add_nap(now);
            Some((Value::String(nap.id.clone()), json!(nap)))
        }
        "workout" => {
            let workout = u.add_workout(now);
            Some((Value::String(workout.id.clone()), json!(workout)))
        }
        "recovery" => u
            .rescore_recovery(now)
            .map(|r| (recovery_id(&whoop, &r), json!(r))),
        _ => None,
    });
    let (id, record) = match created {
        None => return unknown_user(&user_id),
        Some(None) => {
            return error(
                StatusCode::BAD_REQUEST,
                "bad_request",
                format!("cannot create '{data_type}' (sleep, workout or recovery)"),
            );
        }
        Some(Some(created)) => created,
    };
    let event = Event {
        user_id: record["user_id"].as_i64().unwrap_or_default(),
        event: format!("{data_type}.updated"),
        id,
    };
    notify(&whoop, &event).await;
    HttpResponse::Created().json(record)
}

/// Deletes a record and sends `*.deleted` (a sleep takes its recovery with it).
async fn delete(
    path: web::Path<(String, String, String)>,
    whoop: web::Data<Whoop>,
) -> HttpResponse {
    let (user_id, data_type, object_id) = path.into_inner();
    let deleted = with_user(&whoop, &user_id, |u| {
        let uid = u.profile.user_id;
        let event = |name: &str, id: Value| Event {
            user_id: uid,
            event: name.to_owned(),
            id,
        };
        let mut events = Vec::new();
        let recovery_of = |u: &mut User, pred: &dyn Fn(&Recovery) -> bool| {
            let index = u.recoveries.iter().position(pred)?;
            Some(u.recoveries.remove(index))
        };
        match data_type.as_str() {
            "sleep" => {
                let index = u.sleeps.iter().position(|s| s.id == object_id)?;
                let sleep = u.sleeps.remove(index);
                events.push(event("sleep.deleted", Value::String(sleep.id.clone())));
                if let Some(r) = recovery_of(u, &|r| r.sleep_id == sleep.id) {
                    events.push(event("recovery.deleted", recovery_id(&whoop, &r)));
                }
            }
            "workout" => {
                let index = u.workouts.iter().position(|w| w.id == object_id)?;
                let workout = u.workouts.remove(index);
                events.push(event("workout.deleted", Value::String(workout.id)));
            }
            "recovery" => {
                let r = recovery_of(u, &|r| {
                    r.sleep_id == object_id || r.cycle_id.to_string() == object_id
                })?;
                events.push(event("recovery.deleted", recovery_id(&whoop, &r)));
            }
            _ => return None,
        }
        Some(events)
    });
    let events = match deleted {
        None => return unknown_user(&user_id),
        Some(None) => {
            return error(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("no {data_type} '{object_id}'"),
            );
        }
        Some(Some(events)) => events,
    };
    let mut sent = Vec::new();
    for event in &events {
        sent.push(json!({ "type": event.event, "id": event.id }));
        notify(&whoop, event).await;
    }
    HttpResponse::Ok().json(json!({ "deleted": sent }))
}

/// The member revokes our app in the WHOOP app: tokens die, webhooks stop. WHOOP sends no
/// deauthorization webhook.
async fn deauthorize(path: web::Path<String>, whoop: web::Data<Whoop>) -> HttpResponse {
    let user_id = path.into_inner();
    let mut st = whoop.lock();
    let Some(index) = st.user_index(&user_id) else {
        return unknown_user(&user_id);
    };
    let revoked = st.revoke_tokens(Some(index));
    HttpResponse::Ok().json(json!({ "revoked_access_tokens": revoked, "webhook_sent": false }))
}

#[derive(Deserialize)]
struct Target {
    url: Option<String>,
}

async fn set_webhook_target(raw: web::Bytes, whoop: web::Data<Whoop>) -> HttpResponse {
    let target: Target = match serde_json::from_slice(&raw) {
        Ok(target) => target,
        Err(e) => return invalid_body(e),
    };
    if let Some(url) = &target.url
        && url::Url::parse(url).is_err()
    {
        return error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "url is not an absolute URL",
        );
    }
    whoop.lock().webhook_url = target.url.clone();
    HttpResponse::Ok().json(json!({ "url": target.url }))
}

async fn webhook_target(whoop: web::Data<Whoop>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "url": whoop.lock().webhook_url }))
}

async fn deliveries(whoop: web::Data<Whoop>) -> HttpResponse {
    HttpResponse::Ok().json(&whoop.lock().deliveries)
}

async fn expire_tokens(whoop: web::Data<Whoop>) -> HttpResponse {
    let mut st = whoop.lock();
    let now = Utc::now();
    for token in st.access_tokens.values_mut() {
        token.expires_at = token.expires_at.min(now);
    }
    HttpResponse::Ok().json(json!({ "expired": st.access_tokens.len() }))
}

#[derive(Deserialize, Default)]
struct Revoke {
    user_id: Option<i64>,
}

/// Revokes every token (or those of `{"user_id": ..}`), refresh tokens included.
async fn revoke_tokens(raw: web::Bytes, whoop: web::Data<Whoop>) -> HttpResponse {
    let request: Revoke = if raw.is_empty() {
        Revoke::default()
    } else {
        match serde_json::from_slice(&raw) {
            Ok(request) => request,
            Err(e) => return invalid_body(e),
        }
    };
    let mut st = whoop.lock();
    let only = match request.user_id {
        None => None,
        Some(id) => match st.user_index(&id.to_string()) {
            Some(index) => Some(index),
            None => return unknown_user(&id.to_string()),
        },
    };
    let revoked = st.revoke_tokens(only);
    HttpResponse::Ok().json(json!({ "revoked": revoked }))
}

#[derive(Debug, Deserialize)]
struct FailNext {
    status: u16,
    #[serde(default = "one")]
    count: u32,
    #[serde(default = "one_u64")]
    retry_after: u64,
}

fn one() -> u32 {
    1
}

fn one_u64() -> u64 {
    1
}

async fn fail_next(raw: web::Bytes, whoop: web::Data<Whoop>) -> HttpResponse {
    let request: FailNext = match serde_json::from_slice(&raw) {
        Ok(request) => request,
        Err(e) => return invalid_body(e),
    };
    if StatusCode::from_u16(request.status).is_err() || request.status < 200 {
        return error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "status must be an HTTP status code of at least 200",
        );
    }
    whoop.lock().fault = (request.count > 0).then_some(Fault {
        status: request.status,
        remaining: request.count,
        retry_after: request.retry_after,
    });
    HttpResponse::Ok().json(json!({
        "status": request.status,
        "count": request.count,
        "retry_after": request.retry_after,
    }))
}
