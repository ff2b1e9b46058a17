//! The embedded order-finalization worker: a loop claiming due jobs until
//! shutdown, sweeping now and then for open orders the queue forgot. A job
//! in hand is always finished before the loop stops.

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

/// The pause after `failures` consecutive failed steps: the poll interval
/// doubled per failure, at most 30 s (never less than the poll interval).
pub fn back_off(poll: Duration, failures: u32) -> Duration {
    let factor = 1_u32 << failures.saturating_sub(1).min(16);
    poll.saturating_mul(factor)
        .min(Duration::from_secs(30))
        .max(poll)
}

/// How often the loop looks for work.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// The sleep when no job is due.
    pub poll: Duration,
    /// Between two sweeps for stranded open orders.
    pub sweep: Duration,
}

/// Open orders looked at per sweep, oldest first.
const SWEEP_BATCH: usize = 500;

/// Runs the finalization loop until `shutdown` turns true; a job in hand is
/// finished first.
pub fn spawn(
    service: Arc<FinalizationService>,
    timing: Timing,
    mut shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    let poll = timing.poll;
    tokio::spawn(async move {
        tracing::info!(
            poll_ms = poll.as_millis() as u64,
            sweep_s = timing.sweep.as_secs(),
            "finalization worker started"
        );
        let mut failures: u32 = 0;
        let mut next_sweep = tokio::time::Instant::now();
        loop {
            if *shutdown.borrow() {
                break;
            }
            if tokio::time::Instant::now() >= next_sweep {
                next_sweep = tokio::time::Instant::now() + timing.sweep;
                match service.sweep(SWEEP_BATCH).await {
                    Ok(0) => {}
                    Ok(requeued) => tracing::warn!(requeued, "sweep requeued stranded orders"),
                    Err(e) => tracing::error!(error = %e, "sweep failed"),
                }
            }
            let claim_token = uuid::Uuid::new_v4().to_string();
            let jitter: f64 = rand::random();
            match service.work_once(&claim_token, jitter).await {
                Ok(true) => failures = 0,
                Ok(false) => {
                    failures = 0;
                    if pause_or_stop(poll, &mut shutdown).await {
                        break;
                    }
                }
                Err(e) => {
                    failures = failures.saturating_add(1);
                    let pause = back_off(poll, failures);
                    tracing::error!(
                        error = %e,
                        failures,
                        pause_ms = pause.as_millis() as u64,
                        "finalization worker step failed; backing off"
                    );
                    if pause_or_stop(pause, &mut shutdown).await {
                        break;
                    }
                }
            }
        }
        tracing::info!("finalization worker stopped");
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_up_to_a_cap() {
        let poll = Duration::from_millis(250);
        assert_eq!(back_off(poll, 1), poll);
        assert_eq!(back_off(poll, 2), Duration::from_millis(500));
        assert_eq!(back_off(poll, 3), Duration::from_secs(1));
        assert_eq!(back_off(poll, 60), Duration::from_secs(30));
        let slow = Duration::from_secs(60);
        assert_eq!(back_off(slow, 5), slow);
    }
}
