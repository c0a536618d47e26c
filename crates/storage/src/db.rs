//! The async connection pool and embedded migrations.

use diesel::migration::MigrationSource;
use diesel::pg::Pg;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use secrecy::{ExposeSecret, SecretString};

use crate::error::StorageError;

/// Every migration in `migrations/`, compiled into each binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

pub type DbConn = Object<AsyncPgConnection>;

#[derive(Clone)]
pub struct Database {
    pool: Pool<AsyncPgConnection>,
    url: SecretString,
}

impl Database {
    /// A lazily-connecting pool: no connection is made until the first query.
    pub fn connect(url: &SecretString, max_connections: usize) -> Result<Self, StorageError> {
        let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(url.expose_secret());
        let pool = Pool::builder(manager)
            .max_size(max_connections)
            .build()
            .map_err(|e| StorageError::Pool(e.to_string()))?;
        Ok(Self {
            pool,
            url: url.clone(),
        })
    }

    pub async fn conn(&self) -> Result<DbConn, StorageError> {
        self.pool
            .get()
            .await
            .map_err(|e| StorageError::Pool(e.to_string()))
    }

    /// A round trip through the pool (`SELECT 1`).
    pub async fn ping(&self) -> Result<(), StorageError> {
        use diesel_async::RunQueryDsl;
        let mut conn = self.conn().await?;
        diesel::sql_query("SELECT 1").execute(&mut conn).await?;
        Ok(())
    }

    /// Applies pending migrations; returns the versions applied.
    pub async fn run_migrations(&self) -> Result<Vec<String>, StorageError> {
        self.with_sync_connection(|harness| {
            harness
                .run_pending_migrations(MIGRATIONS)
                .map(|versions| versions.iter().map(|v| v.to_string()).collect())
                .map_err(|e| StorageError::Migration(e.to_string()))
        })
        .await
    }

    /// True when the database is reachable and every embedded migration is applied.
    pub async fn is_ready(&self) -> Result<bool, StorageError> {
        self.with_sync_connection(|harness| {
            let pending = harness
                .pending_migrations(MIGRATIONS)
                .map_err(|e| StorageError::Migration(e.to_string()))?;
            Ok(pending.is_empty())
        })
        .await
    }

    /// Names of the embedded migrations, oldest first.
    pub fn embedded_migrations() -> Result<Vec<String>, StorageError> {
        let list = MigrationSource::<Pg>::migrations(&MIGRATIONS)
            .map_err(|e| StorageError::Migration(e.to_string()))?;
        Ok(list.iter().map(|m| m.name().to_string()).collect())
    }

    async fn with_sync_connection<T, F>(&self, f: F) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: FnOnce(&mut AsyncConnectionWrapper<AsyncPgConnection>) -> Result<T, StorageError>
            + Send
            + 'static,
    {
        let url = self.url.clone();
        tokio::task::spawn_blocking(move || {
            use diesel::Connection;
            let mut conn =
                AsyncConnectionWrapper::<AsyncPgConnection>::establish(url.expose_secret())
                    .map_err(|e| StorageError::Pool(e.to_string()))?;
            f(&mut conn)
        })
        .await
        .map_err(|e| StorageError::Migration(format!("migration task failed: {e}")))?
    }
}
