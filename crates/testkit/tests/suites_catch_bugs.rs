//! The suites must fail on adapters that break the contract: racy
//! check-then-act stores and a pager that repeats rows. Each broken adapter
//! wraps `MemoryStore` and breaks one operation.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shop_domain::account::{
    AccountStatus, AccountStore, Email, PersonName, RefreshSession, RefreshToken,
    RefreshTokenStore, Role, User, UserFilter,
};
use shop_domain::account::{LoginThrottle, LoginThrottleStore};
use shop_domain::audit::{AuditEntry, AuditLog};
use shop_domain::contact::{ContactMessage, ContactStatus};
use shop_domain::ids::{ContactMessageId, SessionId, UserId};
use shop_domain::mail::MailMessage;
use shop_domain::{DomainError, Page, PageRequest};
use shop_memory::{MemoryStore, SystemClock};
use shop_testkit::{Stores, suites};

fn memory() -> MemoryStore {
    MemoryStore::new(Arc::new(SystemClock))
}

/// Runs a case and reports whether it failed (panicked).
async fn fails<F: Future<Output = ()> + Send + 'static>(case: F) -> bool {
    tokio::spawn(case).await.is_err_and(|e| e.is_panic())
}

/// Checks the e-mail, yields, then inserts: two sign-ups can both pass the
/// check. Its list repeats the last row of each page on the next one.
struct RacyAccounts {
    inner: MemoryStore,
    users: std::sync::Mutex<Vec<User>>,
}

#[async_trait]
impl AccountStore for RacyAccounts {
    async fn insert(&self, user: &User) -> Result<(), DomainError> {
        if self.find_by_email(&user.email).await?.is_some() {
            return Err(DomainError::EmailTaken);
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        self.users.lock().unwrap().push(user.clone());
        Ok(())
    }
    async fn get(&self, id: &UserId) -> Result<Option<User>, DomainError> {
        Ok(self
            .users
            .lock()
            .unwrap()
            .iter()
            .find(|u| &u.id == id)
            .cloned())
    }
    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, DomainError> {
        Ok(self
            .users
            .lock()
            .unwrap()
            .iter()
            .find(|u| &u.email == email)
            .cloned())
    }
    async fn set_name(&self, _: &UserId, _: &PersonName) -> Result<(), DomainError> {
        Err(DomainError::Internal("not in this fake".into()))
    }
    async fn set_password_hash(
        &self,
        _: &UserId,
        _: &str,
        _: &[AuditEntry],
    ) -> Result<(), DomainError> {
        Err(DomainError::Internal("not in this fake".into()))
    }
    async fn set_role(&self, _: &UserId, _: Role) -> Result<(), DomainError> {
        Err(DomainError::Internal("not in this fake".into()))
    }
    async fn set_status(
        &self,
        _: &UserId,
        _: AccountStatus,
        _: &[AuditEntry],
    ) -> Result<(), DomainError> {
        Err(DomainError::Internal("not in this fake".into()))
    }
    async fn bump_session_version(&self, _: &UserId) -> Result<(), DomainError> {
        Err(DomainError::Internal("not in this fake".into()))
    }
    async fn set_email_verified(
        &self,
        _: &UserId,
        _: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), DomainError> {
        Err(DomainError::Internal("not in this fake".into()))
    }
    async fn list(&self, f: &UserFilter, page: &PageRequest) -> Result<Page<User>, DomainError> {
        let pending: Vec<User> = self.users.lock().unwrap().drain(..).collect();
        for u in pending {
            self.inner.insert(&u).await?;
        }
        let mut result = self.inner.list(f, page).await?;
        if page.cursor.is_some() && !result.items.is_empty() {
            // An off-by-one pager: `>=` where `>` was due.
            let all = self
                .inner
                .list(f, &PageRequest::new(Some(100), None))
                .await?
                .items;
            let first = all.iter().position(|u| u.id == result.items[0].id).unwrap();
            if first > 0 {
                result.items.insert(0, all[first - 1].clone());
                result.items.truncate(page.limit as usize);
            }
        }
        Ok(result)
    }
    async fn list_active_admins(&self) -> Result<Vec<User>, DomainError> {
        Ok(Vec::new())
    }
}

/// Reads the token, yields, then spends it: a check-then-act race.
struct RacyTokens(MemoryStore);

#[async_trait]
impl RefreshTokenStore for RacyTokens {
    async fn create_session(&self, s: &RefreshSession) -> Result<(), DomainError> {
        self.0.create_session(s).await
    }
    async fn get_session(&self, id: &SessionId) -> Result<Option<RefreshSession>, DomainError> {
        self.0.get_session(id).await
    }
    async fn revoke_session(
        &self,
        id: &SessionId,
        at: DateTime<Utc>,
        audit: &[AuditEntry],
    ) -> Result<(), DomainError> {
        self.0.revoke_session(id, at, audit).await
    }
    async fn revoke_user_sessions<'a>(
        &self,
        user_id: &UserId,
        except: Option<&'a SessionId>,
        at: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        self.0.revoke_user_sessions(user_id, except, at).await
    }
    async fn insert_token(&self, t: &RefreshToken) -> Result<(), DomainError> {
        self.0.insert_token(t).await
    }
    async fn find_token(&self, hash: &str) -> Result<Option<RefreshToken>, DomainError> {
        self.0.find_token(hash).await
    }
    async fn spend_token(&self, hash: &str, at: DateTime<Utc>) -> Result<bool, DomainError> {
        let unspent = self
            .0
            .find_token(hash)
            .await?
            .is_some_and(|t| t.spent_at.is_none());
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        if unspent {
            self.0.spend_token(hash, at).await?;
        }
        Ok(unspent)
    }
}

