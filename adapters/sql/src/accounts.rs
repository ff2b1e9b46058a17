//! `AccountStore` and `RefreshTokenStore`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use shop_domain::account::{
    AccountStatus, AccountStore, Email, PersonName, RefreshSession, RefreshToken,
    RefreshTokenStore, Role, User, UserFilter,
};
use shop_domain::audit::AuditEntry;
use shop_domain::ids::{SessionId, UserId};
use shop_domain::{DomainError, Page, PageRequest};

use crate::audit;
use crate::cursor;
use crate::entity::{refresh_sessions, refresh_tokens, users};
use crate::error::{DbResultExt, Fail, corrupt, foreign_key_violation, unique_or_backend};
use crate::query::contains_ci;
use crate::store::{SqlStore, finish};
use crate::value::{instant, to_u64};

fn user_from(m: users::Model) -> Result<User, DomainError> {
    Ok(User {
        id: UserId::new(m.id),
        email: Email::parse(&m.email).map_err(|_| corrupt("e-mail", &m.email))?,
        name: PersonName::parse(&m.name).map_err(|_| corrupt("name", &m.name))?,
        password_hash: m.password_hash,
        role: Role::parse(&m.role).ok_or_else(|| corrupt("role", &m.role))?,
        status: AccountStatus::parse(&m.status).ok_or_else(|| corrupt("status", &m.status))?,
        session_version: to_u64(m.session_version, "session version")?,
        created_at: m.created_at,
        email_verified_at: m.email_verified_at,
    })
}

impl SqlStore {
    /// Runs an update of one user; `NotFound` when no row matched.
    async fn update_user(
        &self,
        id: &UserId,
        update: sea_orm::UpdateMany<users::Entity>,
    ) -> Result<(), DomainError> {
        let result = update
            .filter(users::Column::Id.eq(id.as_str()))
            .exec(&self.db)
            .await
            .db()?;
        if result.rows_affected == 0 {
            return Err(DomainError::NotFound("user"));
        }
        Ok(())
    }

    /// Runs an update of one user and appends `audit`, in one transaction;
    /// `NotFound` (and nothing written) when no row matched.
    async fn update_user_audited(
        &self,
        id: &UserId,
        update: sea_orm::UpdateMany<users::Entity>,
        audit: &[AuditEntry],
    ) -> Result<(), DomainError> {
        let update = update.filter(users::Column::Id.eq(id.as_str()));
        self.retrying(|| async {
            let tx = self.begin_write().await?;
            let result = async {
                let result = update.clone().exec(&tx).await?;
                if result.rows_affected == 0 {
                    return Err(Fail::Domain(DomainError::NotFound("user")));
                }
                audit::record(&tx, audit).await
            }
            .await;
            finish(tx, result).await
        })
        .await
    }
}

