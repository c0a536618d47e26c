//! Control API for tests and the local demo (not part of Garmin), under `/_emulator/garmin`.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};

use super::kind::Kind;
use super::state::{Fault, Mode, Target};
use super::{Garmin, delivery, error, live};

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/users", web::get().to(users))
        .route("/users/{user_id}/deauthorize", web::post().to(deauthorize))
        .route(
            "/users/{user_id}/permissions",
            web::post().to(change_permissions),
        )
        .route("/users/{user_id}/{kind}", web::get().to(list_records))
        .route("/users/{user_id}/{kind}", web::post().to(create))
        .route("/webhook-target", web::post().to(set_target))
        .route("/webhook-target", web::get().to(get_target))
        .route("/deliveries", web::get().to(deliveries))
        .route("/backfills", web::get().to(backfills))
        .route("/tokens/expire", web::post().to(expire_tokens))
        .route("/tokens/revoke", web::post().to(revoke_tokens))
        .route("/fail-next", web::post().to(fail_next));
}

fn unknown_user(user_id: &str) -> HttpResponse {
    error(StatusCode::NOT_FOUND, format!("unknown user '{user_id}'"))
}

#[allow(clippy::result_large_err)] // The error is the response itself.
fn parse_body<T: for<'de> Deserialize<'de>>(raw: &[u8]) -> Result<T, HttpResponse> {
    serde_json::from_slice(raw)
        .map_err(|e| error(StatusCode::BAD_REQUEST, format!("invalid body: {e}")))
}

async fn users(garmin: web::Data<Garmin>) -> HttpResponse {
    let list: Vec<Value> = garmin
        .lock()
        .users
        .iter()
        .map(|u| {
            let mut counts: HashMap<&str, usize> = HashMap::new();
            for r in &u.records {
                *counts.entry(r.kind.key()).or_default() += 1;
            }
            json!({
                "id": u.id,
                "number": u.number,
                "created_at": u.created_at,
                "permissions": u.permissions,
                "registered": u.registered,
                "first_connected": u.first_connected,
                "records": counts,
            })
        })
        .collect();
    HttpResponse::Ok().json(list)
}

/// The stored summaries of one type: id, summary time and upload time.
async fn list_records(
    path: web::Path<(String, String)>,
    garmin: web::Data<Garmin>,
) -> HttpResponse {
    let (user_id, name) = path.into_inner();
    let Some(kind) = Kind::from_name(&name) else {
        return error(
            StatusCode::NOT_FOUND,
            format!("unknown summary type '{name}'"),
        );
    };
    let st = garmin.lock();
    let Some(user) = st.users.iter().find(|u| u.id == user_id) else {
        return unknown_user(&user_id);
    };
    let list: Vec<Value> = user
        .records
        .iter()
        .filter(|r| r.kind == kind)
        .map(|r| json!({"summaryId": r.summary_id, "start": r.start, "uploaded": r.uploaded}))
        .collect();
    HttpResponse::Ok().json(list)
}

