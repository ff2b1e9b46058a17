//! StepFunctionsLauncher against moto's Step Functions (127.0.0.1:5006, or
//! `SHOP_TEST_MOTO_SFN_URL`; `bash .ci/services/moto-sfn.sh` starts it).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use shop_domain::ids::OrderId;
use shop_domain::jobs::WorkflowLauncher;
use shop_stepfunctions::aws_sdk_sfn::Client;
use shop_stepfunctions::aws_sdk_sfn::config::interceptors::BeforeTransmitInterceptorContextMut;
use shop_stepfunctions::aws_sdk_sfn::config::{
    BehaviorVersion, ConfigBag, Credentials, Intercept, Region, RuntimeComponents,
};
use shop_stepfunctions::aws_sdk_sfn::error::BoxError;
use shop_stepfunctions::aws_sdk_sfn::types::ExecutionStatus;
use shop_stepfunctions::{StepFunctionsLauncher, execution_name};

fn moto_url() -> String {
    std::env::var("SHOP_TEST_MOTO_SFN_URL")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "http://127.0.0.1:5006".into())
}

/// moto keeps one set of Step Functions backends per account and region,
/// and (moto 5.2.1) cannot start an execution where one already ran: each
/// test works in an account of its own, named by this header.
#[derive(Debug)]
struct MotoAccount(String);

impl Intercept for MotoAccount {
    fn name(&self) -> &'static str {
        "MotoAccount"
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        context
            .request_mut()
            .headers_mut()
            .insert("x-moto-account-id", self.0.clone());
        Ok(())
    }
}

/// A fresh 12-digit account id.
fn fresh_account() -> String {
    format!("{:012}", uuid::Uuid::new_v4().as_u128() % 1_000_000_000_000)
}

async fn client() -> Client {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(moto_url())
        .region(Region::new("ap-southeast-2"))
        .credentials_provider(Credentials::new("test", "test", None, None, "static"))
        .load()
        .await;
    let config = shop_stepfunctions::aws_sdk_sfn::config::Builder::from(&config)
        .interceptor(MotoAccount(fresh_account()))
        .build();
    Client::from_conf(config)
}

/// A state machine that waits a moment, so a second start can find its
/// execution still running, then succeeds.
async fn state_machine(client: &Client) -> String {
    let definition = r#"{"StartAt":"Hold","States":{"Hold":{"Type":"Wait","Seconds":1,"Next":"Done"},"Done":{"Type":"Succeed"}}}"#;
    client
        .create_state_machine()
        .name(format!("launcher-{}", uuid::Uuid::new_v4().simple()))
        .definition(definition)
        .role_arn("arn:aws:iam::123456789012:role/shop-sfn")
        .send()
        .await
        .unwrap_or_else(|e| {
            panic!(
                "moto on {} (bash .ci/services/moto-sfn.sh): {e:?}",
                moto_url()
            )
        })
        .state_machine_arn()
        .to_string()
}

async fn executions(client: &Client, machine: &str) -> Vec<(String, ExecutionStatus)> {
    client
        .list_executions()
        .state_machine_arn(machine)
        .send()
        .await
        .unwrap()
        .executions()
        .iter()
        .map(|e| (e.name().to_string(), e.status().clone()))
        .collect()
}

#[tokio::test]
async fn starting_one_order_twice_makes_one_execution() {
    let client = client().await;
    let machine = state_machine(&client).await;
    let launcher = StepFunctionsLauncher::new(client.clone(), &machine);
    let order = OrderId::new(uuid::Uuid::now_v7().to_string());

    launcher.start_finalization(&order, 0).await.unwrap();
    // While it runs: Step Functions answers with the running execution.
    launcher.start_finalization(&order, 0).await.unwrap();
    let listed = executions(&client, &machine).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].0, execution_name(&order, 0));

    // Once it ended: ExecutionAlreadyExists, which is success too.
    let mut waited = 0;
    while executions(&client, &machine).await[0].1 == ExecutionStatus::Running {
        assert!(waited < 100, "the execution never ended");
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }
    launcher.start_finalization(&order, 0).await.unwrap();
    assert_eq!(executions(&client, &machine).await.len(), 1);

    // (moto 5.2.1 cannot run a second execution of one state machine, so
    // "another order, another execution" is left to the unit tests of
    // execution_name.)
}

#[tokio::test]
async fn a_missing_state_machine_is_an_error() {
    let client = client().await;
    let launcher = StepFunctionsLauncher::new(
        client,
        "arn:aws:states:ap-southeast-2:123456789012:stateMachine:no-such-machine",
    );
    let err = launcher
        .start_finalization(&OrderId::new("o-1"), 0)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("StartExecution"), "{err}");
}

#[tokio::test]
async fn from_env_takes_the_region_of_the_arn_when_the_chain_has_none() {
    let launcher = StepFunctionsLauncher::from_env(
        "arn:aws:states:eu-north-1:123456789012:stateMachine:x",
        Some("http://127.0.0.1:9"),
    )
    .await;
    assert_eq!(
        launcher.state_machine_arn(),
        "arn:aws:states:eu-north-1:123456789012:stateMachine:x"
    );
}
