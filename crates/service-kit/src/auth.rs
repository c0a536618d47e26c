//! Authentication extractors. A handler that takes `ApiKeyAuth` can only run for a valid key.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use storage::Database;
use uuid::Uuid;

use crate::error::ApiError;

/// The header seed-002 clients send.
pub const API_KEY_HEADER: &str = "X-Open-Wearables-API-Key";

/// A request authenticated by an API key; everything it touches is scoped to `tenant_id`.
#[derive(Debug, Clone, Copy)]
pub struct ApiKeyAuth {
    pub tenant_id: Uuid,
    pub api_key_id: Uuid,
}

impl FromRequest for ApiKeyAuth {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = req
            .headers()
            .get(API_KEY_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let db = req.app_data::<web::Data<Database>>().cloned();
        Box::pin(async move {
            let Some(key) = key.filter(|k| !k.is_empty()) else {
                return Err(ApiError::unauthorized(
                    "Authentication required: provide JWT token or API key",
                ));
            };
            let db = db.ok_or_else(|| ApiError::internal("Database missing from app data"))?;
            let mut conn = db.conn().await?;
            match storage::queries::accounts::authenticate_api_key(&mut conn, &key).await? {
                Some(k) => Ok(ApiKeyAuth {
                    tenant_id: k.tenant_id,
                    api_key_id: k.id,
                }),
                None => Err(ApiError::unauthorized("Invalid or missing API key")),
            }
        })
    }
}
