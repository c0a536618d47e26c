//! Control API for tests and the local demo (not part of Fitbit), under `/_emulator/fitbit`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{NaiveDateTime, TimeDelta, Utc};
use serde::Deserialize;
use serde_json::json;

use super::data::User;
use super::delivery::{notify, verify_subscriber};
use super::render::{self, Units, ymd};
use super::state::{Fault, Subscriber};
use super::{Fitbit, fitbit_error, gen_activity, gen_sleep};

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/users", web::get().to(users))
        .route("/users/{user_id}/deauthorize", web::post().to(deauthorize))
        .route(
            "/users/{user_id}/{data_type}",
            web::post().to(create_record),
        )
        .route("/webhook-target", web::post().to(webhook_target))
        .route("/deliveries", web::get().to(deliveries))
        .route("/subscriptions", web::get().to(subscriptions))
        .route("/tokens/expire", web::post().to(expire_tokens))
        .route("/tokens/revoke", web::post().to(revoke_tokens))
        .route("/fail-next", web::post().to(fail_next));
}

fn error(status: StatusCode, message: impl Into<String>) -> HttpResponse {
    fitbit_error(status, "emulator", message)
}

fn unknown_user(user_id: &str) -> HttpResponse {
    error(StatusCode::NOT_FOUND, format!("unknown user '{user_id}'"))
}

async fn users(fitbit: web::Data<Fitbit>) -> HttpResponse {
    let list: Vec<_> = fitbit
        .lock()
        .users
        .iter()
        .map(|u| {
            json!({
                "id": u.id,
                "number": u.number,
                "display_name": u.profile.display_name,
                "created_day": u.created_day,
                "sleeps": u.sleeps.len(),
                "activities": u.activities.len(),
                "weight_logs": u.body.len(),
            })
        })
        .collect();
    HttpResponse::Ok().json(list)
}

/// A main night ending this morning if today has none (ending before now), else a nap ending now.
fn add_sleep(user: &mut User, now: NaiveDateTime) -> gen_sleep::SleepLog {
    let today = now.date();
    let log_id = user.next_log_id();
    let has_night = user
        .sleeps
        .iter()
        .any(|s| s.main && s.date_of_sleep == today);
    let mut log = if has_night {
        let mut nap = gen_sleep::nap(&mut user.rng, now, log_id);
        let length = nap.end() - nap.start;
        nap.shift(-length - TimeDelta::minutes(1));
        nap
    } else {
        let mut night = gen_sleep::main_sleep(&mut user.rng, today, log_id);
        if night.end() > now {
            night.shift(now - night.end() - TimeDelta::minutes(1));
        }
        night
    };
    log.date_of_sleep = log.end().date();
    if log.main {
        let metrics = user.night_metrics();
        if let Some(day) = user.day_mut(log.date_of_sleep) {
            day.night = Some(metrics);
        }
    }
    user.sleeps.push(log.clone());
    log
}

/// A workout that ended a minute ago; today's summary grows with it.
fn add_workout(user: &mut User, now: NaiveDateTime) -> gen_activity::ActivityLog {
    let log_id = user.next_log_id();
    let (resting, age) = (user.physio.resting_hr, user.profile.age);
    let mut workout = gen_activity::workout(&mut user.rng, now, log_id, resting, age);
    workout.start = now - TimeDelta::milliseconds(workout.duration_ms) - TimeDelta::minutes(1);
    if let Some(day) = user.day_mut(workout.start.date()) {
        day.add_workout(&workout);
    }
    user.activities.push(workout.clone());
    workout
}

