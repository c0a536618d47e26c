//! REST API v3 routes used by Wearhouse: `GET /athlete`, `GET /athlete/activities`,
//! `GET /activities/{id}` and `GET /activities/{id}/streams`, Bearer authenticated, scope
//! checked (`activity:read` / `activity:read_all` for private ones, `profile:read_all` for the
//! weight) and rate limited with Strava's headers on every answer.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde_json::{Map, Value, json};

use super::data::{Activity, User};
use super::oauth::{params, presented_token};
use super::ratelimit::Usage;
use super::state::{Grant, State};
use super::streams::simulate;
use super::{Fault, Strava, bad_request, json as render, not_found, strava_error, unauthorized};

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/athlete", web::get().to(athlete))
        .route("/athlete/activities", web::get().to(list_activities))
        .route("/activities/{id}", web::get().to(activity))
        .route("/activities/{id}/streams", web::get().to(streams));
}

fn rate_limited() -> HttpResponse {
    strava_error(
        StatusCode::TOO_MANY_REQUESTS,
        "Rate Limit Exceeded",
        &[Fault {
            resource: "Application",
            field: "rate limit",
            code: "exceeded",
        }],
    )
}

fn add_headers(response: &mut HttpResponse, headers: Vec<(&'static str, String)>) {
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response
                .headers_mut()
                .insert(HeaderName::from_static(name), value);
        }
    }
}

/// An injected fault, the rate limits, then Bearer authentication; runs `f` under the lock with
/// the caller's grant and athlete. Every answer carries the rate-limit headers.
fn authorized(
    req: &HttpRequest,
    strava: &Strava,
    f: impl FnOnce(&Grant, &User) -> HttpResponse,
) -> HttpResponse {
    let mut st = strava.lock();
    let config = &strava.config;
    let now = Utc::now();
    let over = st.usage.count(now, true, config);
    if let Some(fault) = st.take_fault() {
        let status =
            StatusCode::from_u16(fault.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let (mut response, headers) = if status == StatusCode::TOO_MANY_REQUESTS {
            (
                rate_limited(),
                st.usage.exhausted_headers(config, fault.retry_after),
            )
        } else {
            let message = status.canonical_reason().unwrap_or("Error");
            (strava_error(status, message, &[]), st.usage.headers(config))
        };
        add_headers(&mut response, headers);
        return response;
    }
    let mut response = if over {
        let mut response = rate_limited();
        if config.send_retry_after {
            let wait = Usage::seconds_to_reset(now).to_string();
            add_headers(&mut response, vec![("retry-after", wait)]);
        }
        response
    } else {
        respond(req, &st, f)
    };
    add_headers(&mut response, st.usage.headers(config));
    response
}

fn respond(
    req: &HttpRequest,
    st: &State,
    f: impl FnOnce(&Grant, &User) -> HttpResponse,
) -> HttpResponse {
    let query = params(req.query_string().as_bytes());
    let Some(token) = presented_token(req, &query) else {
        return unauthorized("Athlete", "access_token", "invalid");
    };
    let Ok(index) = st.grant_of(&token) else {
        return unauthorized("Athlete", "access_token", "invalid");
    };
    match st
        .grants
        .get(index)
        .and_then(|g| Some((g, st.users.get(g.user)?)))
    {
        Some((grant, user)) => f(grant, user),
        None => unauthorized("Athlete", "access_token", "invalid"),
    }
}

/// `None` when the grant may read activities, else Strava's "missing permission" answer.
fn activity_permission(grant: &Grant) -> Option<HttpResponse> {
    let allowed = grant.has_scope("activity:read") || grant.has_scope("activity:read_all");
    (!allowed).then(|| unauthorized("AccessToken", "activity:read_permission", "missing"))
}

fn visible(grant: &Grant, activity: &Activity) -> bool {
    !activity.private || grant.has_scope("activity:read_all")
}

async fn athlete(req: HttpRequest, strava: web::Data<Strava>) -> HttpResponse {
    authorized(&req, &strava, |grant, user| {
        HttpResponse::Ok().json(render::athlete(user, grant.has_scope("profile:read_all")))
    })
}

/// A numeric query parameter; `Err` names the parameter that is not a number.
fn number<T: std::str::FromStr>(
    query: &HashMap<String, String>,
    key: &'static str,
) -> Result<Option<T>, &'static str> {
    match query.get(key) {
        None => Ok(None),
        Some(raw) => raw.parse().map(Some).map_err(|_| key),
    }
}

