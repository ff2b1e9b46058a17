//! `create_tables`: idempotent, with the documented keys, indexes and TTL.

use aws_sdk_dynamodb::types::{KeyType, TimeToLiveStatus};
use shop_dynamodb::create_tables;

use crate::common::{fresh_store, moto_client, unique_tables};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_tables_is_idempotent() {
    let client = moto_client().await;
    let tables = unique_tables();
    create_tables(&client, &tables).await.unwrap();
    create_tables(&client, &tables).await.unwrap();
    for table in [&tables.accounts, &tables.sessions] {
        client
            .delete_table()
            .table_name(table)
            .send()
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tables_have_the_documented_keys_indexes_and_ttl() {
    let store = fresh_store().await;
    let client = store.client();
    let keys = |table: &aws_sdk_dynamodb::types::TableDescription| {
        table
            .key_schema()
            .iter()
            .map(|k| (k.attribute_name().to_string(), k.key_type().clone()))
            .collect::<Vec<_>>()
    };

    let accounts = client
        .describe_table()
        .table_name(&store.tables().accounts)
        .send()
        .await
        .unwrap();
    let accounts = accounts.table().unwrap();
    assert_eq!(keys(accounts), vec![("pk".to_string(), KeyType::Hash)]);
    let mut indexes: Vec<(String, Vec<(String, KeyType)>)> = accounts
        .global_secondary_indexes()
        .iter()
        .map(|i| {
            (
                i.index_name().unwrap().to_string(),
                i.key_schema()
                    .iter()
                    .map(|k| (k.attribute_name().to_string(), k.key_type().clone()))
                    .collect(),
            )
        })
        .collect();
    indexes.sort();
    assert_eq!(
        indexes,
        vec![
            (
                "admins-by-id".to_string(),
                vec![
                    ("admin".to_string(), KeyType::Hash),
                    ("id".to_string(), KeyType::Range)
                ]
            ),
            (
                "users-by-id".to_string(),
                vec![
                    ("user_list".to_string(), KeyType::Hash),
                    ("id".to_string(), KeyType::Range)
                ]
            ),
        ]
    );

    let sessions = client
        .describe_table()
        .table_name(&store.tables().sessions)
        .send()
        .await
        .unwrap();
    assert_eq!(
        keys(sessions.table().unwrap()),
        vec![
            ("pk".to_string(), KeyType::Hash),
            ("sk".to_string(), KeyType::Range)
        ]
    );
    let ttl = client
        .describe_time_to_live()
        .table_name(&store.tables().sessions)
        .send()
        .await
        .unwrap();
    let ttl = ttl.time_to_live_description().unwrap();
    assert_eq!(ttl.attribute_name(), Some("ttl"));
    assert!(matches!(
        ttl.time_to_live_status(),
        Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
    ));
    crate::common::delete_tables(&store).await;
}

/// DynamoDB TTL reads epoch seconds from `ttl`; the token keeps its exact
/// `expires_at` besides.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_carry_their_expiry_as_ttl_epoch_seconds() {
    use aws_sdk_dynamodb::types::AttributeValue;
    use shop_domain::account::{AccountStore, RefreshTokenStore};
    use shop_testkit::fixtures::{customer, refresh_token, session};

    let store = fresh_store().await;
    let u = customer();
    store.insert(&u).await.unwrap();
    let session = session(&u.id);
    store.create_session(&session).await.unwrap();
    let token = refresh_token(&session);
    store.insert_token(&token).await.unwrap();
    let item = store
        .client()
        .get_item()
        .table_name(&store.tables().sessions)
        .key(
            "pk",
            AttributeValue::S(format!("TOKEN#{}", token.token_hash)),
        )
        .key("sk", AttributeValue::S("TOKEN".into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(
        item.get("ttl"),
        Some(&AttributeValue::N(token.expires_at.timestamp().to_string()))
    );
    assert_eq!(
        store.find_token(&token.token_hash).await.unwrap(),
        Some(token)
    );
    crate::common::delete_tables(&store).await;
}
