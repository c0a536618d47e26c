//! Control API for tests and the local demo (not part of Withings), under `/_emulator/withings`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{TimeDelta, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::data::{User, local_date};
use super::delivery::notify;
use super::state::Fault;
use super::{Withings, daily, sleep};

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/users", web::get().to(users))
        .route("/users/{user_id}/deauthorize", web::post().to(deauthorize))
        .route("/users/{user_id}/{data_type}", web::post().to(create))
        .route("/deliveries", web::get().to(deliveries))
        .route("/tokens/expire", web::post().to(expire_tokens))
        .route("/tokens/revoke", web::post().to(revoke_tokens))
        .route("/fail-next", web::post().to(fail_next));
}

fn problem(status: StatusCode, detail: impl Into<String>) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "status": status.as_u16(), "detail": detail.into() }))
}

async fn users(withings: web::Data<Withings>) -> HttpResponse {
    let list: Vec<Value> = withings
        .lock()
        .users
        .iter()
        .map(|u| {
            json!({
                "id": u.id,
                "number": u.number,
                "created_day": u.created_day,
                "timezone": u.timezone,
                "measure_groups": u.measures.len(),
                "activities": u.activities.len(),
                "workouts": u.workouts.len(),
                "nights": u.nights.len(),
            })
        })
        .collect();
    HttpResponse::Ok().json(list)
}

