//! `SHOP_WORKER=stepfunctions`: shop-api hands each paid-for order to the
//! state machine (one execution named after the order) instead of
//! finalizing it in-process. Against moto's Step Functions on 5006
//! (`SHOP_TEST_MOTO_SFN_URL`; `bash .ci/services/moto-sfn.sh` starts it).
//! moto 5.2.1 cannot start an execution in an account and region where one
//! already ran, so the test works in a fresh account, reached with the
//! credentials of an STS AssumeRole into it (moto files requests under the
//! account of the credentials).

use std::time::{Duration, Instant};

use shop_blackbox::{TestApp, unique};
use shop_domain::ids::OrderId;
use shop_stepfunctions::aws_sdk_sfn::Client;
use shop_stepfunctions::aws_sdk_sfn::config::{BehaviorVersion, Credentials, Region};
use shop_stepfunctions::{execution_input, execution_name};

const OK: &str = "cnon:card-nonce-ok";

fn moto_sfn_url() -> String {
    std::env::var("SHOP_TEST_MOTO_SFN_URL")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "http://127.0.0.1:5006".into())
}

/// Temporary credentials of a fresh moto account, from STS AssumeRole
/// (moto does not check signatures, so the query needs none).
async fn fresh_account(url: &str) -> (String, String, String, String) {
    // A new 12-digit account each run: moto keeps its state between runs.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let account = format!("{:012}", nanos % 1_000_000_000_000);
    let role = format!("arn:aws:iam::{account}:role/shop-blackbox");
    let reply = reqwest::Client::new()
        .post(url)
        // moto picks the service from the credential scope; it checks no
        // signature.
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sts/aws4_request, \
             SignedHeaders=host, Signature=0",
        )
        .query(&[
            ("Action", "AssumeRole"),
            ("Version", "2011-06-15"),
            ("RoleArn", role.as_str()),
            ("RoleSessionName", "shop-blackbox"),
        ])
        .send()
        .await
        .unwrap_or_else(|e| {
            panic!(
                "moto server does not answer at {url} (SHOP_TEST_MOTO_SFN_URL): start it with \
                 `bash .ci/services/moto-sfn.sh`. These tests never skip. Error: {e}"
            )
        })
        .text()
        .await
        .expect("AssumeRole answer");
    let field = |name: &str| {
        let open = format!("<{name}>");
        let start = reply.find(&open).map(|i| i + open.len());
        let end = reply.find(&format!("</{name}>"));
        match (start, end) {
            (Some(s), Some(e)) if s <= e => reply[s..e].to_string(),
            _ => panic!("no {name} in moto's AssumeRole answer: {reply}"),
        }
    };
    (
        account,
        field("AccessKeyId"),
        field("SecretAccessKey"),
        field("SessionToken"),
    )
}

#[tokio::test]
async fn shop_api_hands_each_order_to_the_state_machine_once() {
    let url = moto_sfn_url();
    let (account, key, secret, token) = fresh_account(&url).await;
    let sfn = Client::from_conf(
        shop_stepfunctions::aws_sdk_sfn::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(&url)
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new(
                key.clone(),
                secret.clone(),
                Some(token.clone()),
                None,
                "moto-sts",
            ))
            .build(),
    );
    // The real definition runs the Lambdas; here a Pass state stands for it:
    // what is under test is shop-api's hand-off.
    let machine = sfn
        .create_state_machine()
        .name(unique("finalize"))
        .definition(r#"{"StartAt":"Finalize","States":{"Finalize":{"Type":"Pass","End":true}}}"#)
        .role_arn(format!("arn:aws:iam::{account}:role/shop-states"))
        .send()
        .await
        .expect("create the state machine in moto");
    let arn = machine.state_machine_arn().to_string();
    assert!(arn.contains(&account), "{arn}");

    let app = TestApp::builder()
        .env("SHOP_WORKER", "stepfunctions")
        .env("SHOP_SFN_STATE_MACHINE_ARN", &arn)
        .env("SHOP_SFN_ENDPOINT_URL", &url)
        .env("AWS_ACCESS_KEY_ID", &key)
        .env("AWS_SECRET_ACCESS_KEY", &secret)
        .env("AWS_SESSION_TOKEN", &token)
        .env("AWS_REGION", "us-east-1")
        .spawn()
        .await;
    let admin = app.admin_token().await;
    let product = app.create_product(admin.as_str(), "7.50", 3).await;
    let pid = product["id"].as_str().expect("id");
    let c = app.customer().await;
    let quote_id = app.quote_id(&c.token, pid, 1).await;
    let order = app.place_order(&c.token, &quote_id, OK, "sfn-1").await;
    let id = order.expect(201)["order"]["id"]
        .as_str()
        .expect("id")
        .to_string();

    let started = Instant::now();
    let view = loop {
        let resp = app
            .get(&format!("/api/v1/admin/orders/{id}"), admin.as_str())
            .await;
        let view = resp.expect(200)["order"].clone();
        if view["finalization"]["state"] == "done" {
            break view;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "never handed off: {view:#}\n{}",
            app.stderr()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // Handed off, not finalized here: capturing is the state machine's job.
    assert_eq!(view["status"], "authorized", "{view:#}");

    let executions = sfn
        .list_executions()
        .state_machine_arn(&arn)
        .send()
        .await
        .expect("list executions");
    let order_id = OrderId::new(id.clone());
    let names: Vec<&str> = executions.executions().iter().map(|e| e.name()).collect();
    assert_eq!(names, [execution_name(&order_id, 0).as_str()]);
    let execution = sfn
        .describe_execution()
        .execution_arn(executions.executions()[0].execution_arn())
        .send()
        .await
        .expect("describe the execution");
    assert_eq!(
        execution.input(),
        Some(execution_input(&order_id).as_str()),
        "the execution carries the order"
    );
}
