//! `auth-service seed-demo`: a demo tenant, admin developer, API key and end user for the
//! local stack. Re-running reuses the tenant and user and issues a fresh API key (keys are
//! stored hashed, so an old one cannot be shown again).

use serde::Serialize;
use storage::Database;
use storage::queries::{accounts, users};
use uuid::Uuid;

use crate::Settings;

pub struct DemoOptions {
    pub admin_email: String,
    pub admin_password: String,
}

impl DemoOptions {
    /// `--admin-email E --admin-password P`.
    pub fn from_args(args: &[String]) -> anyhow::Result<Self> {
        let mut opts = DemoOptions {
            admin_email: "admin@wearhouse.local".into(),
            admin_password: String::new(),
        };
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            let value = it
                .next()
                .ok_or_else(|| anyhow::anyhow!("{flag} needs a value"))?
                .clone();
            match flag.as_str() {
                "--admin-email" => opts.admin_email = value,
                "--admin-password" => opts.admin_password = value,
                other => anyhow::bail!("unknown option {other}"),
            }
        }
        if opts.admin_password.len() < 12 {
            anyhow::bail!("--admin-password must be at least 12 characters");
        }
        Ok(opts)
    }
}

#[derive(Debug, Serialize)]
pub struct DemoCredentials {
    pub admin_email: String,
    pub admin_password: String,
    pub api_key: String,
    pub user_id: Uuid,
}

/// A new API key: `sk-` + 32 hex characters, as seed-002 clients expect.
pub fn generate_api_key() -> String {
    format!("sk-{}", crate::passwords::random_hex(16))
}

pub async fn seed_demo(settings: &Settings, opts: &DemoOptions) -> anyhow::Result<DemoCredentials> {
    let db = Database::connect(&settings.common.database.url, 1)?;
    let mut conn = db.conn().await?;
    let developer = match accounts::find_developer_by_email(&mut conn, &opts.admin_email).await? {
        Some(d) => d,
        None => {
            let tenant = accounts::create_tenant(&mut conn, "Demo").await?;
            let hash = crate::passwords::hash(&opts.admin_password)?;
            accounts::create_developer(&mut conn, tenant, &opts.admin_email, &hash, true).await?
        }
    };
    let api_key = generate_api_key();
    accounts::create_api_key(
        &mut conn,
        developer.tenant_id,
        "demo",
        &api_key,
        Some(developer.id),
    )
    .await?;
    let user = match users::find_by_external_id(&mut conn, developer.tenant_id, "demo-user").await?
    {
        Some(u) => u,
        None => {
            users::create(
                &mut conn,
                developer.tenant_id,
                users::NewUser {
                    email: Some("demo.user@example.com".into()),
                    first_name: Some("Demo".into()),
                    last_name: Some("User".into()),
                    external_user_id: Some("demo-user".into()),
                },
            )
            .await?
        }
    };
    Ok(DemoCredentials {
        admin_email: opts.admin_email.clone(),
        admin_password: opts.admin_password.clone(),
        api_key,
        user_id: user.id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_keys_look_like_seed_002_keys() {
        let key = generate_api_key();
        assert!(key.starts_with("sk-"));
        assert_eq!(key.len(), 35);
        assert!(key[3..].chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(key, generate_api_key());
    }
}
