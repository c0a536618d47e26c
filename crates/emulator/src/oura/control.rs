//! Control API for tests and the local demo (not part of Oura), mounted under `/_emulator/oura`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta, Utc};
use serde::Deserialize;
use serde_json::json;

use super::activity;
use super::data::User;
use super::delivery::{Event, notify};
use super::sleep::{self, SleepType};
use super::state::Fault;
use super::time::{at, local};
use super::{Oura, problem};

/// Longest nap or workout the emulator creates, used to find a free slot.
const MAX_EXTRA_SECS: i64 = 90 * 60;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/users", web::get().to(users))
        .route("/users/{user_id}/sleep", web::post().to(create_sleep))
        .route(
            "/users/{user_id}/sleep/{document_id}/revise",
            web::post().to(revise_sleep),
        )
        .route("/users/{user_id}/workouts", web::post().to(create_workout))
        .route("/redeliver", web::post().to(redeliver))
        .route("/deliveries", web::get().to(deliveries))
        .route("/tokens/expire", web::post().to(expire_tokens))
        .route("/fail-next", web::post().to(fail_next));
}

fn unknown_user(user_id: &str) -> HttpResponse {
    problem(StatusCode::NOT_FOUND, format!("unknown user '{user_id}'"))
}

fn event(event_type: &str, data_type: &str, object_id: &str, user_id: &str) -> Event {
    Event {
        event_type: event_type.to_owned(),
        data_type: data_type.to_owned(),
        object_id: object_id.to_owned(),
        user_id: user_id.to_owned(),
    }
}

/// Runs `f` on the user under the lock; `None` if the user is unknown.
fn with_user<R>(oura: &Oura, user_id: &str, f: impl FnOnce(&mut User) -> R) -> Option<R> {
    let mut st = oura.lock();
    let index = st.user_index(user_id)?;
    st.users.get_mut(index).map(f)
}

async fn users(oura: web::Data<Oura>) -> HttpResponse {
    let list: Vec<_> = oura
        .lock()
        .users
        .iter()
        .map(|u| {
            json!({
                "id": u.id,
                "number": u.number,
                "email": u.info.email,
                "created_day": u.created_day,
            })
        })
        .collect();
    HttpResponse::Ok().json(list)
}

/// The first start at or after `minutes` past local midnight of `day` that overlaps no sleep or workout.
fn free_slot(user: &User, tz: FixedOffset, day: NaiveDate, minutes: i64) -> DateTime<FixedOffset> {
    let mut start = local(tz, day, minutes).timestamp();
    loop {
        let end = start + MAX_EXTRA_SECS;
        let clash = user
            .sleeps
            .iter()
            .map(sleep::SleepDoc::span)
            .chain(user.workouts.iter().map(activity::Workout::span))
            .filter(|&(s, e)| s < end && start < e)
            .map(|(_, e)| e)
            .max();
        match clash {
            Some(busy_until) => start = busy_until + 15 * 60,
            None => return at(tz, start),
        }
    }
}

/// A long sleep for the most recent night without one, or else a nap later today.
fn add_sleep(user: &mut User, tz: FixedOffset, today: NaiveDate) -> sleep::SleepDoc {
    let has_night = |day: NaiveDate| {
        user.sleeps
            .iter()
            .any(|s| s.kind == SleepType::LongSleep && s.day == day)
    };
    let earliest = user
        .sleeps
        .iter()
        .map(|s| s.day)
        .min()
        .unwrap_or(today)
        .min(today);
    let missing = (0..)
        .map(|back| today - TimeDelta::days(back))
        .take_while(|&day| day >= earliest)
        .find(|&day| !has_night(day));
    let doc = match missing {
        Some(day) => sleep::long_sleep(&mut user.rng, tz, day, &user.physio),
        None => {
            let start = free_slot(user, tz, today, 13 * 60);
            sleep::late_nap(&mut user.rng, start, &user.physio)
        }
    };
    user.heart_rate.paint_sleep(&mut user.rng, tz, &doc);
    user.sleeps.push(doc.clone());
    doc
}

