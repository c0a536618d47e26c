//! Tenants, developer accounts and API keys.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::error::StorageError;
use crate::queries::hash_secret;
use crate::schema::{api_keys, developers, tenants};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = developers)]
pub struct Developer {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub email: String,
    pub password_hash: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub is_admin: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_keys)]
pub struct ApiKey {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub name: String,
    pub key_prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

pub async fn create_tenant(conn: &mut AsyncPgConnection, name: &str) -> Result<Uuid, StorageError> {
    let id = Uuid::new_v4();
    diesel::insert_into(tenants::table)
        .values((tenants::id.eq(id), tenants::name.eq(name)))
        .execute(conn)
        .await?;
    Ok(id)
}

pub async fn create_developer(
    conn: &mut AsyncPgConnection,
    tenant_id: Uuid,
    email: &str,
    password_hash: &str,
    is_admin: bool,
) -> Result<Developer, StorageError> {
    Ok(diesel::insert_into(developers::table)
        .values((
            developers::id.eq(Uuid::new_v4()),
            developers::tenant_id.eq(tenant_id),
            developers::email.eq(email),
            developers::password_hash.eq(password_hash),
            developers::is_admin.eq(is_admin),
        ))
        .returning(Developer::as_returning())
        .get_result(conn)
        .await?)
}

pub async fn find_developer_by_email(
    conn: &mut AsyncPgConnection,
    email: &str,
) -> Result<Option<Developer>, StorageError> {
    Ok(developers::table
        .filter(developers::email.eq(email))
        .select(Developer::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Stores a new API key (only its hash) and returns its row.
pub async fn create_api_key(
    conn: &mut AsyncPgConnection,
    tenant_id: Uuid,
    name: &str,
    plaintext_key: &str,
    created_by: Option<Uuid>,
) -> Result<ApiKey, StorageError> {
    let prefix: String = plaintext_key.chars().take(7).collect();
    Ok(diesel::insert_into(api_keys::table)
        .values((
            api_keys::id.eq(Uuid::new_v4()),
            api_keys::tenant_id.eq(tenant_id),
            api_keys::name.eq(name),
            api_keys::key_hash.eq(hash_secret(plaintext_key)),
            api_keys::key_prefix.eq(prefix),
            api_keys::created_by.eq(created_by),
        ))
        .returning(ApiKey::as_returning())
        .get_result(conn)
        .await?)
}

/// The tenant an API key belongs to, if the key exists and is not revoked.
pub async fn authenticate_api_key(
    conn: &mut AsyncPgConnection,
    plaintext_key: &str,
) -> Result<Option<ApiKey>, StorageError> {
    Ok(api_keys::table
        .filter(api_keys::key_hash.eq(hash_secret(plaintext_key)))
        .filter(api_keys::revoked_at.is_null())
        .select(ApiKey::as_select())
        .first(conn)
        .await
        .optional()?)
}
