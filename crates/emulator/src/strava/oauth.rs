//! OAuth 2.0 as Strava does it: comma-separated scopes, client credentials in the form body (or
//! query), the athlete in the code-grant answer, six-hour access tokens, refresh tokens replaced
//! whenever a new access token is issued, and `POST /oauth/deauthorize`.

use std::collections::HashMap;

use actix_web::http::header::{AUTHORIZATION, LOCATION};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{TimeDelta, Utc};
use serde_json::json;

use super::delivery::{Event, notify};
use super::state::AuthCode;
use super::{Strava, bad_request, json as render, unauthorized};

/// Scopes Strava knows.
const SCOPES: [&str; 7] = [
    "read",
    "read_all",
    "profile:read_all",
    "profile:write",
    "activity:read",
    "activity:read_all",
    "activity:write",
];

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/oauth/authorize", web::get().to(authorize))
        .route("/oauth/token", web::post().to(token))
        .route("/oauth/deauthorize", web::post().to(deauthorize));
}

/// `POST /api/v3/oauth/token`, the token endpoint's other documented address.
pub(crate) fn configure_api_alias(cfg: &mut web::ServiceConfig) {
    cfg.route("/oauth/token", web::post().to(token));
}

/// Parameters of a query string or form body; the last value of a repeated key wins.
pub(crate) fn params(raw: &[u8]) -> HashMap<String, String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(raw)
        .unwrap_or_default()
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

/// Query and form parameters together (the form wins).
fn all_params(req: &HttpRequest, body: &[u8]) -> HashMap<String, String> {
    let mut found = params(req.query_string().as_bytes());
    found.extend(params(body));
    found
}

/// `302` to `uri` with `pairs` appended to its query.
fn redirect(uri: &str, pairs: &[(&str, &str)]) -> HttpResponse {
    let query = serde_urlencoded::to_string(pairs).unwrap_or_default();
    let separator = match uri {
        u if u.ends_with('?') || u.ends_with('&') => "",
        u if u.contains('?') => "&",
        _ => "?",
    };
    HttpResponse::Found()
        .insert_header((LOCATION, format!("{uri}{separator}{query}")))
        .finish()
}

/// Auto-approves like an athlete clicking "Authorize": a new athlete, or `login_hint=<athlete
/// id>` reconnects one; `emulator_deny=true` is the athlete clicking "Cancel".
async fn authorize(req: HttpRequest, strava: web::Data<Strava>) -> HttpResponse {
    let query = params(req.query_string().as_bytes());
    let get = |key: &str| query.get(key).map(String::as_str);
    if get("client_id") != Some(strava.config.client_id.as_str()) {
        return bad_request("Application", "client_id", "invalid");
    }
    let Some(redirect_uri) = get("redirect_uri").filter(|u| url::Url::parse(u).is_ok()) else {
        return bad_request("Application", "redirect_uri", "invalid");
    };
    if get("response_type") != Some("code") {
        return bad_request("Authorize", "response_type", "invalid");
    }
    if !matches!(get("approval_prompt"), None | Some("auto" | "force")) {
        return bad_request("Authorize", "approval_prompt", "invalid");
    }
    let scope = get("scope").unwrap_or("read");
    if scope.split(',').any(|s| !SCOPES.contains(&s)) {
        return bad_request("Authorize", "scope", "invalid");
    }
    let state = get("state").unwrap_or_default();
    if get("emulator_deny") == Some("true") {
        return redirect(
            redirect_uri,
            &[("state", state), ("error", "access_denied")],
        );
    }
    let code = {
        let mut st = strava.lock();
        let user = match get("login_hint") {
            Some(athlete_id) => match st.user_index(athlete_id) {
                Some(user) => user,
                None => return bad_request("Athlete", "login_hint", "invalid"),
            },
            None => strava.create_user(&mut st),
        };
        let code = st.secret(40);
        st.codes.insert(
            code.clone(),
            AuthCode {
                user,
                scope: scope.to_owned(),
                expires_at: Utc::now() + TimeDelta::minutes(10),
            },
        );
        code
    };
    redirect(
        redirect_uri,
        &[("state", state), ("code", &code), ("scope", scope)],
    )
}

