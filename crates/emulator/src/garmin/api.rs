//! Garmin REST (Bearer): user endpoints, the summary endpoints by upload time (at most 24 h per
//! request) and the asynchronous backfill endpoints.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde_json::json;

use super::data::Record;
use super::delivery;
use super::kind::{HISTORICAL_DATA_EXPORT, Kind};
use super::oauth::params;
use super::state::{Backfill, Fault};
use super::{ApiError, Garmin, error};

/// Longest upload-time range of one summary request.
const MAX_PULL_RANGE: i64 = 86_400;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    for prefix in ["/wellness-api/rest/user", "/partner-gateway/rest/user"] {
        cfg.route(&format!("{prefix}/id"), web::get().to(user_id))
            .route(&format!("{prefix}/permissions"), web::get().to(permissions))
            .route(
                &format!("{prefix}/registration"),
                web::delete().to(deregister),
            );
    }
    cfg.route(
        "/wellness-api/rest/backfill/{path}",
        web::get().to(backfill),
    )
    .route("/wellness-api/rest/{path}", web::get().to(summaries));
}

/// Applies an injected fault, then Bearer authentication; returns the user's index.
#[allow(clippy::result_large_err)] // The error is the response itself, built once per request.
fn authenticate(req: &HttpRequest, garmin: &Garmin) -> Result<usize, HttpResponse> {
    let mut st = garmin.lock();
    if let Some(fault) = st.take_fault() {
        return Err(fault_response(&fault));
    }
    let token = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_owned());
    let unauthorized = |msg: &str| error(StatusCode::UNAUTHORIZED, msg);
    let Some(token) = token else {
        return Err(unauthorized("Missing Bearer access token"));
    };
    match st.access_tokens.get(&token) {
        None => Err(unauthorized("Invalid access token")),
        Some(t) if t.revoked => Err(unauthorized("Access token revoked")),
        Some(t) if t.expires_at <= Utc::now() => Err(unauthorized("Access token expired")),
        Some(t) => Ok(t.user),
    }
}

fn fault_response(fault: &Fault) -> HttpResponse {
    let status = StatusCode::from_u16(fault.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut builder = HttpResponse::build(status);
    if status == StatusCode::TOO_MANY_REQUESTS {
        builder.insert_header((RETRY_AFTER, fault.retry_after.to_string()));
    }
    builder.json(json!({ "errorMessage": "injected failure" }))
}

async fn user_id(req: HttpRequest, garmin: web::Data<Garmin>) -> HttpResponse {
    let user = match authenticate(&req, &garmin) {
        Ok(user) => user,
        Err(response) => return response,
    };
    let st = garmin.lock();
    match st.users.get(user) {
        Some(u) => HttpResponse::Ok().json(json!({ "userId": u.id })),
        None => error(StatusCode::UNAUTHORIZED, "Unknown user"),
    }
}

async fn permissions(req: HttpRequest, garmin: web::Data<Garmin>) -> HttpResponse {
    let user = match authenticate(&req, &garmin) {
        Ok(user) => user,
        Err(response) => return response,
    };
    let st = garmin.lock();
    match st.users.get(user) {
        Some(u) => HttpResponse::Ok().json(&u.permissions),
        None => error(StatusCode::UNAUTHORIZED, "Unknown user"),
    }
}

/// Removes the user's registration with this app; every token of the user stops working.
async fn deregister(req: HttpRequest, garmin: web::Data<Garmin>) -> HttpResponse {
    let user = match authenticate(&req, &garmin) {
        Ok(user) => user,
        Err(response) => return response,
    };
    let mut st = garmin.lock();
    if let Some(u) = st.users.get_mut(user) {
        u.registered = false;
    }
    st.revoke_user_tokens(user);
    HttpResponse::NoContent().finish()
}

/// A required epoch-seconds parameter.
fn seconds(query: &std::collections::HashMap<String, String>, key: &str) -> Result<i64, ApiError> {
    let bad = |msg: String| ApiError::new(StatusCode::BAD_REQUEST, msg);
    let raw = query
        .get(key)
        .ok_or_else(|| bad(format!("Missing required parameter '{key}'")))?;
    let value: i64 = raw
        .parse()
        .map_err(|_| bad(format!("'{key}' must be a unix timestamp in seconds")))?;
    if value >= 100_000_000_000 {
        return Err(bad(format!(
            "timestamp '{value}' appears to be in milliseconds. Please provide unix timestamps in seconds."
        )));
    }
    Ok(value)
}

fn kind_for(path: &str) -> Result<Kind, ApiError> {
    Kind::from_path(path).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            format!("Unknown summary type '{path}'"),
        )
    })
}

