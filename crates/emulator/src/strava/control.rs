//! Control API for tests and the local demo (not part of Strava), under `/_emulator/strava`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::data::{self, Sport, User};
use super::delivery::{Event, notify};
use super::state::Fault;
use super::{Strava, json as render};

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/users", web::get().to(users))
        .route(
            "/users/{athlete_id}/activity",
            web::post().to(create_activity),
        )
        .route(
            "/users/{athlete_id}/activity/{activity_id}/update",
            web::post().to(update_activity),
        )
        .route(
            "/users/{athlete_id}/activity/{activity_id}/delete",
            web::post().to(delete_activity),
        )
        .route(
            "/users/{athlete_id}/deauthorize",
            web::post().to(deauthorize),
        )
        .route("/deliveries", web::get().to(deliveries))
        .route("/tokens/expire", web::post().to(expire_tokens))
        .route("/tokens/revoke", web::post().to(revoke_tokens))
        .route("/fail-next", web::post().to(fail_next));
}

fn problem(status: StatusCode, detail: impl Into<String>) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "status": status.as_u16(), "detail": detail.into() }))
}

fn unknown_user(athlete_id: &str) -> HttpResponse {
    problem(
        StatusCode::NOT_FOUND,
        format!("unknown athlete '{athlete_id}'"),
    )
}

/// Runs `f` on the athlete under the lock; `None` if the athlete is unknown.
fn with_user<R>(strava: &Strava, athlete_id: &str, f: impl FnOnce(&mut User) -> R) -> Option<R> {
    let mut st = strava.lock();
    let index = st.user_index(athlete_id)?;
    st.users.get_mut(index).map(f)
}

/// An optional JSON body (an empty body is `T::default()`); `Err` says what is wrong.
fn body<T: for<'de> Deserialize<'de> + Default>(raw: &[u8]) -> Result<T, String> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(raw).map_err(|e| format!("invalid body: {e}"))
}

async fn users(strava: web::Data<Strava>) -> HttpResponse {
    let list: Vec<_> = strava
        .lock()
        .users
        .iter()
        .map(|u| {
            json!({
                "id": u.athlete.id,
                "username": u.athlete.username,
                "number": u.number,
                "created_day": u.created_day,
                "activities": u.activities.len(),
            })
        })
        .collect();
    HttpResponse::Ok().json(list)
}

#[derive(Debug, Default, Deserialize)]
struct NewActivity {
    #[serde(default)]
    sport_type: Option<String>,
}

/// A new activity of the athlete that ended a minute ago; sends the `create` event.
async fn create_activity(
    path: web::Path<String>,
    raw: web::Bytes,
    strava: web::Data<Strava>,
) -> HttpResponse {
    let request: NewActivity = match body(&raw) {
        Ok(request) => request,
        Err(message) => return problem(StatusCode::BAD_REQUEST, message),
    };
    let sport = match request.sport_type.as_deref() {
        None => Sport::Run,
        Some(raw) => match Sport::parse(raw) {
            Some(sport) => sport,
            None => {
                return problem(
                    StatusCode::BAD_REQUEST,
                    format!("unsupported sport_type '{raw}'"),
                );
            }
        },
    };
    let athlete_id = path.into_inner();
    let tz = strava.tz;
    let created = with_user(&strava, &athlete_id, |user| {
        let now = Utc::now().timestamp();
        let mut activity = data::new_activity(user, sport, now, tz);
        activity.spec.start = now - activity.elapsed - 60;
        activity.name = data::activity_name(sport, activity.spec.start, tz);
        user.activities.push(activity.clone());
        (
            render::activity_summary(&activity, user.athlete.id),
            activity.id,
            user.athlete.id,
        )
    });
    let Some((summary, id, owner)) = created else {
        return unknown_user(&athlete_id);
    };
    let delivery = notify(&strava, Event::activity("create", id, owner)).await;
    HttpResponse::Created().json(json!({ "activity": summary, "delivery": delivery }))
}

#[derive(Debug, Default, Deserialize)]
struct Rename {
    #[serde(default)]
    name: Option<String>,
}

