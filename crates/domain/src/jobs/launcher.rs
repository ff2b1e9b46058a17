use async_trait::async_trait;

use crate::DomainError;
use crate::ids::OrderId;

/// Hands an order's finalization to an external workflow engine (AWS Step
/// Functions) instead of running it in this process.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait WorkflowLauncher: Send + Sync {
    /// Starts the finalization workflow of `order_id`, the `generation`-th
    /// time (0 first; a requeue makes the next). Idempotent per (order,
    /// generation): starting it again (after a crash between the start and
    /// the job's completion) is success and starts nothing new, so the job
    /// queue may repeat the hand-off freely.
    async fn start_finalization(
        &self,
        order_id: &OrderId,
        generation: u32,
    ) -> Result<(), DomainError>;
}
