//! Authentication extractors. A handler that takes one can only run for a valid credential:
//!
//! - [`TenantAuth`]: an API key (`X-Open-Wearables-API-Key`) or a developer JWT
//!   (`Authorization: Bearer`) — the integrator API of seed 002.
//! - [`DeveloperAuth`]: a developer JWT only (developer portal routes).
//! - [`SdkAuth`]: a user-scoped SDK JWT, valid only on `/api/v1/sdk/…` routes and only for the
//!   user it was issued for.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use storage::Database;
use uuid::Uuid;

use crate::error::ApiError;

/// The header seed-002 clients send.
pub const API_KEY_HEADER: &str = "X-Open-Wearables-API-Key";

const DEVELOPER_SCOPE: &str = "developer";
const SDK_SCOPE: &str = "sdk";

/// HS256 signing and verification of access tokens.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    pub access_ttl_secs: i64,
}

impl JwtKeys {
    pub fn new(secret: &SecretString, access_ttl_secs: i64) -> anyhow::Result<Self> {
        let bytes = secret.expose_secret().as_bytes();
        if bytes.len() < 32 {
            anyhow::bail!("security.jwt_secret must be at least 32 bytes");
        }
        Ok(Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            access_ttl_secs,
        })
    }

    fn issue(&self, claims: &Claims) -> Result<String, ApiError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(ApiError::internal)
    }

    /// A developer access token.
    pub fn developer_token(&self, developer_id: Uuid, tenant_id: Uuid) -> Result<String, ApiError> {
        self.issue(&Claims::new(
            developer_id,
            tenant_id,
            DEVELOPER_SCOPE,
            None,
            self.access_ttl_secs,
        ))
    }

    /// An SDK access token for one user of one application.
    pub fn sdk_token(
        &self,
        user_id: Uuid,
        tenant_id: Uuid,
        app_id: &str,
    ) -> Result<String, ApiError> {
        self.issue(&Claims::new(
            user_id,
            tenant_id,
            SDK_SCOPE,
            Some(app_id.to_owned()),
            self.access_ttl_secs,
        ))
    }

    fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub"]);
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map(|d| d.claims)
            .map_err(|_| ApiError::unauthorized("Could not validate credentials"))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Claims {
    sub: Uuid,
    /// Tenant.
    tid: Uuid,
    scope: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    app_id: Option<String>,
    iat: i64,
    exp: i64,
    jti: Uuid,
}

impl Claims {
    fn new(sub: Uuid, tid: Uuid, scope: &str, app_id: Option<String>, ttl: i64) -> Self {
        let now = Utc::now().timestamp();
        Self {
            sub,
            tid,
            scope: scope.to_owned(),
            app_id,
            iat: now,
            exp: now + ttl,
            jti: Uuid::new_v4(),
        }
    }
}

/// How a [`TenantAuth`] request authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    ApiKey(Uuid),
    Developer(Uuid),
}

/// A request authenticated by an API key or a developer JWT; everything it touches is scoped to
/// `tenant_id`.
#[derive(Debug, Clone, Copy)]
pub struct TenantAuth {
    pub tenant_id: Uuid,
    pub credential: Credential,
}

/// A developer's own request (developer JWT).
#[derive(Debug, Clone, Copy)]
pub struct DeveloperAuth {
    pub developer_id: Uuid,
    pub tenant_id: Uuid,
}

/// An end user's SDK request.
#[derive(Debug, Clone)]
pub struct SdkAuth {
    pub user_id: Uuid,
    pub tenant_id: Uuid,
    pub app_id: String,
}

fn header(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// The bearer token of `Authorization`, if any; API keys sent that way get a clear 401.
fn bearer(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = header(req, "authorization") else {
        return Ok(None);
    };
    let Some((scheme, token)) = value.split_once(' ') else {
        return Err(ApiError::unauthorized("Malformed Authorization header"));
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Ok(None);
    }
    let token = token.trim();
    if token.starts_with("sk-") {
        return Err(ApiError::unauthorized(format!(
            "API keys are not bearer tokens: send them in the {API_KEY_HEADER} header"
        )));
    }
    Ok(Some(token.to_owned()))
}

fn keys(req: &HttpRequest) -> Result<web::Data<JwtKeys>, ApiError> {
    req.app_data::<web::Data<JwtKeys>>()
        .cloned()
        .ok_or_else(|| ApiError::unauthorized("Bearer tokens are not accepted by this service"))
}

fn developer_claims(req: &HttpRequest, token: &str) -> Result<DeveloperAuth, ApiError> {
    let claims = keys(req)?.verify(token)?;
    if claims.scope == SDK_SCOPE {
        return Err(ApiError::unauthorized(
            "SDK tokens can only access /api/v1/sdk endpoints",
        ));
    }
    if claims.scope != DEVELOPER_SCOPE {
        return Err(ApiError::unauthorized("Could not validate credentials"));
    }
    Ok(DeveloperAuth {
        developer_id: claims.sub,
        tenant_id: claims.tid,
    })
}

async fn api_key(db: Option<web::Data<Database>>, key: String) -> Result<TenantAuth, ApiError> {
    let db = db.ok_or_else(|| ApiError::internal("Database missing from app data"))?;
    let mut conn = db.conn().await?;
    match storage::queries::accounts::authenticate_api_key(&mut conn, &key).await? {
        Some(k) => Ok(TenantAuth {
            tenant_id: k.tenant_id,
            credential: Credential::ApiKey(k.id),
        }),
        None => Err(ApiError::unauthorized("Invalid or missing API key")),
    }
}

type AuthFuture<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

impl FromRequest for TenantAuth {
    type Error = ApiError;
    type Future = AuthFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = header(req, API_KEY_HEADER);
        let bearer = bearer(req);
        let db = req.app_data::<web::Data<Database>>().cloned();
        let developer = match (&key, &bearer) {
            (None, Ok(Some(token))) => Some(developer_claims(req, token)),
            _ => None,
        };
        Box::pin(async move {
            if let Some(key) = key {
                return api_key(db, key).await;
            }
            if let Some(dev) = developer {
                let dev = dev?;
                return Ok(TenantAuth {
                    tenant_id: dev.tenant_id,
                    credential: Credential::Developer(dev.developer_id),
                });
            }
            bearer?;
            Err(ApiError::unauthorized(
                "Authentication required: provide JWT token or API key",
            ))
        })
    }
}

