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
        .filter(users::deleted_at.is_null())
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
        .filter(users::deleted_at.is_null())
        .select(User::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Filters and paging of `GET /api/v1/users`.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub email: Option<String>,
    pub external_user_id: Option<String>,
    /// Case-insensitive match on email, first or last name.
    pub search: Option<String>,
    pub page: i64,
    pub limit: i64,
    pub newest_first: bool,
}

/// One page of a tenant's (not deleted) users and the total matching.
pub async fn list(
    conn: &mut AsyncPgConnection,
    tenant_id: Uuid,
    filter: &UserFilter,
) -> Result<(Vec<User>, i64), StorageError> {
    let query = || {
        let mut q = users::table
            .filter(users::tenant_id.eq(tenant_id))
            .filter(users::deleted_at.is_null())
            .into_boxed();
        if let Some(email) = &filter.email {
            q = q.filter(users::email.eq(email.clone()));
        }
        if let Some(external) = &filter.external_user_id {
            q = q.filter(users::external_user_id.eq(external.clone()));
        }
        if let Some(term) = &filter.search {
            let pattern = format!(
                "%{}%",
                term.replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            );
            q = q.filter(
                users::email
                    .ilike(pattern.clone())
                    .or(users::first_name.ilike(pattern.clone()))
                    .or(users::last_name.ilike(pattern)),
            );
        }
        q
    };
    let total: i64 = query().count().get_result(conn).await?;
    let mut page = query();
    page = if filter.newest_first {
        page.order((users::created_at.desc(), users::id.desc()))
    } else {
        page.order((users::created_at.asc(), users::id.asc()))
    };
    let rows = page
        .offset((filter.page - 1).max(0) * filter.limit)
        .limit(filter.limit)
        .select(User::as_select())
        .load(conn)
        .await?;
    Ok((rows, total))
}

/// Fields a PATCH may change; `None` leaves the field as it is, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub email: Option<Option<String>>,
    pub first_name: Option<Option<String>>,
    pub last_name: Option<Option<String>>,
    pub external_user_id: Option<Option<String>>,
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    tenant_id: Uuid,
    user_id: Uuid,
    changes: UserChanges,
) -> Result<Option<User>, StorageError> {
    let Some(mut user) = find(conn, tenant_id, user_id).await? else {
        return Ok(None);
    };
    if let Some(v) = changes.email {
        user.email = v;
    }
    if let Some(v) = changes.first_name {
        user.first_name = v;
    }
    if let Some(v) = changes.last_name {
        user.last_name = v;
    }
    if let Some(v) = changes.external_user_id {
        user.external_user_id = v;
    }
    Ok(Some(
        diesel::update(users::table.find(user_id))
            .set((
                users::email.eq(user.email),
                users::first_name.eq(user.first_name),
                users::last_name.eq(user.last_name),
                users::external_user_id.eq(user.external_user_id),
                users::updated_at.eq(diesel::dsl::now),
            ))
            .returning(User::as_returning())
            .get_result(conn)
            .await?,
    ))
}

/// Hides the user at once (every read filters deleted users); `purge_deleted` removes the data.
/// Returns false when there was no such (visible) user.
pub async fn soft_delete(
    conn: &mut AsyncPgConnection,
    tenant_id: Uuid,
    user_id: Uuid,
) -> Result<bool, StorageError> {
    let n = diesel::update(
        users::table
            .filter(users::id.eq(user_id))
            .filter(users::tenant_id.eq(tenant_id))
            .filter(users::deleted_at.is_null()),
    )
    .set((
        users::deleted_at.eq(diesel::dsl::now),
        // Free the external id so the developer can create the user again.
        users::external_user_id.eq(None::<String>),
    ))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// Removes up to `limit` soft-deleted users and everything of theirs; returns how many.
pub async fn purge_deleted(
    conn: &mut AsyncPgConnection,
    limit: i64,
) -> Result<usize, StorageError> {
    use crate::schema::samples;
    let ids: Vec<Uuid> = users::table
        .filter(users::deleted_at.is_not_null())
        .select(users::id)
        .limit(limit)
        .load(conn)
        .await?;
    for id in &ids {
        // Samples carry no foreign key (bulk-write speed); everything else cascades.
        diesel::delete(samples::table.filter(samples::user_id.eq(id)))
            .execute(conn)
            .await?;
        diesel::delete(users::table.find(id)).execute(conn).await?;
    }
    Ok(ids.len())
}

/// True when the user exists and is not deleted (any tenant): used by ingestion to drop data
/// of deleted users.
pub async fn is_active(conn: &mut AsyncPgConnection, user_id: Uuid) -> Result<bool, StorageError> {
    let n: i64 = users::table
        .filter(users::id.eq(user_id))
        .filter(users::deleted_at.is_null())
        .count()
        .get_result(conn)
        .await?;
    Ok(n == 1)
}
