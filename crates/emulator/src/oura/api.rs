//! REST API v2 `usercollection` routes (providers.md 2.3, 2.4), Bearer authenticated.

use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, RETRY_AFTER};
use actix_web::{HttpRequest, HttpResponse, ResponseError as _, web};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{NaiveDate, TimeDelta, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use super::activity::{DailyActivity, Workout};
use super::data::User;
use super::oauth::params;
use super::sleep::SleepDoc;
use super::state::Fault;
use super::time::{fmt_utc, parse_day, parse_instant};
use super::{Oura, Problem, problem};

/// Collections with generated documents.
const GENERATED: [&str; 3] = ["sleep", "daily_activity", "workout"];

/// Documented collections this emulator keeps empty.
const EMPTY: [&str; 13] = [
    "tag",
    "enhanced_tag",
    "session",
    "daily_sleep",
    "daily_spo2",
    "daily_readiness",
    "sleep_time",
    "rest_mode_period",
    "ring_configuration",
    "daily_stress",
    "daily_resilience",
    "daily_cardiovascular_age",
    "vO2_max",
];

const MAX_HEARTRATE_RANGE_DAYS: i64 = 30;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/v2/usercollection")
            .route("/personal_info", web::get().to(personal_info))
            .route("/heartrate", web::get().to(heartrate))
            .route("/{collection}", web::get().to(collection))
            .route("/{collection}/{document_id}", web::get().to(document)),
    );
}

trait Document: Serialize {
    fn id(&self) -> &str;
    fn day(&self) -> NaiveDate;
}

macro_rules! document {
    ($($ty:ty),*) => {$(
        impl Document for $ty {
            fn id(&self) -> &str { &self.id }
            fn day(&self) -> NaiveDate { self.day }
        }
    )*};
}
document!(SleepDoc, DailyActivity, Workout);

fn bad_request(detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::BAD_REQUEST, detail)
}

/// Applies an injected fault, then Bearer authentication, then runs `f` on the user under the lock.
fn with_user(
    req: &HttpRequest,
    oura: &Oura,
    f: impl FnOnce(&User) -> Result<HttpResponse, Problem>,
) -> HttpResponse {
    let mut st = oura.lock();
    if let Some(fault) = st.take_fault() {
        return fault_response(&fault);
    }
    let token = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    let Some(token) = token else {
        return problem(StatusCode::UNAUTHORIZED, "missing Bearer access token");
    };
    let user = match st.access_tokens.get(token) {
        None => return problem(StatusCode::UNAUTHORIZED, "invalid access token"),
        Some(t) if t.revoked => return problem(StatusCode::UNAUTHORIZED, "access token revoked"),
        Some(t) if t.expires_at <= Utc::now() => {
            return problem(StatusCode::UNAUTHORIZED, "access token expired");
        }
        Some(t) => t.user,
    };
    match st.users.get(user) {
        Some(user) => f(user).unwrap_or_else(|e| e.error_response()),
        None => problem(StatusCode::UNAUTHORIZED, "unknown user"),
    }
}

