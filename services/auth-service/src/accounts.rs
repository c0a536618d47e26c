//! Background work on accounts: the bootstrap admin and purging deleted users.

use std::time::Duration;

use messaging::CancellationToken;
use secrecy::ExposeSecret;
use storage::Database;
use storage::queries::{accounts, users};
use tokio::task::JoinHandle;

use crate::Settings;

/// Creates the configured first admin (and its tenant) when no developer has that email.
pub async fn bootstrap_admin(settings: &Settings, db: &Database) -> anyhow::Result<()> {
    let (Some(email), Some(password)) = (
        &settings.bootstrap.admin_email,
        &settings.bootstrap.admin_password,
    ) else {
        return Ok(());
    };
    let mut conn = db.conn().await?;
    if accounts::find_developer_by_email(&mut conn, email)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let tenant = accounts::create_tenant(&mut conn, "Default").await?;
    let hash = crate::passwords::hash(password.expose_secret())?;
    match accounts::create_developer(&mut conn, tenant, email, &hash, true).await {
        Ok(_) => tracing::info!("bootstrap admin created"),
        // Another replica created it at the same moment.
        Err(e) if e.is_unique_violation() => {}
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

/// Deletes the data of soft-deleted users in the background until shutdown.
pub fn spawn_purger(db: Database, every: Duration, shutdown: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(every) => {}
            }
            let purged = match db.conn().await {
                Ok(mut conn) => users::purge_deleted(&mut conn, 100).await,
                Err(e) => Err(e),
            };
            match purged {
                Ok(0) => {}
                Ok(n) => tracing::info!(users = n, "purged deleted users"),
                Err(e) => tracing::warn!(error = %e, "purging deleted users failed"),
            }
        }
    })
}
