//! Single-use OAuth `state` values. Only their SHA-256 is stored.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::error::StorageError;
use crate::queries::hash_secret;
use crate::schema::oauth_states;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = oauth_states)]
pub struct OAuthState {
    pub tenant_id: Uuid,
    pub user_id: Uuid,
    pub provider: String,
    pub redirect_uri: Option<String>,
    pub pkce_verifier_enc: Option<Vec<u8>>,
    pub expires_at: DateTime<Utc>,
    pub integration_id: Option<Uuid>,
}

pub struct NewOAuthState<'a> {
    pub state: &'a str,
    pub tenant_id: Uuid,
    pub user_id: Uuid,
    pub provider: &'a str,
    pub redirect_uri: Option<&'a str>,
    pub pkce_verifier_enc: Option<Vec<u8>>,
    pub expires_at: DateTime<Utc>,
    pub integration_id: Option<Uuid>,
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    new: NewOAuthState<'_>,
) -> Result<(), StorageError> {
    diesel::insert_into(oauth_states::table)
        .values((
            oauth_states::state_hash.eq(hash_secret(new.state)),
            oauth_states::tenant_id.eq(new.tenant_id),
            oauth_states::user_id.eq(new.user_id),
            oauth_states::provider.eq(new.provider),
            oauth_states::redirect_uri.eq(new.redirect_uri),
            oauth_states::pkce_verifier_enc.eq(new.pkce_verifier_enc),
            oauth_states::expires_at.eq(new.expires_at),
            oauth_states::integration_id.eq(new.integration_id),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes and returns the state if it exists and has not expired: a state works once.
pub async fn take(
    conn: &mut AsyncPgConnection,
    state: &str,
    now: DateTime<Utc>,
) -> Result<Option<OAuthState>, StorageError> {
    let row = diesel::delete(oauth_states::table)
        .filter(oauth_states::state_hash.eq(hash_secret(state)))
        .returning(OAuthState::as_returning())
        .get_result(conn)
        .await
        .optional()?;
    Ok(row.filter(|s| s.expires_at > now))
}

/// Deletes and returns the state even when it has expired (the caller then knows where to send
/// the user with `error=invalid_state`). `None` when unknown or already used.
pub async fn take_any(
    conn: &mut AsyncPgConnection,
    state: &str,
) -> Result<Option<OAuthState>, StorageError> {
    Ok(diesel::delete(oauth_states::table)
        .filter(oauth_states::state_hash.eq(hash_secret(state)))
        .returning(OAuthState::as_returning())
        .get_result(conn)
        .await
        .optional()?)
}

/// Removes expired states; returns how many.
pub async fn purge_expired(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
) -> Result<usize, StorageError> {
    Ok(diesel::delete(oauth_states::table)
        .filter(oauth_states::expires_at.le(now))
        .execute(conn)
        .await?)
}