async fn token(req: HttpRequest, body: web::Bytes, strava: web::Data<Strava>) -> HttpResponse {
    let form = all_params(&req, &body);
    let get = |key: &str| form.get(key).map(String::as_str);
    let config = &strava.config;
    if get("client_id") != Some(config.client_id.as_str()) {
        return bad_request("Application", "client_id", "invalid");
    }
    if get("client_secret") != Some(config.client_secret.as_str()) {
        return bad_request("Application", "client_secret", "invalid");
    }
    let ttl = config.access_token_ttl_secs;
    let mut st = strava.lock();
    match get("grant_type") {
        Some("authorization_code") => {
            let Some(code) = get("code").and_then(|c| st.codes.remove(c)) else {
                return bad_request("AuthorizationCode", "code", "invalid");
            };
            if code.expires_at <= Utc::now() {
                return bad_request("AuthorizationCode", "code", "invalid");
            }
            let index = st.new_grant(code.user, &code.scope, ttl);
            let (Some(grant), Some(user)) = (st.grants.get(index), st.users.get(code.user)) else {
                return bad_request("AuthorizationCode", "code", "invalid");
            };
            HttpResponse::Ok().json(json!({
                "token_type": "Bearer",
                "expires_at": grant.access_expires_at.timestamp(),
                "expires_in": ttl,
                "refresh_token": grant.refresh_token,
                "access_token": grant.access_token,
                "athlete": render::athlete_summary(user),
            }))
        }
        Some("refresh_token") => {
            let presented = get("refresh_token").unwrap_or_default();
            let Some(&index) = st.refresh_tokens.get(presented) else {
                return bad_request("RefreshToken", "refresh_token", "invalid");
            };
            let (revoked, expires_at) = match st.grants.get(index) {
                Some(g) => (g.revoked, g.access_expires_at),
                None => (true, Utc::now()),
            };
            if revoked {
                return bad_request("RefreshToken", "refresh_token", "invalid");
            }
            let reuse =
                config.refresh_reuses_fresh_token && expires_at > Utc::now() + TimeDelta::hours(1);
            if !reuse {
                st.issue_access(index, ttl);
                st.rotate_refresh(index);
            }
            let Some(grant) = st.grants.get(index) else {
                return bad_request("RefreshToken", "refresh_token", "invalid");
            };
            let expires_in = if reuse {
                (grant.access_expires_at - Utc::now()).num_seconds().max(0)
            } else {
                ttl
            };
            HttpResponse::Ok().json(json!({
                "token_type": "Bearer",
                "access_token": grant.access_token,
                "expires_at": grant.access_expires_at.timestamp(),
                "expires_in": expires_in,
                "refresh_token": grant.refresh_token,
            }))
        }
        _ => bad_request("Authorize", "grant_type", "invalid"),
    }
}

/// The Bearer token of a request, else an `access_token` parameter.
pub(crate) fn presented_token(
    req: &HttpRequest,
    params: &HashMap<String, String>,
) -> Option<String> {
    req.headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_owned())
        .or_else(|| params.get("access_token").cloned())
}

/// `POST /oauth/deauthorize`: revokes every token of the athlete for this application.
async fn deauthorize(
    req: HttpRequest,
    body: web::Bytes,
    strava: web::Data<Strava>,
) -> HttpResponse {
    let form = all_params(&req, &body);
    let Some(token) = presented_token(&req, &form) else {
        return unauthorized("Athlete", "access_token", "invalid");
    };
    let athlete_id = {
        let mut st = strava.lock();
        let Ok(grant) = st.grant_of(&token) else {
            return unauthorized("Athlete", "access_token", "invalid");
        };
        let Some(user) = st.grants.get(grant).map(|g| g.user) else {
            return unauthorized("Athlete", "access_token", "invalid");
        };
        st.revoke_user(user);
        st.users.get(user).map(|u| u.athlete.id)
    };
    if let Some(athlete_id) = athlete_id.filter(|_| strava.config.notify_app_deauthorization) {
        notify(&strava, Event::deauthorized(athlete_id)).await;
    }
    HttpResponse::Ok().json(json!({ "access_token": token }))
}