async fn create_sleep(path: web::Path<String>, oura: web::Data<Oura>) -> HttpResponse {
    let user_id = path.into_inner();
    let (tz, today) = (oura.tz, oura.today());
    let Some(doc) = with_user(&oura, &user_id, |user| add_sleep(user, tz, today)) else {
        return unknown_user(&user_id);
    };
    notify(&oura, &event("create", "sleep", &doc.id, &user_id)).await;
    HttpResponse::Created().json(doc)
}

async fn revise_sleep(path: web::Path<(String, String)>, oura: web::Data<Oura>) -> HttpResponse {
    let (user_id, document_id) = path.into_inner();
    let tz = oura.tz;
    let revised = with_user(&oura, &user_id, |user| {
        let doc = user.sleeps.iter_mut().find(|s| s.id == document_id)?;
        doc.revise(&mut user.rng);
        let doc = doc.clone();
        user.heart_rate.paint_sleep(&mut user.rng, tz, &doc);
        Some(doc)
    });
    let doc = match revised {
        None => return unknown_user(&user_id),
        Some(None) => {
            return problem(
                StatusCode::NOT_FOUND,
                format!("sleep document '{document_id}' not found"),
            );
        }
        Some(Some(doc)) => doc,
    };
    notify(&oura, &event("update", "sleep", &doc.id, &user_id)).await;
    HttpResponse::Ok().json(doc)
}

async fn create_workout(path: web::Path<String>, oura: web::Data<Oura>) -> HttpResponse {
    let user_id = path.into_inner();
    let (tz, today) = (oura.tz, oura.today());
    let created = with_user(&oura, &user_id, |user| {
        let start = free_slot(user, tz, today, 8 * 60);
        let workout = activity::workout(&mut user.rng, start, &user.info);
        user.heart_rate.paint_workout(&mut user.rng, tz, &workout);
        user.workouts.push(workout.clone());
        workout
    });
    let Some(workout) = created else {
        return unknown_user(&user_id);
    };
    notify(&oura, &event("create", "workout", &workout.id, &user_id)).await;
    HttpResponse::Created().json(workout)
}

#[derive(Debug, Deserialize)]
struct Redeliver {
    event_type: String,
    data_type: String,
    object_id: String,
}

async fn redeliver(raw: web::Bytes, oura: web::Data<Oura>) -> HttpResponse {
    let request: Redeliver = match serde_json::from_slice(&raw) {
        Ok(request) => request,
        Err(e) => return problem(StatusCode::BAD_REQUEST, format!("invalid body: {e}")),
    };
    let owner = {
        let st = oura.lock();
        st.document_owner(&request.data_type, &request.object_id)
            .and_then(|index| st.users.get(index))
            .map(|u| u.id.clone())
    };
    let Some(user_id) = owner else {
        return problem(
            StatusCode::NOT_FOUND,
            format!("no {} document '{}'", request.data_type, request.object_id),
        );
    };
    let records = notify(
        &oura,
        &event(
            &request.event_type,
            &request.data_type,
            &request.object_id,
            &user_id,
        ),
    )
    .await;
    HttpResponse::Ok().json(records)
}

async fn deliveries(oura: web::Data<Oura>) -> HttpResponse {
    HttpResponse::Ok().json(&oura.lock().deliveries)
}

async fn expire_tokens(oura: web::Data<Oura>) -> HttpResponse {
    let mut st = oura.lock();
    let now = Utc::now();
    for token in st.access_tokens.values_mut() {
        token.expires_at = token.expires_at.min(now);
    }
    HttpResponse::Ok().json(json!({ "expired": st.access_tokens.len() }))
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

async fn fail_next(raw: web::Bytes, oura: web::Data<Oura>) -> HttpResponse {
    let request: FailNext = match serde_json::from_slice(&raw) {
        Ok(request) => request,
        Err(e) => return problem(StatusCode::BAD_REQUEST, format!("invalid body: {e}")),
    };
    if StatusCode::from_u16(request.status).is_err() || request.status < 200 {
        return problem(
            StatusCode::BAD_REQUEST,
            "status must be an HTTP status code of at least 200",
        );
    }
    oura.lock().fault = (request.count > 0).then_some(Fault {
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
