//! Control API for tests and the local demo (not part of Polar), under `/_emulator/polar`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta, Timelike as _, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::data::User;
use super::delivery::{Event, notify};
use super::state::Fault;
use super::{Polar, error, exercise, night};

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/users", web::get().to(users))
        .route("/users/{user_id}/deauthorize", web::post().to(deauthorize))
        .route("/users/{user_id}/{data_type}", web::post().to(create))
        .route("/webhook", web::get().to(webhook))
        .route("/deliveries", web::get().to(deliveries))
        .route("/tokens/expire", web::post().to(expire_tokens))
        .route("/tokens/revoke", web::post().to(revoke_tokens))
        .route("/fail-next", web::post().to(fail_next));
}

async fn users(polar: web::Data<Polar>) -> HttpResponse {
    let list: Vec<Value> = polar
        .lock()
        .users
        .iter()
        .map(|u| {
            json!({
                "id": u.id,
                "number": u.number,
                "member_id": u.member_id,
                "registered": u.member_id.is_some(),
                "created_day": u.created_day,
                "device_id": u.device_id,
            })
        })
        .collect();
    HttpResponse::Ok().json(list)
}

/// The client's webhook including its signing key (the real API shows the key only once).
async fn webhook(polar: web::Data<Polar>) -> HttpResponse {
    match &polar.lock().webhook {
        Some(h) => HttpResponse::Ok().json(json!({
            "id": h.id, "events": h.events, "url": h.url, "active": h.active,
            "signature_secret_key": h.signature_secret_key,
        })),
        None => error(StatusCode::NOT_FOUND, "no webhook"),
    }
}

/// Where notifications point: this emulator's own REST API.
fn api_base(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}/polar/v3", info.scheme(), info.host())
}

/// Seconds since local midnight of `now`.
fn seconds_of_day(now: DateTime<FixedOffset>) -> u32 {
    now.num_seconds_from_midnight()
}

fn floor_minute(t: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
    t - TimeDelta::seconds(i64::from(t.second()))
        - TimeDelta::nanoseconds(i64::from(t.nanosecond()))
}

/// Creates a record of `data_type` for the user "now"; returns the record and the event.
fn add_record(
    user: &mut User,
    tz: FixedOffset,
    data_type: &str,
    base: &str,
) -> Option<(Value, Event)> {
    let now = Utc::now().with_timezone(&tz);
    let today: NaiveDate = now.date_naive();
    let user_id = user.id;
    let event = |event: &'static str,
                 entity_id: Option<String>,
                 date: Option<NaiveDate>,
                 url: String| Event {
        event,
        user_id,
        entity_id,
        date,
        url,
    };
    let created = match data_type {
        "exercise" => {
            let start = floor_minute(now) - TimeDelta::minutes(95);
            let mut e = exercise::exercise(&mut user.rng, start, &user.physio, &user.device_id);
            e.upload_time = Utc::now();
            let doc = e.json(&user.link(), false);
            let ev = event(
                "EXERCISE",
                Some(e.id.clone()),
                None,
                format!("{base}/exercises/{}", e.id),
            );
            user.exercises.push(e);
            (doc, ev)
        }
        "sleep" => {
            // Today's night (re-)processed so that it ends now.
            let mut n = night::night(&mut user.rng, tz, today, &user.physio);
            let shift = floor_minute(now) - n.end;
            n.start += shift;
            n.end += shift;
            let doc = n.sleep_json(&user.link(), &user.device_id);
            user.nights.retain(|x| x.date != today);
            user.nights.push(n);
            (
                doc,
                event(
                    "SLEEP",
                    None,
                    Some(today),
                    format!("{base}/users/sleep/{today}"),
                ),
            )
        }
        "activity" | "continuous_heart_rate" => {
            let (name, path) = if data_type == "activity" {
                ("ACTIVITY_SUMMARY", "activities")
            } else {
                ("CONTINUOUS_HEART_RATE", "continuous-heart-rate")
            };
            user.refresh_day(tz, today, Some(seconds_of_day(now)));
            let doc = json!({ "date": today });
            (
                doc,
                event(
                    name,
                    None,
                    Some(today),
                    format!("{base}/users/{path}/{today}"),
                ),
            )
        }
        "physical_info" => {
            user.physio.weight =
                ((user.physio.weight + user.rng.f64() - 0.5) * 10.0).round() / 10.0;
            user.physical_modified = Utc::now();
            let doc = user.physical_info_json();
            (
                doc,
                event(
                    "PHYSICAL_INFORMATION",
                    None,
                    None,
                    format!("{base}/users/physical-info"),
                ),
            )
        }
        _ => return None,
    };
    if data_type == "exercise" || data_type == "sleep" {
        user.refresh_day(tz, today, Some(seconds_of_day(now)));
    }
    Some(created)
}