/// Renames an activity (a title update); sends the `update` event with `updates.title`.
async fn update_activity(
    path: web::Path<(String, u64)>,
    raw: web::Bytes,
    strava: web::Data<Strava>,
) -> HttpResponse {
    let request: Rename = match body(&raw) {
        Ok(request) => request,
        Err(message) => return problem(StatusCode::BAD_REQUEST, message),
    };
    let (athlete_id, activity_id) = path.into_inner();
    let renamed = with_user(&strava, &athlete_id, |user| {
        let activity = user.activities.iter_mut().find(|a| a.id == activity_id)?;
        activity.name = request
            .name
            .clone()
            .unwrap_or_else(|| format!("{} (edited)", activity.name));
        Some((activity.name.clone(), user.athlete.id))
    });
    let (title, owner) = match renamed {
        None => return unknown_user(&athlete_id),
        Some(None) => return problem(StatusCode::NOT_FOUND, format!("no activity {activity_id}")),
        Some(Some(found)) => found,
    };
    let mut event = Event::activity("update", activity_id, owner);
    event.updates = Map::from_iter([("title".to_owned(), Value::String(title.clone()))]);
    let delivery = notify(&strava, event).await;
    HttpResponse::Ok().json(json!({ "title": title, "delivery": delivery }))
}

/// Deletes an activity; sends the `delete` event.
async fn delete_activity(
    path: web::Path<(String, u64)>,
    strava: web::Data<Strava>,
) -> HttpResponse {
    let (athlete_id, activity_id) = path.into_inner();
    let removed = with_user(&strava, &athlete_id, |user| {
        let before = user.activities.len();
        user.activities.retain(|a| a.id != activity_id);
        (before != user.activities.len()).then_some(user.athlete.id)
    });
    let owner = match removed {
        None => return unknown_user(&athlete_id),
        Some(None) => return problem(StatusCode::NOT_FOUND, format!("no activity {activity_id}")),
        Some(Some(owner)) => owner,
    };
    let delivery = notify(&strava, Event::activity("delete", activity_id, owner)).await;
    HttpResponse::Ok().json(json!({ "deleted": activity_id, "delivery": delivery }))
}

/// The athlete revokes the application in their Strava settings: every token stops working and
/// the athlete `update` event with `authorized: "false"` is sent.
async fn deauthorize(path: web::Path<String>, strava: web::Data<Strava>) -> HttpResponse {
    let athlete_id = path.into_inner();
    let revoked = {
        let mut st = strava.lock();
        st.user_index(&athlete_id)
            .and_then(|user| Some((st.revoke_user(user), st.users.get(user)?.athlete.id)))
    };
    let Some((revoked, id)) = revoked else {
        return unknown_user(&athlete_id);
    };
    let delivery = notify(&strava, Event::deauthorized(id)).await;
    HttpResponse::Ok().json(json!({ "revoked_grants": revoked, "delivery": delivery }))
}

async fn deliveries(strava: web::Data<Strava>) -> HttpResponse {
    HttpResponse::Ok().json(&strava.lock().deliveries)
}

async fn expire_tokens(strava: web::Data<Strava>) -> HttpResponse {
    let mut st = strava.lock();
    let now = Utc::now();
    for token in st.access_tokens.values_mut() {
        token.expires_at = token.expires_at.min(now);
    }
    for grant in &mut st.grants {
        grant.access_expires_at = grant.access_expires_at.min(now);
    }
    HttpResponse::Ok().json(json!({ "expired": st.access_tokens.len() }))
}

async fn revoke_tokens(strava: web::Data<Strava>) -> HttpResponse {
    let mut st = strava.lock();
    for grant in &mut st.grants {
        grant.revoked = true;
    }
    HttpResponse::Ok().json(json!({ "revoked_grants": st.grants.len() }))
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

/// The next `count` REST API answers are `status` (a 429 with Strava's rate-limit headers).
async fn fail_next(raw: web::Bytes, strava: web::Data<Strava>) -> HttpResponse {
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
    strava.lock().fault = (request.count > 0).then_some(Fault {
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
