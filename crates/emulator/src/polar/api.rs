//! Bearer-authenticated AccessLink routes: user registration, exercises, physical info; and the
//! shared authentication, registration check and injected faults.

use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, RETRY_AFTER};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{TimeDelta, Utc};
use serde::Deserialize;

use super::data::User;
use super::oauth::params;
use super::state::{Fault, State};
use super::{Failure, Polar, error, error_body};

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/v3/users", web::post().to(register))
        .route("/v3/users/physical-info", web::get().to(physical_info))
        .route("/v3/users/{user_id}", web::get().to(get_user))
        .route("/v3/users/{user_id}", web::delete().to(deregister))
        .route("/v3/exercises", web::get().to(list_exercises))
        .route("/v3/exercises/{exercise_id}", web::get().to(get_exercise));
}

/// Applies an injected fault, authenticates the Bearer token and (when `registered`) requires
/// the user to be registered, then runs `f` with the state and the user's index.
pub(crate) fn with_user(
    req: &HttpRequest,
    polar: &Polar,
    registered: bool,
    f: impl FnOnce(&mut State, usize) -> HttpResponse,
) -> HttpResponse {
    let mut st = polar.lock();
    st.requests += 1;
    if let Some(fault) = st.take_fault() {
        return fault_response(&fault, st.requests);
    }
    let token = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_owned());
    let Some(token) = token else {
        return error(StatusCode::UNAUTHORIZED, "missing Bearer access token");
    };
    let user = match st.access_tokens.get(&token) {
        None => return error(StatusCode::UNAUTHORIZED, "invalid access token"),
        Some(t) if t.revoked => return error(StatusCode::UNAUTHORIZED, "access token revoked"),
        Some(t) if t.expires_at <= Utc::now() => {
            return error(StatusCode::UNAUTHORIZED, "access token expired");
        }
        Some(t) => t.user,
    };
    let Some(u) = st.users.get(user) else {
        return error(StatusCode::UNAUTHORIZED, "unknown user");
    };
    if registered && u.member_id.is_none() {
        return error(
            StatusCode::FORBIDDEN,
            "User is not registered: POST /v3/users first (or has not accepted mandatory consents)",
        );
    }
    f(&mut st, user)
}

/// The injected status; a 429 carries `Retry-After` and AccessLink's rate-limit headers
/// (short-term, long-term pairs: 500 + 20×users per 15 min, 5000 + 100×users per day).
pub(crate) fn fault_response(fault: &Fault, requests: u64) -> HttpResponse {
    let status = StatusCode::from_u16(fault.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut builder = HttpResponse::build(status);
    if status == StatusCode::TOO_MANY_REQUESTS {
        let now = Utc::now();
        let midnight = (now.date_naive() + TimeDelta::days(1))
            .and_hms_opt(0, 0, 0)
            .map_or(86_400, |m| (m.and_utc() - now).num_seconds());
        builder
            .insert_header((RETRY_AFTER, fault.retry_after.to_string()))
            .insert_header(("RateLimit-Usage", format!("{}, {}", 520, 520 + requests)))
            .insert_header(("RateLimit-Limit", "520, 5100"))
            .insert_header((
                "RateLimit-Reset",
                format!("{}, {midnight}", fault.retry_after),
            ));
    }
    builder.json(error_body(status, "injected failure"))
}

fn user_at(st: &State, index: usize) -> Option<&User> {
    st.users.get(index)
}

#[derive(Deserialize)]
struct RegisterRequest {
    #[serde(rename = "member-id")]
    member_id: Option<String>,
}

/// `POST /v3/users {"member-id": ..}` → 200 user; 409 when registered or the member id is taken.
async fn register(req: HttpRequest, body: web::Bytes, polar: web::Data<Polar>) -> HttpResponse {
    let member_id = match serde_json::from_slice::<RegisterRequest>(&body) {
        Ok(RegisterRequest {
            member_id: Some(id),
        }) if !id.trim().is_empty() => id,
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "body must be {\"member-id\": \"..\"}",
            );
        }
    };
    with_user(&req, &polar, false, |st, index| {
        let taken = st
            .users
            .iter()
            .enumerate()
            .any(|(i, u)| i != index && u.member_id.as_deref() == Some(member_id.as_str()));
        let Some(user) = st.users.get_mut(index) else {
            return error(StatusCode::UNAUTHORIZED, "unknown user");
        };
        if user.member_id.is_some() {
            return error(StatusCode::CONFLICT, "User already registered");
        }
        if taken {
            return error(StatusCode::CONFLICT, "Duplicated member-id");
        }
        user.member_id = Some(member_id);
        user.registration_date = Some(Utc::now());
        HttpResponse::Ok().json(user.user_json())
    })
}

