//! webhook-receiver: `webhook-receiver [serve|migrate|register-webhooks]`.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    webhook_receiver::cli::run(service_kit::cli::parse_command()).await
}
