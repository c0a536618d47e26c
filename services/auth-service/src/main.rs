//! auth-service: `auth-service [serve|migrate|seed-demo]`.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    auth_service::cli::run(service_kit::cli::parse_command()).await
}
