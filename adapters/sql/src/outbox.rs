//! `MailOutbox`, and the recording of mails inside other stores'
//! transactions.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use shop_domain::account::Email;
use shop_domain::audit::AuditEntry;
use shop_domain::jobs::Job;
use shop_domain::mail::{MailMessage, MailOutbox, OutboxMail, outbox_id};
use shop_domain::{DomainError, Page, PageRequest};

use crate::audit;
use crate::cursor;
use crate::entity::jobs;
use crate::entity::mail_outbox::{self as outbox, Column};
use crate::error::{DbResultExt, Fail};
use crate::jobs::{job_row, requeue_in};
use crate::store::{SqlStore, finish};
use crate::value::instant;

/// The outbox key of a Message-ID: the domain's outbox id (its SHA-256 in
/// hex), since the id itself may exceed MySQL's index key length.
fn key_of(message_id: &str) -> String {
    outbox_id(message_id)
}

fn mail_row(mail: &MailMessage, now: DateTime<Utc>) -> outbox::ActiveModel {
    outbox::ActiveModel {
        id_hash: Set(key_of(&mail.message_id)),
        message_id: Set(mail.message_id.clone()),
        mail_from: Set(mail.from.to_string()),
        mail_to: Set(mail.to.to_string()),
        subject: Set(mail.subject.clone()),
        text_body: Set(mail.text.clone()),
        html_body: Set(mail.html.clone()),
        created_at: Set(instant(now)),
        sent_at: Set(None),
    }
}

fn mail_from(m: outbox::Model) -> Result<OutboxMail, DomainError> {
    Ok(OutboxMail {
        message: MailMessage {
            // Checked when the mail was made; the sender comes from the
            // configuration and may be a local address like `shop@localhost`.
            from: Email::trusted(&m.mail_from),
            to: Email::trusted(&m.mail_to),
            message_id: m.message_id,
            subject: m.subject,
            text: m.text_body,
            html: m.html_body,
        },
        created_at: m.created_at,
        sent_at: m.sent_at,
    })
}

/// Records `mails` and their delivery jobs (due at `now`) in `tx`, the
/// transaction of the change that causes them, so either both the change
/// and its mails are kept or neither is.
///
/// Both inserts leave an existing row alone (`ON CONFLICT DO NOTHING` on
/// SQLite, `ON DUPLICATE KEY UPDATE key = key` on MySQL): a Message-ID
/// already recorded keeps its mail and its one job, whatever state the job
/// reached, so recording a mail again never sends it again.
pub(crate) async fn record_mails(
    tx: &DatabaseTransaction,
    mails: &[MailMessage],
    now: DateTime<Utc>,
) -> Result<(), Fail> {
    for mail in mails {
        outbox::Entity::insert(mail_row(mail, now))
            .on_conflict(
                OnConflict::column(Column::IdHash)
                    .do_nothing_on([Column::IdHash])
                    .to_owned(),
            )
            .exec_without_returning(tx)
            .await?;
        jobs::Entity::insert(job_row(&Job::deliver_mail(&mail.message_id, now)))
            .on_conflict(
                OnConflict::column(jobs::Column::Id)
                    .do_nothing_on([jobs::Column::Id])
                    .to_owned(),
            )
            .exec_without_returning(tx)
            .await?;
    }
    Ok(())
}

