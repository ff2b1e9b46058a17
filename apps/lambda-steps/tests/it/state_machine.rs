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
use std::sync::Arc;

use shop_domain::Clock;
use shop_square_double::{DoubleConfig, Faults, SquareDouble};

use crate::common::{Shop, shop, shop_at};
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
/// answers, in a region of its own, on the input the launcher starts it
/// with. moto waits in real time: the pause after a failed step is cut
/// from 300 s to 1 s (the steps' own `retry_at` are in the simulated past
/// and need no cut).
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
    let definition = substituted_asl(&substitutions(&steps, &steps, &steps));
    assert!(definition.contains("\"Seconds\": 300"));
    let machine = moto
        .create_state_machine(definition.replace("\"Seconds\": 300", "\"Seconds\": 1"))
        .await;
    moto.drain_queue(&steps).await;
    moto.queue_results(results).await;
    moto.execute(&machine, json!({ "order_id": order_id, "failures": 0 }))
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
    assert_eq!(
        delivered["delivered"], 2,
        "the customer's mail and the shop's alert"
    );

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

/// A Finalize that fails with an error its Retrier does not take (not
/// `Fatal`) pauses and runs again: only the step itself gives up, at the
/// deadline. moto's Lambda cannot be told to fail; it does fail an
/// invocation whose answer exceeds Lambda's 6 MB limit
/// (`Function.ResponseSizeTooLarge`), so that is Finalize's first queued
/// answer; the next ones are what the real handlers answered. (The Catch of
/// `Fatal` into FailOrder cannot be reached in moto: deploy.rs checks it.)
#[tokio::test]
async fn a_failed_finalize_pauses_and_runs_again() {
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

    let oversized = Value::String("x".repeat(6_500_000));
    let (status, path, output) = run(
        "eu-central-1",
        id.as_str(),
        &[oversized, finalized.clone(), delivered.clone()],
    )
    .await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{path:?}");
    assert_eq!(path, ["Finalize", "Finalize", "DeliverMails", "Done"]);
    assert!(output["failure"]["Error"].is_string(), "{output}");
    assert_eq!(output["finalized"], finalized);
    assert_eq!(output["mails"], delivered);
}

/// Runs the real finalize step for `order` as the state machine would,
/// moving the shop's and Square's clocks by each wait it asks for, until it
/// is done; its answers in order.
async fn finalize_until_done(
    shop: &Shop,
    clock: &shop_memory::ManualClock,
    double: &SquareDouble,
    order: &str,
) -> Vec<Value> {
    let mut answers: Vec<Value> = Vec::new();
    let mut failures = 0;
    loop {
        let out = handle(
            &shop.service,
            json!({"step": "finalize", "order_id": order, "failures": failures}),
        )
        .await
        .unwrap();
        answers.push(out.clone());
        if out["next"] == "done" {
            return answers;
        }
        assert_eq!(out["next"], "retry", "{out}");
        failures = out["failures"].as_u64().unwrap();
        let retry_at: chrono::DateTime<chrono::Utc> =
            out["retry_at"].as_str().unwrap().parse().unwrap();
        let wait = retry_at - clock.now();
        assert!(wait >= chrono::Duration::zero(), "{out}");
        clock.advance(wait);
        double.advance_clock(wait);
        assert!(answers.len() < 1000, "never done: {out}");
    }
}

/// A shop whose clock (and Square's) started 8 days ago, so every time the
/// steps answer is in the past for moto's Wait states.
async fn simulated(backoff_max_ms: &str) -> (SquareDouble, Shop, Arc<shop_memory::ManualClock>) {
    let double = SquareDouble::start_with(DoubleConfig::default(), "127.0.0.1:0")
        .await
        .unwrap();
    double.advance_clock(-chrono::Duration::days(8));
    // The double's clock is the wall clock moved back; the shop's starts
    // at the double's.
    let clock = Arc::new(shop_memory::ManualClock::new(double.now()));
    let shop = shop_at(
        &[
            ("SHOP_PAYMENTS", "square"),
            ("SHOP_SQUARE_BASE_URL", double.base_url()),
            ("SHOP_SQUARE_ACCESS_TOKEN", "token"),
            ("SHOP_SQUARE_LOCATION_ID", "L-SFN"),
            ("SHOP_WORKER_BACKOFF_MAX_MS", backoff_max_ms),
        ],
        clock.clone(),
    )
    .await;
    (double, shop, clock)
}

fn complete_fails_until(double: &SquareDouble, until: chrono::DateTime<chrono::Utc>) {
    double.set_faults(Faults {
        operation: Some("CompletePayment".into()),
        fail_until: Some(until),
        ..Faults::default()
    });
}

