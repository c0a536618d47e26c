//! REST data routes (providers.md §8.3): `/measure` (`getmeas`), `/v2/measure` (`getactivity`,
//! `getintradayactivity`, `getworkouts`) and `/v2/sleep` (`getsummary`, `get`). Bearer tokens;
//! parameters in the query or a form body; `offset` paging with `more`.

use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, RETRY_AFTER};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{NaiveDate, Utc};
use serde_json::{Value, json};

use super::data::User;
use super::state::{Fault, State};
use super::{Params, Reject, Withings, fail, intraday, ok, params};

/// Longest `getintradayactivity` range.
const MAX_INTRADAY_SECS: i64 = 86_400;
/// Longest sleep `get` range.
const MAX_SLEEP_DETAIL_SECS: i64 = 7 * 86_400;
/// Withings' standard rate limit, per minute.
pub(crate) const RATE_LIMIT: &str = "120";

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/measure", web::post().to(measure))
        .route("/measure", web::get().to(measure))
        .route("/v2/measure", web::post().to(measure_v2))
        .route("/v2/measure", web::get().to(measure_v2))
        .route("/v2/sleep", web::post().to(sleep))
        .route("/v2/sleep", web::get().to(sleep));
}

async fn measure(req: HttpRequest, body: web::Bytes, w: web::Data<Withings>) -> HttpResponse {
    let p = params(&req, &body);
    let size = w.config.page_size;
    match p.get("action") {
        Some("getmeas") => with_user(&req, &w, |st, user| getmeas(&p, &st.users[user], size)),
        _ => fail(2554, "Wrong action or wrong webservice"),
    }
}

async fn measure_v2(req: HttpRequest, body: web::Bytes, w: web::Data<Withings>) -> HttpResponse {
    let p = params(&req, &body);
    let size = w.config.page_size;
    let (seed, tz) = (w.seed, w.tz);
    match p.get("action") {
        Some("getactivity") => with_user(&req, &w, |st, user| {
            let fields = fields(&p);
            let list = dated(
                &p,
                &st.users[user].activities,
                |a| (a.day, a.modified),
                |a| a.item(fields.as_deref()),
            )?;
            Ok(ok(paged("activities", list, &p, size, true)))
        }),
        Some("getworkouts") => with_user(&req, &w, |st, user| {
            let fields = fields(&p);
            let list = dated(
                &p,
                &st.users[user].workouts,
                |x| (x.day(), x.modified),
                |x| x.item(fields.as_deref()),
            )?;
            Ok(ok(paged("series", list, &p, size, true)))
        }),
        Some("getintradayactivity") => with_user(&req, &w, |st, user| {
            let now = Utc::now().timestamp();
            let end = p.int("enddate")?.unwrap_or(now);
            let start = p.int("startdate")?.unwrap_or(end - MAX_INTRADAY_SECS);
            if end < start || end - start > MAX_INTRADAY_SECS {
                return Err(Reject::params(
                    "startdate and enddate must be at most 24h apart",
                ));
            }
            let fields = fields(&p).unwrap_or_default();
            let user = &st.users[user];
            let series = intraday::series(user, seed, tz, start, end.min(now), &fields);
            // Withings sends an empty list, not an empty object.
            let series = if series.is_empty() {
                json!([])
            } else {
                Value::Object(series)
            };
            Ok(ok(json!({ "series": series })))
        }),
        _ => fail(2554, "Wrong action or wrong webservice"),
    }
}

async fn sleep(req: HttpRequest, body: web::Bytes, w: web::Data<Withings>) -> HttpResponse {
    let p = params(&req, &body);
    let size = w.config.page_size;
    match p.get("action") {
        Some("getsummary") => with_user(&req, &w, |st, user| {
            let fields = fields(&p);
            let list = dated(
                &p,
                &st.users[user].nights,
                |n| (night_date(&n.date), n.modified),
                |n| n.summary(fields.as_deref()),
            )?;
            Ok(ok(paged("series", list, &p, size, true)))
        }),
        Some("get") => with_user(&req, &w, |st, user| {
            let (Some(start), Some(end)) = (p.int("startdate")?, p.int("enddate")?) else {
                return Err(Reject::params("startdate and enddate are required"));
            };
            if end < start || end - start > MAX_SLEEP_DETAIL_SECS {
                return Err(Reject::params(
                    "startdate and enddate must be at most 7 days apart",
                ));
            }
            let fields = fields(&p).unwrap_or_default();
            let series: Vec<Value> = st.users[user]
                .nights
                .iter()
                .flat_map(|n| &n.segments)
                .filter(|s| s.startdate < end && s.enddate > start)
                .map(|s| s.detail(&fields))
                .collect();
            Ok(ok(json!({ "series": series, "model": 32 })))
        }),
        _ => fail(2554, "Wrong action or wrong webservice"),
    }
}

fn night_date(raw: &str) -> NaiveDate {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").unwrap_or_default()
}

/// Applies an injected fault, then Bearer authentication (marking the token used): the user.
pub(crate) fn authenticate(req: &HttpRequest, withings: &Withings) -> Result<usize, Reject> {
    let mut st = withings.lock();
    if let Some(fault) = st.take_fault() {
        return Err(Reject::Fault(fault));
    }
    let token = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_owned());
    let user = token.as_deref().and_then(|token| {
        let t = st.access_tokens.get_mut(token)?;
        if t.revoked || t.expires_at <= Utc::now() {
            return None;
        }
        t.used = true;
        Some(t.user)
    });
    match user {
        Some(user) if user < st.users.len() => Ok(user),
        _ => Err(Reject::Withings {
            status: 401,
            error: INVALID_TOKEN.to_owned(),
        }),
    }
}

