//! SDK applications. Only an argon2id hash of the secret is stored.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::error::StorageError;
use crate::schema::applications;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = applications)]
pub struct Application {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub app_id: String,
    pub name: String,
    pub secret_hash: String,
    pub created_at: DateTime<Utc>,
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    tenant_id: Uuid,
    app_id: &str,
    name: &str,
    secret_hash: &str,
) -> Result<Application, StorageError> {
    Ok(diesel::insert_into(applications::table)
        .values((
            applications::id.eq(Uuid::new_v4()),
            applications::tenant_id.eq(tenant_id),
            applications::app_id.eq(app_id),
            applications::name.eq(name),
            applications::secret_hash.eq(secret_hash),
        ))
        .returning(Application::as_returning())
        .get_result(conn)
        .await?)
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    tenant_id: Uuid,
) -> Result<Vec<Application>, StorageError> {
    Ok(applications::table
        .filter(applications::tenant_id.eq(tenant_id))
        .order(applications::created_at.asc())
        .select(Application::as_select())
        .load(conn)
        .await?)
}

/// By the public `app_id` (any tenant: the secret decides).
pub async fn find_by_app_id(
    conn: &mut AsyncPgConnection,
    app_id: &str,
) -> Result<Option<Application>, StorageError> {
    Ok(applications::table
        .filter(applications::app_id.eq(app_id))
        .select(Application::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<Option<Application>, StorageError> {
    Ok(applications::table
        .filter(applications::id.eq(id))
        .filter(applications::tenant_id.eq(tenant_id))
        .select(Application::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn set_secret(
    conn: &mut AsyncPgConnection,
    tenant_id: Uuid,
    id: Uuid,
    secret_hash: &str,
) -> Result<Option<Application>, StorageError> {
    Ok(diesel::update(
        applications::table
            .filter(applications::id.eq(id))
            .filter(applications::tenant_id.eq(tenant_id)),
    )
    .set((
        applications::secret_hash.eq(secret_hash),
        applications::updated_at.eq(diesel::dsl::now),
    ))
    .returning(Application::as_returning())
    .get_result(conn)
    .await
    .optional()?)
}

pub async fn delete(
    conn: &mut AsyncPgConnection,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<bool, StorageError> {
    let n = diesel::delete(
        applications::table
            .filter(applications::id.eq(id))
            .filter(applications::tenant_id.eq(tenant_id)),
    )
    .execute(conn)
    .await?;
    Ok(n == 1)
}
