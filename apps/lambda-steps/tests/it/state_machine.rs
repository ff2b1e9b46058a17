//! deploy/aws/statemachine.asl.json executed by moto's Step Functions (a
//! second moto, on 127.0.0.1:5006 unless `SHOP_TEST_MOTO_SFN_URL` says
//! otherwise: once a Lambda function exists in a moto, its
//! `/moto-api/data.json` fails, which the SES tests on 5005 read).
//!
//! moto's Lambda runs no code here (no Docker): each invocation answers the
//! next result queued at `/moto-api/static/lambda-simple/response`, and can
//! never fail. The tests queue what the real handlers answered for a real
//! order, and assert the path the execution took. Each test queues in a
//! region of its own, since the queue is one per account and region.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_sfn::Client;
use aws_sdk_sfn::config::interceptors::BeforeTransmitInterceptorContextMut;
use aws_sdk_sfn::config::{
    BehaviorVersion, ConfigBag, Credentials, Intercept, Region, RuntimeComponents,
};
use aws_sdk_sfn::error::BoxError;
use aws_sdk_sfn::types::{ExecutionStatus, HistoryEventType};
use serde_json::{Value, json};
use shop_lambda_steps::handle;
use shop_square_double::{DoubleConfig, SquareDouble};

use crate::common::shop;
use crate::deploy::substituted_asl;

const ACCOUNT: &str = "123456789012";
const ROLE: &str = "shop-steps-test-role";
/// An empty zip archive: moto stores the code and never runs it.
const EMPTY_ZIP: &str = "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==";

fn moto_url() -> String {
    std::env::var("SHOP_TEST_MOTO_SFN_URL")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "http://127.0.0.1:5006".into())
}

/// moto picks the service of a request from its signature's scope; it
/// checks nothing else of it.
fn auth(service: &str, region: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=test/20250101/{region}/{service}/aws4_request, SignedHeaders=host, Signature=0"
    )
}

fn form_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
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

struct Moto {
    url: String,
    region: String,
    http: reqwest::Client,
    sfn: Client,
}

impl Moto {
    async fn new(region: &str) -> Self {
        let url = moto_url();
        let http = reqwest::Client::new();
        // Executing state machines needs this; moto forgets it on restart.
        http.post(format!("{url}/moto-api/config"))
            .body(
                r#"{"stepfunctions":{"execute_state_machine":true},"lambda":{"use_docker":false}}"#,
            )
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .unwrap_or_else(|e| panic!("moto on {url} (bash .ci/services/moto-sfn.sh): {e}"));
        let config = aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(&url)
            .region(Region::new(region.to_string()))
            .credentials_provider(Credentials::new("test", "test", None, None, "static"))
            .load()
            .await;
        // The state machine lives in an account of its own; the functions it
        // invokes in moto's default one, where its engine calls Lambda.
        let config = aws_sdk_sfn::config::Builder::from(&config)
            .interceptor(MotoAccount(fresh_account()))
            .build();
        Self {
            url,
            region: region.into(),
            http,
            sfn: Client::from_conf(config),
        }
    }

    fn role_arn(&self) -> String {
        format!("arn:aws:iam::{ACCOUNT}:role/{ROLE}")
    }

