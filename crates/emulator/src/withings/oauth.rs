//! OAuth 2.0 the Withings way (providers.md §8.1): authorize at `/oauth2_user/authorize2`
//! (comma-separated scopes, 30-second codes), `POST /v2/oauth2` with `action=requesttoken`
//! answering `{status, body}`, rotating refresh tokens whose predecessor stays valid 8 hours or
//! until the new access token is used, and `action=revoke` with a signed nonce from
//! `POST /v2/signature action=getnonce`.

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{TimeDelta, Utc};
use hmac::{Hmac, KeyInit as _, Mac as _};
use serde_json::json;
use sha2::Sha256;

use super::state::AuthCode;
use super::{Params, Withings, fail, invalid_params, ok, params};

/// Scopes granted when the authorize request names none.
const DEFAULT_SCOPE: &str = "user.info,user.metrics,user.activity,user.sleepevents";
/// How long a nonce may wait before being used, and how far `getnonce`'s timestamp may be off.
const NONCE_WINDOW_SECS: i64 = 600;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/oauth2_user/authorize2", web::get().to(authorize))
        .route("/oauth/authorize", web::get().to(authorize))
        .route("/v2/oauth2", web::post().to(oauth2))
        .route("/oauth/token", web::post().to(oauth2))
        .route("/v2/signature", web::post().to(signature));
}

