//! A client of the test moto server and fresh tables on it.

use std::sync::{Arc, OnceLock};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_smithy_http_client::tls;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use shop_dynamodb::{DynamoAccountStore, DynamoTables, create_tables};
use shop_memory::{MemoryStore, SystemClock};
use shop_testkit::Stores;

pub const DEFAULT_MOTO_URL: &str = "http://127.0.0.1:5005";

pub fn moto_url() -> String {
    std::env::var("SHOP_TEST_MOTO_URL")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_MOTO_URL.to_string())
}

/// moto server handles requests on threads with no lock around an item's
/// condition check and write (moto 5.2 `update_item` evaluates the condition,
/// then applies the update), so two conditional writes can both pass, which
/// DynamoDB never allows: seen as two winners of twenty concurrent insert
/// transactions in about one run of forty. A test process therefore sends
/// moto one request at a time. The tests' concurrent tasks still interleave
/// at request granularity (read, read, write, write), the races the
/// adapter's conditions must win; only moto's own atomicity is not tested.
#[derive(Debug, Clone)]
struct OneRequestAtATime {
    inner: SharedHttpClient,
    turn: Arc<tokio::sync::Mutex<()>>,
}

#[derive(Debug)]
struct OneRequestAtATimeConnector {
    inner: SharedHttpConnector,
    turn: Arc<tokio::sync::Mutex<()>>,
}

impl HttpClient for OneRequestAtATime {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(OneRequestAtATimeConnector {
            inner: self.inner.http_connector(settings, components),
            turn: self.turn.clone(),
        })
    }
}

impl HttpConnector for OneRequestAtATimeConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let (inner, turn) = (self.inner.clone(), self.turn.clone());
        HttpConnectorFuture::new(async move {
            let _turn = turn.lock().await;
            inner.call(request).await
        })
    }
}

fn one_request_at_a_time() -> SharedHttpClient {
    static TURN: OnceLock<Arc<tokio::sync::Mutex<()>>> = OnceLock::new();
    SharedHttpClient::new(OneRequestAtATime {
        inner: aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::AwsLc,
            ))
            .build_https(),
        turn: TURN.get_or_init(Arc::default).clone(),
    })
}

/// A client with static test credentials: the process environment is
/// neither read for credentials nor changed.
pub fn client_for(endpoint: &str, secret: &str) -> Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(one_request_at_a_time())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", secret, None, None, "static"))
        .build();
    Client::from_conf(config)
}

/// A client of the test moto server, which must answer.
pub async fn moto_client() -> Client {
    let url = moto_url();
    let client = client_for(&url, "testing");
    if let Err(err) = client.list_tables().limit(1).send().await {
        panic!(
            "moto server does not answer at {url} (SHOP_TEST_MOTO_URL): start it with \
             `bash .ci/services/moto.sh`. The DynamoDB tests never skip. Error: {}",
            aws_sdk_dynamodb::error::DisplayErrorContext(&err)
        );
    }
    client
}

/// Tables under a prefix no other test uses.
pub fn unique_tables() -> DynamoTables {
    DynamoTables::with_prefix(&format!("t{}", uuid::Uuid::new_v4().simple()))
}

/// A store on freshly created tables of its own.
pub async fn fresh_store() -> DynamoAccountStore {
    let client = moto_client().await;
    let tables = unique_tables();
    create_tables(&client, &tables)
        .await
        .expect("creating the tables on moto");
    DynamoAccountStore::new(client, tables)
}

/// The DynamoDB store for accounts and refresh tokens, a memory store for
/// every other port (which the account suites do not use but for the audit
/// trail, which the DynamoDB store appends its entries to).
pub fn stores_of(store: &DynamoAccountStore) -> Stores {
    let memory = Arc::new(MemoryStore::new(Arc::new(SystemClock)));
    let dynamo = Arc::new(store.clone().with_audit_log(memory.clone()));
    Stores {
        accounts: dynamo.clone(),
        refresh_tokens: dynamo.clone(),
        login_throttle: dynamo,
        ..Stores::from_one(memory)
    }
}

/// Drops a store's tables once its test passed (a failed test leaves them
/// for a look).
pub async fn delete_tables(store: &DynamoAccountStore) {
    for table in [&store.tables().accounts, &store.tables().sessions] {
        let _ = store.client().delete_table().table_name(table).send().await;
    }
}
