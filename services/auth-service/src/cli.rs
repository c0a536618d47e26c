//! `auth-service [serve|migrate|seed-demo]`.

use service_kit::cli::Command;

use crate::{Settings, build, seed};

pub async fn run(command: Command) -> anyhow::Result<()> {
    let settings = Settings::load()?;
    let _telemetry = service_kit::telemetry::init("auth-service", &settings.common.telemetry)?;
    match command {
        Command::Serve => service_kit::cli::serve(build(settings).await?).await,
        Command::Migrate => service_kit::migrate(&settings.common.database).await,
        Command::Other(name, args) if name == "seed-demo" => {
            let demo = seed::seed_demo(&settings, &seed::DemoOptions::from_args(&args)?).await?;
            println!("{}", serde_json::to_string_pretty(&demo)?);
            Ok(())
        }
        Command::Other(name, _) if name == "reencrypt" => {
            // After making a new key security.encryption_key (with a new encryption_key_id)
            // and moving the old one to security.previous_keys.
            let db = storage::Database::connect(&settings.common.database.url, 1)?;
            let cipher = settings.common.security.cipher()?;
            let mut conn = db.conn().await?;
            let summary = storage::queries::rekey::reencrypt_all(&mut conn, &cipher).await?;
            println!("{summary:?}");
            Ok(())
        }
        Command::Other(name, _) => {
            anyhow::bail!("unknown command `{name}` (serve, migrate, seed-demo, reencrypt)")
        }
    }
}