/// The path's user must be the token's.
fn own_user(st: &State, index: usize, path_id: &str) -> Result<(), Failure> {
    let own = user_at(st, index).is_some_and(|u| path_id.parse() == Ok(u.id));
    if own {
        Ok(())
    } else {
        Err(Failure::new(
            StatusCode::FORBIDDEN,
            "user id does not match the access token",
        ))
    }
}

async fn get_user(
    req: HttpRequest,
    path: web::Path<String>,
    polar: web::Data<Polar>,
) -> HttpResponse {
    let path_id = path.into_inner();
    with_user(&req, &polar, true, |st, index| {
        match own_user(st, index, &path_id) {
            Err(failure) => failure.response(),
            Ok(()) => user_at(st, index).map_or_else(
                || error(StatusCode::NOT_FOUND, "user not found"),
                |u| HttpResponse::Ok().json(u.user_json()),
            ),
        }
    })
}

/// `DELETE /v3/users/{user-id}` → 204; 404 when not registered.
async fn deregister(
    req: HttpRequest,
    path: web::Path<String>,
    polar: web::Data<Polar>,
) -> HttpResponse {
    let path_id = path.into_inner();
    with_user(&req, &polar, false, |st, index| {
        if let Err(failure) = own_user(st, index, &path_id) {
            return failure.response();
        }
        match st.users.get_mut(index) {
            Some(u) if u.member_id.is_some() => {
                u.member_id = None;
                u.registration_date = None;
                HttpResponse::NoContent().finish()
            }
            _ => error(StatusCode::NOT_FOUND, "user not registered"),
        }
    })
}

fn flag(query: &std::collections::HashMap<String, String>, key: &str) -> bool {
    query
        .get(key)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// Exercises uploaded in the last 30 days, oldest upload first.
async fn list_exercises(req: HttpRequest, polar: web::Data<Polar>) -> HttpResponse {
    let query = params(req.query_string().as_bytes());
    let samples = flag(&query, "samples");
    with_user(&req, &polar, true, |st, index| {
        let Some(user) = user_at(st, index) else {
            return error(StatusCode::UNAUTHORIZED, "unknown user");
        };
        let now = Utc::now();
        let since = now - TimeDelta::days(30);
        let mut visible: Vec<_> = user
            .exercises
            .iter()
            .filter(|e| since <= e.upload_time && e.upload_time <= now)
            .collect();
        visible.sort_by_key(|e| e.upload_time);
        let link = user.link();
        let docs: Vec<_> = visible.iter().map(|e| e.json(&link, samples)).collect();
        HttpResponse::Ok().json(docs)
    })
}

async fn get_exercise(
    req: HttpRequest,
    path: web::Path<String>,
    polar: web::Data<Polar>,
) -> HttpResponse {
    let id = path.into_inner();
    let query = params(req.query_string().as_bytes());
    let samples = flag(&query, "samples");
    with_user(&req, &polar, true, |st, index| {
        let found = user_at(st, index).and_then(|u| {
            u.exercises
                .iter()
                .find(|e| e.id == id && e.upload_time <= Utc::now())
                .map(|e| e.json(&u.link(), samples))
        });
        match found {
            Some(doc) => HttpResponse::Ok().json(doc),
            None => error(StatusCode::NOT_FOUND, format!("exercise '{id}' not found")),
        }
    })
}

async fn physical_info(req: HttpRequest, polar: web::Data<Polar>) -> HttpResponse {
    with_user(&req, &polar, true, |st, index| match user_at(st, index) {
        Some(u) => HttpResponse::Ok().json(u.physical_info_json()),
        None => error(StatusCode::NOT_FOUND, "user not found"),
    })
}
