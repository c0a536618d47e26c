//! The WHOOP developer REST API v2 (providers.md 3.3), Bearer authenticated, under
//! `/whoop/developer`. Collections filter by overlap (`start` inclusive, `end` exclusive,
//! default now), sort by start descending and page with `limit` (≤ 25) and `nextToken`.

use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, RETRY_AFTER};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use super::data::User;
use super::oauth::params;
use super::state::Fault;
use super::{Whoop, error};

/// WHOOP's documented `X-RateLimit-Limit` value for the default limits.
pub(crate) const RATE_LIMIT: &str = "100, 100;window=60, 10000;window=86400";

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/v2/user/profile/basic", web::get().to(profile))
        .route("/v2/user/measurement/body", web::get().to(body))
        .route("/v2/user/access", web::delete().to(revoke_access))
        .route("/v2/cycle", web::get().to(cycles))
        .route("/v2/cycle/{id}", web::get().to(cycle))
        .route("/v2/cycle/{id}/sleep", web::get().to(cycle_sleep))
        .route("/v2/cycle/{id}/recovery", web::get().to(cycle_recovery))
        .route("/v2/recovery", web::get().to(recoveries))
        .route("/v2/activity/sleep", web::get().to(sleeps))
        .route("/v2/activity/sleep/{id}", web::get().to(sleep))
        .route("/v2/activity/workout", web::get().to(workouts))
        .route("/v2/activity/workout/{id}", web::get().to(workout));
}

/// An error answer, built into a response at the end (small, unlike `HttpResponse`).
struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    fn response(self) -> HttpResponse {
        error(self.status, self.code, self.message)
    }
}

type Answer = Result<HttpResponse, ApiError>;

fn bad_request(message: impl Into<String>) -> ApiError {
    let message = message.into();
    ApiError {
        status: StatusCode::BAD_REQUEST,
        code: "bad_request",
        message,
    }
}

fn not_found(what: &str) -> ApiError {
    let message = format!("no {what} found");
    ApiError {
        status: StatusCode::NOT_FOUND,
        code: "not_found",
        message,
    }
}

fn ok<T: Serialize>(value: &T) -> Answer {
    Ok(HttpResponse::Ok().json(value))
}

/// Rate limit and injected faults, Bearer authentication and `scope`, then `f` on the member;
/// every answer carries WHOOP's `X-RateLimit-*` headers.
fn with_user(
    req: &HttpRequest,
    whoop: &Whoop,
    scope: Option<&str>,
    f: impl FnOnce(&mut User) -> Answer,
) -> HttpResponse {
    let now = Utc::now();
    let mut st = whoop.lock();
    let limit = whoop.config.rate_limit_per_minute;
    let (used, reset) = st.count_request(now);
    let mut response = if let Some(fault) = st.take_fault() {
        fault_response(&fault, whoop.config.send_retry_after)
    } else if whoop.config.enforce_rate_limit && used > limit {
        let fault = Fault {
            status: 429,
            remaining: 0,
            retry_after: reset.max(1) as u64,
        };
        fault_response(&fault, whoop.config.send_retry_after)
    } else {
        let token = bearer(req);
        let unauthorized = |m: &str| error(StatusCode::UNAUTHORIZED, "unauthorized", m);
        match token.map(|t| st.access_tokens.get(t)) {
            None => unauthorized("missing Bearer access token"),
            Some(None) => unauthorized("invalid access token"),
            Some(Some(t)) if t.revoked => unauthorized("access token revoked"),
            Some(Some(t)) if t.expires_at <= now => unauthorized("access token expired"),
            Some(Some(t)) if scope.is_some_and(|s| !t.scope.split(' ').any(|g| g == s)) => {
                unauthorized("the access token lacks the scope this resource needs")
            }
            Some(Some(t)) => {
                let index = t.user;
                match st.users.get_mut(index) {
                    Some(user) => f(user).unwrap_or_else(ApiError::response),
                    None => unauthorized("unknown member"),
                }
            }
        }
    };
    if response.status() != StatusCode::TOO_MANY_REQUESTS {
        let headers = response.headers_mut();
        let remaining = limit.saturating_sub(used).to_string();
        insert(headers, "x-ratelimit-limit", RATE_LIMIT);
        insert(headers, "x-ratelimit-remaining", &remaining);
        insert(headers, "x-ratelimit-reset", &reset.to_string());
    }
    response
}

