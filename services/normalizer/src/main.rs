//! normalizer: `normalizer [serve|migrate]`.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    normalizer::cli::run(service_kit::cli::parse_command()).await
}