/// [`authenticate`], then `f` on the state under the lock.
fn with_user(
    req: &HttpRequest,
    withings: &Withings,
    f: impl FnOnce(&mut State, usize) -> Result<HttpResponse, Reject>,
) -> HttpResponse {
    match authenticate(req, withings) {
        Ok(user) => f(&mut withings.lock(), user).unwrap_or_else(|e| e.response()),
        Err(reject) => reject.response(),
    }
}

/// Withings' answer (status 401) to a missing, unknown, expired or revoked access token.
const INVALID_TOKEN: &str =
    "XRequestID: Not provided invalid_token: The access token provided is invalid";

pub(crate) fn invalid_token() -> HttpResponse {
    fail(401, INVALID_TOKEN)
}

/// `fail-next`: 429 and 5xx are HTTP statuses (429 with Withings' rate-limit headers); any other
/// value is a Withings `status` in an HTTP 200 (e.g. 601 "Too Many Requests").
pub(crate) fn fault_response(fault: &Fault) -> HttpResponse {
    let status = StatusCode::from_u16(fault.status).unwrap_or(StatusCode::OK);
    if status == StatusCode::TOO_MANY_REQUESTS {
        let reset = Utc::now().timestamp() + fault.retry_after as i64;
        return HttpResponse::TooManyRequests()
            .insert_header((RETRY_AFTER, fault.retry_after.to_string()))
            .insert_header(("X-RateLimit-Limit", RATE_LIMIT))
            .insert_header(("X-RateLimit-Remaining", "0"))
            .insert_header(("X-RateLimit-Reset", reset.to_string()))
            .json(json!({"status": 601, "body": {}, "error": "Too Many Requests"}));
    }
    if status.is_server_error() {
        return HttpResponse::build(status)
            .json(json!({"status": 2555, "body": {}, "error": "An unknown error occurred"}));
    }
    let error = if fault.status == 601 {
        "Too Many Requests"
    } else {
        "injected failure"
    };
    fail(i64::from(fault.status), error)
}

/// `data_fields`, split on commas.
fn fields(p: &Params) -> Option<Vec<&str>> {
    p.get("data_fields").map(|f| {
        f.split(',')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .collect()
    })
}

/// Items selected by `startdateymd`..`enddateymd` (inclusive local dates) or `lastupdate`.
fn dated<T>(
    p: &Params,
    items: &[T],
    key: impl Fn(&T) -> (NaiveDate, i64),
    render: impl Fn(&T) -> Value,
) -> Result<Vec<Value>, Reject> {
    let day = |k: &str| match p.get(k) {
        None => Ok(None),
        Some(raw) => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| Reject::params(&format!("{k} must be YYYY-MM-DD"))),
    };
    let (start, end, lastupdate) = (
        day("startdateymd")?,
        day("enddateymd")?,
        p.int("lastupdate")?,
    );
    let keep: Box<dyn Fn(&T) -> bool> = match (start, end, lastupdate) {
        (Some(s), Some(e), _) if s <= e => Box::new(move |t| (s..=e).contains(&key(t).0)),
        (Some(_), Some(_), _) => return Err(Reject::params("startdateymd is after enddateymd")),
        (None, None, Some(since)) => Box::new(move |t| key(t).1 >= since),
        _ => {
            return Err(Reject::params(
                "startdateymd and enddateymd, or lastupdate, are required",
            ));
        }
    };
    Ok(items.iter().filter(|t| keep(t)).map(render).collect())
}

/// One page of `list` at `offset`: `more` as a boolean (v2 actions) or 0/1 (`getmeas`).
fn paged(field: &str, list: Vec<Value>, p: &Params, size: usize, boolean: bool) -> Value {
    let offset = usize::try_from(p.int("offset").ok().flatten().unwrap_or(0)).unwrap_or(0);
    let total = list.len();
    let page: Vec<Value> = list.into_iter().skip(offset).take(size).collect();
    let next = offset + size;
    let more = next < total;
    let more_value = if boolean {
        json!(more)
    } else {
        json!(u8::from(more))
    };
    json!({
        field: page,
        "more": more_value,
        "offset": if more { next } else { 0 },
    })
}

fn getmeas(p: &Params, u: &User, size: usize) -> Result<HttpResponse, Reject> {
    let mut types: Vec<i64> = Vec::new();
    if let Some(t) = p.int("meastype")? {
        types.push(t);
    }
    if let Some(list) = p.get("meastypes") {
        for t in list.split(',') {
            types.push(
                t.trim()
                    .parse()
                    .map_err(|_| Reject::params("meastypes must be integers"))?,
            );
        }
    }
    let category = p.int("category")?;
    let (start, end) = (p.int("startdate")?, p.int("enddate")?);
    let lastupdate = p.int("lastupdate")?;
    let mut groups: Vec<Value> = u
        .measures
        .iter()
        .filter(|g| category.is_none_or(|c| i64::from(g.category) == c))
        .filter(|g| match lastupdate {
            Some(since) => g.modified >= since,
            None => start.is_none_or(|s| g.date >= s) && end.is_none_or(|e| g.date <= e),
        })
        .filter_map(|g| {
            let mut group = g.clone();
            if !types.is_empty() {
                group.measures.retain(|m| types.contains(&m.kind));
            }
            (!group.measures.is_empty()).then(|| serde_json::to_value(&group).unwrap_or_default())
        })
        .collect();
    // Newest first, as Withings answers.
    groups.reverse();
    let mut body = paged("measuregrps", groups, p, size, false);
    body["updatetime"] = json!(Utc::now().timestamp());
    body["timezone"] = json!(u.timezone);
    Ok(ok(body))
}
