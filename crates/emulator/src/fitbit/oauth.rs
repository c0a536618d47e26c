//! OAuth 2.0 authorization code flow with PKCE (S256), HTTP Basic client authentication,
//! single-use rotating refresh tokens, `user_id` in the token response, and revocation
//! (providers.md §7.1).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, CACHE_CONTROL, LOCATION};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{TimeDelta, Utc};
use sha2::{Digest as _, Sha256};

use super::state::AuthCode;
use super::{Fitbit, fitbit_error};

/// Scopes granted when the authorize request names none.
pub(crate) const DEFAULT_SCOPE: &str = "activity cardio_fitness heartrate location nutrition oxygen_saturation profile respiratory_rate settings sleep social temperature weight";

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/oauth2/authorize", web::get().to(authorize))
        .route("/oauth2/token", web::post().to(token))
        .route("/oauth2/revoke", web::post().to(revoke));
}

/// Parameters of a query string or form body; the last value of a repeated key wins.
pub(crate) fn params(raw: &[u8]) -> HashMap<String, String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(raw)
        .unwrap_or_default()
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

fn invalid(error_type: &str, message: &str) -> HttpResponse {
    fitbit_error(StatusCode::BAD_REQUEST, error_type, message)
}

/// `302` to `uri` with `params` appended to its query.
fn redirect(uri: &str, params: &[(&str, &str)]) -> HttpResponse {
    let query = serde_urlencoded::to_string(params).unwrap_or_default();
    let separator = if uri.contains('?') { "&" } else { "?" };
    HttpResponse::Found()
        .insert_header((LOCATION, format!("{uri}{separator}{query}")))
        .finish()
}

/// Auto-approves like a user clicking "Allow": a new user, or `login_hint=<user id>` reuses one.
async fn authorize(req: HttpRequest, fitbit: web::Data<Fitbit>) -> HttpResponse {
    let query = params(req.query_string().as_bytes());
    let get = |key: &str| query.get(key).map(String::as_str);
    if get("client_id") != Some(fitbit.config.client_id.as_str()) {
        return invalid("invalid_client", "Invalid client_id");
    }
    let Some(redirect_uri) = get("redirect_uri").filter(|u| url::Url::parse(u).is_ok()) else {
        return invalid("invalid_request", "Missing or invalid redirect_uri");
    };
    let state = get("state").unwrap_or_default();
    let fail = |error: &str, description: &str| {
        redirect(
            redirect_uri,
            &[
                ("error", error),
                ("error_description", description),
                ("state", state),
            ],
        )
    };
    if get("response_type") != Some("code") {
        return fail("unsupported_response_type", "response_type must be 'code'");
    }
    let challenge = match (get("code_challenge"), get("code_challenge_method")) {
        (Some(c), Some("S256")) if c.len() == 43 => Some(c.to_owned()),
        (Some(_), _) => {
            return fail(
                "invalid_request",
                "code_challenge must be S256 (43 characters)",
            );
        }
        (None, _) if fitbit.config.require_pkce => {
            return fail("invalid_request", "code_challenge is required");
        }
        (None, _) => None,
    };
    if get("emulator_deny") == Some("true") {
        return fail("access_denied", "The user denied the request.");
    }
    let scope = get("scope").unwrap_or(DEFAULT_SCOPE).to_owned();
    let code = {
        let mut st = fitbit.lock();
        let user = match get("login_hint") {
            Some(id) => match st.user_index(id) {
                Some(user) => user,
                None => return invalid("invalid_request", "login_hint names no known user"),
            },
            None => fitbit.create_user(&mut st),
        };
        let code = st.secret(40);
        st.codes.insert(
            code.clone(),
            AuthCode {
                redirect_uri: redirect_uri.to_owned(),
                user,
                scope,
                code_challenge: challenge,
                expires_at: Utc::now() + TimeDelta::minutes(10),
            },
        );
        code
    };
    redirect(redirect_uri, &[("code", code.as_str()), ("state", state)])
}

