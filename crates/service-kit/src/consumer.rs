//! Running a queue consumer as a task of a service.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use messaging::{AmqpSettings, CancellationToken, ConsumerOptions, Handler};
use tokio::task::JoinHandle;

/// Runs a consumer until `shutdown`, keeping the returned flag raised while it runs (for
/// `/health/ready`). The task ends after in-flight deliveries were settled.
pub fn spawn<H: Handler>(
    settings: &AmqpSettings,
    options: ConsumerOptions,
    handler: Arc<H>,
    shutdown: CancellationToken,
) -> (JoinHandle<()>, Arc<AtomicBool>) {
    let settings = settings.clone();
    let running = Arc::new(AtomicBool::new(true));
    let flag = running.clone();
    let task = tokio::spawn(async move {
        let tag = options.consumer_tag.clone();
        if let Err(e) = messaging::run_consumer(&settings, options, handler, shutdown).await {
            tracing::error!(consumer = %tag, error = %e, "consumer stopped");
        }
        flag.store(false, Ordering::Relaxed);
    });
    (task, running)
}
