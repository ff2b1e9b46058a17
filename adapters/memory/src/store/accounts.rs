use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shop_domain::account::{
    AccountStatus, AccountStore, Email, PersonName, RefreshSession, RefreshToken,
    RefreshTokenStore, Role, User, UserFilter,
};
use shop_domain::audit::AuditEntry;
use shop_domain::ids::{SessionId, UserId};
use shop_domain::{DomainError, Page, PageRequest};

use super::page::{Order, paginate};
use super::{MemoryStore, contains_ci};

impl MemoryStore {
    fn update_user(&self, id: &UserId, f: impl FnOnce(&mut User)) -> Result<(), DomainError> {
        self.update_user_audited(id, &[], f)
    }

    /// Changes the user and appends `audit` under one lock: both or neither.
    fn update_user_audited(
        &self,
        id: &UserId,
        audit: &[AuditEntry],
        f: impl FnOnce(&mut User),
    ) -> Result<(), DomainError> {
        let mut state = self.lock();
        let user = state
            .users
            .get_mut(id)
            .ok_or(DomainError::NotFound("user"))?;
        f(user);
        state.audit.extend_from_slice(audit);
        Ok(())
    }
}

#[async_trait]
impl AccountStore for MemoryStore {
    async fn insert(&self, user: &User) -> Result<(), DomainError> {
        let mut state = self.lock();
        if state.users.values().any(|u| u.email == user.email) {
            return Err(DomainError::EmailTaken);
        }
        if state.users.contains_key(&user.id) {
            return Err(DomainError::AlreadyExists("user"));
        }
        state.users.insert(user.id.clone(), user.clone());
        Ok(())
    }

    async fn get(&self, id: &UserId) -> Result<Option<User>, DomainError> {
        Ok(self.lock().users.get(id).cloned())
    }

    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, DomainError> {
        Ok(self
            .lock()
            .users
            .values()
            .find(|u| &u.email == email)
            .cloned())
    }

    async fn set_name(&self, id: &UserId, name: &PersonName) -> Result<(), DomainError> {
        self.update_user(id, |u| u.name = name.clone())
    }

    async fn set_password_hash(
        &self,
        id: &UserId,
        hash: &str,
        audit: &[AuditEntry],
    ) -> Result<(), DomainError> {
        self.update_user_audited(id, audit, |u| {
            u.password_hash = hash.to_string();
            u.session_version += 1;
        })
    }

    async fn set_role(&self, id: &UserId, role: Role) -> Result<(), DomainError> {
        self.update_user(id, |u| u.role = role)
    }

    async fn set_status(
        &self,
        id: &UserId,
        status: AccountStatus,
        audit: &[AuditEntry],
    ) -> Result<(), DomainError> {
        self.update_user_audited(id, audit, |u| {
            u.status = status;
            u.session_version += 1;
        })
    }

    async fn bump_session_version(&self, id: &UserId) -> Result<(), DomainError> {
        self.update_user(id, |u| u.session_version += 1)
    }

    async fn set_email_verified(&self, id: &UserId, at: DateTime<Utc>) -> Result<(), DomainError> {
        self.update_user(id, |u| {
            u.email_verified_at.get_or_insert(at);
        })
    }

    async fn list(
        &self,
        filter: &UserFilter,
        page: &PageRequest,
    ) -> Result<Page<User>, DomainError> {
        let state = self.lock();
        let rows = state.users.values().filter(|u| {
            filter.status.is_none_or(|s| u.status == s)
                && contains_ci(
                    filter.query.as_deref(),
                    &[u.email.as_str(), u.name.as_str()],
                )
        });
        paginate(
            rows.cloned(),
            |u| u.id.as_str().to_string(),
            Order::Descending,
            page,
        )
    }

    async fn list_active_admins(&self) -> Result<Vec<User>, DomainError> {
        let mut admins: Vec<User> = self
            .lock()
            .users
            .values()
            .filter(|u| u.role == Role::Admin && u.is_active())
            .cloned()
            .collect();
        admins.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(admins)
    }
}

#[async_trait]
impl RefreshTokenStore for MemoryStore {
    async fn create_session(&self, session: &RefreshSession) -> Result<(), DomainError> {
        let mut state = self.lock();
        if state.sessions.contains_key(&session.id) {
            return Err(DomainError::AlreadyExists("session"));
        }
        state.sessions.insert(session.id.clone(), session.clone());
        Ok(())
    }

    async fn get_session(&self, id: &SessionId) -> Result<Option<RefreshSession>, DomainError> {
        Ok(self.lock().sessions.get(id).cloned())
    }

    async fn revoke_session(
        &self,
        id: &SessionId,
        at: DateTime<Utc>,
        audit: &[AuditEntry],
    ) -> Result<(), DomainError> {
        let mut state = self.lock();
        if let Some(session) = state.sessions.get_mut(id) {
            session.revoked_at.get_or_insert(at);
        }
        state.audit.extend_from_slice(audit);
        Ok(())
    }

    async fn revoke_user_sessions<'a>(
        &self,
        user_id: &UserId,
        except: Option<&'a SessionId>,
        at: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        let mut state = self.lock();
        for session in state.sessions.values_mut() {
            if &session.user_id == user_id && Some(&session.id) != except {
                session.revoked_at.get_or_insert(at);
            }
        }
        Ok(())
    }

    async fn insert_token(&self, token: &RefreshToken) -> Result<(), DomainError> {
        let mut state = self.lock();
        if state.tokens.contains_key(&token.token_hash) {
            return Err(DomainError::AlreadyExists("refresh token"));
        }
        state.tokens.insert(token.token_hash.clone(), token.clone());
        Ok(())
    }

    async fn find_token(&self, token_hash: &str) -> Result<Option<RefreshToken>, DomainError> {
        Ok(self.lock().tokens.get(token_hash).cloned())
    }

    async fn spend_token(&self, token_hash: &str, at: DateTime<Utc>) -> Result<bool, DomainError> {
        let mut state = self.lock();
        match state.tokens.get_mut(token_hash) {
            Some(token) if token.spent_at.is_none() => {
                token.spent_at = Some(at);
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}
