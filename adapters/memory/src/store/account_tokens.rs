use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shop_domain::DomainError;
use shop_domain::account::{AccountToken, AccountTokenPurpose, AccountTokenStore};
use shop_domain::ids::UserId;

use super::MemoryStore;

#[async_trait]
impl AccountTokenStore for MemoryStore {
    async fn insert(&self, token: &AccountToken) -> Result<(), DomainError> {
        let mut state = self.lock();
        if state.account_tokens.contains_key(&token.token_hash) {
            return Err(DomainError::AlreadyExists("account token"));
        }
        state
            .account_tokens
            .insert(token.token_hash.clone(), token.clone());
        Ok(())
    }

    async fn consume(
        &self,
        token_hash: &str,
        purpose: AccountTokenPurpose,
        now: DateTime<Utc>,
    ) -> Result<Option<AccountToken>, DomainError> {
        let mut state = self.lock();
        let Some(token) = state.account_tokens.get_mut(token_hash) else {
            return Ok(None);
        };
        if token.purpose != purpose || token.used_at.is_some() || token.expires_at <= now {
            return Ok(None);
        }
        token.used_at = Some(now);
        Ok(Some(token.clone()))
    }

    async fn invalidate_user_tokens(
        &self,
        user_id: &UserId,
        purpose: AccountTokenPurpose,
        at: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        for token in self.lock().account_tokens.values_mut() {
            if &token.user_id == user_id && token.purpose == purpose && token.used_at.is_none() {
                token.used_at = Some(at);
            }
        }
        Ok(())
    }
}