#[async_trait]
impl MailOutbox for SqlStore {
    async fn enqueue(&self, mails: &[MailMessage], now: DateTime<Utc>) -> Result<(), DomainError> {
        if mails.is_empty() {
            return Ok(());
        }
        self.retrying(|| async {
            let tx = self.begin_write().await?;
            let result = record_mails(&tx, mails, now).await;
            finish(tx, result).await
        })
        .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(mail_id = %key_of(message_id)))]
    async fn get(&self, message_id: &str) -> Result<Option<OutboxMail>, DomainError> {
        outbox::Entity::find_by_id(key_of(message_id))
            .one(&self.db)
            .await
            .db()?
            .map(mail_from)
            .transpose()
    }

    /// Sets `sent_at` only where it is still NULL, so the first time stays.
    #[tracing::instrument(level = "debug", skip_all, fields(mail_id = %key_of(message_id)))]
    async fn mark_sent(&self, message_id: &str, at: DateTime<Utc>) -> Result<(), DomainError> {
        let key = key_of(message_id);
        let marked = outbox::Entity::update_many()
            .col_expr(Column::SentAt, Expr::value(instant(at)))
            .filter(Column::IdHash.eq(key.as_str()))
            .filter(Column::SentAt.is_null())
            .exec(&self.db)
            .await
            .db()?;
        if marked.rows_affected > 0 {
            return Ok(());
        }
        let exists = outbox::Entity::find_by_id(key)
            .one(&self.db)
            .await
            .db()?
            .is_some();
        if exists {
            Ok(())
        } else {
            Err(DomainError::NotFound("outbox mail"))
        }
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn unsent(&self, limit: usize) -> Result<Vec<OutboxMail>, DomainError> {
        let limit = u64::try_from(limit).unwrap_or(u64::MAX);
        // The Message-ID itself is no key (it may exceed MySQL's key length);
        // rows of one second are few, so ordering them by it is cheap.
        outbox::Entity::find()
            .filter(Column::SentAt.is_null())
            .order_by_asc(Column::CreatedAt)
            .order_by_asc(Column::MessageId)
            .limit(limit)
            .all(&self.db)
            .await
            .db()?
            .into_iter()
            .map(mail_from)
            .collect()
    }

    #[tracing::instrument(level = "debug", skip_all, fields(mail_id = %id))]
    async fn find(&self, id: &str) -> Result<Option<OutboxMail>, DomainError> {
        outbox::Entity::find_by_id(id)
            .one(&self.db)
            .await
            .db()?
            .map(mail_from)
            .transpose()
    }

    /// Reads the mail (locking its row on MySQL, so a delivery marking it
    /// sent waits or goes first), then requeues its job and appends the
    /// entries, in one transaction.
    #[tracing::instrument(level = "debug", skip_all, fields(mail_id = %id))]
    async fn resend(
        &self,
        id: &str,
        now: DateTime<Utc>,
        audit: &[AuditEntry],
    ) -> Result<(OutboxMail, Job), DomainError> {
        self.retrying(|| async {
            let tx = self.begin_write().await?;
            let result = async {
                let mut find = outbox::Entity::find_by_id(id);
                if self.is_mysql() {
                    find = find.lock_exclusive();
                }
                let mail = find
                    .one(&tx)
                    .await?
                    .map(mail_from)
                    .transpose()?
                    .ok_or(Fail::Domain(DomainError::NotFound("mail")))?;
                if mail.sent_at.is_some() {
                    return Err(Fail::Domain(DomainError::MailAlreadySent));
                }
                let fresh = Job::deliver_mail(&mail.message.message_id, now);
                let job = requeue_in(&tx, &fresh.id, now, Some(&fresh))
                    .await?
                    .ok_or_else(|| {
                        Fail::Domain(DomainError::Internal("the delivery job vanished".into()))
                    })?;
                audit::record(&tx, audit).await?;
                Ok((mail, job))
            }
            .await;
            finish(tx, result).await
        })
        .await
    }

    /// Newest first, keyset-paged on (created_at, id).
    #[tracing::instrument(level = "debug", skip_all)]
    async fn list(&self, sent: bool, page: &PageRequest) -> Result<Page<OutboxMail>, DomainError> {
        use sea_orm::Condition;
        let mut query = outbox::Entity::find().filter(if sent {
            Column::SentAt.is_not_null()
        } else {
            Column::SentAt.is_null()
        });
        if let Some((created_at, id)) = cursor::after::<(DateTime<Utc>, String)>(page)? {
            query = query.filter(
                Condition::any().add(Column::CreatedAt.lt(created_at)).add(
                    Condition::all()
                        .add(Column::CreatedAt.eq(created_at))
                        .add(Column::IdHash.lt(id)),
                ),
            );
        }
        let rows = query
            .order_by_desc(Column::CreatedAt)
            .order_by_desc(Column::IdHash)
            .limit(cursor::fetch_limit(page))
            .all(&self.db)
            .await
            .db()?;
        cursor::page_of(rows, page, |m| (m.created_at, m.id_hash.clone()), mail_from)
    }
}
