//! OAuth 2.0 authorization code flow as Polar runs it: authorize at `/oauth2/authorization`, token
//! at `/v2/oauth2/token` with HTTP Basic client authentication only, no refresh token, and the
//! user id as `x_user_id` in the token response.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, CACHE_CONTROL, LOCATION};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use chrono::{TimeDelta, Utc};

use super::Polar;
use super::state::AuthCode;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/oauth2/authorization", web::get().to(authorize))
        .route("/v2/oauth2/token", web::post().to(token));
}

/// Parameters of a query string or form body; the last value of a repeated key wins.
pub(crate) fn params(raw: &[u8]) -> HashMap<String, String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(raw)
        .unwrap_or_default()
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> HttpResponse {
    HttpResponse::build(status).json(serde_json::json!({
        "error": error,
        "error_description": description,
    }))
}

/// `302` to `uri` with `params` appended to its query.
fn redirect(uri: &str, params: &[(&str, &str)]) -> HttpResponse {
    let query = serde_urlencoded::to_string(params).unwrap_or_default();
    let separator = match uri {
        u if u.ends_with('?') || u.ends_with('&') => "",
        u if u.contains('?') => "&",
        _ => "?",
    };
    HttpResponse::Found()
        .insert_header((LOCATION, format!("{uri}{separator}{query}")))
        .finish()
}

/// Auto-approves like a user clicking "accept": a new user, or `login_hint=<x_user_id>` reuses one.
async fn authorize(req: HttpRequest, polar: web::Data<Polar>) -> HttpResponse {
    let query = params(req.query_string().as_bytes());
    let get = |key: &str| query.get(key).map(String::as_str);
    if get("client_id") != Some(polar.config.client_id.as_str()) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "unknown client_id",
        );
    }
    if get("response_type") != Some("code") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_response_type",
            "response_type must be 'code'",
        );
    }
    // Polar falls back to the redirect URI registered for the client; the emulator needs one.
    let Some(redirect_uri) = get("redirect_uri").filter(|u| url::Url::parse(u).is_ok()) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "redirect_uri must be an absolute URL",
        );
    };
    if let Some(scope) = get("scope")
        && scope.split(' ').any(|s| s != "accesslink.read_all")
    {
        let mut list = vec![("error", "invalid_scope")];
        list.extend(get("state").map(|s| ("state", s)));
        return redirect(redirect_uri, &list);
    }
    if get("emulator_deny") == Some("true") {
        let mut list = vec![("error", "access_denied")];
        list.extend(get("state").map(|s| ("state", s)));
        return redirect(redirect_uri, &list);
    }
    let code = {
        let mut st = polar.lock();
        let user = match get("login_hint") {
            Some(hint) => match hint.parse().ok().and_then(|id| st.user_index(id)) {
                Some(user) => user,
                None => {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_request",
                        "login_hint names no known user",
                    );
                }
            },
            None => polar.create_user(&mut st),
        };
        let code = st.secret(32);
        st.codes.insert(
            code.clone(),
            AuthCode {
                redirect_uri: get("redirect_uri").map(str::to_owned),
                user,
                expires_at: Utc::now() + TimeDelta::minutes(10),
            },
        );
        code
    };
    let mut list = vec![("code", code.as_str())];
    list.extend(get("state").map(|s| ("state", s)));
    redirect(redirect_uri, &list)
}

/// `client_id:client_secret` from HTTP Basic (each part form-decoded, as RFC 6749 §2.3.1 asks).
pub(crate) fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, b64) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let pair = String::from_utf8(raw).ok()?;
    let (id, secret) = pair.split_once(':')?;
    let decode = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((decode(id)?, decode(secret)?))
}

async fn token(req: HttpRequest, body: web::Bytes, polar: web::Data<Polar>) -> HttpResponse {
    let config = &polar.config;
    match basic_credentials(&req) {
        Some((id, secret)) if id == config.client_id && secret == config.client_secret => {}
        _ => {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client authentication failed (HTTP Basic required)",
            );
        }
    }
    let form = params(&body);
    let get = |key: &str| form.get(key).map(String::as_str);
    match get("grant_type") {
        Some("authorization_code") => {}
        Some(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "only authorization_code is supported",
            );
        }
        None => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is required",
            );
        }
    }
    let (access_token, user_id) = {
        let mut st = polar.lock();
        let Some(code) = get("code").and_then(|code| st.codes.remove(code)) else {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "unknown, expired or already used authorization code",
            );
        };
        let redirect_matches = match &code.redirect_uri {
            Some(expected) => get("redirect_uri") == Some(expected.as_str()),
            None => true,
        };
        if code.expires_at <= Utc::now() || !redirect_matches {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "authorization code expired or redirect_uri does not match",
            );
        }
        let access = st.issue_token(code.user, config.access_token_ttl_secs);
        let user_id = st.users.get(code.user).map(|u| u.id).unwrap_or_default();
        (access, user_id)
    };
    HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({
            "access_token": access_token,
            "token_type": "bearer",
            "expires_in": config.access_token_ttl_secs,
            "x_user_id": user_id,
        }))
}
