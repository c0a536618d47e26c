//! Webhook subscription API (providers.md 2.2), authenticated with `x-client-id` + `x-client-secret`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{SecondsFormat, TimeDelta, Utc};
use serde::Deserialize;

use super::delivery::verify_callback;
use super::state::Subscription;
use super::{Oura, Problem, method_not_allowed};

const EVENT_TYPES: [&str; 3] = ["create", "update", "delete"];

const DATA_TYPES: [&str; 17] = [
    "tag",
    "enhanced_tag",
    "workout",
    "session",
    "sleep",
    "daily_sleep",
    "daily_readiness",
    "daily_activity",
    "daily_spo2",
    "sleep_time",
    "rest_mode_period",
    "ring_configuration",
    "daily_stress",
    "daily_cardiovascular_age",
    "daily_resilience",
    "vo2_max",
    "meal",
];

const LIFETIME_DAYS: i64 = 90;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v2/webhook/subscription")
            .route(web::get().to(list))
            .route(web::post().to(create))
            .default_service(web::to(method_not_allowed)),
    )
    .route("/v2/webhook/subscription/renew/{id}", web::put().to(renew))
    .service(
        web::resource("/v2/webhook/subscription/{id}")
            .route(web::get().to(get_one))
            .route(web::put().to(update))
            .route(web::delete().to(delete))
            .default_service(web::to(method_not_allowed)),
    );
}

#[derive(Debug, Default, Deserialize)]
struct Body {
    callback_url: Option<String>,
    verification_token: Option<String>,
    event_type: Option<String>,
    data_type: Option<String>,
}

/// A validated subscription request.
struct Wanted {
    callback_url: String,
    verification_token: String,
    event_type: String,
    data_type: String,
}

fn unprocessable(detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, detail)
}

fn unknown_subscription(id: &str) -> Problem {
    Problem::new(
        StatusCode::FORBIDDEN,
        format!("subscription '{id}' does not exist for this client"),
    )
}

fn conflict() -> Problem {
    Problem::new(
        StatusCode::CONFLICT,
        "a subscription for this event_type, data_type and callback_url exists",
    )
}

fn authenticate(req: &HttpRequest, oura: &Oura) -> Result<(), Problem> {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    if header("x-client-id") == Some(oura.config.client_id.as_str())
        && header("x-client-secret") == Some(oura.config.client_secret.as_str())
    {
        Ok(())
    } else {
        Err(Problem::new(
            StatusCode::UNAUTHORIZED,
            "invalid x-client-id or x-client-secret",
        ))
    }
}

fn parse_body(raw: &[u8]) -> Result<Body, Problem> {
    serde_json::from_slice(raw).map_err(|e| unprocessable(format!("invalid JSON body: {e}")))
}

/// Completes `body` with `current` values (for PUT) and validates every field.
fn validate(body: Body, current: Option<&Subscription>) -> Result<Wanted, Problem> {
    let pick = |value: Option<String>, fallback: Option<&String>, field: &str| {
        value
            .or_else(|| fallback.cloned())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| unprocessable(format!("{field} is required")))
    };
    let wanted = Wanted {
        callback_url: pick(
            body.callback_url,
            current.map(|s| &s.callback_url),
            "callback_url",
        )?,
        verification_token: pick(body.verification_token, None, "verification_token")?,
        event_type: pick(
            body.event_type,
            current.map(|s| &s.event_type),
            "event_type",
        )?,
        data_type: pick(body.data_type, current.map(|s| &s.data_type), "data_type")?,
    };
    match url::Url::parse(&wanted.callback_url) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => {}
        _ => {
            return Err(unprocessable(
                "callback_url must be an absolute http(s) URL",
            ));
        }
    }
    if !EVENT_TYPES.contains(&wanted.event_type.as_str()) {
        return Err(unprocessable(format!(
            "invalid event_type '{}'",
            wanted.event_type
        )));
    }
    if !DATA_TYPES.contains(&wanted.data_type.as_str()) {
        return Err(unprocessable(format!(
            "invalid data_type '{}'",
            wanted.data_type
        )));
    }
    Ok(wanted)
}

