//! OAuth 2.0 as WHOOP runs it (Ory Hydra): authorization code flow, credentials in the form
//! body, optional PKCE, a refresh token only for the `offline` scope, rotating single-use
//! refresh tokens (providers.md 3.1).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, CACHE_CONTROL, LOCATION};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{TimeDelta, Utc};
use sha2::{Digest as _, Sha256};

use super::Whoop;
use super::state::AuthCode;

/// Every scope a WHOOP app may ask for.
const KNOWN_SCOPES: [&str; 7] = [
    "offline",
    "read:recovery",
    "read:cycles",
    "read:workout",
    "read:sleep",
    "read:profile",
    "read:body_measurement",
];

const INVALID_GRANT: &str = "The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.";

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/oauth/oauth2/auth", web::get().to(authorize))
        .route("/oauth/oauth2/token", web::post().to(token))
        .route("/oauth/authorize", web::get().to(authorize))
        .route("/oauth/token", web::post().to(token));
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

/// Auto-approves like a member clicking "allow": a new member, or `login_hint` reconnects one.
async fn authorize(req: HttpRequest, whoop: web::Data<Whoop>) -> HttpResponse {
    let query = params(req.query_string().as_bytes());
    let get = |key: &str| query.get(key).map(String::as_str);
    let bad = |d: &str| oauth_error(StatusCode::BAD_REQUEST, "invalid_request", d);
    if get("client_id") != Some(whoop.config.client_id.as_str()) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "unknown client_id",
        );
    }
    let Some(redirect_uri) = get("redirect_uri").filter(|u| url::Url::parse(u).is_ok()) else {
        return bad("redirect_uri is missing or not an absolute URL");
    };
    let state = get("state").unwrap_or_default();
    let fail = |error: &str, description: &str| {
        let mut list = vec![("error", error), ("error_description", description)];
        if !state.is_empty() {
            list.push(("state", state));
        }
        redirect(redirect_uri, &list)
    };
    if get("response_type") != Some("code") {
        return fail("unsupported_response_type", "response_type must be 'code'");
    }
    if state.chars().count() < whoop.config.min_state_len {
        return fail(
            "invalid_state",
            "The state is missing or does not have enough characters and is therefore considered too weak.",
        );
    }
    let scope = get("scope").unwrap_or_default();
    if scope
        .split(' ')
        .any(|s| !s.is_empty() && !KNOWN_SCOPES.contains(&s))
    {
        return fail(
            "invalid_scope",
            "The requested scope is invalid, unknown, or malformed.",
        );
    }
    let pkce = match (
        get("code_challenge"),
        get("code_challenge_method").unwrap_or("plain"),
    ) {
        (None, _) => None,
        (Some(c), m @ ("S256" | "plain")) => Some((c.to_owned(), m.to_owned())),
        (Some(_), _) => return fail("invalid_request", "unsupported code_challenge_method"),
    };
    if get("emulator_deny") == Some("true") {
        return fail("access_denied", "The resource owner denied the request");
    }
    let scope = scope
        .split(' ')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let code = {
        let mut st = whoop.lock();
        let user = match get("login_hint") {
            Some(user_id) => match st.user_index(user_id) {
                Some(user) => user,
                None => return fail("invalid_request", "login_hint names no known member"),
            },
            None => whoop.create_user(&mut st, Utc::now()),
        };
        let code = format!("ory_ac_{}", st.secret(43));
        let entry = AuthCode {
            redirect_uri: redirect_uri.to_owned(),
            user,
            scope,
            expires_at: Utc::now() + TimeDelta::minutes(10),
            pkce,
        };
        st.codes.insert(code.clone(), entry);
        code
    };
    redirect(
        redirect_uri,
        &[
            ("code", &code),
            ("scope", get("scope").unwrap_or_default()),
            ("state", state),
        ],
    )
}

/// Client credentials from the form body (and, when allowed, HTTP Basic).
fn client_credentials(
    req: &HttpRequest,
    form: &HashMap<String, String>,
    accept_basic: bool,
) -> Option<(String, String)> {
    let basic = || {
        let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
        let encoded = value
            .strip_prefix("Basic ")
            .or_else(|| value.strip_prefix("basic "))?;
        let pair = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
        pair.split_once(':')
            .map(|(i, s)| (i.to_owned(), s.to_owned()))
    };
    let body = Some((
        form.get("client_id")?.clone(),
        form.get("client_secret")?.clone(),
    ));
    match body {
        Some(pair) => Some(pair),
        None if accept_basic => basic(),
        None => None,
    }
}

fn pkce_matches(challenge: &str, method: &str, verifier: Option<&str>) -> bool {
    let Some(verifier) = verifier else {
        return false;
    };
    match method {
        "S256" => URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge,
        _ => verifier == challenge,
    }
}

async fn token(req: HttpRequest, body: web::Bytes, whoop: web::Data<Whoop>) -> HttpResponse {
    let form = params(&body);
    let config = &whoop.config;
    match client_credentials(&req, &form, config.accept_basic_auth) {
        Some((id, secret)) if id == config.client_id && secret == config.client_secret => {}
        _ => {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "Client authentication failed (e.g., unknown client, no client authentication included, or unsupported authentication method).",
            );
        }
    }
    let get = |key: &str| form.get(key).map(String::as_str);
    let invalid_grant = || oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", INVALID_GRANT);
    let mut st = whoop.lock();
    let (user, scope) = match get("grant_type") {
        Some("authorization_code") => {
            let Some(code) = get("code").and_then(|code| st.codes.remove(code)) else {
                return invalid_grant();
            };
            let pkce_ok = code
                .pkce
                .as_ref()
                .is_none_or(|(c, m)| pkce_matches(c, m, get("code_verifier")));
            if code.expires_at <= Utc::now()
                || get("redirect_uri") != Some(code.redirect_uri.as_str())
                || !pkce_ok
            {
                return invalid_grant();
            }
            (code.user, code.scope)
        }
        Some("refresh_token") => {
            let presented = get("refresh_token").unwrap_or_default();
            let Some(old) = st.refresh_tokens.get_mut(presented).filter(|t| !t.spent) else {
                return invalid_grant();
            };
            let granted: Vec<&str> = old.scope.split(' ').collect();
            if get("scope").is_some_and(|s| s.split(' ').any(|s| !granted.contains(&s))) {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_scope",
                    "The requested scope is invalid, unknown, or malformed.",
                );
            }
            old.spent = true;
            (old.user, old.scope.clone())
        }
        Some(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "The authorization grant type is not supported by the authorization server.",
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
    let (access_token, refresh_token) = st.issue_tokens(user, &scope, config.access_token_ttl_secs);
    let mut answer = serde_json::json!({
        "access_token": access_token,
        "expires_in": config.access_token_ttl_secs,
        "scope": scope,
        "token_type": "bearer",
    });
    if let Some(refresh) = refresh_token {
        answer["refresh_token"] = serde_json::Value::String(refresh);
    }
    HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_challenges_match_their_verifier_only() {
        // RFC 7636 appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_matches(challenge, "S256", Some(verifier)));
        assert!(!pkce_matches(challenge, "S256", Some("other")));
        assert!(!pkce_matches(challenge, "S256", None));
        assert!(pkce_matches("plain-one", "plain", Some("plain-one")));
    }
}
