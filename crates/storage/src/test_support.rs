//! Throwaway databases for tests: each test gets its own, migrated, dropped afterwards.
//!
//! The server comes from `WEARHOUSE_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), which must allow CREATE DATABASE.

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use secrecy::{ExposeSecret, SecretString};

use crate::db::Database;
use crate::error::StorageError;

pub struct TestDatabase {
    pub db: Database,
    pub url: SecretString,
    name: String,
    admin_url: String,
}

fn admin_url() -> String {
    std::env::var("WEARHOUSE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn with_database(admin_url: &str, name: &str) -> String {
    match admin_url.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => format!("{admin_url}/{name}"),
    }
}

impl TestDatabase {
    /// Creates and migrates a fresh database named `wh_test_<random>`.
    pub async fn create() -> Result<Self, StorageError> {
        let admin_url = admin_url();
        let name = format!("wh_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = AsyncPgConnection::establish(&admin_url)
            .await
            .map_err(|e| StorageError::Pool(e.to_string()))?;
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await?;
        let url = SecretString::from(with_database(&admin_url, &name));
        let db = Database::connect(&url, 8)?;
        db.run_migrations().await?;
        Ok(Self {
            db,
            url,
            name,
            admin_url,
        })
    }

    pub fn url(&self) -> &str {
        self.url.expose_secret()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop may run inside or outside a runtime: use a thread with its own.
        let dropper = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(mut admin) = AsyncPgConnection::establish(&admin_url).await {
                    let _ =
                        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&mut admin)
                            .await;
                }
            });
        });
        let _ = dropper.join();
    }
}
