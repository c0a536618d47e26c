//! The one JSON error envelope: `{"detail": "<message>", "code": "<stable_code>"}`.
//!
//! Seed-002 clients read `detail`; `code` is stable and machine-readable. 5xx bodies are
//! opaque: the cause is logged, never returned.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct ErrorBody {
    pub detail: String,
    pub code: &'static str,
}

#[derive(Debug, thiserror::Error)]
#[error("{detail}")]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    detail: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
        }
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", detail)
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }

    /// An unexpected failure: logged with its cause, answered with an opaque 500.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Internal server error",
        )
    }

    /// A dependency (database, broker, provider) is unavailable: 503, caller may retry.
    pub fn unavailable(cause: impl std::fmt::Display) -> Self {
        tracing::warn!(error = %cause, "dependency unavailable");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service_unavailable",
            "Service temporarily unavailable, retry later",
        )
    }

    pub fn code(&self) -> &'static str {
        self.code
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status).json(ErrorBody {
            detail: self.detail.clone(),
            code: self.code,
        })
    }
}

impl From<storage::StorageError> for ApiError {
    fn from(e: storage::StorageError) -> Self {
        match e {
            storage::StorageError::Pool(_) => ApiError::unavailable(e),
            other => ApiError::internal(other),
        }
    }
}

/// Routes actix's own extractor failures (bad JSON, bad query, bad path) through the envelope.
pub fn configure_extractors(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::JsonConfig::default().limit(1 << 20).error_handler(
        |err, _req: &HttpRequest| {
            ApiError::bad_request("invalid_body", format!("Invalid JSON body: {err}")).into()
        },
    ))
    .app_data(web::QueryConfig::default().error_handler(|err, _req| {
        ApiError::bad_request("invalid_query", format!("Invalid query parameters: {err}")).into()
    }))
    .app_data(web::PathConfig::default().error_handler(|err, _req| {
        ApiError::bad_request("invalid_path", format!("Invalid path parameter: {err}")).into()
    }))
    .app_data(web::FormConfig::default().error_handler(|err, _req| {
        ApiError::bad_request("invalid_form", format!("Invalid form body: {err}")).into()
    }));
}

/// The default service: unknown routes answer 404 in the envelope.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found(format!(
        "No route for {} {}",
        req.method(),
        req.path()
    )))
}