#[async_trait]
impl AccountStore for SqlStore {
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id))]
    async fn insert(&self, user: &User) -> Result<(), DomainError> {
        let row = users::ActiveModel {
            id: Set(user.id.to_string()),
            email: Set(user.email.to_string()),
            name: Set(user.name.as_str().to_owned()),
            password_hash: Set(user.password_hash.clone()),
            role: Set(user.role.as_str().to_owned()),
            status: Set(user.status.as_str().to_owned()),
            session_version: Set(i64::try_from(user.session_version)
                .map_err(|_| DomainError::Internal("session version out of range".into()))?),
            created_at: Set(instant(user.created_at)),
            email_verified_at: Set(user.email_verified_at.map(instant)),
        };
        users::Entity::insert(row)
            .exec_without_returning(&self.db)
            .await
            .map_err(|e| {
                unique_or_backend(e, |message| {
                    if message.contains("uq_users_email") || message.contains("users.email") {
                        DomainError::EmailTaken
                    } else {
                        DomainError::AlreadyExists("user")
                    }
                })
            })?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %id))]
    async fn get(&self, id: &UserId) -> Result<Option<User>, DomainError> {
        users::Entity::find_by_id(id.as_str())
            .one(&self.db)
            .await
            .db()?
            .map(user_from)
            .transpose()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, DomainError> {
        users::Entity::find()
            .filter(users::Column::Email.eq(email.as_str()))
            .one(&self.db)
            .await
            .db()?
            .map(user_from)
            .transpose()
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %id))]
    async fn set_name(&self, id: &UserId, name: &PersonName) -> Result<(), DomainError> {
        let update =
            users::Entity::update_many().col_expr(users::Column::Name, Expr::value(name.as_str()));
        self.update_user(id, update).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %id))]
    async fn set_password_hash(
        &self,
        id: &UserId,
        hash: &str,
        audit: &[AuditEntry],
    ) -> Result<(), DomainError> {
        let update = users::Entity::update_many()
            .col_expr(users::Column::PasswordHash, Expr::value(hash))
            .col_expr(
                users::Column::SessionVersion,
                Expr::col(users::Column::SessionVersion).add(1),
            );
        self.update_user_audited(id, update, audit).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %id))]
    async fn set_role(&self, id: &UserId, role: Role) -> Result<(), DomainError> {
        let update =
            users::Entity::update_many().col_expr(users::Column::Role, Expr::value(role.as_str()));
        self.update_user(id, update).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %id))]
    async fn set_status(
        &self,
        id: &UserId,
        status: AccountStatus,
        audit: &[AuditEntry],
    ) -> Result<(), DomainError> {
        let update = users::Entity::update_many()
            .col_expr(users::Column::Status, Expr::value(status.as_str()))
            .col_expr(
                users::Column::SessionVersion,
                Expr::col(users::Column::SessionVersion).add(1),
            );
        self.update_user_audited(id, update, audit).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %id))]
    async fn bump_session_version(&self, id: &UserId) -> Result<(), DomainError> {
        let update = users::Entity::update_many().col_expr(
            users::Column::SessionVersion,
            Expr::col(users::Column::SessionVersion).add(1),
        );
        self.update_user(id, update).await
    }

    /// Keeps the first time: only a row still unverified is updated.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %id))]
    async fn set_email_verified(&self, id: &UserId, at: DateTime<Utc>) -> Result<(), DomainError> {
        let result = users::Entity::update_many()
            .col_expr(users::Column::EmailVerifiedAt, Expr::value(instant(at)))
            .filter(users::Column::Id.eq(id.as_str()))
            .filter(users::Column::EmailVerifiedAt.is_null())
            .exec(&self.db)
            .await
            .db()?;
        if result.rows_affected == 0 && self.get(id).await?.is_none() {
            return Err(DomainError::NotFound("user"));
        }
        Ok(())
    }

    /// Newest (largest id) first, keyset-paged on the id.
    #[tracing::instrument(level = "debug", skip_all)]
    async fn list(
        &self,
        filter: &UserFilter,
        page: &PageRequest,
    ) -> Result<Page<User>, DomainError> {
        let mut query = users::Entity::find();
        if let Some(status) = filter.status {
            query = query.filter(users::Column::Status.eq(status.as_str()));
        }
        if let Some(matches) = contains_ci(
            &[users::Column::Email, users::Column::Name],
            filter.query.as_deref(),
        ) {
            query = query.filter(matches);
        }
        if let Some(after) = cursor::after::<String>(page)? {
            query = query.filter(users::Column::Id.lt(after));
        }
        let rows = query
            .order_by_desc(users::Column::Id)
            .limit(cursor::fetch_limit(page))
            .all(&self.db)
            .await
            .db()?;
        cursor::page_of(rows, page, |u| u.id.clone(), user_from)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn list_active_admins(&self) -> Result<Vec<User>, DomainError> {
        users::Entity::find()
            .filter(users::Column::Role.eq(Role::Admin.as_str()))
            .filter(users::Column::Status.eq(AccountStatus::Active.as_str()))
            .order_by_asc(users::Column::Id)
            .all(&self.db)
            .await
            .db()?
            .into_iter()
            .map(user_from)
            .collect()
    }
}

fn session_from(m: refresh_sessions::Model) -> RefreshSession {
    RefreshSession {
        id: SessionId::new(m.id),
        user_id: UserId::new(m.user_id),
        created_at: m.created_at,
        revoked_at: m.revoked_at,
    }
}

fn token_from(m: refresh_tokens::Model) -> RefreshToken {
    RefreshToken {
        token_hash: m.token_hash,
        session_id: SessionId::new(m.session_id),
        user_id: UserId::new(m.user_id),
        issued_at: m.issued_at,
        expires_at: m.expires_at,
        spent_at: m.spent_at,
    }
}

