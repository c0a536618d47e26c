//! A tenant's OAuth application at a provider. The client secret is sealed with the token
//! cipher; scopes and the redirect allow-list live with it.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use secrecy::SecretString;
use uuid::Uuid;

use crate::crypto::TokenCipher;
use crate::error::StorageError;
use crate::schema::integrations;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = integrations)]
pub struct Integration {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub provider: String,
    pub client_id: String,
    pub client_secret_enc: Vec<u8>,
    pub scopes: Vec<String>,
    pub redirect_allowlist: Vec<String>,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Integration {
    pub fn client_secret(&self, cipher: &TokenCipher) -> Result<SecretString, StorageError> {
        cipher.open(&self.client_secret_enc)
    }
}

pub struct IntegrationInput<'a> {
    pub client_id: &'a str,
    pub client_secret: Option<&'a SecretString>,
    pub scopes: &'a [String],
    pub redirect_allowlist: &'a [String],
    pub enabled: bool,
}

/// Creates the tenant's integration with `provider`; a second one for the same provider is a
/// unique violation.
pub async fn create(
    conn: &mut AsyncPgConnection,
    cipher: &TokenCipher,
    tenant_id: Uuid,
    provider: &str,
    input: IntegrationInput<'_>,
) -> Result<Integration, StorageError> {
    let secret = input
        .client_secret
        .ok_or_else(|| StorageError::Corrupt("client_secret is required".into()))?;
    Ok(diesel::insert_into(integrations::table)
        .values((
            integrations::id.eq(Uuid::new_v4()),
            integrations::tenant_id.eq(tenant_id),
            integrations::provider.eq(provider),
            integrations::client_id.eq(input.client_id),
            integrations::client_secret_enc.eq(cipher.seal(secret)?),
            integrations::scopes.eq(input.scopes),
            integrations::redirect_allowlist.eq(input.redirect_allowlist),
            integrations::enabled.eq(input.enabled),
        ))
        .returning(Integration::as_returning())
        .get_result(conn)
        .await?)
}

/// Replaces the integration's settings; a `None` secret keeps the stored one.
pub async fn update(
    conn: &mut AsyncPgConnection,
    cipher: &TokenCipher,
    tenant_id: Uuid,
    id: Uuid,
    input: IntegrationInput<'_>,
) -> Result<Option<Integration>, StorageError> {
    let target = integrations::table
        .filter(integrations::id.eq(id))
        .filter(integrations::tenant_id.eq(tenant_id));
    let values = (
        integrations::client_id.eq(input.client_id),
        integrations::scopes.eq(input.scopes),
        integrations::redirect_allowlist.eq(input.redirect_allowlist),
        integrations::enabled.eq(input.enabled),
        integrations::updated_at.eq(diesel::dsl::now),
    );
    let row = match input.client_secret {
        Some(secret) => {
            diesel::update(target)
                .set((
                    values,
                    integrations::client_secret_enc.eq(cipher.seal(secret)?),
                ))
                .returning(Integration::as_returning())
                .get_result(conn)
                .await
        }
        None => {
            diesel::update(target)
                .set(values)
                .returning(Integration::as_returning())
                .get_result(conn)
                .await
        }
    };
    Ok(row.optional()?)
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    tenant_id: Uuid,
) -> Result<Vec<Integration>, StorageError> {
    Ok(integrations::table
        .filter(integrations::tenant_id.eq(tenant_id))
        .order(integrations::provider.asc())
        .select(Integration::as_select())
        .load(conn)
        .await?)
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<Option<Integration>, StorageError> {
    Ok(integrations::table
        .filter(integrations::id.eq(id))
        .filter(integrations::tenant_id.eq(tenant_id))
        .select(Integration::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn find_by_id(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> Result<Option<Integration>, StorageError> {
    Ok(integrations::table
        .find(id)
        .select(Integration::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn find_for_provider(
    conn: &mut AsyncPgConnection,
    tenant_id: Uuid,
    provider: &str,
) -> Result<Option<Integration>, StorageError> {
    Ok(integrations::table
        .filter(integrations::tenant_id.eq(tenant_id))
        .filter(integrations::provider.eq(provider))
        .select(Integration::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn delete(
    conn: &mut AsyncPgConnection,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<bool, StorageError> {
    let n = diesel::delete(
        integrations::table
            .filter(integrations::id.eq(id))
            .filter(integrations::tenant_id.eq(tenant_id)),
    )
    .execute(conn)
    .await?;
    Ok(n == 1)
}