fn fault_response(fault: &Fault) -> HttpResponse {
    let status = StatusCode::from_u16(fault.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut builder = HttpResponse::build(status);
    if status == StatusCode::TOO_MANY_REQUESTS {
        let reset = Utc::now().timestamp() + fault.retry_after as i64;
        builder
            .insert_header((RETRY_AFTER, fault.retry_after.to_string()))
            .insert_header(("X-RateLimit-Limit", "5000"))
            .insert_header(("X-RateLimit-Window", "300"))
            .insert_header(("X-RateLimit-Reset", reset.to_string()))
            .insert_header(("X-RateLimit-Tier", "access_token"));
    }
    builder.json(json!({
        "status": status.as_u16(),
        "title": status.canonical_reason().unwrap_or("Error"),
        "detail": "injected failure",
    }))
}

async fn personal_info(req: HttpRequest, oura: web::Data<Oura>) -> HttpResponse {
    with_user(&req, &oura, |user| Ok(HttpResponse::Ok().json(&user.info)))
}

async fn collection(
    req: HttpRequest,
    path: web::Path<String>,
    oura: web::Data<Oura>,
) -> HttpResponse {
    let name = path.into_inner();
    if !GENERATED.contains(&name.as_str()) && !EMPTY.contains(&name.as_str()) {
        return problem(
            StatusCode::NOT_FOUND,
            format!("unknown collection '{name}'"),
        );
    }
    let query = params(req.query_string().as_bytes());
    let page_size = oura.config.page_size;
    let today = oura.today();
    with_user(&req, &oura, |user| {
        let (start, end, offset) = date_range(&query, today)?;
        let (data, next) = match name.as_str() {
            "sleep" => page(&user.sleeps, start, end, offset, page_size),
            "daily_activity" => page(&user.activities, start, end, offset, page_size),
            "workout" => page(&user.workouts, start, end, offset, page_size),
            _ => (Vec::new(), None),
        };
        let next_token = next.map(|offset| encode_token(&format!("d|{start}|{end}|{offset}")));
        Ok(HttpResponse::Ok().json(json!({ "data": data, "next_token": next_token })))
    })
}

async fn document(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    oura: web::Data<Oura>,
) -> HttpResponse {
    let (name, id) = path.into_inner();
    if !GENERATED.contains(&name.as_str()) && !EMPTY.contains(&name.as_str()) {
        return problem(
            StatusCode::NOT_FOUND,
            format!("unknown collection '{name}'"),
        );
    }
    with_user(&req, &oura, |user| {
        let found = match name.as_str() {
            "sleep" => find(&user.sleeps, &id),
            "daily_activity" => find(&user.activities, &id),
            "workout" => find(&user.workouts, &id),
            _ => None,
        };
        match found {
            Some(doc) => Ok(HttpResponse::Ok().json(doc)),
            None => Err(Problem::new(
                StatusCode::NOT_FOUND,
                format!("{name} document '{id}' not found"),
            )),
        }
    })
}

async fn heartrate(req: HttpRequest, oura: web::Data<Oura>) -> HttpResponse {
    let query = params(req.query_string().as_bytes());
    let page_size = oura.config.page_size * 100;
    with_user(&req, &oura, |user| {
        let (start, end, offset) = datetime_range(&query)?;
        let window = user.heart_rate.window(start, end);
        let data: Vec<Value> = window
            .iter()
            .skip(offset)
            .take(page_size)
            .map(|s| {
                json!({
                    "bpm": s.bpm,
                    "source": s.source,
                    "timestamp": fmt_utc(s.ts),
                    "timestamp_unix": s.ts * 1000,
                })
            })
            .collect();
        let next = offset + page_size;
        let next_token =
            (next < window.len()).then(|| encode_token(&format!("h|{start}|{end}|{next}")));
        Ok(HttpResponse::Ok().json(json!({ "data": data, "next_token": next_token })))
    })
}

fn find<D: Document>(docs: &[D], id: &str) -> Option<Value> {
    docs.iter()
        .find(|d| d.id() == id)
        .map(|d| serde_json::to_value(d).unwrap_or_default())
}

/// One page of the documents whose `day` is within `[start, end]`, ordered by day then id.
fn page<D: Document>(
    docs: &[D],
    start: NaiveDate,
    end: NaiveDate,
    offset: usize,
    size: usize,
) -> (Vec<Value>, Option<usize>) {
    let mut selected: Vec<&D> = docs
        .iter()
        .filter(|d| (start..=end).contains(&d.day()))
        .collect();
    selected.sort_by(|a, b| (a.day(), a.id()).cmp(&(b.day(), b.id())));
    let data = selected
        .iter()
        .skip(offset)
        .take(size)
        .map(|d| serde_json::to_value(d).unwrap_or_default())
        .collect();
    let next = offset + size;
    (data, (next < selected.len()).then_some(next))
}

fn encode_token(raw: &str) -> String {
    URL_SAFE_NO_PAD.encode(raw)
}

/// Decodes a `next_token` of the given kind into its three fields.
fn decode_token(token: &str, kind: &str) -> Option<(String, String, usize)> {
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(token).ok()?).ok()?;
    let mut parts = raw.split('|');
    if parts.next()? != kind {
        return None;
    }
    let (start, end, offset) = (parts.next()?, parts.next()?, parts.next()?.parse().ok()?);
    Some((start.to_owned(), end.to_owned(), offset))
}

type Query = std::collections::HashMap<String, String>;

/// `start_date`/`end_date` (defaults: end today, start the day before) or a `next_token`.
fn date_range(query: &Query, today: NaiveDate) -> Result<(NaiveDate, NaiveDate, usize), Problem> {
    if let Some(token) = query.get("next_token") {
        return decode_token(token, "d")
            .and_then(|(s, e, offset)| Some((s.parse().ok()?, e.parse().ok()?, offset)))
            .ok_or_else(|| bad_request("invalid next_token"));
    }
    let day = |key: &str| match query.get(key) {
        None => Ok(None),
        Some(raw) => parse_day(raw)
            .map(Some)
            .ok_or_else(|| bad_request(format!("{key} '{raw}' is not a valid date (YYYY-MM-DD)"))),
    };
    let end = day("end_date")?.unwrap_or(today);
    let start = day("start_date")?.unwrap_or(end - TimeDelta::days(1));
    if start > end {
        return Err(bad_request("start_date must not be after end_date"));
    }
    Ok((start, end, 0))
}

/// `start_datetime`/`end_datetime` as unix seconds (defaults: the last 24 hours) or a `next_token`.
fn datetime_range(query: &Query) -> Result<(i64, i64, usize), Problem> {
    if let Some(token) = query.get("next_token") {
        return decode_token(token, "h")
            .and_then(|(s, e, offset)| Some((s.parse().ok()?, e.parse().ok()?, offset)))
            .ok_or_else(|| bad_request("invalid next_token"));
    }
    let instant = |key: &str| match query.get(key) {
        None => Ok(None),
        Some(raw) => parse_instant(raw)
            .map(|t| Some(t.timestamp()))
            .ok_or_else(|| bad_request(format!("{key} '{raw}' is not a valid RFC 3339 date-time"))),
    };
    let end = instant("end_datetime")?.unwrap_or_else(|| Utc::now().timestamp());
    let start = instant("start_datetime")?.unwrap_or(end - 86_400);
    if start > end {
        return Err(bad_request("start_datetime must not be after end_datetime"));
    }
    if end - start > MAX_HEARTRATE_RANGE_DAYS * 86_400 {
        return Err(bad_request("the time range may span at most 30 days"));
    }
    Ok((start, end, 0))
}
