//! Daily AccessLink routes: activities, sleep, Nightly Recharge, continuous heart rate and Elixir
//! biosensing. Ranges are inclusive `from`/`to` dates of at most 28 days; lists without a range
//! cover the last 28 days; a missing per-date document is 404 (sleep, recharge, heart rate) or
//! 204 (activity, biosensing).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{NaiveDate, NaiveTime, TimeDelta, Utc};
use serde_json::{Value, json};

use super::api::with_user;
use super::data::User;
use super::oauth::params;
use super::{Failure, Polar, error};

/// Longest inclusive range, in dates.
const MAX_RANGE_DAYS: i64 = 28;
/// Oldest `from` for activities.
const MAX_AGE_DAYS: i64 = 365;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/v3/users/activities", web::get().to(activities))
        .route("/v3/users/activities/{date}", web::get().to(activity))
        .route("/v3/users/sleep", web::get().to(nights))
        .route("/v3/users/sleep/available", web::get().to(available))
        .route("/v3/users/sleep/{date}", web::get().to(night))
        .route("/v3/users/nightly-recharge", web::get().to(recharges))
        .route("/v3/users/nightly-recharge/{date}", web::get().to(recharge))
        .route(
            "/v3/users/continuous-heart-rate",
            web::get().to(heart_rates),
        )
        .route(
            "/v3/users/continuous-heart-rate/{date}",
            web::get().to(heart_rate),
        )
        .route("/v3/users/biosensing/{kind}", web::get().to(biosensing));
}

type Query = HashMap<String, String>;

/// `from`/`to` as inclusive dates: both default to the last 28 days ending today.
fn range(
    query: &Query,
    today: NaiveDate,
    required: bool,
) -> Result<(NaiveDate, NaiveDate), Failure> {
    let day = |key: &str| match query.get(key) {
        None => Ok(None),
        Some(raw) => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| {
                Failure::new(
                    StatusCode::BAD_REQUEST,
                    format!("{key} '{raw}' is not a date (YYYY-MM-DD)"),
                )
            }),
    };
    let (from, to) = (day("from")?, day("to")?);
    if required && (from.is_none() || to.is_none()) {
        return Err(Failure::new(
            StatusCode::BAD_REQUEST,
            "from and to are required",
        ));
    }
    let to = to.unwrap_or(today);
    let from = from.unwrap_or(to - TimeDelta::days(MAX_RANGE_DAYS - 1));
    if from > to {
        return Err(Failure::new(
            StatusCode::BAD_REQUEST,
            "from must not be after to",
        ));
    }
    if (to - from).num_days() >= MAX_RANGE_DAYS {
        return Err(Failure::new(
            StatusCode::BAD_REQUEST,
            "the range may span at most 28 days",
        ));
    }
    Ok((from, to))
}

fn path_date(raw: &str) -> Result<NaiveDate, Failure> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
        Failure::new(
            StatusCode::BAD_REQUEST,
            format!("'{raw}' is not a date (YYYY-MM-DD)"),
        )
    })
}

/// Runs `f` on the registered user behind the token.
fn on_user(
    req: &HttpRequest,
    polar: &Polar,
    f: impl FnOnce(&User) -> HttpResponse,
) -> HttpResponse {
    with_user(req, polar, true, |st, index| match st.users.get(index) {
        Some(user) => f(user),
        None => error(StatusCode::UNAUTHORIZED, "unknown user"),
    })
}

/// Nights that have ended by now.
fn ended(user: &User) -> impl Iterator<Item = &super::night::Night> {
    let now = Utc::now();
    user.nights.iter().filter(move |n| n.end.to_utc() <= now)
}

async fn activities(req: HttpRequest, polar: web::Data<Polar>) -> HttpResponse {
    let query = params(req.query_string().as_bytes());
    let today = polar.today();
    let (from, to) = match range(&query, today, false) {
        Ok(r) => r,
        Err(failure) => return failure.response(),
    };
    if from < today - TimeDelta::days(MAX_AGE_DAYS) {
        return error(
            StatusCode::BAD_REQUEST,
            "from cannot be older than 365 days",
        );
    }
    on_user(&req, &polar, |user| {
        let mut days: Vec<_> = user
            .activities
            .iter()
            .filter(|a| (from..=to).contains(&a.date))
            .collect();
        days.sort_by_key(|a| a.date);
        HttpResponse::Ok().json(days.iter().map(|a| a.json()).collect::<Vec<_>>())
    })
}

async fn activity(
    req: HttpRequest,
    path: web::Path<String>,
    polar: web::Data<Polar>,
) -> HttpResponse {
    let date = match path_date(&path) {
        Ok(d) => d,
        Err(failure) => return failure.response(),
    };
    on_user(&req, &polar, |user| {
        match user.activities.iter().find(|a| a.date == date) {
            Some(a) => HttpResponse::Ok().json(a.json()),
            None => HttpResponse::NoContent().finish(),
        }
    })
}

async fn nights(req: HttpRequest, polar: web::Data<Polar>) -> HttpResponse {
    let since = polar.today() - TimeDelta::days(MAX_RANGE_DAYS - 1);
    on_user(&req, &polar, |user| {
        let link = user.link();
        let docs: Vec<Value> = ended(user)
            .filter(|n| n.date >= since)
            .map(|n| n.sleep_json(&link, &user.device_id))
            .collect();
        HttpResponse::Ok().json(json!({ "nights": docs }))
    })
}