/// Sets a contact message's status, then appends the audit entries on
/// their own: a change and its entries in two steps, so a refused change
/// still leaves its entries.
struct TwoStepContacts(MemoryStore);

#[async_trait]
impl shop_domain::contact::ContactStore for TwoStepContacts {
    async fn insert(&self, m: &ContactMessage, mails: &[MailMessage]) -> Result<(), DomainError> {
        shop_domain::contact::ContactStore::insert(&self.0, m, mails).await
    }
    async fn get(&self, id: &ContactMessageId) -> Result<Option<ContactMessage>, DomainError> {
        shop_domain::contact::ContactStore::get(&self.0, id).await
    }
    async fn set_status(
        &self,
        id: &ContactMessageId,
        status: ContactStatus,
        audit: &[AuditEntry],
    ) -> Result<(), DomainError> {
        self.0.append(audit).await?;
        shop_domain::contact::ContactStore::set_status(&self.0, id, status, &[]).await
    }
    async fn list(
        &self,
        status: Option<ContactStatus>,
        page: &PageRequest,
    ) -> Result<Page<ContactMessage>, DomainError> {
        shop_domain::contact::ContactStore::list(&self.0, status, page).await
    }
}

/// Marks an episode notified but records every caller's entries, the
/// losers' too.
struct EveryCallerAudits(MemoryStore);

#[async_trait]
impl LoginThrottleStore for EveryCallerAudits {
    async fn get(&self, key: &str) -> Result<Option<LoginThrottle>, DomainError> {
        LoginThrottleStore::get(&self.0, key).await
    }
    async fn record_failure(
        &self,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<LoginThrottle, DomainError> {
        self.0.record_failure(key, now).await
    }
    async fn mark_notified(&self, key: &str, audit: &[AuditEntry]) -> Result<bool, DomainError> {
        self.0.append(audit).await?;
        self.0.mark_notified(key, &[]).await
    }
    async fn clear(&self, key: &str) -> Result<(), DomainError> {
        LoginThrottleStore::clear(&self.0, key).await
    }
}

fn with_racy_accounts() -> Stores {
    let inner = memory();
    Stores {
        accounts: Arc::new(RacyAccounts {
            inner: memory(),
            users: std::sync::Mutex::new(Vec::new()),
        }),
        ..Stores::from_one(Arc::new(inner))
    }
}

fn with_racy_tokens() -> Stores {
    let inner = memory();
    Stores {
        refresh_tokens: Arc::new(RacyTokens(inner.clone())),
        ..Stores::from_one(Arc::new(inner))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racy_email_uniqueness_is_caught() {
    let case = suites::accounts::concurrent_inserts_of_one_email_admit_exactly_one;
    assert!(fails(case(with_racy_accounts())).await);
    // The same case passes on a correct store.
    assert!(!fails(case(Stores::from_one(Arc::new(memory())))).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn repeating_pages_are_caught() {
    let case = suites::accounts::list_paginates_without_gaps_or_duplicates;
    assert!(fails(case(with_racy_accounts())).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racy_token_spending_is_caught() {
    let case = suites::refresh_tokens::concurrent_spends_admit_exactly_one;
    assert!(fails(case(with_racy_tokens())).await);
    assert!(!fails(case(Stores::from_one(Arc::new(memory())))).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_entry_written_without_its_change_is_caught() {
    let inner = memory();
    let two_step = Stores {
        contacts: Arc::new(TwoStepContacts(inner.clone())),
        ..Stores::from_one(Arc::new(inner))
    };
    let case = suites::contacts::insert_then_get_and_set_status;
    assert!(fails(case(two_step)).await);
    assert!(!fails(case(Stores::from_one(Arc::new(memory())))).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_losing_mark_that_audits_is_caught() {
    let inner = memory();
    let stores = Stores {
        login_throttle: Arc::new(EveryCallerAudits(inner.clone())),
        ..Stores::from_one(Arc::new(inner))
    };
    let case = suites::login_throttle::an_episode_is_notified_once;
    assert!(fails(case(stores)).await);
    assert!(!fails(case(Stores::from_one(Arc::new(memory())))).await);
}

#[path = "support/broken_gateways.rs"]
mod broken_gateways;