async fn create(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    polar: web::Data<Polar>,
) -> HttpResponse {
    let (user_id, data_type) = path.into_inner();
    let base = api_base(&req);
    let tz = polar.tz;
    let created = {
        let mut st = polar.lock();
        let Some(index) = user_id.parse().ok().and_then(|id| st.user_index(id)) else {
            return error(StatusCode::NOT_FOUND, format!("unknown user '{user_id}'"));
        };
        let Some(user) = st.users.get_mut(index) else {
            return error(StatusCode::NOT_FOUND, format!("unknown user '{user_id}'"));
        };
        add_record(user, tz, &data_type, &base)
    };
    let Some((record, event)) = created else {
        return error(
            StatusCode::NOT_FOUND,
            format!(
                "cannot create '{data_type}': use exercise, sleep, activity, continuous_heart_rate or physical_info"
            ),
        );
    };
    let delivery = notify(&polar, event).await;
    HttpResponse::Created().json(json!({ "record": record, "delivery": delivery }))
}

/// Polar sends no deauthorization notice: the user's tokens and registration just stop working.
async fn deauthorize(path: web::Path<String>, polar: web::Data<Polar>) -> HttpResponse {
    let user_id = path.into_inner();
    let mut st = polar.lock();
    let Some(index) = user_id.parse().ok().and_then(|id| st.user_index(id)) else {
        return error(StatusCode::NOT_FOUND, format!("unknown user '{user_id}'"));
    };
    let mut revoked = 0;
    for token in st
        .access_tokens
        .values_mut()
        .filter(|t| t.user == index && !t.revoked)
    {
        token.revoked = true;
        revoked += 1;
    }
    let deregistered = st.users.get_mut(index).is_some_and(|u| {
        u.registration_date = None;
        u.member_id.take().is_some()
    });
    HttpResponse::Ok().json(json!({
        "revoked_tokens": revoked,
        "deregistered": deregistered,
        "notice_sent": false,
    }))
}

async fn deliveries(polar: web::Data<Polar>) -> HttpResponse {
    HttpResponse::Ok().json(&polar.lock().deliveries)
}

async fn expire_tokens(polar: web::Data<Polar>) -> HttpResponse {
    let mut st = polar.lock();
    let now = Utc::now();
    for token in st.access_tokens.values_mut() {
        token.expires_at = token.expires_at.min(now);
    }
    HttpResponse::Ok().json(json!({ "expired": st.access_tokens.len() }))
}

async fn revoke_tokens(polar: web::Data<Polar>) -> HttpResponse {
    let mut st = polar.lock();
    for token in st.access_tokens.values_mut() {
        token.revoked = true;
    }
    HttpResponse::Ok().json(json!({ "revoked": st.access_tokens.len() }))
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

async fn fail_next(raw: web::Bytes, polar: web::Data<Polar>) -> HttpResponse {
    let request: FailNext = match serde_json::from_slice(&raw) {
        Ok(request) => request,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("invalid body: {e}")),
    };
    if StatusCode::from_u16(request.status).is_err() || request.status < 200 {
        return error(
            StatusCode::BAD_REQUEST,
            "status must be an HTTP status code of at least 200",
        );
    }
    polar.lock().fault = (request.count > 0).then_some(Fault {
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
