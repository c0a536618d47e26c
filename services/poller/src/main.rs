//! poller: `poller [serve|migrate]`.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    poller::cli::run(service_kit::cli::parse_command()).await
}
