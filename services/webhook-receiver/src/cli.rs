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
            use secrecy::ExposeSecret;
            for (provider, registered) in subscriptions::register_all(&settings).await? {
                println!("{provider}: {} subscriptions", registered.subscriptions);
                if let Some(secret) = registered.new_signing_secret {
                    // Shown once by the provider: the operator stores it as a secret.
                    println!(
                        "{provider}: new signing secret (shown once), set WEARHOUSE__PROVIDERS__{}__WEBHOOK_SECRETS={}",
                        provider.as_str().to_uppercase(),
                        secret.expose_secret()
                    );
                }
            }
            Ok(())
        }
        Command::Other(name, _) => {
            anyhow::bail!("unknown command `{name}` (serve, migrate, register-webhooks)")
        }
    }
}