impl FromRequest for DeveloperAuth {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(match bearer(req) {
            Ok(Some(token)) => developer_claims(req, &token),
            Ok(None) if header(req, API_KEY_HEADER).is_some() => Err(ApiError::unauthorized(
                "This endpoint needs a developer token (POST /api/v1/auth/login), not an API key",
            )),
            Ok(None) => Err(ApiError::unauthorized("Could not validate credentials")),
            Err(e) => Err(e),
        })
    }
}

impl FromRequest for SdkAuth {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready((|| {
            let token = bearer(req)?
                .ok_or_else(|| ApiError::unauthorized("Could not validate credentials"))?;
            let claims = keys(req)?.verify(&token)?;
            if claims.scope != SDK_SCOPE {
                return Err(ApiError::unauthorized("This endpoint needs an SDK token"));
            }
            if let Some(path_user) = req.match_info().get("user_id")
                && path_user != claims.sub.to_string()
            {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    "This SDK token belongs to another user",
                ));
            }
            Ok(SdkAuth {
                user_id: claims.sub,
                tenant_id: claims.tid,
                app_id: claims.app_id.unwrap_or_default(),
            })
        })())
    }
}

/// `Authorization: profile <sdk token>` (seed 000's form) as an [`SdkAuth`].
pub fn profile_token(req: &HttpRequest) -> Result<SdkAuth, ApiError> {
    let value = header(req, "authorization")
        .ok_or_else(|| ApiError::unauthorized("Could not validate credentials"))?;
    let Some((scheme, token)) = value.split_once(' ') else {
        return Err(ApiError::unauthorized("Malformed Authorization header"));
    };
    if !scheme.eq_ignore_ascii_case("profile") {
        return Err(ApiError::unauthorized(
            "Expected Authorization: profile <token>",
        ));
    }
    let claims = keys(req)?.verify(token.trim())?;
    if claims.scope != SDK_SCOPE {
        return Err(ApiError::unauthorized(
            "A profile token is an SDK user token",
        ));
    }
    Ok(SdkAuth {
        user_id: claims.sub,
        tenant_id: claims.tid,
        app_id: claims.app_id.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> JwtKeys {
        JwtKeys::new(&SecretString::from("0123456789abcdef0123456789abcdef"), 60).unwrap()
    }

    #[test]
    fn developer_and_sdk_tokens_carry_their_scope() {
        let k = keys();
        let (user, tenant) = (Uuid::new_v4(), Uuid::new_v4());
        let claims = k
            .verify(&k.sdk_token(user, tenant, "app_1").unwrap())
            .unwrap();
        assert_eq!(
            (claims.sub, claims.tid, claims.scope.as_str()),
            (user, tenant, SDK_SCOPE)
        );
        let claims = k.verify(&k.developer_token(user, tenant).unwrap()).unwrap();
        assert_eq!(claims.scope, DEVELOPER_SCOPE);
    }

    #[test]
    fn tokens_signed_with_another_key_or_expired_are_rejected() {
        let other = JwtKeys::new(
            &SecretString::from("another-key-another-key-another-key!"),
            60,
        )
        .unwrap();
        let token = other
            .developer_token(Uuid::new_v4(), Uuid::new_v4())
            .unwrap();
        assert!(keys().verify(&token).is_err());
        let expired = JwtKeys::new(
            &SecretString::from("0123456789abcdef0123456789abcdef"),
            -120,
        )
        .unwrap();
        let token = expired
            .developer_token(Uuid::new_v4(), Uuid::new_v4())
            .unwrap();
        assert!(keys().verify(&token).is_err());
        assert!(keys().verify("not.a.jwt").is_err());
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(JwtKeys::new(&SecretString::from("short"), 60).is_err());
    }
}