/// HTTP Basic `client_id:client_secret`.
fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

fn authenticated(req: &HttpRequest, fitbit: &Fitbit) -> bool {
    matches!(basic_credentials(req), Some((id, secret))
        if id == fitbit.config.client_id && secret == fitbit.config.client_secret)
}

fn unauthorized_client() -> HttpResponse {
    fitbit_error(
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "Invalid authorization header format. The header was not recognized to be a valid header for any of known implementations or a client_id was not specified in case of a public client",
    )
}

async fn token(req: HttpRequest, body: web::Bytes, fitbit: web::Data<Fitbit>) -> HttpResponse {
    if !authenticated(&req, &fitbit) {
        return unauthorized_client();
    }
    let form = params(&body);
    let get = |key: &str| form.get(key).map(String::as_str);
    if get("client_id").is_some_and(|id| id != fitbit.config.client_id) {
        return invalid(
            "invalid_client",
            "client_id does not match the authorization header",
        );
    }
    let ttl = fitbit.config.access_token_ttl_secs;
    let mut st = fitbit.lock();
    let (user, scope) = match get("grant_type") {
        Some("authorization_code") => {
            let Some(code) = get("code").and_then(|c| st.codes.remove(c)) else {
                return invalid(
                    "invalid_grant",
                    "Authorization code invalid: unknown, expired or already used",
                );
            };
            if code.expires_at <= Utc::now() {
                return invalid("invalid_grant", "Authorization code expired");
            }
            if get("redirect_uri").is_some_and(|u| u != code.redirect_uri) {
                return invalid("invalid_grant", "Redirect_uri mismatch");
            }
            if let Some(challenge) = &code.code_challenge {
                let Some(verifier) = get("code_verifier") else {
                    return invalid("invalid_request", "Missing 'code_verifier' parameter value");
                };
                let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
                if &computed != challenge {
                    return invalid("invalid_grant", "Code verifier is invalid");
                }
            }
            (code.user, code.scope)
        }
        Some("refresh_token") => {
            let presented = get("refresh_token").unwrap_or_default();
            let Some(old) = st.refresh_tokens.get_mut(presented).filter(|t| !t.spent) else {
                return invalid(
                    "invalid_grant",
                    &format!(
                        "Refresh token invalid: {presented}. Visit https://dev.fitbit.com/docs/oauth2 for more information on the Fitbit Web API authorization process."
                    ),
                );
            };
            old.spent = true;
            (old.user, old.scope.clone())
        }
        Some(_) => return invalid("unsupported_grant_type", "The grant_type is not supported"),
        None => return invalid("invalid_request", "Missing 'grant_type' parameter value"),
    };
    let (access, refresh) = st.issue_tokens(user, &scope, ttl);
    let user_id = st.users.get(user).map(|u| u.id.clone()).unwrap_or_default();
    drop(st);
    HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({
            "access_token": access,
            "expires_in": ttl,
            "refresh_token": refresh,
            "scope": scope,
            "token_type": "Bearer",
            "user_id": user_id,
        }))
}

/// `POST /oauth2/revoke` `token=<access or refresh token>`: revokes the user's whole grant.
async fn revoke(req: HttpRequest, body: web::Bytes, fitbit: web::Data<Fitbit>) -> HttpResponse {
    if !authenticated(&req, &fitbit) {
        return unauthorized_client();
    }
    let form = params(&body);
    let Some(token) = form.get("token") else {
        return invalid("invalid_request", "Missing 'token' parameter value");
    };
    let mut st = fitbit.lock();
    let user = st
        .access_tokens
        .get(token)
        .map(|t| t.user)
        .or_else(|| st.refresh_tokens.get(token).map(|t| t.user));
    if let Some(user) = user {
        st.revoke_user(user);
    }
    HttpResponse::Ok().json(serde_json::json!({}))
}
