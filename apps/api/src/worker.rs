//! The embedded order-finalization worker: a loop claiming due jobs until
//! shutdown. A job in hand is always finished before the loop stops.

use std::sync::Arc;
use std::time::Duration;

use shop_domain::jobs::FinalizationService;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Sleeps `pause`, or less if shutdown is signalled; true when shutting down.
async fn pause_or_stop(pause: Duration, shutdown: &mut watch::Receiver<bool>) -> bool {
    if *shutdown.borrow() {
        return true;
    }
    tokio::select! {
        () = tokio::time::sleep(pause) => *shutdown.borrow(),
        _ = shutdown.changed() => true,
    }
}

pub fn spawn(
    service: Arc<FinalizationService>,
    poll: Duration,
    mut shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        tracing::info!(
            poll_ms = poll.as_millis() as u64,
            "finalization worker started"
        );
        loop {
            if *shutdown.borrow() {
                break;
            }
            let claim_token = uuid::Uuid::new_v4().to_string();
            let jitter: f64 = rand::random();
            match service.work_once(&claim_token, jitter).await {
                Ok(true) => continue,
                Ok(false) => {
                    if pause_or_stop(poll, &mut shutdown).await {
                        break;
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "finalization worker step failed");
                    if pause_or_stop(poll, &mut shutdown).await {
                        break;
                    }
                }
            }
        }
        tracing::info!("finalization worker stopped");
    })
}
