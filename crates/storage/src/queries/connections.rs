//! Provider connections. Tokens go in and out as `SecretString`; only ciphertext is stored.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
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
    pub integration_id: Option<Uuid>,
    pub status_reason: Option<String>,
    pub status_changed_at: DateTime<Utc>,
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
    pub integration_id: Option<Uuid>,
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

/// Creates the user's connection to a provider, or re-activates and re-keys the existing one
/// (same id, so its history stays), recording the transition.
pub async fn upsert_authorized(
    conn: &mut AsyncPgConnection,
    cipher: &TokenCipher,
    new: NewConnection<'_>,
) -> Result<Connection, StorageError> {
    let access = cipher.seal(new.access_token)?;
    let refresh = new.refresh_token.map(|t| cipher.seal(t)).transpose()?;
    conn.transaction::<_, StorageError, _>(async |tx| {
        let previous: Option<String> = connections::table
            .filter(connections::user_id.eq(new.user_id))
            .filter(connections::provider.eq(new.provider))
            .select(connections::status)
            .for_update()
            .first(tx)
            .await
            .optional()?;
        let row = diesel::insert_into(connections::table)
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
                connections::integration_id.eq(new.integration_id),
                connections::status_reason.eq("authorized"),
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
                connections::integration_id.eq(new.integration_id),
                connections::status_reason.eq("authorized"),
                connections::status_changed_at.eq(diesel::dsl::now),
                connections::updated_at.eq(diesel::dsl::now),
            ))
            .returning(Connection::as_returning())
            .get_result(tx)
            .await?;
        diesel::insert_into(crate::schema::connection_events::table)
            .values((
                crate::schema::connection_events::connection_id.eq(row.id),
                crate::schema::connection_events::from_status.eq(previous),
                crate::schema::connection_events::to_status.eq("active"),
                crate::schema::connection_events::reason.eq("authorized"),
            ))
            .execute(tx)
            .await?;
        Ok(row)
    })
    .await
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

/// Moves a connection to `status`, recording the transition and its reason. Moving to
/// `revoked` also wipes the stored tokens. A no-op when the status is already `status`.
pub async fn set_status(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: &str,
    reason: &str,
) -> Result<(), StorageError> {
    use crate::schema::connection_events;
    conn.transaction::<_, StorageError, _>(async |tx| {
        let Some(current) = connections::table
            .find(id)
            .select(connections::status)
            .for_update()
            .first::<String>(tx)
            .await
            .optional()?
        else {
            return Ok(());
        };
        if current == status {
            return Ok(());
        }
        diesel::update(connections::table.find(id))
            .set((
                connections::status.eq(status),
                connections::status_reason.eq(reason),
                connections::status_changed_at.eq(diesel::dsl::now),
                connections::updated_at.eq(diesel::dsl::now),
            ))
            .execute(tx)
            .await?;
        if status == "revoked" {
            diesel::update(connections::table.find(id))
                .set((
                    connections::access_token_enc.eq(None::<Vec<u8>>),
                    connections::refresh_token_enc.eq(None::<Vec<u8>>),
                    connections::token_expires_at.eq(None::<DateTime<Utc>>),
                ))
                .execute(tx)
                .await?;
        }
        diesel::insert_into(connection_events::table)
            .values((
                connection_events::connection_id.eq(id),
                connection_events::from_status.eq(Some(current)),
                connection_events::to_status.eq(status),
                connection_events::reason.eq(reason),
            ))
            .execute(tx)
            .await?;
        Ok(())
    })
    .await
}

/// A connection's status history, oldest first: `(from, to, reason, at)`.
pub async fn status_history(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> Result<Vec<(Option<String>, String, String, DateTime<Utc>)>, StorageError> {
    use crate::schema::connection_events as e;
    Ok(e::table
        .filter(e::connection_id.eq(id))
        .order(e::id.asc())
        .select((e::from_status, e::to_status, e::reason, e::at))
        .load(conn)
        .await?)
}

/// Connections made through an integration.
pub async fn list_for_integration(
    conn: &mut AsyncPgConnection,
    integration_id: Uuid,
) -> Result<Vec<Connection>, StorageError> {
    Ok(connections::table
        .filter(connections::integration_id.eq(integration_id))
        .select(Connection::as_select())
        .load(conn)
        .await?)
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
