//! Refresh tokens: stored as SHA-256, single use (each use rotates), revocable.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::error::StorageError;
use crate::queries::hash_secret;
use crate::schema::refresh_tokens;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshToken {
    pub id: Uuid,
    pub kind: String,
    pub tenant_id: Uuid,
    pub user_id: Option<Uuid>,
    pub developer_id: Option<Uuid>,
    pub app_id: Option<String>,
    pub expires_at: DateTime<Utc>,
}

pub struct NewRefreshToken<'a> {
    pub token: &'a str,
    pub kind: &'a str,
    pub tenant_id: Uuid,
    pub user_id: Option<Uuid>,
    pub developer_id: Option<Uuid>,
    pub app_id: Option<&'a str>,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    new: NewRefreshToken<'_>,
) -> Result<(), StorageError> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::id.eq(Uuid::new_v4()),
            refresh_tokens::token_hash.eq(hash_secret(new.token)),
            refresh_tokens::kind.eq(new.kind),
            refresh_tokens::tenant_id.eq(new.tenant_id),
            refresh_tokens::user_id.eq(new.user_id),
            refresh_tokens::developer_id.eq(new.developer_id),
            refresh_tokens::app_id.eq(new.app_id),
            refresh_tokens::expires_at.eq(new.expires_at),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks the token used and returns it, if it is valid: not used, not revoked, not expired.
/// The update is atomic, so of two concurrent uses exactly one wins.
pub async fn consume(
    conn: &mut AsyncPgConnection,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<RefreshToken>, StorageError> {
    Ok(diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::token_hash.eq(hash_secret(token)))
            .filter(refresh_tokens::used_at.is_null())
            .filter(refresh_tokens::revoked_at.is_null())
            .filter(refresh_tokens::expires_at.gt(now)),
    )
    .set(refresh_tokens::used_at.eq(now))
    .returning(RefreshToken::as_returning())
    .get_result(conn)
    .await
    .optional()?)
}

/// Revokes a token; false when unknown or already revoked.
pub async fn revoke(conn: &mut AsyncPgConnection, token: &str) -> Result<bool, StorageError> {
    let n = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::token_hash.eq(hash_secret(token)))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await?;
    Ok(n == 1)
}