/// `GET /athlete/activities?before&after&page&per_page`: activities that started strictly
/// between `after` and `before` (epoch seconds); newest first, oldest first when `after` is set.
async fn list_activities(req: HttpRequest, strava: web::Data<Strava>) -> HttpResponse {
    let query = params(req.query_string().as_bytes());
    let config = &strava.config;
    authorized(&req, &strava, |grant, user| {
        if let Some(denied) = activity_permission(grant) {
            return denied;
        }
        let parsed = (|| {
            Ok::<_, &'static str>((
                number::<i64>(&query, "after")?,
                number::<i64>(&query, "before")?,
                number::<usize>(&query, "page")?.unwrap_or(1).max(1),
                number::<usize>(&query, "per_page")?
                    .unwrap_or(config.default_per_page)
                    .clamp(1, config.max_per_page),
            ))
        })();
        let (after, before, page, per_page) = match parsed {
            Ok(parsed) => parsed,
            Err(key) => return bad_request("Activity", key, "invalid"),
        };
        let mut selected: Vec<&Activity> = user
            .activities
            .iter()
            .filter(|a| visible(grant, a))
            .filter(|a| after.is_none_or(|t| a.spec.start > t))
            .filter(|a| before.is_none_or(|t| a.spec.start < t))
            .collect();
        selected.sort_by_key(|a| (a.spec.start, a.id));
        if after.is_none() {
            selected.reverse();
        }
        let page: Vec<Value> = selected
            .into_iter()
            .skip((page - 1).saturating_mul(per_page))
            .take(per_page)
            .map(|a| render::activity_summary(a, user.athlete.id))
            .collect();
        HttpResponse::Ok().json(page)
    })
}

/// The athlete's activity `raw_id`, if it exists and the grant may see it.
fn find<'a>(grant: &Grant, user: &'a User, raw_id: &str) -> Option<&'a Activity> {
    let id: u64 = raw_id.parse().ok()?;
    user.activities
        .iter()
        .find(|a| a.id == id && visible(grant, a))
}

async fn activity(
    req: HttpRequest,
    path: web::Path<String>,
    strava: web::Data<Strava>,
) -> HttpResponse {
    authorized(&req, &strava, |grant, user| {
        if let Some(denied) = activity_permission(grant) {
            return denied;
        }
        match find(grant, user, &path) {
            Some(a) => HttpResponse::Ok().json(render::activity_detailed(a, user.athlete.id)),
            None => not_found("Activity"),
        }
    })
}

/// `GET /activities/{id}/streams?keys=a,b&key_by_type=true`: an object keyed by type, or a list
/// of `{"type": ..}` objects without `key_by_type`. Manual activities have no streams (404).
async fn streams(
    req: HttpRequest,
    path: web::Path<String>,
    strava: web::Data<Strava>,
) -> HttpResponse {
    let query = params(req.query_string().as_bytes());
    authorized(&req, &strava, |grant, user| {
        if let Some(denied) = activity_permission(grant) {
            return denied;
        }
        let Some(a) = find(grant, user, &path) else {
            return not_found("Activity");
        };
        if a.spec.manual {
            return not_found("Stream");
        }
        let keys: Vec<&str> = query
            .get("keys")
            .map(|k| k.split(',').map(str::trim).collect())
            .unwrap_or_default();
        let rendered = simulate(&a.spec, &user.physio).render(&keys);
        if query.get("key_by_type").map(String::as_str) == Some("true") {
            let object: Map<String, Value> = rendered
                .into_iter()
                .map(|(name, stream)| (name.to_owned(), stream))
                .collect();
            HttpResponse::Ok().json(object)
        } else {
            let list: Vec<Value> = rendered
                .into_iter()
                .map(|(name, mut stream)| {
                    if let Some(object) = stream.as_object_mut() {
                        object.insert("type".into(), json!(name));
                    }
                    stream
                })
                .collect();
            HttpResponse::Ok().json(list)
        }
    })
}