fn insert(headers: &mut actix_web::http::header::HeaderMap, name: &'static str, value: &str) {
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(value) {
        headers.insert(
            actix_web::http::header::HeaderName::from_static(name),
            value,
        );
    }
}

fn fault_response(fault: &Fault, send_retry_after: bool) -> HttpResponse {
    let status = StatusCode::from_u16(fault.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut builder = HttpResponse::build(status);
    if status == StatusCode::TOO_MANY_REQUESTS {
        builder
            .insert_header(("X-RateLimit-Limit", RATE_LIMIT))
            .insert_header(("X-RateLimit-Remaining", "0"))
            .insert_header(("X-RateLimit-Reset", fault.retry_after.to_string()));
        if send_retry_after {
            builder.insert_header((RETRY_AFTER, fault.retry_after.to_string()));
        }
        return builder
            .json(json!({"error": "too_many_requests", "message": "Rate limit exceeded"}));
    }
    builder.json(json!({"error": "injected_failure", "message": "injected failure"}))
}

async fn profile(req: HttpRequest, whoop: web::Data<Whoop>) -> HttpResponse {
    with_user(&req, &whoop, Some("read:profile"), |u| ok(&u.profile))
}

async fn body(req: HttpRequest, whoop: web::Data<Whoop>) -> HttpResponse {
    with_user(&req, &whoop, Some("read:body_measurement"), |u| ok(&u.body))
}

/// `DELETE /v2/user/access`: revokes the member's grant; no more webhooks for them.
async fn revoke_access(req: HttpRequest, whoop: web::Data<Whoop>) -> HttpResponse {
    let response = with_user(&req, &whoop, None, |_| {
        Ok(HttpResponse::NoContent().finish())
    });
    if response.status() == StatusCode::NO_CONTENT {
        let mut st = whoop.lock();
        if let Some(user) = bearer(&req)
            .and_then(|t| st.access_tokens.get(t))
            .map(|t| t.user)
        {
            let revoked = st.revoke_tokens(Some(user));
            tracing::info!(revoked, "WHOOP access revoked by the app");
        }
    }
    response
}

fn bearer(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
}

/// A record in a collection: its sort key and overlap span.
struct Item {
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
    id: String,
    value: Value,
}

fn item<T: Serialize>(
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
    id: String,
    doc: &T,
) -> Item {
    Item {
        start,
        end,
        id,
        value: serde_json::to_value(doc).unwrap_or_default(),
    }
}

/// A WHOOP date-time parameter: RFC 3339; a naive date-time or a date is UTC.
fn parse_time(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(t.and_utc());
    }
    let day = NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok()?;
    Some(day.and_hms_opt(0, 0, 0)?.and_utc())
}

/// One page of `items` for the request's `start`, `end`, `limit` and `nextToken`.
fn page(req: &HttpRequest, whoop: &Whoop, mut items: Vec<Item>) -> Answer {
    let query = params(req.query_string().as_bytes());
    let time = |key: &str| match query.get(key) {
        None => Ok(None),
        Some(raw) => parse_time(raw)
            .map(Some)
            .ok_or_else(|| bad_request(format!("{key} '{raw}' is not a date-time"))),
    };
    let start = time("start")?;
    let end = time("end")?.unwrap_or_else(Utc::now);
    let limit = match query.get("limit") {
        None => whoop.config.default_page_size,
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if (1..=whoop.config.max_page_size).contains(&n) => n,
            _ => {
                let max = whoop.config.max_page_size;
                return Err(bad_request(format!("limit must be between 1 and {max}")));
            }
        },
    };
    let cursor = match query.get("nextToken") {
        None => None,
        Some(token) => Some(decode_token(token).ok_or_else(|| bad_request("invalid nextToken"))?),
    };
    items.retain(|i| i.start < end && start.is_none_or(|s| i.end.is_none_or(|e| e >= s)));
    items.sort_by(|a, b| (b.start, &b.id).cmp(&(a.start, &a.id)));
    let mut rest = items
        .into_iter()
        .filter(|i| {
            cursor
                .as_ref()
                .is_none_or(|(ms, id)| (i.start.timestamp_millis(), &i.id) < (*ms, id))
        })
        .peekable();
    let records: Vec<Item> = rest.by_ref().take(limit).collect();
    let more = rest.peek().is_some();
    let mut body = json!({ "records": records.iter().map(|i| &i.value).collect::<Vec<_>>() });
    if let (true, Some(last)) = (more, records.last()) {
        let raw = format!("{}:{}", last.start.timestamp_millis(), last.id);
        body["next_token"] = Value::String(URL_SAFE_NO_PAD.encode(raw));
    }
    Ok(HttpResponse::Ok().json(body))
}

