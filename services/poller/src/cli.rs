//! `poller [serve|migrate]`.

use service_kit::cli::Command;

use crate::{Application, Settings};

pub async fn run(command: Command) -> anyhow::Result<()> {
    let settings = Settings::load()?;
    let _telemetry = service_kit::telemetry::init("poller", &settings.common.telemetry)?;
    match command {
        Command::Serve => {
            let app = Application::build(settings).await?;
            service_kit::shutdown::cancel_on_signal(app.shutdown_token());
            app.run_until_stopped().await
        }
        Command::Migrate => service_kit::migrate(&settings.common.database).await,
        Command::Other(name, _) => anyhow::bail!("unknown command `{name}` (serve, migrate)"),
    }
}
