//! The audited changes of the DynamoDB store append their entries to the
//! relational trail right after the change (two writes, not one
//! transaction): what happens without a trail, and when the append fails.

use std::sync::Arc;

use async_trait::async_trait;
use shop_domain::account::{AccountStatus, AccountStore, LoginThrottleStore, throttle_key};
use shop_domain::audit::{AuditAction, AuditEntry, AuditFilter, AuditLog, RequestOrigin};
use shop_domain::ids::AuditEntryId;
use shop_domain::order::Actor;
use shop_domain::{DomainError, Page, PageRequest};
use shop_testkit::fixtures::{at, customer, new_id};

use crate::common::{delete_tables, fresh_store};

fn entry(user: &shop_domain::ids::UserId, action: AuditAction) -> AuditEntry {
    AuditEntry {
        id: AuditEntryId::new(new_id()),
        at: at(0),
        actor: Actor::User(user.clone()),
        action,
        target_type: "user".into(),
        target_id: user.to_string(),
        changes: Vec::new(),
        origin: RequestOrigin::default(),
    }
}

/// A relational store that is down.
struct DownLog;

#[async_trait]
impl AuditLog for DownLog {
    async fn list_audit(
        &self,
        _: &AuditFilter,
        _: &PageRequest,
    ) -> Result<Page<AuditEntry>, DomainError> {
        Ok(Page {
            items: Vec::new(),
            next_cursor: None,
        })
    }

    async fn append(&self, _: &[AuditEntry]) -> Result<(), DomainError> {
        Err(DomainError::Internal("the trail is down".into()))
    }
}

/// Without an audit log, a change that comes with entries is refused
/// before anything is written; one without entries goes ahead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_audit_log_an_audited_change_is_refused_unmade() {
    let store = fresh_store().await;
    let u = customer();
    store.insert(&u).await.unwrap();
    let r = store
        .set_status(
            &u.id,
            AccountStatus::Inactive,
            &[entry(&u.id, AuditAction::UserInactivate)],
        )
        .await;
    assert!(matches!(r, Err(DomainError::Internal(_))), "{r:?}");
    let r = store
        .set_password_hash(&u.id, "$h$", &[entry(&u.id, AuditAction::PasswordChange)])
        .await;
    assert!(matches!(r, Err(DomainError::Internal(_))), "{r:?}");
    let unchanged = AccountStore::get(&store, &u.id).await.unwrap().unwrap();
    assert_eq!(unchanged, u);
    let key = throttle_key(u.email.as_str());
    store.record_failure(&key, at(1)).await.unwrap();
    let r = store
        .mark_notified(&key, &[entry(&u.id, AuditAction::LoginBackoff)])
        .await;
    assert!(matches!(r, Err(DomainError::Internal(_))), "{r:?}");
    assert!(
        !LoginThrottleStore::get(&store, &key)
            .await
            .unwrap()
            .unwrap()
            .notified
    );
    store
        .set_status(&u.id, AccountStatus::Inactive, &[])
        .await
        .unwrap();
    delete_tables(&store).await;
}

/// When the append fails after the change, the change stands (it cannot be
/// taken back) and the caller gets the failure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_append_leaves_the_change_and_reports_the_failure() {
    let store = fresh_store().await.with_audit_log(Arc::new(DownLog));
    let u = customer();
    store.insert(&u).await.unwrap();
    let r = store
        .set_status(
            &u.id,
            AccountStatus::Inactive,
            &[entry(&u.id, AuditAction::UserInactivate)],
        )
        .await;
    assert_eq!(r, Err(DomainError::Internal("the trail is down".into())));
    let after = AccountStore::get(&store, &u.id).await.unwrap().unwrap();
    assert_eq!(after.status, AccountStatus::Inactive);
    assert_eq!(after.session_version, u.session_version + 1);
    delete_tables(&store).await;
}
