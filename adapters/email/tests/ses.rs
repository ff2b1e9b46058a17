//! SesMailer against moto server's SES v2 (`.ci/services/moto.sh` starts
//! it; `SHOP_TEST_MOTO_URL` points elsewhere). A moto that does not answer
//! fails these tests.

// Test helpers outside #[test] functions fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::net::TcpListener;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sesv2::config::Credentials;
use shop_domain::mail::{MailError, MailMessage, Mailer as _};
use shop_email::SesMailer;
use support::{assert_is_sent_message, unique_message};

fn moto_url() -> String {
    std::env::var("SHOP_TEST_MOTO_URL").unwrap_or_else(|_| "http://127.0.0.1:5005".into())
}

async fn sdk_config(endpoint: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "static"))
        .load()
        .await
}

/// The SDK configuration for moto, after checking that moto answers.
async fn moto() -> SdkConfig {
    let url = moto_url();
    let answer = reqwest::get(format!("{url}/moto-api/")).await;
    match answer {
        Ok(response) if response.status().is_success() => {}
        other => panic!(
            "moto server does not answer at {url} ({other:?}); start it with \
             .ci/services/moto.sh or set SHOP_TEST_MOTO_URL"
        ),
    }
    sdk_config(&url).await
}

async fn verify_sender(config: &SdkConfig, message: &MailMessage) {
    aws_sdk_sesv2::Client::new(config)
        .create_email_identity()
        .email_identity(message.from.as_str())
        .send()
        .await
        .expect("moto creates (and verifies) the sender identity");
}

/// The messages moto stored as sent from `sender`: (envelope recipients,
/// raw MIME). Raw content is kept under `RawMessage`, not `Message`.
async fn sent_from(sender: &str) -> Vec<(Vec<String>, String)> {
    let data: serde_json::Value = reqwest::get(format!("{}/moto-api/data.json", moto_url()))
        .await
        .expect("moto's data.json")
        .json()
        .await
        .expect("moto's data.json is JSON");
    data["ses"]["RawMessage"]
        .as_array()
        .unwrap_or_else(|| panic!("no ses.RawMessage list in moto's data: {data}"))
        .iter()
        .filter(|stored| stored["source"] == sender)
        .map(|stored| {
            let destinations = stored["destinations"]
                .as_array()
                .expect("destinations")
                .iter()
                .map(|d| d.as_str().expect("an address").to_string())
                .collect();
            let raw = stored["raw_data"].as_str().expect("raw_data").to_string();
            (destinations, raw)
        })
        .collect()
}

#[tokio::test]
async fn sends_the_mime_message_with_its_message_id_as_raw_content() {
    let config = moto().await;
    let message = unique_message("shop.test");
    verify_sender(&config, &message).await;

    SesMailer::with_config(&config)
        .send(&message)
        .await
        .expect("SES accepts mail from a verified sender");

    let sent = sent_from(message.from.as_str()).await;
    assert_eq!(sent.len(), 1, "{sent:#?}");
    let (destinations, raw) = &sent[0];
    // moto lists the envelope recipient and then the To header's again.
    assert!(
        destinations.iter().all(|d| d == message.to.as_str()),
        "{destinations:?}"
    );
    assert_is_sent_message(raw.as_bytes(), &message);
}

#[tokio::test]
async fn an_unverified_sender_is_rejected() {
    let config = moto().await;
    let message = unique_message("unverified.test");

    let result = SesMailer::with_config(&config).send(&message).await;

    match &result {
        Err(MailError::Rejected(detail)) => {
            assert!(detail.contains("MessageRejected"), "{detail}");
        }
        other => panic!("an unverified sender should be rejected: {other:?}"),
    }
    assert!(sent_from(message.from.as_str()).await.is_empty());
}

#[tokio::test]
async fn an_unreachable_endpoint_is_transient() {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let config = sdk_config(&format!("http://127.0.0.1:{port}")).await;

    let result = SesMailer::with_config(&config)
        .send(&unique_message("shop.test"))
        .await;

    assert!(matches!(result, Err(MailError::Transient(_))), "{result:?}");
}
