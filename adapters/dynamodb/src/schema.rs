//! Table and index names, key attributes, and [`create_tables`].

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TableStatus, TimeToLiveSpecification, TimeToLiveStatus,
};
use shop_domain::DomainError;

use crate::error::{request_build_error, store_error};
use crate::settings::DynamoTables;

/// Partition key of both tables.
pub(crate) const PK: &str = "pk";
/// Sort key of the sessions table.
pub(crate) const SK: &str = "sk";

/// Accounts GSI of every user, newest (largest id) first.
pub(crate) const USERS_INDEX: &str = "users-by-id";
/// Partition attribute of [`USERS_INDEX`]: one constant value on user items
/// only, so the e-mail items stay out of the index.
pub(crate) const USER_LIST: &str = "user_list";
pub(crate) const USER_LIST_VALUE: &str = "USER";
/// Accounts GSI of admins: sparse, the attribute is present on admin users
/// only. It derives from the role alone, so a role change and a status
/// change never have to agree on it.
pub(crate) const ADMINS_INDEX: &str = "admins-by-id";
pub(crate) const ADMIN: &str = "admin";
pub(crate) const ADMIN_VALUE: &str = "ADMIN";
/// Sort key of both accounts GSIs: the user id, time-ordered.
pub(crate) const USER_ID: &str = "id";

/// The DynamoDB TTL attribute of refresh tokens: `expires_at` in epoch
/// seconds, the form TTL requires.
pub(crate) const TTL: &str = "ttl";

/// How long [`create_tables`] waits for a new table to become ACTIVE.
const ACTIVE_TIMEOUT: Duration = Duration::from_secs(120);

fn key(name: &str, key_type: KeyType) -> Result<KeySchemaElement, DomainError> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .map_err(request_build_error)
}

fn string_attribute(name: &str) -> Result<AttributeDefinition, DomainError> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(request_build_error)
}

fn index_by_user_id(name: &str, partition: &str) -> Result<GlobalSecondaryIndex, DomainError> {
    GlobalSecondaryIndex::builder()
        .index_name(name)
        .key_schema(key(partition, KeyType::Hash)?)
        .key_schema(key(USER_ID, KeyType::Range)?)
        .projection(
            Projection::builder()
                .projection_type(ProjectionType::All)
                .build(),
        )
        .build()
        .map_err(request_build_error)
}

/// Creates both tables (on-demand billing) with their indexes and turns on
/// TTL for refresh tokens, then waits until they are ACTIVE. Idempotent: a
/// table that exists already is left as it is.
pub async fn create_tables(client: &Client, tables: &DynamoTables) -> Result<(), DomainError> {
    let accounts = client
        .create_table()
        .table_name(&tables.accounts)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(string_attribute(PK)?)
        .attribute_definitions(string_attribute(USER_LIST)?)
        .attribute_definitions(string_attribute(ADMIN)?)
        .attribute_definitions(string_attribute(USER_ID)?)
        .key_schema(key(PK, KeyType::Hash)?)
        .global_secondary_indexes(index_by_user_id(USERS_INDEX, USER_LIST)?)
        .global_secondary_indexes(index_by_user_id(ADMINS_INDEX, ADMIN)?);
    create_unless_exists(accounts.send().await)?;

    let sessions = client
        .create_table()
        .table_name(&tables.sessions)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(string_attribute(PK)?)
        .attribute_definitions(string_attribute(SK)?)
        .key_schema(key(PK, KeyType::Hash)?)
        .key_schema(key(SK, KeyType::Range)?);
    create_unless_exists(sessions.send().await)?;

    wait_until_active(client, &tables.accounts).await?;
    wait_until_active(client, &tables.sessions).await?;
    enable_token_ttl(client, &tables.sessions).await
}

fn create_unless_exists<T>(
    result: Result<
        T,
        aws_sdk_dynamodb::error::SdkError<
            aws_sdk_dynamodb::operation::create_table::CreateTableError,
        >,
    >,
) -> Result<(), DomainError> {
    match result {
        Ok(_) => Ok(()),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_resource_in_use_exception()) =>
        {
            Ok(())
        }
        Err(err) => Err(store_error("CreateTable", err)),
    }
}

async fn wait_until_active(client: &Client, table: &str) -> Result<(), DomainError> {
    let deadline = tokio::time::Instant::now() + ACTIVE_TIMEOUT;
    loop {
        let described = client
            .describe_table()
            .table_name(table)
            .send()
            .await
            .map_err(|e| store_error("DescribeTable", e))?;
        let status = described.table().and_then(|t| t.table_status());
        if status == Some(&TableStatus::Active) {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(DomainError::Store(shop_domain::StoreError::unavailable(
                format!(
                    "dynamodb: table {table} not ACTIVE after {} s",
                    ACTIVE_TIMEOUT.as_secs()
                ),
            )));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Enabling TTL twice is an error in DynamoDB, so ask first.
async fn enable_token_ttl(client: &Client, table: &str) -> Result<(), DomainError> {
    let described = client
        .describe_time_to_live()
        .table_name(table)
        .send()
        .await
        .map_err(|e| store_error("DescribeTimeToLive", e))?;
    let status = described
        .time_to_live_description()
        .and_then(|d| d.time_to_live_status());
    if matches!(
        status,
        Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
    ) {
        return Ok(());
    }
    let specification = TimeToLiveSpecification::builder()
        .enabled(true)
        .attribute_name(TTL)
        .build()
        .map_err(request_build_error)?;
    client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(specification)
        .send()
        .await
        .map_err(|e| store_error("UpdateTimeToLive", e))?;
    Ok(())
}
