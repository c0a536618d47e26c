//! Provider connections. Tokens go in and out as `SecretString`; only ciphertext is stored.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use secrecy::SecretString;
use uuid::Uuid;

use crate::crypto::TokenCipher;
use crate::error::StorageError;
use crate::schema::connections;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = connections)]
pub struct Connection {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub user_id: Uuid,
    pub provider: String,
    pub provider_user_id: Option<String>,
    pub provider_username: Option<String>,
    pub scope: Option<String>,
    pub status: String,
    pub access_token_enc: Option<Vec<u8>>,
    pub refresh_token_enc: Option<Vec<u8>>,
    pub token_expires_at: Option<DateTime<Utc>>,
    pub last_synced_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Decrypted tokens of a connection.
pub struct Tokens {
    pub access_token: Option<SecretString>,
    pub refresh_token: Option<SecretString>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl Connection {
    pub fn tokens(&self, cipher: &TokenCipher) -> Result<Tokens, StorageError> {
        let open = |v: &Option<Vec<u8>>| v.as_deref().map(|b| cipher.open(b)).transpose();
        Ok(Tokens {
            access_token: open(&self.access_token_enc)?,
            refresh_token: open(&self.refresh_token_enc)?,
            expires_at: self.token_expires_at,
        })
    }
}

pub struct NewConnection<'a> {
    pub tenant_id: Uuid,
    pub user_id: Uuid,
    pub provider: &'a str,
    pub provider_user_id: Option<&'a str>,
    pub provider_username: Option<&'a str>,
    pub scope: Option<&'a str>,
    pub access_token: &'a SecretString,
    pub refresh_token: Option<&'a SecretString>,
    pub token_expires_at: Option<DateTime<Utc>>,
}

/// Creates the user's connection to a provider, or re-activates and re-keys the existing one.
pub async fn upsert_authorized(
    conn: &mut AsyncPgConnection,
    cipher: &TokenCipher,
    new: NewConnection<'_>,
) -> Result<Connection, StorageError> {
    let access = cipher.seal(new.access_token)?;
    let refresh = new.refresh_token.map(|t| cipher.seal(t)).transpose()?;
    Ok(diesel::insert_into(connections::table)
        .values((
            connections::id.eq(Uuid::new_v4()),
            connections::tenant_id.eq(new.tenant_id),
            connections::user_id.eq(new.user_id),
            connections::provider.eq(new.provider),
            connections::provider_user_id.eq(new.provider_user_id),
            connections::provider_username.eq(new.provider_username),
            connections::scope.eq(new.scope),
            connections::status.eq("active"),
            connections::access_token_enc.eq(&access),
            connections::refresh_token_enc.eq(&refresh),
            connections::token_expires_at.eq(new.token_expires_at),
        ))
        .on_conflict((connections::user_id, connections::provider))
        .do_update()
        .set((
            connections::provider_user_id.eq(new.provider_user_id),
            connections::provider_username.eq(new.provider_username),
            connections::scope.eq(new.scope),
            connections::status.eq("active"),
            connections::access_token_enc.eq(&access),
            connections::refresh_token_enc.eq(&refresh),
            connections::token_expires_at.eq(new.token_expires_at),
            connections::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Connection::as_returning())
        .get_result(conn)
        .await?)
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> Result<Option<Connection>, StorageError> {
    Ok(connections::table
        .find(id)
        .select(Connection::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The same connection, locked for update: serialises token refreshes of one connection.
pub async fn find_for_update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> Result<Option<Connection>, StorageError> {
    Ok(connections::table
        .find(id)
        .select(Connection::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

pub async fn list_for_user(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
) -> Result<Vec<Connection>, StorageError> {
    Ok(connections::table
        .filter(connections::user_id.eq(user_id))
        .order(connections::created_at.asc())
        .select(Connection::as_select())
        .load(conn)
        .await?)
}

/// Active connections of one provider account (several Wearhouse users may link the same one).
pub async fn find_active_by_provider_account(
    conn: &mut AsyncPgConnection,
    provider: &str,
    provider_user_id: &str,
) -> Result<Vec<Connection>, StorageError> {
    Ok(connections::table
        .filter(connections::provider.eq(provider))
        .filter(connections::provider_user_id.eq(provider_user_id))
        .filter(connections::status.eq("active"))
        .select(Connection::as_select())
        .load(conn)
        .await?)
}

/// Stores refreshed tokens. A `None` refresh token keeps the stored one.
pub async fn update_tokens(
    conn: &mut AsyncPgConnection,
    cipher: &TokenCipher,
    id: Uuid,
    access_token: &SecretString,
    refresh_token: Option<&SecretString>,
    expires_at: Option<DateTime<Utc>>,
) -> Result<(), StorageError> {
    let access = cipher.seal(access_token)?;
    let target = connections::table.find(id);
    match refresh_token {
        Some(r) => {
            diesel::update(target)
                .set((
                    connections::access_token_enc.eq(access),
                    connections::refresh_token_enc.eq(cipher.seal(r)?),
                    connections::token_expires_at.eq(expires_at),
                    connections::updated_at.eq(diesel::dsl::now),
                ))
                .execute(conn)
                .await?
        }
        None => {
            diesel::update(target)
                .set((
                    connections::access_token_enc.eq(access),
                    connections::token_expires_at.eq(expires_at),
                    connections::updated_at.eq(diesel::dsl::now),
                ))
                .execute(conn)
                .await?
        }
    };
    Ok(())
}

pub async fn set_status(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: &str,
) -> Result<(), StorageError> {
    diesel::update(connections::table.find(id))
        .set((
            connections::status.eq(status),
            connections::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn mark_synced(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    at: DateTime<Utc>,
) -> Result<(), StorageError> {
    diesel::update(connections::table.find(id))
        .set(connections::last_synced_at.eq(at))
        .execute(conn)
        .await?;
    Ok(())
}

/// Records the scope (permissions) the user currently grants.
pub async fn set_scope(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    scope: &str,
) -> Result<(), StorageError> {
    diesel::update(connections::table.find(id))
        .set((
            connections::scope.eq(scope),
            connections::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}