/// Fails with 409 if another subscription has the same (event_type, data_type, callback_url).
fn check_unique(oura: &Oura, wanted: &Wanted, except: Option<&str>) -> Result<(), Problem> {
    let taken = oura.lock().subscriptions.iter().any(|s| {
        Some(s.id.as_str()) != except
            && s.event_type == wanted.event_type
            && s.data_type == wanted.data_type
            && s.callback_url == wanted.callback_url
    });
    if taken { Err(conflict()) } else { Ok(()) }
}

fn expiration() -> String {
    (Utc::now() + TimeDelta::days(LIFETIME_DAYS)).to_rfc3339_opts(SecondsFormat::Secs, false)
}

async fn verify(oura: &Oura, wanted: &Wanted) -> Result<(), Problem> {
    verify_callback(oura, &wanted.callback_url, &wanted.verification_token)
        .await
        .map_err(|e| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                format!("callback verification failed: {e}"),
            )
        })
}

fn find(oura: &Oura, id: &str) -> Result<Subscription, Problem> {
    oura.lock()
        .subscriptions
        .iter()
        .find(|s| s.id == id)
        .cloned()
        .ok_or_else(|| unknown_subscription(id))
}

type Reply = Result<HttpResponse, Problem>;

async fn list(req: HttpRequest, oura: web::Data<Oura>) -> Reply {
    authenticate(&req, &oura)?;
    Ok(HttpResponse::Ok().json(&oura.lock().subscriptions))
}

async fn create(req: HttpRequest, raw: web::Bytes, oura: web::Data<Oura>) -> Reply {
    authenticate(&req, &oura)?;
    let wanted = validate(parse_body(&raw)?, None)?;
    check_unique(&oura, &wanted, None)?;
    verify(&oura, &wanted).await?;
    check_unique(&oura, &wanted, None)?;
    let subscription = Subscription {
        id: uuid::Uuid::new_v4().to_string(),
        callback_url: wanted.callback_url,
        event_type: wanted.event_type,
        data_type: wanted.data_type,
        expiration_time: expiration(),
        verification_token: wanted.verification_token,
    };
    oura.lock().subscriptions.push(subscription.clone());
    Ok(HttpResponse::Created().json(subscription))
}

async fn get_one(req: HttpRequest, path: web::Path<String>, oura: web::Data<Oura>) -> Reply {
    authenticate(&req, &oura)?;
    Ok(HttpResponse::Ok().json(find(&oura, &path)?))
}

async fn update(
    req: HttpRequest,
    path: web::Path<String>,
    raw: web::Bytes,
    oura: web::Data<Oura>,
) -> Reply {
    let id = path.into_inner();
    authenticate(&req, &oura)?;
    let current = find(&oura, &id)?;
    let wanted = validate(parse_body(&raw)?, Some(&current))?;
    check_unique(&oura, &wanted, Some(&id))?;
    verify(&oura, &wanted).await?;
    let mut st = oura.lock();
    let subscription = st
        .subscriptions
        .iter_mut()
        .find(|s| s.id == id)
        .ok_or_else(|| unknown_subscription(&id))?;
    subscription.callback_url = wanted.callback_url;
    subscription.event_type = wanted.event_type;
    subscription.data_type = wanted.data_type;
    subscription.verification_token = wanted.verification_token;
    Ok(HttpResponse::Ok().json(&*subscription))
}

/// Re-verifies the callback with the stored token and extends `expiration_time`.
async fn renew(req: HttpRequest, path: web::Path<String>, oura: web::Data<Oura>) -> Reply {
    let id = path.into_inner();
    authenticate(&req, &oura)?;
    let current = find(&oura, &id)?;
    let wanted = Wanted {
        callback_url: current.callback_url,
        verification_token: current.verification_token,
        event_type: current.event_type,
        data_type: current.data_type,
    };
    verify(&oura, &wanted).await?;
    let mut st = oura.lock();
    let subscription = st
        .subscriptions
        .iter_mut()
        .find(|s| s.id == id)
        .ok_or_else(|| unknown_subscription(&id))?;
    subscription.expiration_time = expiration();
    Ok(HttpResponse::Ok().json(&*subscription))
}

async fn delete(req: HttpRequest, path: web::Path<String>, oura: web::Data<Oura>) -> Reply {
    authenticate(&req, &oura)?;
    let mut st = oura.lock();
    let before = st.subscriptions.len();
    st.subscriptions.retain(|s| s.id != *path);
    if st.subscriptions.len() == before {
        return Err(unknown_subscription(&path));
    }
    Ok(HttpResponse::NoContent().finish())
}