/// The summaries of one type uploaded in `[uploadStart, uploadEnd)`, as a JSON array.
async fn summaries(
    req: HttpRequest,
    path: web::Path<String>,
    garmin: web::Data<Garmin>,
) -> Result<HttpResponse, ApiError> {
    let kind = kind_for(&path)?;
    let user = match authenticate(&req, &garmin) {
        Ok(user) => user,
        Err(response) => return Ok(response),
    };
    let query = params(req.query_string().as_bytes());
    let start = seconds(&query, "uploadStartTimeInSeconds")?;
    let end = seconds(&query, "uploadEndTimeInSeconds")?;
    if end < start {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "uploadEndTimeInSeconds must not be before uploadStartTimeInSeconds",
        ));
    }
    if end - start > MAX_PULL_RANGE {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("The time range may not exceed {MAX_PULL_RANGE} seconds"),
        ));
    }
    let st = garmin.lock();
    let u = st
        .users
        .get(user)
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "Unknown user"))?;
    if !u.permissions.iter().any(|p| p == kind.permission()) {
        return Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "The user has not granted permission for this summary type",
        ));
    }
    let items: Vec<&str> = u
        .records
        .iter()
        .filter(|r| r.kind == kind && (start..end).contains(&r.uploaded))
        .map(|r| r.json.as_str())
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "application/json;charset=utf-8"))
        .body(format!("[{}]", items.join(","))))
}

/// Accepts a backfill (202, empty) and delivers the window's summaries later, as if synced.
async fn backfill(
    req: HttpRequest,
    path: web::Path<String>,
    garmin: web::Data<Garmin>,
) -> Result<HttpResponse, ApiError> {
    let kind = kind_for(&path).and_then(|k| {
        k.has_backfill()
            .then_some(k)
            .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "No backfill for this type"))
    })?;
    let user = match authenticate(&req, &garmin) {
        Ok(user) => user,
        Err(response) => return Ok(response),
    };
    let query = params(req.query_string().as_bytes());
    let start = seconds(&query, "summaryStartTimeInSeconds")?;
    let end = seconds(&query, "summaryEndTimeInSeconds")?;
    let max_days = if kind.is_activity_api() {
        garmin.config.activity_backfill_max_days
    } else {
        garmin.config.health_backfill_max_days
    };
    if end <= start || end - start > max_days * 86_400 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("The backfill range must be positive and at most {max_days} days"),
        ));
    }
    let (user_id, selected) = {
        let mut st = garmin.lock();
        let u = st
            .users
            .get(user)
            .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "Unknown user"))?;
        if !u.permissions.iter().any(|p| p == HISTORICAL_DATA_EXPORT) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "The user has not granted permission for historical data",
            ));
        }
        if !u.permissions.iter().any(|p| p == kind.permission()) {
            return Err(ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                "The user has not granted permission for this summary type",
            ));
        }
        let horizon = u.first_connected.unwrap_or_else(|| Utc::now().timestamp())
            - garmin.config.backfill_horizon_days * 86_400;
        let now = Utc::now().timestamp();
        let selected: Vec<Record> = u
            .records
            .iter()
            .filter(|r| r.kind == kind && (start..end).contains(&r.start))
            .filter(|r| r.start >= horizon && r.uploaded <= now)
            .cloned()
            .collect();
        let user_id = u.id.clone();
        if st
            .backfills
            .iter()
            .any(|b| b.user == user && b.kind == kind && b.start < end && start < b.end)
        {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "Duplicate backfill request: this time range was already requested",
            ));
        }
        st.backfills.push(Backfill {
            user,
            kind,
            start,
            end,
        });
        (user_id, selected)
    };
    let base = garmin.public_base(&req);
    let delay = Duration::from_millis(garmin.config.backfill_delay_ms);
    let garmin = garmin.clone();
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        delivery::records(&garmin, &user_id, kind, selected, &base, true).await;
    });
    Ok(HttpResponse::Accepted().finish())
}
