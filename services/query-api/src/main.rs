//! query-api: `query-api [serve|migrate]`.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    query_api::cli::run(service_kit::cli::parse_command()).await
}
