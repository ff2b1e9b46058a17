//! `AccountTokenStore`: single-use verification and reset tokens.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use shop_domain::DomainError;
use shop_domain::account::{AccountToken, AccountTokenPurpose, AccountTokenStore};
use shop_domain::ids::UserId;

use crate::entity::account_tokens::{self as tokens, Column};
use crate::error::{DbResultExt, corrupt, unique_or_backend};
use crate::store::SqlStore;
use crate::value::instant;

fn token_from(m: tokens::Model) -> Result<AccountToken, DomainError> {
    Ok(AccountToken {
        purpose: AccountTokenPurpose::parse(&m.purpose)
            .ok_or_else(|| corrupt("token purpose", &m.purpose))?,
        token_hash: m.token_hash,
        user_id: UserId::new(m.user_id),
        created_at: m.created_at,
        expires_at: m.expires_at,
        used_at: m.used_at,
    })
}

#[async_trait]
impl AccountTokenStore for SqlStore {
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %token.user_id))]
    async fn insert(&self, token: &AccountToken) -> Result<(), DomainError> {
        let row = tokens::ActiveModel {
            token_hash: Set(token.token_hash.clone()),
            user_id: Set(token.user_id.to_string()),
            purpose: Set(token.purpose.as_str().to_owned()),
            created_at: Set(instant(token.created_at)),
            expires_at: Set(instant(token.expires_at)),
            used_at: Set(token.used_at.map(instant)),
        };
        tokens::Entity::insert(row)
            .exec_without_returning(&self.db)
            .await
            .map_err(|e| unique_or_backend(e, |_| DomainError::AlreadyExists("account token")))?;
        Ok(())
    }

    /// One conditional update: only the caller whose update matched the
    /// unused, unexpired row gets the token.
    #[tracing::instrument(level = "debug", skip_all)]
    async fn consume(
        &self,
        token_hash: &str,
        purpose: AccountTokenPurpose,
        now: DateTime<Utc>,
    ) -> Result<Option<AccountToken>, DomainError> {
        let result = tokens::Entity::update_many()
            .col_expr(Column::UsedAt, Expr::value(instant(now)))
            .filter(Column::TokenHash.eq(token_hash))
            .filter(Column::Purpose.eq(purpose.as_str()))
            .filter(Column::UsedAt.is_null())
            .filter(Column::ExpiresAt.gt(instant(now)))
            .exec(&self.db)
            .await
            .db()?;
        if result.rows_affected == 0 {
            return Ok(None);
        }
        tokens::Entity::find_by_id(token_hash)
            .one(&self.db)
            .await
            .db()?
            .map(token_from)
            .transpose()
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %user_id))]
    async fn invalidate_user_tokens(
        &self,
        user_id: &UserId,
        purpose: AccountTokenPurpose,
        at: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        tokens::Entity::update_many()
            .col_expr(Column::UsedAt, Expr::value(instant(at)))
            .filter(Column::UserId.eq(user_id.as_str()))
            .filter(Column::Purpose.eq(purpose.as_str()))
            .filter(Column::UsedAt.is_null())
            .exec(&self.db)
            .await
            .db()?;
        Ok(())
    }
}