async fn available(req: HttpRequest, polar: web::Data<Polar>) -> HttpResponse {
    let since = polar.today() - TimeDelta::days(MAX_RANGE_DAYS - 1);
    on_user(&req, &polar, |user| {
        let docs: Vec<Value> = ended(user)
            .filter(|n| n.date >= since)
            .map(|n| n.available_json())
            .collect();
        HttpResponse::Ok().json(json!({ "available": docs }))
    })
}

async fn night(req: HttpRequest, path: web::Path<String>, polar: web::Data<Polar>) -> HttpResponse {
    let date = match path_date(&path) {
        Ok(d) => d,
        Err(failure) => return failure.response(),
    };
    on_user(&req, &polar, |user| {
        match ended(user).find(|n| n.date == date) {
            Some(n) => HttpResponse::Ok().json(n.sleep_json(&user.link(), &user.device_id)),
            None => error(StatusCode::NOT_FOUND, format!("no sleep for {date}")),
        }
    })
}

async fn recharges(req: HttpRequest, polar: web::Data<Polar>) -> HttpResponse {
    let since = polar.today() - TimeDelta::days(MAX_RANGE_DAYS - 1);
    on_user(&req, &polar, |user| {
        let link = user.link();
        let docs: Vec<Value> = ended(user)
            .filter(|n| n.date >= since)
            .map(|n| n.recharge_json(&link))
            .collect();
        HttpResponse::Ok().json(json!({ "recharges": docs }))
    })
}

async fn recharge(
    req: HttpRequest,
    path: web::Path<String>,
    polar: web::Data<Polar>,
) -> HttpResponse {
    let date = match path_date(&path) {
        Ok(d) => d,
        Err(failure) => return failure.response(),
    };
    on_user(&req, &polar, |user| {
        match ended(user).find(|n| n.date == date) {
            Some(n) => HttpResponse::Ok().json(n.recharge_json(&user.link())),
            None => error(
                StatusCode::NOT_FOUND,
                format!("no nightly recharge for {date}"),
            ),
        }
    })
}

/// A day's heart rate up to now, or `None` when it has no sample yet.
fn heart_rate_json(polar: &Polar, user: &User, date: NaiveDate) -> Option<Value> {
    let day = user.heart_rate.iter().find(|d| d.date == date)?;
    let midnight = date.and_time(NaiveTime::MIN).and_utc()
        - TimeDelta::seconds(i64::from(polar.tz.local_minus_utc()));
    let elapsed = (Utc::now() - midnight).num_seconds();
    let mut visible = day.clone();
    visible
        .samples
        .retain(|(secs, _)| i64::from(*secs) <= elapsed);
    (!visible.samples.is_empty()).then(|| visible.json(&user.link()))
}

async fn heart_rates(req: HttpRequest, polar: web::Data<Polar>) -> HttpResponse {
    let query = params(req.query_string().as_bytes());
    let (from, to) = match range(&query, polar.today(), true) {
        Ok(r) => r,
        Err(failure) => return failure.response(),
    };
    on_user(&req, &polar, |user| {
        let docs: Vec<Value> = from
            .iter_days()
            .take_while(|d| *d <= to)
            .filter_map(|d| heart_rate_json(&polar, user, d))
            .collect();
        HttpResponse::Ok().json(json!({ "heart_rates": docs }))
    })
}

async fn heart_rate(
    req: HttpRequest,
    path: web::Path<String>,
    polar: web::Data<Polar>,
) -> HttpResponse {
    let date = match path_date(&path) {
        Ok(d) => d,
        Err(failure) => return failure.response(),
    };
    on_user(&req, &polar, |user| {
        match heart_rate_json(&polar, user, date) {
            Some(doc) => HttpResponse::Ok().json(doc),
            None => error(
                StatusCode::NOT_FOUND,
                format!("no continuous heart rate for {date}"),
            ),
        }
    })
}

async fn biosensing(
    req: HttpRequest,
    path: web::Path<String>,
    polar: web::Data<Polar>,
) -> HttpResponse {
    let kind = path.into_inner();
    if ![
        "bodytemperature",
        "skintemperature",
        "skincontacts",
        "ecg",
        "spo2",
    ]
    .contains(&kind.as_str())
    {
        return error(
            StatusCode::NOT_FOUND,
            format!("unknown biosensing resource '{kind}'"),
        );
    }
    let query = params(req.query_string().as_bytes());
    let (from, to) = match range(&query, polar.today(), false) {
        Ok(r) => r,
        Err(failure) => return failure.response(),
    };
    on_user(&req, &polar, |user| {
        let now = Utc::now();
        let within = |d: NaiveDate| (from..=to).contains(&d);
        let docs: Vec<Value> = match kind.as_str() {
            "bodytemperature" => user
                .body_temperature
                .iter()
                .filter(|b| within(b.date) && b.start + TimeDelta::hours(1) <= now)
                .map(|b| b.json())
                .collect(),
            "skintemperature" => ended(user)
                .filter(|n| within(n.date))
                .map(|n| n.skin_temperature_json())
                .collect(),
            "spo2" => user
                .spo2
                .iter()
                .filter(|t| within(t.date) && t.test_time <= now.timestamp())
                .map(|t| t.json())
                .collect(),
            _ => Vec::new(),
        };
        if docs.is_empty() {
            HttpResponse::NoContent().finish()
        } else {
            HttpResponse::Ok().json(docs)
        }
    })
}
