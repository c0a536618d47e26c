//! OAuth 2.0 authorization code + PKCE (S256) as Garmin runs it: `GET /oauth2Confirm` (the
//! consent page, auto-approved) and `POST /di-oauth2-service/oauth/token` (client credentials in
//! the form body; every response carries a new refresh token, the presented one is spent).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, CACHE_CONTROL, LOCATION};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{TimeDelta, Utc};
use sha2::{Digest as _, Sha256};

use super::Garmin;
use super::kind::{ACTIVITY_EXPORT, HEALTH_EXPORT, HISTORICAL_DATA_EXPORT};
use super::state::AuthCode;

/// What Garmin's token endpoint reports as `scope` (its own API scopes, not the user's
/// data permissions).
const TOKEN_SCOPE: &str = "PARTNER_WRITE PARTNER_READ CONNECT_READ CONNECT_WRITE";

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/oauth2Confirm", web::get().to(authorize))
        .route("/di-oauth2-service/oauth/token", web::post().to(token));
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

fn invalid_request(description: &str) -> HttpResponse {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_request", description)
}

fn invalid_grant(description: &str) -> HttpResponse {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

/// `302` to `uri` with `params` appended to its query.
fn redirect(uri: &str, params: &[(&str, String)]) -> HttpResponse {
    let query = serde_urlencoded::to_string(params).unwrap_or_default();
    let separator = if uri.contains('?') { "&" } else { "?" };
    HttpResponse::Found()
        .insert_header((LOCATION, format!("{uri}{separator}{query}")))
        .finish()
}

/// The consent page, approved at once: a new user, or `login_hint=<user id>` reconnects one.
/// `emulator_deny=true` declines; `emulator_historical=false` leaves the historical-data toggle
/// off; `emulator_permissions=A,B` grants exactly those.
async fn authorize(req: HttpRequest, garmin: web::Data<Garmin>) -> HttpResponse {
    let query = params(req.query_string().as_bytes());
    let get = |key: &str| query.get(key).map(String::as_str);
    if get("client_id") != Some(garmin.config.client_id.as_str()) {
        return invalid_request("unknown client_id");
    }
    if get("response_type") != Some("code") {
        return invalid_request("response_type must be 'code'");
    }
    let Some(redirect_uri) = get("redirect_uri").filter(|u| url::Url::parse(u).is_ok()) else {
        return invalid_request("redirect_uri must be an absolute URL");
    };
    let Some(challenge) = get("code_challenge") else {
        return invalid_request("code_challenge is required (PKCE)");
    };
    if get("code_challenge_method") != Some("S256") {
        return invalid_request("code_challenge_method must be S256");
    }
    let mut reply: Vec<(&str, String)> = Vec::new();
    if get("emulator_deny") == Some("true") {
        reply.push(("error", "access_denied".to_owned()));
    } else {
        let mut st = garmin.lock();
        let user = match get("login_hint") {
            Some(user_id) => match st.user_index(user_id) {
                Some(user) => user,
                None => return invalid_request("login_hint names no known user"),
            },
            None => garmin.create_user(&mut st, Utc::now()),
        };
        // The consent screen: what the user grants this time replaces earlier choices.
        let historical =
            garmin.config.grant_historical_data && get("emulator_historical") != Some("false");
        let granted: Vec<String> = match get("emulator_permissions") {
            Some(list) => list.split(',').map(|p| p.trim().to_owned()).collect(),
            None => [ACTIVITY_EXPORT, HEALTH_EXPORT]
                .into_iter()
                .chain(historical.then_some(HISTORICAL_DATA_EXPORT))
                .map(str::to_owned)
                .collect(),
        };
        if let Some(user) = st.users.get_mut(user) {
            user.permissions = granted;
        }
        let code = st.secret(40);
        st.codes.insert(
            code.clone(),
            AuthCode {
                redirect_uri: redirect_uri.to_owned(),
                user,
                code_challenge: challenge.to_owned(),
                expires_at: Utc::now() + TimeDelta::minutes(10),
            },
        );
        reply.push(("code", code));
    }
    if let Some(state) = get("state") {
        reply.push(("state", state.to_owned()));
    }
    redirect(redirect_uri, &reply)
}

fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
}

async fn token(req: HttpRequest, body: web::Bytes, garmin: web::Data<Garmin>) -> HttpResponse {
    let form = params(&body);
    let get = |key: &str| form.get(key).map(String::as_str);
    let config = &garmin.config;
    if req.headers().contains_key(AUTHORIZATION) && get("client_secret").is_none() {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client credentials must be sent in the request body",
        );
    }
    if get("client_id") != Some(config.client_id.as_str())
        || get("client_secret") != Some(config.client_secret.as_str())
    {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        );
    }
    let now = Utc::now();
    let mut st = garmin.lock();
    let user = match get("grant_type") {
        Some("authorization_code") => {
            let Some(code) = get("code").and_then(|c| st.codes.remove(c)) else {
                return invalid_grant("unknown, expired or already used authorization code");
            };
            if code.expires_at <= now || get("redirect_uri") != Some(code.redirect_uri.as_str()) {
                return invalid_grant("authorization code expired or redirect_uri mismatch");
            }
            if !get("code_verifier").is_some_and(|v| pkce_matches(v, &code.code_challenge)) {
                return invalid_grant("PKCE verification failed");
            }
            if let Some(user) = st.users.get_mut(code.user) {
                user.registered = true;
                user.first_connected.get_or_insert(now.timestamp());
            }
            code.user
        }
        Some("refresh_token") => {
            let grace = TimeDelta::seconds(config.refresh_grace_secs);
            let presented = get("refresh_token").unwrap_or_default();
            let Some(old) = st.refresh_tokens.get_mut(presented) else {
                return invalid_grant("invalid refresh token");
            };
            let reusable = old.used_at.is_none_or(|used| now - used <= grace);
            if old.revoked || old.expires_at <= now || !reusable {
                return invalid_grant("refresh token expired, revoked or already used");
            }
            old.used_at.get_or_insert(now);
            old.user
        }
        Some(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "grant_type is not supported",
            );
        }
        None => return invalid_request("grant_type is required"),
    };
    let (access, refresh) = st.issue_tokens(
        user,
        config.access_token_ttl_secs,
        config.refresh_token_ttl_secs,
    );
    let jti = st.secret(36);
    HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({
            "access_token": access,
            "token_type": "bearer",
            "expires_in": config.access_token_ttl_secs,
            "refresh_token": refresh,
            "refresh_token_expires_in": config.refresh_token_ttl_secs,
            "scope": TOKEN_SCOPE,
            "jti": jti,
        }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_matches_the_rfc_7636_example() {
        assert!(pkce_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!pkce_matches(
            "other",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
    }
}
