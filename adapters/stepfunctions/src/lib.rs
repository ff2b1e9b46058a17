//! AWS Step Functions adapter: the [`WorkflowLauncher`] port of
//! `shop-domain`, starting the finalization state machine
//! (`deploy/aws/statemachine.asl.json`) once per order.
//!
//! Starting is idempotent through the execution name, derived from the
//! order id alone: Step Functions answers a second `StartExecution` under a
//! name it knows either with the running execution (same input) or with
//! `ExecutionAlreadyExists` (closed, or another input), and both mean the
//! order's workflow was started. Names may be reused after 90 days, far
//! beyond any retry of the job that starts them.
//!
//! [`StepFunctionsSettings::from_settings`] reads the state machine's ARN
//! and an optional endpoint ([`SETTINGS`]).

use async_trait::async_trait;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_sfn::Client;
use aws_sdk_sfn::error::DisplayErrorContext;
use aws_sdk_sfn::operation::start_execution::StartExecutionError;
use sha2::{Digest as _, Sha256};
use shop_domain::DomainError;
use shop_domain::ids::OrderId;
use shop_domain::jobs::WorkflowLauncher;

mod settings;

pub use aws_sdk_sfn;
pub use settings::{SETTINGS, StepFunctionsSettings};

/// Starts one execution of the finalization state machine per order.
#[derive(Debug, Clone)]
pub struct StepFunctionsLauncher {
    client: Client,
    state_machine_arn: String,
}

impl StepFunctionsLauncher {
    pub fn new(client: Client, state_machine_arn: impl Into<String>) -> Self {
        Self {
            client,
            state_machine_arn: state_machine_arn.into(),
        }
    }

    /// A client from the AWS default chain (region, credentials), sent to
    /// `endpoint_url` instead of AWS when given (an emulator). Without a
    /// region in the chain, the state machine's ARN names the one it lives in.
    pub async fn from_env(state_machine_arn: &str, endpoint_url: Option<&str>) -> Self {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(url) = endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let mut config = loader.load().await;
        if config.region().is_none()
            && let Some(region) = arn_region(state_machine_arn)
        {
            config = config
                .into_builder()
                .region(Region::new(region.to_string()))
                .build();
        }
        Self::new(Client::new(&config), state_machine_arn)
    }

    pub fn state_machine_arn(&self) -> &str {
        &self.state_machine_arn
    }
}

/// The region of an ARN (`arn:PARTITION:SERVICE:REGION:...`).
fn arn_region(arn: &str) -> Option<&str> {
    arn.split(':').nth(3).filter(|r| !r.is_empty())
}

/// The execution name of an order's workflow, generation `generation`:
/// `order-` and the id (then `-r` and the generation after a requeue) when
/// it is made of the characters Step Functions allows in a name and fits
/// its 80 characters, else `order-` and the SHA-256 of both (64 hex
/// digits). The same (order, generation) always gets the same name.
pub fn execution_name(order_id: &OrderId, generation: u32) -> String {
    let id = order_id.as_str();
    let suffix = if generation == 0 {
        String::new()
    } else {
        format!("-r{generation}")
    };
    let plain = !id.is_empty()
        && id.len() + suffix.len() <= 74
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if plain {
        format!("order-{id}{suffix}")
    } else {
        let mut hash = Sha256::new();
        hash.update(id.as_bytes());
        hash.update(suffix.as_bytes());
        format!("order-{}", hex::encode(hash.finalize()))
    }
}

/// The execution's input: what the state machine's first step reads (the
/// order, and no failed capture yet).
pub fn execution_input(order_id: &OrderId) -> String {
    serde_json::json!({ "order_id": order_id.as_str(), "failures": 0 }).to_string()
}

#[async_trait]
impl WorkflowLauncher for StepFunctionsLauncher {
    #[tracing::instrument(level = "debug", skip_all, fields(order_id = %order_id, generation))]
    async fn start_finalization(
        &self,
        order_id: &OrderId,
        generation: u32,
    ) -> Result<(), DomainError> {
        let name = execution_name(order_id, generation);
        let result = self
            .client
            .start_execution()
            .state_machine_arn(&self.state_machine_arn)
            .name(&name)
            .input(execution_input(order_id))
            .send()
            .await;
        match result {
            Ok(out) => {
                tracing::info!(order_id = %order_id, execution = %out.execution_arn(), "finalization workflow started");
                Ok(())
            }
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(StartExecutionError::ExecutionAlreadyExists(_))
                ) =>
            {
                tracing::info!(order_id = %order_id, execution = %name, "finalization workflow already started");
                Ok(())
            }
            Err(e) => Err(DomainError::Internal(format!(
                "Step Functions StartExecution {name}: {}",
                DisplayErrorContext(&e)
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_ids_name_their_execution() {
        let id = OrderId::new("0192f0c4-1b2c-7d3e-8f40-123456789abc");
        assert_eq!(
            execution_name(&id, 0),
            "order-0192f0c4-1b2c-7d3e-8f40-123456789abc"
        );
        assert_eq!(execution_name(&id, 0), execution_name(&id.clone(), 0));
        assert_eq!(
            execution_name(&id, 2),
            "order-0192f0c4-1b2c-7d3e-8f40-123456789abc-r2"
        );
    }

    #[test]
    fn other_ids_are_hashed_into_an_allowed_name() {
        for raw in ["a b", "x".repeat(75).as_str(), "ü", "a/b", ""] {
            let name = execution_name(&OrderId::new(raw), 0);
            assert_eq!(name.len(), 70, "{raw:?}");
            assert!(name.starts_with("order-"));
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            );
        }
        assert_ne!(
            execution_name(&OrderId::new("a b"), 0),
            execution_name(&OrderId::new("a/b"), 0)
        );
        assert_ne!(
            execution_name(&OrderId::new("a b"), 0),
            execution_name(&OrderId::new("a b"), 1)
        );
    }

    #[test]
    fn the_region_is_read_from_the_arn() {
        assert_eq!(
            arn_region("arn:aws:states:eu-west-1:123456789012:stateMachine:x"),
            Some("eu-west-1")
        );
        assert_eq!(arn_region("arn:aws:states::1:stateMachine:x"), None);
        assert_eq!(arn_region("nonsense"), None);
    }

    #[test]
    fn the_input_carries_the_order_id() {
        assert_eq!(
            execution_input(&OrderId::new("o\"1")),
            r#"{"failures":0,"order_id":"o\"1"}"#
        );
    }
}
