//! `RefreshTokenStore` on the sessions table.

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Put, ReturnValue, TransactWriteItem};
use chrono::{DateTime, Utc};
use shop_domain::DomainError;
use shop_domain::account::{RefreshSession, RefreshToken, RefreshTokenStore};
use shop_domain::audit::AuditEntry;
use shop_domain::ids::{SessionId, UserId};

use crate::DynamoAccountStore;
use crate::error::{request_build_error, store_error};
use crate::item::{Item, get_optional_time, get_str, get_time, n, s, time};
use crate::schema::{PK, SK, TTL};

const SESSION_SK: &str = "SESSION";
const TOKEN_SK: &str = "TOKEN";
const SESSION_ID: &str = "session_id";
const USER_ID: &str = "user_id";
const CREATED_AT: &str = "created_at";
const REVOKED_AT: &str = "revoked_at";
const TOKEN_HASH: &str = "token_hash";
const ISSUED_AT: &str = "issued_at";
const EXPIRES_AT: &str = "expires_at";
const SPENT_AT: &str = "spent_at";

fn session_pk(id: &SessionId) -> String {
    format!("SESSION#{id}")
}

/// The partition of a user's live-session index items.
fn user_pk(id: &UserId) -> String {
    format!("USER#{id}")
}

fn user_session_sk(id: &SessionId) -> String {
    format!("SESSION#{id}")
}

fn token_pk(hash: &str) -> String {
    format!("TOKEN#{hash}")
}

fn parse_session(item: &Item) -> Result<RefreshSession, DomainError> {
    Ok(RefreshSession {
        id: SessionId::new(get_str(item, SESSION_ID)?),
        user_id: UserId::new(get_str(item, USER_ID)?),
        created_at: get_time(item, CREATED_AT)?,
        revoked_at: get_optional_time(item, REVOKED_AT)?,
    })
}

fn parse_token(item: &Item) -> Result<RefreshToken, DomainError> {
    Ok(RefreshToken {
        token_hash: get_str(item, TOKEN_HASH)?.to_string(),
        session_id: SessionId::new(get_str(item, SESSION_ID)?),
        user_id: UserId::new(get_str(item, USER_ID)?),
        issued_at: get_time(item, ISSUED_AT)?,
        expires_at: get_time(item, EXPIRES_AT)?,
        spent_at: get_optional_time(item, SPENT_AT)?,
    })
}

impl DynamoAccountStore {
    /// Sets `revoked_at` unless the session is revoked already (the first
    /// revocation time stands) or unknown, then drops the user's index item
    /// of it, so that index holds live sessions only. After a crash in
    /// between, the next `revoke_user_sessions` drops the leftover.
    async fn revoke(
        &self,
        user_id: Option<&UserId>,
        id: &SessionId,
        at: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.tables.sessions)
            .key(PK, s(session_pk(id)))
            .key(SK, s(SESSION_SK))
            .update_expression("SET #revoked_at = :at")
            .condition_expression("attribute_exists(#pk) AND attribute_not_exists(#revoked_at)")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#revoked_at", REVOKED_AT)
            .expression_attribute_values(":at", time(at))
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        let revoked_now = match result {
            Ok(out) => out.attributes,
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                None
            }
            Err(err) => return Err(store_error("UpdateItem", err)),
        };
        let owner = match (user_id, revoked_now) {
            (Some(user_id), _) => user_id.clone(),
            (None, Some(item)) => UserId::new(get_str(&item, USER_ID)?),
            (None, None) => return Ok(()),
        };
        self.client
            .delete_item()
            .table_name(&self.tables.sessions)
            .key(PK, s(user_pk(&owner)))
            .key(SK, s(user_session_sk(id)))
            .send()
            .await
            .map_err(|e| store_error("DeleteItem", e))?;
        Ok(())
    }

    /// The ids of the user's sessions not revoked yet, read from the user's
    /// index partition with a consistent read, so a session created just
    /// before is among them (a GSI could miss it).
    async fn live_session_ids(&self, user_id: &UserId) -> Result<Vec<SessionId>, DomainError> {
        let mut ids = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.tables.sessions)
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :session)")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_names("#sk", SK)
                .expression_attribute_values(":pk", s(user_pk(user_id)))
                .expression_attribute_values(":session", s("SESSION#"))
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| store_error("Query", e))?;
            for item in out.items.unwrap_or_default() {
                ids.push(SessionId::new(get_str(&item, SESSION_ID)?));
            }
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(ids),
            }
        }
    }
}

