//! Failures of DynamoDB are store errors, and name no secret.

use shop_domain::account::{AccountStore, RefreshTokenStore};
use shop_domain::ids::UserId;
use shop_domain::{DomainError, PageRequest, StoreError};
use shop_dynamodb::{DynamoAccountStore, DynamoTables};
use shop_testkit::fixtures::customer;

use crate::common::{client_for, fresh_store, moto_client, unique_tables};

const SECRET: &str = "wJalrXUtnFEMI-never-in-errors";

fn backend_message<T: std::fmt::Debug>(result: Result<T, DomainError>) -> String {
    match result {
        Err(DomainError::Store(StoreError::Backend { context, .. })) => context,
        other => panic!("expected a store error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_endpoint_is_a_store_error_without_the_secret() {
    // Nobody listens on port 1.
    let client = client_for("http://127.0.0.1:1", SECRET);
    let store = DynamoAccountStore::new(client, DynamoTables::with_prefix("nowhere"));
    let message = backend_message(store.get(&UserId::new("u1")).await);
    assert!(message.starts_with("dynamodb GetItem:"), "{message}");
    assert!(!message.contains(SECRET), "{message}");
    let message = backend_message(store.insert(&customer()).await);
    assert!(!message.contains(SECRET), "{message}");
    // Nor does the SDK error the store error keeps as its source.
    let Err(err) = store.get(&UserId::new("u1")).await else {
        panic!("expected a store error");
    };
    assert!(std::error::Error::source(&err).is_some(), "{err:?}");
    let chain = shop_domain::error::error_chain(&err);
    assert!(
        chain.starts_with("storage backend failure: dynamodb GetItem:"),
        "{chain}"
    );
    assert!(!chain.contains(SECRET), "{chain}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_tables_are_a_store_error() {
    let store = DynamoAccountStore::new(moto_client().await, unique_tables());
    let message = backend_message(store.get(&UserId::new("u1")).await);
    assert!(message.contains("ResourceNotFoundException"), "{message}");
    backend_message(store.find_token("f00d").await);
    backend_message(
        store
            .list(&Default::default(), &PageRequest::default())
            .await,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_cursor_is_a_validation_error() {
    let store = fresh_store().await;
    // Not base64; nothing; bytes that are no id (not UTF-8).
    for cursor in ["%%%", "", "__8"] {
        let page = PageRequest {
            limit: 10,
            cursor: Some(cursor.to_string()),
        };
        let result = store.list(&Default::default(), &page).await;
        assert_eq!(
            result,
            Err(DomainError::invalid("cursor", "is not a valid cursor")),
            "{cursor:?}"
        );
    }
    crate::common::delete_tables(&store).await;
}
