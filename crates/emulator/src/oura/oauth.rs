//! OAuth 2.0 authorization code flow with single-use, rotating refresh tokens (providers.md 2.1).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, CACHE_CONTROL, LOCATION};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use chrono::{TimeDelta, Utc};

use super::Oura;
use super::state::AuthCode;

/// Scopes granted when the authorize request names none.
const DEFAULT_SCOPE: &str = "email personal daily heartrate workout tag session spo2Daily";

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/oauth/authorize", web::get().to(authorize))
        .route("/oauth/token", web::post().to(token))
        .route("/oauth/revoke", web::post().to(revoke));
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

fn invalid_grant(description: &str) -> HttpResponse {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", description)
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

/// Auto-approves like a user clicking "allow": a new user, or `login_hint` reconnects one.
async fn authorize(req: HttpRequest, oura: web::Data<Oura>) -> HttpResponse {
    let query = params(req.query_string().as_bytes());
    let get = |key: &str| query.get(key).map(String::as_str);
    if get("client_id") != Some(oura.config.client_id.as_str()) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "unknown client_id",
        );
    }
    if get("response_type") != Some("code") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "response_type must be 'code'",
        );
    }
    let Some(redirect_uri) = get("redirect_uri") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "redirect_uri is required",
        );
    };
    if url::Url::parse(redirect_uri).is_err() {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "redirect_uri is not an absolute URL",
        );
    }
    let state = get("state");
    let with_state = |mut list: Vec<(&'static str, String)>| {
        if let Some(state) = state {
            list.push(("state", state.to_owned()));
        }
        list
    };
    if get("emulator_deny") == Some("true") {
        let list = with_state(vec![("error", "access_denied".to_owned())]);
        return redirect(redirect_uri, &borrowed(&list));
    }

    let scope = get("scope").unwrap_or(DEFAULT_SCOPE).to_owned();
    let code = {
        let mut st = oura.lock();
        let user = match get("login_hint") {
            Some(user_id) => match st.user_index(user_id) {
                Some(user) => user,
                None => {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_request",
                        "login_hint names no known user",
                    );
                }
            },
            None => oura.create_user(&mut st),
        };
        let code = st.secret(40);
        st.codes.insert(
            code.clone(),
            AuthCode {
                client_id: oura.config.client_id.clone(),
                redirect_uri: redirect_uri.to_owned(),
                user,
                scope,
                expires_at: Utc::now() + TimeDelta::minutes(10),
            },
        );
        code
    };
    let list = with_state(vec![("code", code)]);
    redirect(redirect_uri, &borrowed(&list))
}

fn borrowed<'a>(list: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    list.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Client credentials from HTTP Basic, else from the form body.
fn client_credentials(
    req: &HttpRequest,
    form: &HashMap<String, String>,
) -> Option<(String, String)> {
    let basic = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        })
        .and_then(|b64| {
            base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .ok()
        })
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|pair| {
            pair.split_once(':')
                .map(|(id, secret)| (id.to_owned(), secret.to_owned()))
        });
    basic.or_else(|| {
        Some((
            form.get("client_id")?.clone(),
            form.get("client_secret")?.clone(),
        ))
    })
}

async fn token(req: HttpRequest, body: web::Bytes, oura: web::Data<Oura>) -> HttpResponse {
    let form = params(&body);
    let config = &oura.config;
    match client_credentials(&req, &form) {
        Some((id, secret)) if id == config.client_id && secret == config.client_secret => {}
        _ => {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client authentication failed",
            );
        }
    }
    let get = |key: &str| form.get(key).map(String::as_str);
    let issued = match get("grant_type") {
        Some("authorization_code") => {
            let mut st = oura.lock();
            let Some(code) = get("code").and_then(|code| st.codes.remove(code)) else {
                return invalid_grant("unknown, expired or already used authorization code");
            };
            if code.expires_at <= Utc::now()
                || code.client_id != config.client_id
                || get("redirect_uri") != Some(code.redirect_uri.as_str())
            {
                return invalid_grant(
                    "authorization code is expired or redirect_uri does not match",
                );
            }
            let (access, refresh) = st.issue_tokens(
                &code.client_id,
                code.user,
                &code.scope,
                config.access_token_ttl_secs,
            );
            (access, refresh, code.scope)
        }
        Some("refresh_token") => {
            let mut st = oura.lock();
            let presented = get("refresh_token").unwrap_or_default();
            let Some(old) = st
                .refresh_tokens
                .get_mut(presented)
                .filter(|t| !t.spent && t.client_id == config.client_id)
            else {
                return invalid_grant("Token Already Used Or Revoked");
            };
            old.spent = true;
            let (user, scope) = (old.user, old.scope.clone());
            let (access, refresh) = st.issue_tokens(
                &config.client_id,
                user,
                &scope,
                config.access_token_ttl_secs,
            );
            (access, refresh, scope)
        }
        Some(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "grant_type is not supported",
            );
        }
        None => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is required",
            );
        }
    };
    let (access_token, refresh_token, scope) = issued;
    HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({
            "token_type": "bearer",
            "access_token": access_token,
            "expires_in": config.access_token_ttl_secs,
            "refresh_token": refresh_token,
            "scope": scope,
        }))
}

/// `POST /oauth/revoke?access_token=..`: revokes the token and its refresh token.
async fn revoke(req: HttpRequest, body: web::Bytes, oura: web::Data<Oura>) -> HttpResponse {
    let mut found = params(req.query_string().as_bytes());
    found.extend(params(&body));
    let Some(token) = found.get("access_token") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "access_token is required",
        );
    };
    let mut st = oura.lock();
    let refresh = st.access_tokens.get_mut(token).map(|access| {
        access.revoked = true;
        access.refresh_token.clone()
    });
    if let Some(refresh) = refresh.and_then(|r| st.refresh_tokens.get_mut(&r)) {
        refresh.spent = true;
    }
    HttpResponse::Ok().finish()
}
