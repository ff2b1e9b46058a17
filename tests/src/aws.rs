//! moto server, the AWS emulator the DynamoDB tests run against.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};

/// moto's URL: `SHOP_TEST_MOTO_URL`, default `http://127.0.0.1:5005`.
pub fn moto_url() -> String {
    std::env::var("SHOP_TEST_MOTO_URL")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "http://127.0.0.1:5005".to_string())
}

/// A DynamoDB client of moto with static test credentials. A moto that does
/// not answer fails the test: these tests never skip.
pub async fn moto_dynamodb(url: &str) -> Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(url)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "static"))
        .build();
    let client = Client::from_conf(config);
    if let Err(err) = client.list_tables().limit(1).send().await {
        panic!(
            "moto server does not answer at {url} (SHOP_TEST_MOTO_URL): start it with \
             `bash .ci/services/moto.sh`. These tests never skip. Error: {}",
            aws_sdk_dynamodb::error::DisplayErrorContext(&err)
        );
    }
    client
}
