//! `LoginThrottleStore` on the accounts table: one item per throttle key
//! (`pk = LOGIN#<key>`, the key a SHA-256, never an address), counted up by
//! one atomic `UpdateItem` (`ADD`). The items carry no `user_list` or
//! `admin` attribute, so no index and no account listing sees them.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use chrono::{DateTime, Utc};
use shop_domain::DomainError;
use shop_domain::account::{LoginThrottle, LoginThrottleStore};
use shop_domain::audit::AuditEntry;

use crate::DynamoAccountStore;
use crate::error::{corrupt_item, store_error};
use crate::item::{Item, get_time, get_u64, n, s, time};
use crate::schema::PK;

const FAILURES: &str = "failures";
const LAST_FAILURE_AT: &str = "last_failure_at";
const NOTIFIED: &str = "notified";

fn throttle_key(key: &str) -> AttributeValue {
    s(format!("LOGIN#{key}"))
}

fn parse(item: &Item) -> Result<LoginThrottle, DomainError> {
    let failures = get_u64(item, FAILURES)?;
    Ok(LoginThrottle {
        failures: u32::try_from(failures).unwrap_or(u32::MAX),
        last_failure_at: get_time(item, LAST_FAILURE_AT)?,
        notified: match item.get(NOTIFIED) {
            Some(AttributeValue::Bool(b)) => *b,
            None => false,
            Some(_) => return Err(corrupt_item(NOTIFIED)),
        },
    })
}

#[async_trait]
impl LoginThrottleStore for DynamoAccountStore {
    #[tracing::instrument(level = "debug", skip_all)]
    async fn get(&self, key: &str) -> Result<Option<LoginThrottle>, DomainError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.tables.accounts)
            .key(PK, throttle_key(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| store_error("GetItem", e))?;
        out.item.as_ref().map(parse).transpose()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn record_failure(
        &self,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<LoginThrottle, DomainError> {
        let out = self
            .client
            .update_item()
            .table_name(&self.tables.accounts)
            .key(PK, throttle_key(key))
            .update_expression(
                "ADD #failures :one SET #last = :now, #notified = if_not_exists(#notified, :false)",
            )
            .expression_attribute_names("#failures", FAILURES)
            .expression_attribute_names("#last", LAST_FAILURE_AT)
            .expression_attribute_names("#notified", NOTIFIED)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":now", time(now))
            .expression_attribute_values(":false", AttributeValue::Bool(false))
            .return_values(ReturnValue::AllNew)
            .send()
            .await
            .map_err(|e| store_error("UpdateItem", e))?;
        parse(&out.attributes.unwrap_or_default())
    }

    /// The winner's entries are appended right after the mark (see the
    /// crate documentation).
    #[tracing::instrument(level = "debug", skip_all)]
    async fn mark_notified(&self, key: &str, audit: &[AuditEntry]) -> Result<bool, DomainError> {
        self.check_audit(audit)?;
        let result = self
            .client
            .update_item()
            .table_name(&self.tables.accounts)
            .key(PK, throttle_key(key))
            .update_expression("SET #notified = :true")
            .condition_expression("attribute_exists(#pk) AND #notified = :false")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#notified", NOTIFIED)
            .expression_attribute_values(":true", AttributeValue::Bool(true))
            .expression_attribute_values(":false", AttributeValue::Bool(false))
            .send()
            .await;
        match result {
            Ok(_) => {
                self.append_audit(audit).await?;
                Ok(true)
            }
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(err) => Err(store_error("UpdateItem", err)),
        }
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn clear(&self, key: &str) -> Result<(), DomainError> {
        self.client
            .delete_item()
            .table_name(&self.tables.accounts)
            .key(PK, throttle_key(key))
            .send()
            .await
            .map_err(|e| store_error("DeleteItem", e))?;
        Ok(())
    }
}
