//! `webhook-receiver [serve|migrate|register-webhooks]`.

use service_kit::cli::Command;

use crate::{Settings, build, subscriptions};

pub async fn run(command: Command) -> anyhow::Result<()> {
    let settings = Settings::load()?;
    let _telemetry = service_kit::telemetry::init("webhook-receiver", &settings.common.telemetry)?;
    match command {
        Command::Serve => service_kit::cli::serve(build(settings).await?).await,
        Command::Migrate => service_kit::migrate(&settings.common.database).await,
        Command::Other(name, _) if name == "register-webhooks" => {
            for (provider, n) in subscriptions::register_all(&settings).await? {
                println!("{provider}: {n} subscriptions");
            }
            Ok(())
        }
        Command::Other(name, _) => {
            anyhow::bail!("unknown command `{name}` (serve, migrate, register-webhooks)")
        }
    }
}