/// Square refuses every capture for 20 minutes of simulated time: the
/// machine waits and loops on the step's answers, far past any fixed
/// retry count, and the order ends paid with one capture, never voided.
#[tokio::test]
async fn a_capture_failing_for_twenty_minutes_loops_and_ends_paid() {
    let (double, shop, clock) = simulated("60000").await;
    let id = shop.authorized_order().await;
    let started = clock.now();
    complete_fails_until(&double, double.now() + chrono::Duration::minutes(20));
    let answers = finalize_until_done(&shop, &clock, &double, id.as_str()).await;
    let last = answers.last().unwrap();
    assert_eq!(last["status"], "paid", "{last}");
    assert!(clock.now() - started >= chrono::Duration::minutes(20));
    let retries = answers.len() - 1;
    assert!(
        retries > 12,
        "more attempts than any fixed budget: {retries}"
    );
    let ledger = double.ledger();
    assert_eq!(ledger.payments.len(), 1);
    assert_eq!(
        (
            ledger.payments[0].status.as_str(),
            ledger.payments[0].completions
        ),
        ("COMPLETED", 1)
    );
    // The admins heard after 10 failures; the alert is down now it is paid.
    let order = shop.wiring.stores.orders.get(&id).await.unwrap().unwrap();
    assert_eq!(order.alert, None);
    let delivered = handle(&shop.service, json!({"step": "deliver_mails"}))
        .await
        .unwrap();
    assert_eq!(
        delivered["delivered"], 3,
        "the alert, the confirmation and the notice"
    );
    double.stop().await;

    let mut queued = answers.clone();
    queued.push(delivered.clone());
    let (status, path, output) = run("ap-northeast-1", id.as_str(), &queued).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{path:?} {output}");
    let mut expected = Vec::new();
    for _ in 0..retries {
        expected.extend(["Finalize", "CarryFailures"]);
    }
    expected.extend(["Finalize", "DeliverMails", "Done"]);
    assert_eq!(path, expected);
    assert_eq!(output["finalized"]["status"], "paid");
    assert_eq!(
        output["finalized"]["failures"],
        u64::try_from(retries).unwrap()
    );
    assert_eq!(output["mails"], delivered);
}

/// Square refuses every capture until the margin before the authorization
/// lapses: the step voids it and fails the order (stock back, customer and
/// admins told), and the machine goes on to deliver the mails.
#[tokio::test]
async fn a_capture_failing_until_the_margin_voids_and_fails_the_order() {
    let (double, shop, clock) = simulated("3600000").await;
    let id = shop.authorized_order().await;
    let order = shop.wiring.stores.orders.get(&id).await.unwrap().unwrap();
    let product = order.lines[0].product_id.clone();
    let stock = |shop: &Shop| {
        let (catalog, product) = (shop.wiring.stores.catalog.clone(), product.clone());
        async move { catalog.get_product(&product).await.unwrap().unwrap().stock }
    };
    let held = stock(&shop).await;
    complete_fails_until(&double, double.now() + chrono::Duration::days(30));
    let answers = finalize_until_done(&shop, &clock, &double, id.as_str()).await;
    let last = answers.last().unwrap();
    assert_eq!(last["status"], "payment_failed", "{last}");
    let expires = order.payment.authorization_expires_at.unwrap();
    assert!(clock.now() >= expires - chrono::Duration::hours(6));
    assert!(clock.now() < expires, "given up before the window closed");
    let ledger = double.ledger();
    assert_eq!(
        (
            ledger.payments[0].status.as_str(),
            ledger.payments[0].completions
        ),
        ("CANCELED", 0),
        "voided, nothing captured"
    );
    assert_eq!(stock(&shop).await, held + 1, "the stock came back");
    let failed = shop.wiring.stores.orders.get(&id).await.unwrap().unwrap();
    assert_eq!(
        failed.payment.failure_code.as_deref(),
        Some("AUTHORIZATION_DEADLINE")
    );
    let mut to = shop.unsent_recipients().await;
    to.dedup();
    let mut expected = vec![
        failed.customer_email.to_string(),
        "orders@shop.test".to_string(),
    ];
    expected.sort();
    assert_eq!(to, expected, "the customer and the admins");
    let delivered = handle(&shop.service, json!({"step": "deliver_mails"}))
        .await
        .unwrap();
    assert_eq!(
        delivered["delivered"], 3,
        "the failing-capture alert, the give-up alert, the customer's mail"
    );
    double.stop().await;

    let mut queued = answers.clone();
    queued.push(delivered.clone());
    let (status, path, output) = run("sa-east-1", id.as_str(), &queued).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{output}");
    assert_eq!(
        path.iter().filter(|s| *s == "Finalize").count(),
        answers.len()
    );
    assert_eq!(path[path.len() - 2..], ["DeliverMails", "Done"]);
    assert_eq!(output["finalized"]["status"], "payment_failed");
}