#[async_trait]
impl RefreshTokenStore for SqlStore {
    #[tracing::instrument(level = "debug", skip_all, fields(session_id = %session.id, user_id = %session.user_id))]
    async fn create_session(&self, session: &RefreshSession) -> Result<(), DomainError> {
        let row = refresh_sessions::ActiveModel {
            id: Set(session.id.to_string()),
            user_id: Set(session.user_id.to_string()),
            created_at: Set(instant(session.created_at)),
            revoked_at: Set(session.revoked_at.map(instant)),
        };
        refresh_sessions::Entity::insert(row)
            .exec_without_returning(&self.db)
            .await
            .map_err(|e| unique_or_backend(e, |_| DomainError::AlreadyExists("session")))?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(session_id = %id))]
    async fn get_session(&self, id: &SessionId) -> Result<Option<RefreshSession>, DomainError> {
        Ok(refresh_sessions::Entity::find_by_id(id.as_str())
            .one(&self.db)
            .await
            .db()?
            .map(session_from))
    }

    /// Keeps the first revocation time; a missing session is no error. The
    /// entries are appended in the same transaction.
    #[tracing::instrument(level = "debug", skip_all, fields(session_id = %id))]
    async fn revoke_session(
        &self,
        id: &SessionId,
        at: DateTime<Utc>,
        audit: &[AuditEntry],
    ) -> Result<(), DomainError> {
        let update = refresh_sessions::Entity::update_many()
            .col_expr(
                refresh_sessions::Column::RevokedAt,
                Expr::value(instant(at)),
            )
            .filter(refresh_sessions::Column::Id.eq(id.as_str()))
            .filter(refresh_sessions::Column::RevokedAt.is_null());
        self.retrying(|| async {
            let tx = self.begin_write().await?;
            let result = async {
                update.clone().exec(&tx).await?;
                audit::record(&tx, audit).await
            }
            .await;
            finish(tx, result).await
        })
        .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %user_id))]
    async fn revoke_user_sessions<'a>(
        &self,
        user_id: &UserId,
        except: Option<&'a SessionId>,
        at: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        let mut update = refresh_sessions::Entity::update_many()
            .col_expr(
                refresh_sessions::Column::RevokedAt,
                Expr::value(instant(at)),
            )
            .filter(refresh_sessions::Column::UserId.eq(user_id.as_str()))
            .filter(refresh_sessions::Column::RevokedAt.is_null());
        if let Some(keep) = except {
            update = update.filter(refresh_sessions::Column::Id.ne(keep.as_str()));
        }
        update.exec(&self.db).await.db()?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(session_id = %token.session_id, user_id = %token.user_id))]
    async fn insert_token(&self, token: &RefreshToken) -> Result<(), DomainError> {
        let row = refresh_tokens::ActiveModel {
            token_hash: Set(token.token_hash.clone()),
            session_id: Set(token.session_id.to_string()),
            user_id: Set(token.user_id.to_string()),
            issued_at: Set(instant(token.issued_at)),
            expires_at: Set(instant(token.expires_at)),
            spent_at: Set(token.spent_at.map(instant)),
        };
        match refresh_tokens::Entity::insert(row)
            .exec_without_returning(&self.db)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if foreign_key_violation(&e) => Err(DomainError::NotFound("session")),
            Err(e) => {
                Err(unique_or_backend(e, |_| DomainError::AlreadyExists("refresh token")).into())
            }
        }
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn find_token(&self, token_hash: &str) -> Result<Option<RefreshToken>, DomainError> {
        Ok(refresh_tokens::Entity::find_by_id(token_hash)
            .one(&self.db)
            .await
            .db()?
            .map(token_from))
    }

    /// One conditional update: only the caller whose update matched the
    /// unspent row gets `true`.
    #[tracing::instrument(level = "debug", skip_all)]
    async fn spend_token(&self, token_hash: &str, at: DateTime<Utc>) -> Result<bool, DomainError> {
        let result = refresh_tokens::Entity::update_many()
            .col_expr(refresh_tokens::Column::SpentAt, Expr::value(instant(at)))
            .filter(refresh_tokens::Column::TokenHash.eq(token_hash))
            .filter(refresh_tokens::Column::SpentAt.is_null())
            .exec(&self.db)
            .await
            .db()?;
        Ok(result.rows_affected == 1)
    }
}