#[async_trait]
impl RefreshTokenStore for DynamoAccountStore {
    /// The session item and the user's index item of it, in one transaction.
    #[tracing::instrument(level = "debug", skip_all, fields(session_id = %session.id, user_id = %session.user_id))]
    async fn create_session(&self, session: &RefreshSession) -> Result<(), DomainError> {
        let mut item = Item::from([
            (PK.to_string(), s(session_pk(&session.id))),
            (SK.to_string(), s(SESSION_SK)),
            (SESSION_ID.to_string(), s(session.id.as_str())),
            (USER_ID.to_string(), s(session.user_id.as_str())),
            (CREATED_AT.to_string(), time(session.created_at)),
        ]);
        if let Some(revoked_at) = session.revoked_at {
            item.insert(REVOKED_AT.to_string(), time(revoked_at));
        }
        let session_put = Put::builder()
            .table_name(&self.tables.sessions)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .build()
            .map_err(request_build_error)?;
        let mut items = vec![TransactWriteItem::builder().put(session_put).build()];
        if session.revoked_at.is_none() {
            let index_put = Put::builder()
                .table_name(&self.tables.sessions)
                .item(PK, s(user_pk(&session.user_id)))
                .item(SK, s(user_session_sk(&session.id)))
                .item(SESSION_ID, s(session.id.as_str()))
                .build()
                .map_err(request_build_error)?;
            items.push(TransactWriteItem::builder().put(index_put).build());
        }
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) => {
                let exists = err.as_service_error().is_some_and(|e| match e {
                    TransactWriteItemsError::TransactionCanceledException(c) => {
                        c.cancellation_reasons().first().and_then(|r| r.code())
                            == Some("ConditionalCheckFailed")
                    }
                    _ => false,
                });
                if exists {
                    Err(DomainError::AlreadyExists("session"))
                } else {
                    Err(store_error("TransactWriteItems", err))
                }
            }
        }
    }

    #[tracing::instrument(level = "debug", skip_all, fields(session_id = %id))]
    async fn get_session(&self, id: &SessionId) -> Result<Option<RefreshSession>, DomainError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.tables.sessions)
            .key(PK, s(session_pk(id)))
            .key(SK, s(SESSION_SK))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| store_error("GetItem", e))?;
        out.item.as_ref().map(parse_session).transpose()
    }

    /// The entries are appended right after the revocation (see the crate
    /// documentation).
    #[tracing::instrument(level = "debug", skip_all, fields(session_id = %id))]
    async fn revoke_session(
        &self,
        id: &SessionId,
        at: DateTime<Utc>,
        audit: &[AuditEntry],
    ) -> Result<(), DomainError> {
        self.check_audit(audit)?;
        self.revoke(None, id, at).await?;
        self.append_audit(audit).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %user_id))]
    async fn revoke_user_sessions<'a>(
        &self,
        user_id: &UserId,
        except: Option<&'a SessionId>,
        at: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        for id in self.live_session_ids(user_id).await? {
            if Some(&id) != except {
                self.revoke(Some(user_id), &id, at).await?;
            }
        }
        Ok(())
    }

    /// `ttl` (epoch seconds of `expires_at`) lets DynamoDB delete expired
    /// tokens, up to a few days late: readers check `expires_at` themselves.
    #[tracing::instrument(level = "debug", skip_all, fields(session_id = %token.session_id, user_id = %token.user_id))]
    async fn insert_token(&self, token: &RefreshToken) -> Result<(), DomainError> {
        let mut item = Item::from([
            (PK.to_string(), s(token_pk(&token.token_hash))),
            (SK.to_string(), s(TOKEN_SK)),
            (TOKEN_HASH.to_string(), s(&token.token_hash)),
            (SESSION_ID.to_string(), s(token.session_id.as_str())),
            (USER_ID.to_string(), s(token.user_id.as_str())),
            (ISSUED_AT.to_string(), time(token.issued_at)),
            (EXPIRES_AT.to_string(), time(token.expires_at)),
            (TTL.to_string(), n(token.expires_at.timestamp())),
        ]);
        if let Some(spent_at) = token.spent_at {
            item.insert(SPENT_AT.to_string(), time(spent_at));
        }
        let result = self
            .client
            .put_item()
            .table_name(&self.tables.sessions)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Err(DomainError::AlreadyExists("refresh token"))
            }
            Err(err) => Err(store_error("PutItem", err)),
        }
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn find_token(&self, token_hash: &str) -> Result<Option<RefreshToken>, DomainError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.tables.sessions)
            .key(PK, s(token_pk(token_hash)))
            .key(SK, s(TOKEN_SK))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| store_error("GetItem", e))?;
        out.item.as_ref().map(parse_token).transpose()
    }

    /// A conditional write: of any number of concurrent spenders exactly one
    /// finds `spent_at` absent.
    #[tracing::instrument(level = "debug", skip_all)]
    async fn spend_token(&self, token_hash: &str, at: DateTime<Utc>) -> Result<bool, DomainError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.tables.sessions)
            .key(PK, s(token_pk(token_hash)))
            .key(SK, s(TOKEN_SK))
            .update_expression("SET #spent_at = :at")
            .condition_expression("attribute_exists(#pk) AND attribute_not_exists(#spent_at)")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#spent_at", SPENT_AT)
            .expression_attribute_values(":at", time(at))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
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
}