/// `POST /users/{id}/{sleep|activities|body}`: a new record now, and its notification.
async fn create_record(
    path: web::Path<(String, String)>,
    fitbit: web::Data<Fitbit>,
) -> HttpResponse {
    let (user_id, data_type) = path.into_inner();
    let now = fitbit.now_local();
    let tz = fitbit.tz;
    let created = {
        let mut st = fitbit.lock();
        let Some(index) = st.user_index(&user_id) else {
            return unknown_user(&user_id);
        };
        let Some(user) = st.users.get_mut(index) else {
            return unknown_user(&user_id);
        };
        match data_type.as_str() {
            "sleep" => {
                let log = add_sleep(user, now);
                ("sleep", ymd(log.date_of_sleep), render::sleep_log(&log))
            }
            "activities" | "activity_log" | "workouts" => {
                let workout = add_workout(user, now);
                (
                    "activities",
                    ymd(workout.start.date()),
                    render::activity_log(&workout, tz, Units::Metric),
                )
            }
            "body" | "weight" => {
                let log = user.weigh_in(now, tz);
                user.body.push(log.clone());
                (
                    "body",
                    ymd(log.date),
                    render::weight_log(&log, Units::Metric),
                )
            }
            other => {
                return error(
                    StatusCode::BAD_REQUEST,
                    format!("unknown data type '{other}' (sleep, activities, body)"),
                );
            }
        }
    };
    let (collection, date, record) = created;
    let deliveries = notify(&fitbit, &user_id, collection, &date).await;
    HttpResponse::Created().json(json!({
        "collectionType": collection,
        "date": date,
        "record": record,
        "deliveries": deliveries,
    }))
}

/// The user revokes the app: every token dies, `userRevokedAccess` is sent, subscriptions end.
async fn deauthorize(path: web::Path<String>, fitbit: web::Data<Fitbit>) -> HttpResponse {
    let user_id = path.into_inner();
    {
        let mut st = fitbit.lock();
        let Some(index) = st.user_index(&user_id) else {
            return unknown_user(&user_id);
        };
        st.revoke_user(index);
    }
    let today = ymd(fitbit.today());
    let deliveries = notify(&fitbit, &user_id, "userRevokedAccess", &today).await;
    fitbit
        .lock()
        .subscriptions
        .retain(|s| s.owner_id != user_id);
    HttpResponse::Ok().json(json!({"user_id": user_id, "deliveries": deliveries}))
}

#[derive(Debug, Deserialize)]
struct WebhookTarget {
    url: String,
    #[serde(default)]
    verification_code: Option<String>,
    #[serde(default)]
    subscriber_id: Option<String>,
}

/// The subscriber endpoint as registered in the developer portal; with a `verification_code`
/// it must pass Fitbit's verification (204 for the code, 404 for a wrong one).
async fn webhook_target(raw: web::Bytes, fitbit: web::Data<Fitbit>) -> HttpResponse {
    let target: WebhookTarget = match serde_json::from_slice(&raw) {
        Ok(target) => target,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("invalid body: {e}")),
    };
    if url::Url::parse(&target.url).is_err() {
        return error(StatusCode::BAD_REQUEST, "url must be an absolute URL");
    }
    let verified = match &target.verification_code {
        Some(code) => match verify_subscriber(&fitbit, &target.url, code).await {
            Ok(()) => true,
            Err(reason) => return error(StatusCode::UNPROCESSABLE_ENTITY, reason),
        },
        None => false,
    };
    let id = target
        .subscriber_id
        .unwrap_or_else(|| fitbit.config.default_subscriber_id.clone());
    let subscriber = Subscriber {
        id: id.clone(),
        url: target.url,
        verified,
    };
    fitbit.lock().subscribers.insert(id, subscriber.clone());
    HttpResponse::Ok().json(subscriber)
}

async fn deliveries(fitbit: web::Data<Fitbit>) -> HttpResponse {
    HttpResponse::Ok().json(&fitbit.lock().deliveries)
}

async fn subscriptions(fitbit: web::Data<Fitbit>) -> HttpResponse {
    HttpResponse::Ok().json(&fitbit.lock().subscriptions)
}

async fn expire_tokens(fitbit: web::Data<Fitbit>) -> HttpResponse {
    let mut st = fitbit.lock();
    let now = Utc::now();
    for token in st.access_tokens.values_mut() {
        token.expires_at = token.expires_at.min(now);
    }
    HttpResponse::Ok().json(json!({ "expired": st.access_tokens.len() }))
}

async fn revoke_tokens(fitbit: web::Data<Fitbit>) -> HttpResponse {
    let mut st = fitbit.lock();
    for token in st.access_tokens.values_mut() {
        token.revoked = true;
    }
    for token in st.refresh_tokens.values_mut() {
        token.spent = true;
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

async fn fail_next(raw: web::Bytes, fitbit: web::Data<Fitbit>) -> HttpResponse {
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
    fitbit.lock().fault = (request.count > 0).then_some(Fault {
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
