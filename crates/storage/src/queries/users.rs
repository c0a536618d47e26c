//! End users of a tenant.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::error::StorageError;
use crate::schema::users;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub external_user_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub external_user_id: Option<String>,
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    tenant_id: Uuid,
    new: NewUser,
) -> Result<User, StorageError> {
    Ok(diesel::insert_into(users::table)
        .values((
            users::id.eq(Uuid::new_v4()),
            users::tenant_id.eq(tenant_id),
            users::email.eq(new.email),
            users::first_name.eq(new.first_name),
            users::last_name.eq(new.last_name),
            users::external_user_id.eq(new.external_user_id),
        ))
        .returning(User::as_returning())
        .get_result(conn)
        .await?)
}

/// A user, only if it belongs to `tenant_id` (tenants never see each other's users).
pub async fn find(
    conn: &mut AsyncPgConnection,
    tenant_id: Uuid,
    user_id: Uuid,
) -> Result<Option<User>, StorageError> {
    Ok(users::table
        .filter(users::id.eq(user_id))
        .filter(users::tenant_id.eq(tenant_id))
        .select(User::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn find_by_external_id(
    conn: &mut AsyncPgConnection,
    tenant_id: Uuid,
    external_user_id: &str,
) -> Result<Option<User>, StorageError> {
    Ok(users::table
        .filter(users::tenant_id.eq(tenant_id))
        .filter(users::external_user_id.eq(external_user_id))
        .select(User::as_select())
        .first(conn)
        .await
        .optional()?)
}
