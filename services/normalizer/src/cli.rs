//! `normalizer [serve|migrate]`.

use service_kit::cli::Command;

use crate::{Settings, build};

pub async fn run(command: Command) -> anyhow::Result<()> {
    let settings = Settings::load()?;
    let _telemetry = service_kit::telemetry::init("normalizer", &settings.common.telemetry)?;
    match command {
        Command::Serve => service_kit::cli::serve(build(settings).await?).await,
        Command::Migrate => service_kit::migrate(&settings.common.database).await,
        Command::Other(name, _) => anyhow::bail!("unknown command `{name}` (serve, migrate)"),
    }
}