fn decode_token(token: &str) -> Option<(i64, String)> {
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(token.trim_end_matches('=')).ok()?).ok()?;
    let (ms, id) = raw.split_once(':')?;
    Some((ms.parse().ok()?, id.to_owned()))
}

async fn cycles(req: HttpRequest, whoop: web::Data<Whoop>) -> HttpResponse {
    with_user(&req, &whoop, Some("read:cycles"), |u| {
        let items = u
            .cycles
            .iter()
            .map(|c| item(c.start, c.end, c.id.to_string(), c))
            .collect();
        page(&req, &whoop, items)
    })
}

async fn sleeps(req: HttpRequest, whoop: web::Data<Whoop>) -> HttpResponse {
    with_user(&req, &whoop, Some("read:sleep"), |u| {
        let items = u
            .sleeps
            .iter()
            .map(|s| item(s.start, Some(s.end), s.id.clone(), s))
            .collect();
        page(&req, &whoop, items)
    })
}

async fn workouts(req: HttpRequest, whoop: web::Data<Whoop>) -> HttpResponse {
    with_user(&req, &whoop, Some("read:workout"), |u| {
        let items = u
            .workouts
            .iter()
            .map(|w| item(w.start, Some(w.end), w.id.clone(), w))
            .collect();
        page(&req, &whoop, items)
    })
}

/// Recoveries sort and filter by the sleep they follow.
async fn recoveries(req: HttpRequest, whoop: web::Data<Whoop>) -> HttpResponse {
    with_user(&req, &whoop, Some("read:recovery"), |u| {
        let items = u
            .recoveries
            .iter()
            .filter_map(|r| {
                let (start, end) = u.sleep_span(&r.sleep_id)?;
                Some(item(start, Some(end), r.cycle_id.to_string(), r))
            })
            .collect();
        page(&req, &whoop, items)
    })
}

fn cycle_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse()
        .map_err(|_| bad_request(format!("cycleId '{raw}' is not an integer")))
}

fn uuid_param(name: &str, raw: &str) -> Result<(), ApiError> {
    uuid::Uuid::parse_str(raw)
        .map(|_| ())
        .map_err(|_| bad_request(format!("{name} '{raw}' is not a UUID")))
}

async fn cycle(req: HttpRequest, path: web::Path<String>, whoop: web::Data<Whoop>) -> HttpResponse {
    with_user(&req, &whoop, Some("read:cycles"), |u| {
        let id = cycle_id(&path)?;
        u.cycles
            .iter()
            .find(|c| c.id == id)
            .map_or_else(|| Err(not_found("cycle")), ok)
    })
}

async fn cycle_sleep(
    req: HttpRequest,
    path: web::Path<String>,
    whoop: web::Data<Whoop>,
) -> HttpResponse {
    with_user(&req, &whoop, Some("read:sleep"), |u| {
        let id = cycle_id(&path)?;
        let found = u.sleeps.iter().find(|s| s.cycle_id == id && !s.nap);
        found.map_or_else(|| Err(not_found("sleep")), ok)
    })
}

async fn cycle_recovery(
    req: HttpRequest,
    path: web::Path<String>,
    whoop: web::Data<Whoop>,
) -> HttpResponse {
    with_user(&req, &whoop, Some("read:recovery"), |u| {
        let id = cycle_id(&path)?;
        u.recoveries
            .iter()
            .find(|r| r.cycle_id == id)
            .map_or_else(|| Err(not_found("recovery")), ok)
    })
}

async fn sleep(req: HttpRequest, path: web::Path<String>, whoop: web::Data<Whoop>) -> HttpResponse {
    with_user(&req, &whoop, Some("read:sleep"), |u| {
        uuid_param("sleepId", &path)?;
        u.sleeps
            .iter()
            .find(|s| s.id == *path)
            .map_or_else(|| Err(not_found("sleep")), ok)
    })
}

async fn workout(
    req: HttpRequest,
    path: web::Path<String>,
    whoop: web::Data<Whoop>,
) -> HttpResponse {
    with_user(&req, &whoop, Some("read:workout"), |u| {
        uuid_param("workoutId", &path)?;
        u.workouts
            .iter()
            .find(|w| w.id == *path)
            .map_or_else(|| Err(not_found("workout")), ok)
    })
}
