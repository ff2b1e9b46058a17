//! `ContactStore`.

use async_trait::async_trait;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use shop_domain::account::{Email, PersonName};
use shop_domain::audit::AuditEntry;
use shop_domain::contact::{ContactMessage, ContactStatus, ContactStore};
use shop_domain::ids::{ContactMessageId, UserId};
use shop_domain::mail::MailMessage;
use shop_domain::{DomainError, Page, PageRequest};

use crate::audit;
use crate::cursor;
use crate::entity::contact_messages::{self as messages, Column};
use crate::error::{DbResultExt, Fail, corrupt, unique_or_backend};
use crate::outbox::record_mails;
use crate::store::{SqlStore, finish};
use crate::value::instant;

fn message_from(m: messages::Model) -> Result<ContactMessage, DomainError> {
    Ok(ContactMessage {
        id: ContactMessageId::new(m.id),
        user_id: m.user_id.map(UserId::new),
        name: PersonName::parse(&m.name).map_err(|_| corrupt("name", &m.name))?,
        email: Email::parse(&m.email).map_err(|_| corrupt("e-mail", &m.email))?,
        subject: m.subject,
        message: m.message,
        status: ContactStatus::parse(&m.status).ok_or_else(|| corrupt("status", &m.status))?,
        created_at: m.created_at,
    })
}

#[async_trait]
impl ContactStore for SqlStore {
    /// The message and its mails, in one transaction.
    #[tracing::instrument(level = "debug", skip_all, fields(message_id = %message.id))]
    async fn insert(
        &self,
        message: &ContactMessage,
        mails: &[MailMessage],
    ) -> Result<(), DomainError> {
        let row = messages::ActiveModel {
            id: Set(message.id.to_string()),
            user_id: Set(message.user_id.as_ref().map(ToString::to_string)),
            name: Set(message.name.as_str().to_owned()),
            email: Set(message.email.to_string()),
            subject: Set(message.subject.clone()),
            message: Set(message.message.clone()),
            status: Set(message.status.as_str().to_owned()),
            created_at: Set(instant(message.created_at)),
        };
        self.retrying(|| async {
            let tx = self.begin_write().await?;
            let result = async {
                messages::Entity::insert(row.clone())
                    .exec_without_returning(&tx)
                    .await
                    .map_err(|e| {
                        unique_or_backend(e, |_| DomainError::AlreadyExists("contact message"))
                    })?;
                record_mails(&tx, mails, message.created_at).await
            }
            .await;
            finish(tx, result).await
        })
        .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(message_id = %id))]
    async fn get(&self, id: &ContactMessageId) -> Result<Option<ContactMessage>, DomainError> {
        messages::Entity::find_by_id(id.as_str())
            .one(&self.db)
            .await
            .db()?
            .map(message_from)
            .transpose()
    }

    /// The status and its audit entries, in one transaction.
    #[tracing::instrument(level = "debug", skip_all, fields(message_id = %id))]
    async fn set_status(
        &self,
        id: &ContactMessageId,
        status: ContactStatus,
        audit: &[AuditEntry],
    ) -> Result<(), DomainError> {
        self.retrying(|| async {
            let tx = self.begin_write().await?;
            let result = async {
                let updated = messages::Entity::update_many()
                    .col_expr(Column::Status, Expr::value(status.as_str()))
                    .filter(Column::Id.eq(id.as_str()))
                    .exec(&tx)
                    .await?;
                if updated.rows_affected == 0 {
                    return Err(Fail::Domain(DomainError::NotFound("contact message")));
                }
                audit::record(&tx, audit).await
            }
            .await;
            finish(tx, result).await
        })
        .await
    }

    /// Newest (largest id) first, keyset-paged on the id.
    #[tracing::instrument(level = "debug", skip_all)]
    async fn list(
        &self,
        status: Option<ContactStatus>,
        page: &PageRequest,
    ) -> Result<Page<ContactMessage>, DomainError> {
        let mut query = messages::Entity::find();
        if let Some(status) = status {
            query = query.filter(Column::Status.eq(status.as_str()));
        }
        if let Some(after) = cursor::after::<String>(page)? {
            query = query.filter(Column::Id.lt(after));
        }
        let rows = query
            .order_by_desc(Column::Id)
            .limit(cursor::fetch_limit(page))
            .all(&self.db)
            .await
            .db()?;
        cursor::page_of(rows, page, |m| m.id.clone(), message_from)
    }
}