    async fn ensure_role(&self) {
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com","states.amazonaws.com"]},"Action":"sts:AssumeRole"}]}"#;
        let body = format!(
            "Action=CreateRole&Version=2010-05-08&RoleName={ROLE}&AssumeRolePolicyDocument={}",
            form_encode(trust)
        );
        let resp = self
            .http
            .post(format!("{}/", self.url))
            .header("Authorization", auth("iam", "us-east-1"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        assert!(
            status.is_success() || text.contains("EntityAlreadyExists"),
            "CreateRole: {status} {text}"
        );
    }

    /// Creates a Lambda function (code never run) and returns its ARN.
    async fn create_function(&self, name: &str) -> String {
        let resp = self
            .http
            .post(format!("{}/2015-03-31/functions", self.url))
            .header("Authorization", auth("lambda", &self.region))
            .json(&json!({
                "FunctionName": name,
                "Runtime": "provided.al2023",
                "Handler": "bootstrap",
                "Architectures": ["arm64"],
                "Role": self.role_arn(),
                "Code": {"ZipFile": EMPTY_ZIP},
            }))
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let body: Value = resp.json().await.unwrap();
        assert!(status.is_success(), "CreateFunction: {status} {body}");
        body["FunctionArn"].as_str().unwrap().to_string()
    }

    /// Invokes `function` until it echoes its input: answers an earlier run
    /// queued and never used (it failed half-way) are gone then.
    async fn drain_queue(&self, function: &str) {
        for _ in 0..1000 {
            let probe = json!({ "probe": uuid::Uuid::new_v4().to_string() });
            let answer: Value = self
                .http
                .post(format!(
                    "{}/2015-03-31/functions/{function}/invocations",
                    self.url
                ))
                .header("Authorization", auth("lambda", &self.region))
                .json(&probe)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap_or(Value::Null);
            if answer == probe {
                return;
            }
        }
        panic!("the queue of {} never ran dry", self.region);
    }

    /// Queues what the next invocations (in this region) answer, in order.
    async fn queue_results(&self, results: &[Value]) {
        let results: Vec<String> = results.iter().map(Value::to_string).collect();
        self.http
            .post(format!(
                "{}/moto-api/static/lambda-simple/response",
                self.url
            ))
            .json(&json!({"results": results, "region": self.region, "account_id": ACCOUNT}))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .unwrap();
    }

    async fn create_state_machine(&self, definition: String) -> String {
        self.sfn
            .create_state_machine()
            .name(format!("shop-finalize-{}", uuid::Uuid::new_v4().simple()))
            .definition(definition)
            .role_arn(self.role_arn())
            .send()
            .await
            .unwrap()
            .state_machine_arn()
            .to_string()
    }

    /// Runs one execution to its end; its status, the states it entered in
    /// order, and its output.
    async fn execute(&self, machine: &str, input: Value) -> (ExecutionStatus, Vec<String>, Value) {
        let arn = self
            .sfn
            .start_execution()
            .state_machine_arn(machine)
            .input(input.to_string())
            .send()
            .await
            .unwrap()
            .execution_arn()
            .to_string();
        let mut waited = Duration::ZERO;
        let described = loop {
            let d = self
                .sfn
                .describe_execution()
                .execution_arn(&arn)
                .send()
                .await
                .unwrap();
            if d.status() != &ExecutionStatus::Running {
                break d;
            }
            assert!(waited < Duration::from_secs(60), "execution still running");
            tokio::time::sleep(Duration::from_millis(200)).await;
            waited += Duration::from_millis(200);
        };
        let history = self
            .sfn
            .get_execution_history()
            .execution_arn(&arn)
            .send()
            .await
            .unwrap();
        let entered: Vec<String> = history
            .events()
            .iter()
            .filter(|e| {
                matches!(
                    e.r#type(),
                    HistoryEventType::TaskStateEntered
                        | HistoryEventType::SucceedStateEntered
                        | HistoryEventType::FailStateEntered
                        | HistoryEventType::PassStateEntered
                )
            })
            .filter_map(|e| {
                e.state_entered_event_details()
                    .map(|d| d.name().to_string())
            })
            .collect();
        let output = described
            .output()
            .map(|o| serde_json::from_str(o).unwrap())
            .unwrap_or(Value::Null);
        (described.status().clone(), entered, output)
    }
}

fn substitutions(finalize: &str, fail: &str, deliver: &str) -> HashMap<&'static str, String> {
    HashMap::from([
        ("FinalizeFunctionArn", finalize.to_string()),
        ("FailOrderFunctionArn", fail.to_string()),
        ("DeliverMailsFunctionArn", deliver.to_string()),
    ])
}

/// Runs the deployed definition (all three steps on one function, as the
/// SAM template wires them) with `results` queued as the function's
/// answers, in a region of its own.
async fn run(
    region: &str,
    order_id: &str,
    results: &[Value],
) -> (ExecutionStatus, Vec<String>, Value) {
    let moto = Moto::new(region).await;
    moto.ensure_role().await;
    let steps = moto
        .create_function(&format!("shop-steps-{}", uuid::Uuid::new_v4().simple()))
        .await;
    let machine = moto
        .create_state_machine(substituted_asl(&substitutions(&steps, &steps, &steps)))
        .await;
    moto.drain_queue(&steps).await;
    moto.queue_results(results).await;
    moto.execute(&machine, json!({ "order_id": order_id }))
        .await
}

async fn with_double() -> (SquareDouble, crate::common::Shop) {
    let double = SquareDouble::start_with(DoubleConfig::default(), "127.0.0.1:0")
        .await
        .unwrap();
    let shop = shop(&[
        ("SHOP_PAYMENTS", "square"),
        ("SHOP_SQUARE_BASE_URL", double.base_url()),
        ("SHOP_SQUARE_ACCESS_TOKEN", "token"),
        ("SHOP_SQUARE_LOCATION_ID", "L-SFN"),
    ])
    .await;
    (double, shop)
}

#[tokio::test]
async fn a_captured_order_goes_finalize_then_deliver_mails_then_succeeds() {
    // The steps' real answers for a real order.
    let shop = shop(&[]).await;
    let id = shop.authorized_order().await;
    let finalized = handle(
        &shop.service,
        json!({"step": "finalize", "order_id": id.as_str()}),
    )
    .await
    .unwrap();
    let delivered = handle(&shop.service, json!({"step": "deliver_mails"}))
        .await
        .unwrap();
    assert_eq!(finalized["status"], "paid");
    assert_eq!(delivered["delivered"], 2, "the confirmation and the notice");

    let (status, path, output) = run(
        "us-west-2",
        id.as_str(),
        &[finalized.clone(), delivered.clone()],
    )
    .await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{path:?} {output}");
    assert_eq!(path, ["Finalize", "DeliverMails", "Done"]);
    assert_eq!(output["order_id"], id.as_str());
    assert_eq!(output["finalized"], finalized);
    assert_eq!(output["mails"], delivered);
    assert!(output.get("failure").is_none(), "{output}");
}

/// A capture Square declines is no error of the step: the order ends
/// `payment_failed` inside it, the customer's mail is recorded, and the
/// workflow goes on to deliver it.
#[tokio::test]
async fn a_declined_capture_goes_finalize_then_deliver_mails_with_the_order_failed() {
    let (double, shop) = with_double().await;
    let id = shop.authorized_order().await;
    double.expire_all();
    let finalized = handle(
        &shop.service,
        json!({"step": "finalize", "order_id": id.as_str()}),
    )
    .await
    .unwrap();
    let delivered = handle(&shop.service, json!({"step": "deliver_mails"}))
        .await
        .unwrap();
    double.stop().await;
    assert_eq!(finalized["status"], "payment_failed");
    assert_eq!(delivered["delivered"], 1, "the customer's mail");

    let (status, path, output) = run(
        "eu-west-1",
        id.as_str(),
        &[finalized.clone(), delivered.clone()],
    )
    .await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{path:?} {output}");
    assert_eq!(path, ["Finalize", "DeliverMails", "Done"]);
    assert_eq!(output["finalized"]["status"], "payment_failed");
    assert_eq!(output["mails"], delivered);
}

/// A Finalize that fails with an error no Retrier takes is caught into
/// FailOrder, then DeliverMails. moto's Lambda cannot be told to fail; it
/// does fail an invocation whose answer exceeds Lambda's 6 MB limit
/// (`Function.ResponseSizeTooLarge`, a function error like the handler's
/// `Fatal`), so that is Finalize's queued answer. FailOrder and
/// DeliverMails answer what the real handlers answered for an authorized
/// order whose finalization gave up.
#[tokio::test]
async fn a_failed_finalize_is_caught_into_fail_order_then_deliver_mails() {
    let (double, shop) = with_double().await;
    let id = shop.authorized_order().await;
    let failed = handle(
        &shop.service,
        json!({"step": "fail", "order_id": id.as_str(), "error": "Fatal", "cause": "capture failed"}),
    )
    .await
    .unwrap();
    let delivered = handle(&shop.service, json!({"step": "deliver_mails"}))
        .await
        .unwrap();
    double.stop().await;
    assert_eq!(failed["status"], "payment_failed");
    assert_eq!(delivered["delivered"], 1, "the customer's mail");

    let oversized = Value::String("x".repeat(6_500_000));
    let (status, path, output) = run(
        "eu-central-1",
        id.as_str(),
        &[oversized, failed.clone(), delivered.clone()],
    )
    .await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{path:?}");
    assert_eq!(path, ["Finalize", "FailOrder", "DeliverMails", "Done"]);
    assert!(output["failure"]["Error"].is_string(), "{output}");
    assert!(output.get("finalized").is_none());
    assert_eq!(output["failed"], failed);
    assert_eq!(output["mails"], delivered);
}