/// A new summary of `kind` synced now, then notified like any upload.
async fn create(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    garmin: web::Data<Garmin>,
) -> HttpResponse {
    let (user_id, name) = path.into_inner();
    let Some(kind) = Kind::from_name(&name) else {
        return error(
            StatusCode::NOT_FOUND,
            format!("unknown summary type '{name}'"),
        );
    };
    let created = {
        let mut st = garmin.lock();
        let Some(user) = st.users.iter_mut().find(|u| u.id == user_id) else {
            return unknown_user(&user_id);
        };
        live::create(user, kind, Utc::now(), garmin.tz, &garmin.config)
    };
    let groups = match created {
        Ok(groups) => groups,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    let base = garmin.public_base(&req);
    let mut items = Vec::new();
    let mut sent = Vec::new();
    for (kind, records) in groups {
        items.extend(
            records
                .iter()
                .filter_map(|r| serde_json::from_str::<Value>(&r.json).ok()),
        );
        sent.extend(delivery::records(&garmin, &user_id, kind, records, &base, false).await);
    }
    HttpResponse::Created().json(json!({ "created": items, "deliveries": sent }))
}

/// The user revokes the app at Garmin Connect: tokens stop working, a deregistration is sent.
async fn deauthorize(path: web::Path<String>, garmin: web::Data<Garmin>) -> HttpResponse {
    let user_id = path.into_inner();
    {
        let mut st = garmin.lock();
        let Some(index) = st.user_index(&user_id) else {
            return unknown_user(&user_id);
        };
        if let Some(user) = st.users.get_mut(index) {
            user.registered = false;
        }
        st.revoke_user_tokens(index);
    }
    let sent = delivery::lifecycle(&garmin, "deregistrations", json!({ "userId": user_id })).await;
    HttpResponse::Ok().json(sent)
}

#[derive(Deserialize)]
struct Permissions {
    permissions: Vec<String>,
}

/// The user toggles data sharing at Garmin Connect.
async fn change_permissions(
    path: web::Path<String>,
    raw: web::Bytes,
    garmin: web::Data<Garmin>,
) -> HttpResponse {
    let user_id = path.into_inner();
    let request: Permissions = match parse_body(&raw) {
        Ok(r) => r,
        Err(response) => return response,
    };
    let summary_id = {
        let mut st = garmin.lock();
        let summary_id = st.secret(12);
        let Some(user) = st.users.iter_mut().find(|u| u.id == user_id) else {
            return unknown_user(&user_id);
        };
        user.permissions.clone_from(&request.permissions);
        summary_id
    };
    let item = json!({
        "userId": user_id,
        "summaryId": format!("x{summary_id}"),
        "permissions": request.permissions,
        "changeTimeInSeconds": Utc::now().timestamp(),
    });
    HttpResponse::Ok().json(delivery::lifecycle(&garmin, "userPermissionsChange", item).await)
}

#[derive(Deserialize)]
struct TargetRequest {
    url: String,
    #[serde(default)]
    mode: Option<Mode>,
    #[serde(default)]
    modes: HashMap<String, Mode>,
}

/// The endpoint configuration tool: one URL for every summary type, PUSH by default.
async fn set_target(raw: web::Bytes, garmin: web::Data<Garmin>) -> HttpResponse {
    let request: TargetRequest = match parse_body(&raw) {
        Ok(r) => r,
        Err(response) => return response,
    };
    if url::Url::parse(&request.url).is_err() {
        return error(StatusCode::BAD_REQUEST, "url must be an absolute URL");
    }
    if let Some(bad) = request.modes.keys().find(|k| Kind::from_name(k).is_none()) {
        return error(
            StatusCode::BAD_REQUEST,
            format!("unknown summary type '{bad}'"),
        );
    }
    let target = Target {
        url: request.url,
        mode: request.mode.unwrap_or(Mode::Push),
        modes: request.modes,
    };
    garmin.lock().target = Some(target.clone());
    HttpResponse::Ok().json(target)
}

async fn get_target(garmin: web::Data<Garmin>) -> HttpResponse {
    HttpResponse::Ok().json(&garmin.lock().target)
}

async fn deliveries(garmin: web::Data<Garmin>) -> HttpResponse {
    HttpResponse::Ok().json(&garmin.lock().deliveries)
}

async fn backfills(garmin: web::Data<Garmin>) -> HttpResponse {
    let st = garmin.lock();
    let list: Vec<Value> = st
        .backfills
        .iter()
        .map(|b| {
            json!({
                "userId": st.users.get(b.user).map(|u| u.id.clone()),
                "type": b.kind.key(),
                "start": b.start,
                "end": b.end,
            })
        })
        .collect();
    HttpResponse::Ok().json(list)
}

async fn expire_tokens(garmin: web::Data<Garmin>) -> HttpResponse {
    let mut st = garmin.lock();
    let now = Utc::now();
    for token in st.access_tokens.values_mut() {
        token.expires_at = token.expires_at.min(now);
    }
    HttpResponse::Ok().json(json!({ "expired": st.access_tokens.len() }))
}

async fn revoke_tokens(garmin: web::Data<Garmin>) -> HttpResponse {
    let mut st = garmin.lock();
    for token in st.access_tokens.values_mut() {
        token.revoked = true;
    }
    for token in st.refresh_tokens.values_mut() {
        token.revoked = true;
    }
    HttpResponse::Ok().json(json!({ "revoked": st.access_tokens.len() }))
}

#[derive(Deserialize)]
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

async fn fail_next(raw: web::Bytes, garmin: web::Data<Garmin>) -> HttpResponse {
    let request: FailNext = match parse_body(&raw) {
        Ok(r) => r,
        Err(response) => return response,
    };
    if StatusCode::from_u16(request.status).is_err() || request.status < 200 {
        return error(
            StatusCode::BAD_REQUEST,
            "status must be an HTTP status code of at least 200",
        );
    }
    garmin.lock().fault = (request.count > 0).then_some(Fault {
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
