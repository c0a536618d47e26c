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

pub async fn find_developer(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> Result<Option<Developer>, StorageError> {
    Ok(developers::table
        .find(id)
        .select(Developer::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Fields a developer may change on their own account; `None` keeps the value.
#[derive(Debug, Clone, Default)]
pub struct DeveloperChanges {
    pub email: Option<String>,
    pub first_name: Option<Option<String>>,
    pub last_name: Option<Option<String>>,
    pub password_hash: Option<String>,
}

pub async fn update_developer(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    changes: DeveloperChanges,
) -> Result<Option<Developer>, StorageError> {
    let Some(mut dev) = find_developer(conn, id).await? else {
        return Ok(None);
    };
    if let Some(email) = changes.email {
        dev.email = email;
    }
    if let Some(v) = changes.first_name {
        dev.first_name = v;
    }
    if let Some(v) = changes.last_name {
        dev.last_name = v;
    }
    if let Some(hash) = changes.password_hash {
        dev.password_hash = hash;
    }
    Ok(Some(
        diesel::update(developers::table.find(id))
            .set((
                developers::email.eq(dev.email),
                developers::first_name.eq(dev.first_name),
                developers::last_name.eq(dev.last_name),
                developers::password_hash.eq(dev.password_hash),
                developers::updated_at.eq(diesel::dsl::now),
            ))
            .returning(Developer::as_returning())
            .get_result(conn)
            .await?,
    ))
}

/// A tenant's keys that are not revoked, oldest first.
pub async fn list_api_keys(
    conn: &mut AsyncPgConnection,
    tenant_id: Uuid,
) -> Result<Vec<ApiKey>, StorageError> {
    Ok(api_keys::table
        .filter(api_keys::tenant_id.eq(tenant_id))
        .filter(api_keys::revoked_at.is_null())
        .order(api_keys::created_at.asc())
        .select(ApiKey::as_select())
        .load(conn)
        .await?)
}

pub async fn rename_api_key(
    conn: &mut AsyncPgConnection,
    tenant_id: Uuid,
    id: Uuid,
    name: &str,
) -> Result<Option<ApiKey>, StorageError> {
    Ok(diesel::update(
        api_keys::table
            .filter(api_keys::id.eq(id))
            .filter(api_keys::tenant_id.eq(tenant_id))
            .filter(api_keys::revoked_at.is_null()),
    )
    .set(api_keys::name.eq(name))
    .returning(ApiKey::as_returning())
    .get_result(conn)
    .await
    .optional()?)
}

/// Revokes a key; false when the tenant has no such active key.
pub async fn revoke_api_key(
    conn: &mut AsyncPgConnection,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<bool, StorageError> {
    let n = diesel::update(
        api_keys::table
            .filter(api_keys::id.eq(id))
            .filter(api_keys::tenant_id.eq(tenant_id))
            .filter(api_keys::revoked_at.is_null()),
    )
    .set(api_keys::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// Marks a key used (best effort; at most once a minute per key would be enough).
pub async fn touch_api_key(conn: &mut AsyncPgConnection, id: Uuid) -> Result<(), StorageError> {
    diesel::update(api_keys::table.find(id))
        .set(api_keys::last_used_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    Ok(())
}

/// Invites `email` into the tenant; returns the invitation id.
pub async fn create_invitation(
    conn: &mut AsyncPgConnection,
    tenant_id: Uuid,
    email: &str,
    token: &str,
    invited_by: Uuid,
    expires_at: DateTime<Utc>,
) -> Result<Uuid, StorageError> {
    use crate::schema::developer_invitations as inv;
    let id = Uuid::new_v4();
    diesel::insert_into(inv::table)
        .values((
            inv::id.eq(id),
            inv::tenant_id.eq(tenant_id),
            inv::email.eq(email),
            inv::token_hash.eq(hash_secret(token)),
            inv::invited_by.eq(invited_by),
            inv::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .await?;
    Ok(id)
}

/// Marks an unexpired, unaccepted invitation accepted; returns `(tenant_id, email)`.
pub async fn accept_invitation(
    conn: &mut AsyncPgConnection,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<(Uuid, String)>, StorageError> {
    use crate::schema::developer_invitations as inv;
    Ok(diesel::update(
        inv::table
            .filter(inv::token_hash.eq(hash_secret(token)))
            .filter(inv::accepted_at.is_null())
            .filter(inv::expires_at.gt(now)),
    )
    .set(inv::accepted_at.eq(now))
    .returning((inv::tenant_id, inv::email))
    .get_result(conn)
    .await
    .optional()?)
}