/// What a new record notifies: `(appli, fields)`.
type Notice = (i64, Vec<(&'static str, String)>);

fn range(start: i64, end: i64) -> Vec<(&'static str, String)> {
    vec![
        ("startdate", start.to_string()),
        ("enddate", end.to_string()),
    ]
}

/// Creates a record of `data_type` for the user now, then notifies its category.
async fn create(path: web::Path<(String, String)>, withings: web::Data<Withings>) -> HttpResponse {
    let (user_id, data_type) = path.into_inner();
    let (tz, today) = (withings.tz, withings.today());
    let now = Utc::now().timestamp();
    let created = {
        let mut st = withings.lock();
        let Some(index) = st.user_index(&user_id) else {
            return problem(StatusCode::NOT_FOUND, format!("unknown user '{user_id}'"));
        };
        let Some(user) = st.users.get_mut(index) else {
            return problem(StatusCode::NOT_FOUND, format!("unknown user '{user_id}'"));
        };
        let made: Option<(Value, Notice)> = match data_type.as_str() {
            "measures" => {
                let group = user.weigh_in(now);
                let notice = (1, range(group.date, group.date));
                user.measures.push(group.clone());
                Some((serde_json::to_value(group).unwrap_or_default(), notice))
            }
            "blood_pressure" => {
                let group = user.blood_pressure(now);
                let notice = (4, range(group.date, group.date));
                user.measures.push(group.clone());
                Some((serde_json::to_value(group).unwrap_or_default(), notice))
            }
            "workouts" => {
                let mut workout = daily::workout(user, tz, now - 3600);
                let shift = (workout.enddate - now).max(0);
                workout.startdate -= shift;
                workout.enddate -= shift;
                let steps = workout
                    .data
                    .get("steps")
                    .and_then(Value::as_f64)
                    .unwrap_or(0.0);
                today_activity(user, tz, today).add_steps(steps as i64, now);
                let notice = (16, range(workout.startdate, workout.enddate));
                user.workouts.push(workout.clone());
                Some((serde_json::to_value(workout).unwrap_or_default(), notice))
            }
            "activity" => {
                let steps = i64::from(user.rng.u16(500..3000));
                let day = today_activity(user, tz, today);
                day.add_steps(steps, now);
                let notice = (16, vec![("date", day.date.clone())]);
                Some((day.item(None), notice))
            }
            "sleep" => {
                let night = new_sleep(user, tz, now);
                let notice = (44, range(night.startdate, night.enddate));
                user.nights.push(night.clone());
                Some((night.summary(None), notice))
            }
            _ => None,
        };
        made
    };
    let Some((record, (appli, fields))) = created else {
        return problem(
            StatusCode::NOT_FOUND,
            format!(
                "unknown data type '{data_type}' (measures, blood_pressure, activity, workouts, sleep)"
            ),
        );
    };
    let deliveries = notify(&withings, &user_id, appli, &fields).await;
    HttpResponse::Created()
        .json(json!({ "record": record, "appli": appli, "deliveries": deliveries }))
}

/// Today's activity document, created when the day has none yet.
fn today_activity(
    user: &mut User,
    tz: chrono::FixedOffset,
    today: chrono::NaiveDate,
) -> &mut daily::Activity {
    if let Some(i) = user.activities.iter().position(|a| a.day == today) {
        return &mut user.activities[i];
    }
    let activity = daily::activity(user, tz, today);
    user.activities.push(activity);
    let last = user.activities.len() - 1;
    &mut user.activities[last]
}

/// A night ending now when the user has not slept since yesterday evening, else a nap.
fn new_sleep(user: &mut User, tz: chrono::FixedOffset, now: i64) -> sleep::Night {
    let last_end = user.nights.iter().map(|n| n.enddate).max().unwrap_or(0);
    let mut night = if now - last_end > 16 * 3600 {
        let wake_day = local_date(tz, now);
        sleep::night(user, tz, wake_day)
    } else {
        sleep::nap(user, tz, now - 3600)
    };
    let shift = night.enddate - now;
    night.startdate -= shift;
    night.enddate -= shift;
    for segment in &mut night.segments {
        segment.startdate -= shift;
        segment.enddate -= shift;
        segment.shift_series(shift);
    }
    night.date = local_date(tz, night.enddate).format("%Y-%m-%d").to_string();
    night.created = now;
    night.modified = now;
    night
}

/// Withings' deauthorization notice (appli 46, `action=unlink`), then the grant is gone.
async fn deauthorize(path: web::Path<String>, withings: web::Data<Withings>) -> HttpResponse {
    let user_id = path.into_inner();
    if withings.lock().user_index(&user_id).is_none() {
        return problem(StatusCode::NOT_FOUND, format!("unknown user '{user_id}'"));
    }
    let deliveries = notify(&withings, &user_id, 46, &[("action", "unlink".to_owned())]).await;
    let mut st = withings.lock();
    if let Some(index) = st.user_index(&user_id) {
        st.revoke_user(index);
    }
    HttpResponse::Ok().json(json!({ "deliveries": deliveries }))
}

async fn deliveries(withings: web::Data<Withings>) -> HttpResponse {
    HttpResponse::Ok().json(&withings.lock().deliveries)
}

async fn expire_tokens(withings: web::Data<Withings>) -> HttpResponse {
    let mut st = withings.lock();
    let now = Utc::now() - TimeDelta::seconds(1);
    for token in st.access_tokens.values_mut() {
        token.expires_at = token.expires_at.min(now);
    }
    HttpResponse::Ok().json(json!({ "expired": st.access_tokens.len() }))
}

#[derive(Debug, Default, Deserialize)]
struct RevokeTokens {
    #[serde(default)]
    user_id: Option<String>,
}

/// Revokes every access and refresh token (of one user with `{"user_id": ..}`).
async fn revoke_tokens(raw: web::Bytes, withings: web::Data<Withings>) -> HttpResponse {
    let request: RevokeTokens = serde_json::from_slice(&raw).unwrap_or_default();
    let mut st = withings.lock();
    let user = request.user_id.as_deref().map(|id| st.user_index(id));
    if let Some(None) = user {
        return problem(StatusCode::NOT_FOUND, "unknown user");
    }
    let only = user.flatten();
    let mut revoked = 0;
    for token in st.access_tokens.values_mut() {
        if only.is_none_or(|u| u == token.user) {
            token.revoked = true;
            revoked += 1;
        }
    }
    for token in st.refresh_tokens.values_mut() {
        if only.is_none_or(|u| u == token.user) {
            token.revoked = true;
        }
    }
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

/// The next `count` REST answers fail: 429 (with `Retry-After` and `X-RateLimit-*`) or 5xx as
/// HTTP statuses, any other value as a Withings `status` in an HTTP 200 (601, 401, 2555, …).
async fn fail_next(raw: web::Bytes, withings: web::Data<Withings>) -> HttpResponse {
    let request: FailNext = match serde_json::from_slice(&raw) {
        Ok(request) => request,
        Err(e) => return problem(StatusCode::BAD_REQUEST, format!("invalid body: {e}")),
    };
    if request.status == 0 {
        return problem(StatusCode::BAD_REQUEST, "status 0 is success");
    }
    withings.lock().fault = (request.count > 0).then_some(Fault {
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
