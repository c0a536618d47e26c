//! REST routes under `/fitbit/{1|1.2}/user/{-|user id}/...` (providers.md §7.3): Bearer tokens,
//! scopes, Fitbit's per-user hourly rate limit with its headers, then the endpoint.

mod endpoints;
mod paging;

use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, RETRY_AFTER};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};
use chrono::Utc;

use super::state::{Fault, State};
use super::{Fitbit, Refusal, fitbit_error};

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/{version}/user/{user}/{tail:.*}",
        web::route().to(dispatch),
    );
}

/// Who is calling, and the rate-limit headers to send back.
pub(crate) struct Caller {
    pub(crate) user: usize,
    limit: u32,
    used: u32,
    reset_secs: i64,
}

impl Caller {
    /// `200` with Fitbit's rate-limit headers.
    pub(crate) fn ok(&self) -> HttpResponseBuilder {
        self.with_headers(HttpResponse::Ok())
    }

    pub(crate) fn with_headers(&self, mut builder: HttpResponseBuilder) -> HttpResponseBuilder {
        builder
            .insert_header(("Fitbit-Rate-Limit-Limit", self.limit.to_string()))
            .insert_header((
                "Fitbit-Rate-Limit-Remaining",
                self.limit.saturating_sub(self.used).to_string(),
            ))
            .insert_header(("Fitbit-Rate-Limit-Reset", self.reset_secs.to_string()));
        builder
    }
}

async fn dispatch(
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
    fitbit: web::Data<Fitbit>,
) -> HttpResponse {
    let (version, user_part, tail) = path.into_inner();
    let Some(tail) = tail.strip_suffix(".json") else {
        return not_found("the resource must end in .json");
    };
    let segments: Vec<&str> = tail.split('/').collect();
    if segments.contains(&"apiSubscriptions") {
        return super::subscriptions::handle(&req, &fitbit, &version, &user_part, &segments).await;
    }
    if req.method() != actix_web::http::Method::GET {
        return fitbit_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "request",
            "method not allowed",
        );
    }
    let endpoint = match endpoints::Endpoint::parse(&version, &segments) {
        Ok(endpoint) => endpoint,
        Err(response) => return *response,
    };
    let mut st = fitbit.lock();
    let caller = match authorize(&req, &fitbit, &mut st, &user_part, endpoint.scope()) {
        Ok(caller) => caller,
        Err(response) => return *response,
    };
    endpoints::respond(&req, &fitbit, &st, &caller, endpoint)
}

pub(crate) fn not_found(message: &str) -> HttpResponse {
    fitbit_error(StatusCode::NOT_FOUND, "not_found", message)
}

/// Injected fault, Bearer token, path user, scope, then the hourly rate limit.
pub(crate) fn authorize(
    req: &HttpRequest,
    fitbit: &Fitbit,
    st: &mut State,
    user_part: &str,
    scope: Option<&str>,
) -> Result<Caller, Refusal> {
    if let Some(fault) = st.take_fault() {
        return Err(Box::new(fault_response(
            &fault,
            fitbit.config.rate_limit_per_hour,
        )));
    }
    let token = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_owned());
    let Some(token) = token else {
        return Err(refuse_token(
            "invalid_token",
            "Access token invalid: missing Bearer token.",
        ));
    };
    let now = Utc::now();
    let access = match st.access_tokens.get(&token) {
        None => {
            return Err(refuse_token(
                "invalid_token",
                &format!("Access token invalid: {token}"),
            ));
        }
        Some(t) if t.revoked => {
            return Err(refuse_token(
                "invalid_token",
                &format!("Access token invalid: {token}"),
            ));
        }
        Some(t) if t.expires_at <= now => {
            return Err(refuse_token(
                "expired_token",
                &format!("Access token expired: {token}"),
            ));
        }
        Some(t) => t.clone(),
    };
    let owner = st
        .users
        .get(access.user)
        .map(|u| u.id.as_str())
        .unwrap_or_default();
    if user_part != "-" && user_part != owner {
        return Err(Box::new(fitbit_error(
            StatusCode::FORBIDDEN,
            "insufficient_permissions",
            "Not allowed to read another user's data",
        )));
    }
    if let Some(scope) = scope
        && !access.scope.split_whitespace().any(|s| s == scope)
    {
        return Err(Box::new(fitbit_error(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            format!("This application does not have permission to access {scope} data."),
        )));
    }
    let limit = fitbit.config.rate_limit_per_hour;
    let used = st.count_request(access.user, now);
    let reset_secs = 3600 - now.timestamp().rem_euclid(3600);
    let caller = Caller {
        user: access.user,
        limit,
        used,
        reset_secs,
    };
    if used > limit {
        let response = caller
            .with_headers(HttpResponse::TooManyRequests())
            .insert_header((RETRY_AFTER, reset_secs.to_string()))
            .json(serde_json::json!({
                "errors": [{"errorType": "request", "message": "Too Many Requests"}],
                "success": false,
            }));
        return Err(Box::new(response));
    }
    Ok(caller)
}

fn refuse_token(error_type: &str, message: &str) -> Refusal {
    Box::new(fitbit_error(
        StatusCode::UNAUTHORIZED,
        error_type,
        format!(
            "{message}. Visit https://dev.fitbit.com/docs/oauth2 for more information on the Fitbit Web API authorization process."
        ),
    ))
}

/// An injected failure; a 429 carries `Retry-After` and Fitbit's rate-limit headers.
fn fault_response(fault: &Fault, limit: u32) -> HttpResponse {
    let status = StatusCode::from_u16(fault.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut builder = HttpResponse::build(status);
    let error_type = if status == StatusCode::TOO_MANY_REQUESTS {
        builder
            .insert_header((RETRY_AFTER, fault.retry_after.to_string()))
            .insert_header(("Fitbit-Rate-Limit-Limit", limit.to_string()))
            .insert_header(("Fitbit-Rate-Limit-Remaining", "0"))
            .insert_header(("Fitbit-Rate-Limit-Reset", fault.retry_after.to_string()));
        "request"
    } else {
        "system"
    };
    builder.json(serde_json::json!({
        "errors": [{"errorType": error_type, "message": "injected failure"}],
        "success": false,
    }))
}