/// hex HMAC-SHA256(client_secret, "{action},{client_id},{nonce or timestamp}").
pub fn sign(client_secret: &str, action: &str, client_id: &str, value: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(client_secret.as_bytes()) else {
        // HMAC accepts keys of any length; this branch cannot be taken.
        return String::new();
    };
    mac.update(format!("{action},{client_id},{value}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn page_error(detail: &str) -> HttpResponse {
    HttpResponse::build(StatusCode::BAD_REQUEST).json(json!({
        "error": "invalid_request",
        "error_description": detail,
    }))
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

/// Auto-approves like a user clicking "allow": a new user, or `login_hint=<userid>` again.
async fn authorize(req: HttpRequest, withings: web::Data<Withings>) -> HttpResponse {
    let query = params(&req, b"");
    if query.get("client_id") != Some(withings.config.client_id.as_str()) {
        return page_error("unknown client_id");
    }
    if query.get("response_type") != Some("code") {
        return page_error("response_type must be 'code'");
    }
    let Some(redirect_uri) = query.get("redirect_uri") else {
        return page_error("redirect_uri is required");
    };
    if url::Url::parse(redirect_uri).is_err() {
        return page_error("redirect_uri is not an absolute URL");
    }
    let state = query.get("state").unwrap_or_default();
    if query.get("emulator_deny") == Some("true") {
        return redirect(
            redirect_uri,
            &[("error", "access_denied"), ("state", state)],
        );
    }
    let scope = query.get("scope").unwrap_or(DEFAULT_SCOPE).to_owned();
    let code = {
        let mut st = withings.lock();
        let user = match query.get("login_hint") {
            Some(user_id) => match st.user_index(user_id) {
                Some(user) => user,
                None => return page_error("login_hint names no known user"),
            },
            None => withings.create_user(&mut st),
        };
        let code = st.secret(40);
        st.codes.insert(
            code.clone(),
            AuthCode {
                redirect_uri: redirect_uri.to_owned(),
                user,
                scope,
                expires_at: Utc::now() + TimeDelta::seconds(withings.config.code_ttl_secs),
            },
        );
        code
    };
    redirect(redirect_uri, &[("code", code.as_str()), ("state", state)])
}

async fn oauth2(req: HttpRequest, body: web::Bytes, withings: web::Data<Withings>) -> HttpResponse {
    let form = params(&req, &body);
    match form.get("action") {
        Some("requesttoken") => request_token(&form, &withings),
        Some("revoke") => revoke(&form, &withings),
        Some(_) => fail(2554, "Wrong action or wrong webservice"),
        None => invalid_params("action is required"),
    }
}

/// The client authenticates with its secret, or with a signed nonce.
fn client_authenticated(form: &Params, withings: &Withings, action: &str) -> bool {
    let config = &withings.config;
    if form.get("client_id") != Some(config.client_id.as_str()) {
        return false;
    }
    if let Some(secret) = form.get("client_secret") {
        return secret == config.client_secret;
    }
    let (Some(nonce), Some(signature)) = (form.get("nonce"), form.get("signature")) else {
        return false;
    };
    let expected = sign(&config.client_secret, action, &config.client_id, nonce);
    let fresh = withings
        .lock()
        .nonces
        .remove(nonce)
        .is_some_and(|at| Utc::now() - at < TimeDelta::seconds(NONCE_WINDOW_SECS));
    fresh && expected == signature
}

fn request_token(form: &Params, withings: &Withings) -> HttpResponse {
    let config = &withings.config;
    if !client_authenticated(form, withings, "requesttoken") {
        return invalid_params("invalid client_id or client_secret");
    }
    let mut st = withings.lock();
    let (user, scope, parent) = match form.get("grant_type") {
        Some("authorization_code") => {
            let Some(code) = form.get("code").and_then(|c| st.codes.remove(c)) else {
                return invalid_params("invalid code");
            };
            if code.expires_at <= Utc::now() {
                return invalid_params("invalid code");
            }
            if form.get("redirect_uri") != Some(code.redirect_uri.as_str()) {
                return invalid_params("redirect_uri mismatch");
            }
            (code.user, code.scope, None)
        }
        Some("refresh_token") => {
            let presented = form.get("refresh_token").unwrap_or_default().to_owned();
            if !st.refresh_usable(&presented, config.refresh_grace_secs) {
                return invalid_params("invalid refresh_token");
            }
            let Some(old) = st.refresh_tokens.get_mut(&presented) else {
                return invalid_params("invalid refresh_token");
            };
            old.superseded_at.get_or_insert_with(Utc::now);
            (old.user, old.scope.clone(), Some(presented))
        }
        _ => return invalid_params("grant_type must be authorization_code or refresh_token"),
    };
    let (access, refresh) = st.issue_tokens(
        user,
        &scope,
        config.access_token_ttl_secs,
        config.refresh_token_ttl_secs,
        parent,
    );
    let csrf = st.secret(32);
    let userid = st.users.get(user).map(|u| u.id.clone()).unwrap_or_default();
    ok(json!({
        "userid": userid,
        "access_token": access,
        "refresh_token": refresh,
        "expires_in": config.access_token_ttl_secs,
        "scope": scope,
        "csrf_token": csrf,
        "token_type": "Bearer",
    }))
}

/// `action=revoke`: `client_id`, `nonce`, `signature`, `userid`; ends every token of the user.
fn revoke(form: &Params, withings: &Withings) -> HttpResponse {
    if form.get("client_secret").is_some() || !client_authenticated(form, withings, "revoke") {
        return fail(342, "The signature (using Oauth) is invalid");
    }
    let Some(userid) = form.get("userid") else {
        return invalid_params("userid is required");
    };
    let mut st = withings.lock();
    let Some(user) = st.user_index(userid) else {
        return invalid_params("invalid userid");
    };
    st.revoke_user(user);
    ok(json!({}))
}

/// `action=getnonce`: `client_id`, `timestamp` (now ± 10 min), `signature`.
async fn signature(
    req: HttpRequest,
    body: web::Bytes,
    withings: web::Data<Withings>,
) -> HttpResponse {
    let form = params(&req, &body);
    if form.get("action") != Some("getnonce") {
        return fail(2554, "Wrong action or wrong webservice");
    }
    let config = &withings.config;
    let timestamp = match form.int("timestamp") {
        Ok(Some(t)) => t,
        Ok(None) => return invalid_params("timestamp is required"),
        Err(reject) => return reject.response(),
    };
    if (Utc::now().timestamp() - timestamp).abs() > NONCE_WINDOW_SECS {
        return invalid_params("timestamp is too far from now");
    }
    let expected = sign(
        &config.client_secret,
        "getnonce",
        &config.client_id,
        &timestamp.to_string(),
    );
    if form.get("client_id") != Some(config.client_id.as_str())
        || form.get("signature") != Some(expected.as_str())
    {
        return fail(342, "The signature (using Oauth) is invalid");
    }
    let mut st = withings.lock();
    let nonce = st.secret(40);
    st.nonces.insert(nonce.clone(), Utc::now());
    ok(json!({ "nonce": nonce }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hex_hmac_of_the_comma_joined_values() {
        let mut mac = Hmac::<Sha256>::new_from_slice(b"secret").unwrap();
        mac.update(b"getnonce,client,1700000000");
        let expected = hex::encode(mac.finalize().into_bytes());
        assert_eq!(sign("secret", "getnonce", "client", "1700000000"), expected);
        assert_eq!(expected.len(), 64);
    }
}
