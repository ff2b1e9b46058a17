//! `OrderStore`: placement in one transaction and compare-and-set
//! transitions.

use std::collections::HashMap;

use async_trait::async_trait;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use shop_domain::account::Email;
use shop_domain::audit::AuditEntry;
use shop_domain::ids::{OrderId, ProductId, QuoteId, UserId};
use shop_domain::jobs::{Job, JobState};
use shop_domain::mail::MailMessage;
use shop_domain::order::{
    Actor, HistoryEntry, IdempotencyRecord, NewOrder, Order, OrderAlert, OrderFilter, OrderLine,
    OrderStatus, OrderStore, PaymentInfo, PaymentProvider, PaymentState, StatusChange,
    order_number,
};
use shop_domain::pricing::{PromotionRefusal, normalise_code};
use shop_domain::{Currency, DomainError, Page, PageRequest};

use crate::cursor;
use crate::entity::{
    idempotency_keys, jobs, order_history, order_lines, order_numbers, orders, promotions, quotes,
};
use crate::error::{DbResultExt, Fail, corrupt, foreign_key_violation, unique_or_backend};
use crate::jobs::job_row;
use crate::json::{from_json, to_json};
use crate::outbox::record_mails;
use crate::stock;
use crate::store::{SqlStore, finish};
use crate::value::{Amount, instant, to_u32};

fn actor_from(label: &str) -> Result<Actor, DomainError> {
    Actor::parse(label).ok_or_else(|| corrupt("actor", label))
}

fn status_from(value: &str) -> Result<OrderStatus, DomainError> {
    OrderStatus::parse(value).ok_or_else(|| corrupt("order status", value))
}

fn order_from(
    m: orders::Model,
    lines: Vec<order_lines::Model>,
    history: Vec<order_history::Model>,
) -> Result<Order, DomainError> {
    let currency = Currency::parse(&m.currency).map_err(|_| corrupt("currency", &m.currency))?;
    let lines = lines
        .into_iter()
        .map(|l| {
            Ok(OrderLine {
                product_id: ProductId::new(l.product_id),
                sku: l.sku,
                name: l.name,
                unit_price: l.unit_price.in_currency(&currency),
                quantity: to_u32(l.quantity, "quantity")?,
                subtotal: l.subtotal.in_currency(&currency),
                discount: l.discount.in_currency(&currency),
                tax: l.tax.in_currency(&currency),
                total: l.total.in_currency(&currency),
            })
        })
        .collect::<Result<Vec<_>, DomainError>>()?;
    let history = history
        .into_iter()
        .map(|h| {
            Ok(HistoryEntry {
                status: status_from(&h.status)?,
                at: h.at,
                by: actor_from(&h.actor)?,
                note: h.note,
            })
        })
        .collect::<Result<Vec<_>, DomainError>>()?;
    Ok(Order {
        id: OrderId::new(m.id),
        number: m.number,
        user_id: UserId::new(m.user_id),
        customer_email: Email::parse(&m.customer_email)
            .map_err(|_| corrupt("e-mail", &m.customer_email))?,
        quote_id: QuoteId::new(m.quote_id),
        status: status_from(&m.status)?,
        created_at: m.created_at,
        lines,
        subtotal: m.subtotal.in_currency(&currency),
        discount_total: m.discount_total.in_currency(&currency),
        tax_total: m.tax_total.in_currency(&currency),
        shipping_total: m.shipping_total.in_currency(&currency),
        total: m.total.in_currency(&currency),
        promo_code: m.promo_code,
        tax_exemption: m
            .tax_exemption
            .as_deref()
            .map(|t| from_json("tax exemption", t))
            .transpose()?,
        ship_to: from_json("address", &m.ship_to)?,
        payment_source_id: m.payment_source_id,
        payment: PaymentInfo {
            provider: PaymentProvider::parse(&m.payment_provider)
                .ok_or_else(|| corrupt("payment provider", &m.payment_provider))?,
            payment_id: m.payment_id,
            status: PaymentState::parse(&m.payment_status)
                .ok_or_else(|| corrupt("payment status", &m.payment_status))?,
            failure_code: m.payment_failure_code,
            authorization_expires_at: m.payment_authorization_expires_at,
        },
        history,
        alert: match (m.alert_at, m.alert_reason) {
            (Some(at), reason) => Some(OrderAlert {
                at,
                reason: reason.unwrap_or_default(),
            }),
            (None, _) => None,
        },
        currency,
    })
}

/// Reads the lines and history of `rows` (two queries whatever their
/// number) and assembles the orders, in the order of `rows`.
async fn load<C: ConnectionTrait>(db: &C, rows: Vec<orders::Model>) -> Result<Vec<Order>, Fail> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = rows.iter().map(|o| o.id.clone()).collect();
    let mut lines: HashMap<String, Vec<order_lines::Model>> = HashMap::new();
    for line in order_lines::Entity::find()
        .filter(order_lines::Column::OrderId.is_in(ids.clone()))
        .order_by_asc(order_lines::Column::OrderId)
        .order_by_asc(order_lines::Column::LineNo)
        .all(db)
        .await?
    {
        lines.entry(line.order_id.clone()).or_default().push(line);
    }
    let mut history: HashMap<String, Vec<order_history::Model>> = HashMap::new();
    for entry in order_history::Entity::find()
        .filter(order_history::Column::OrderId.is_in(ids))
        .order_by_asc(order_history::Column::OrderId)
        .order_by_asc(order_history::Column::Seq)
        .all(db)
        .await?
    {
        history
            .entry(entry.order_id.clone())
            .or_default()
            .push(entry);
    }
    rows.into_iter()
        .map(|o| {
            let l = lines.remove(&o.id).unwrap_or_default();
            let h = history.remove(&o.id).unwrap_or_default();
            order_from(o, l, h).map_err(Fail::Domain)
        })
        .collect()
}

async fn load_one<C: ConnectionTrait>(db: &C, id: &OrderId) -> Result<Option<Order>, Fail> {
    let Some(row) = orders::Entity::find_by_id(id.as_str()).one(db).await? else {
        return Ok(None);
    };
    Ok(load(db, vec![row]).await?.pop())
}

fn history_row(order_id: &OrderId, seq: i64, entry: &HistoryEntry) -> order_history::ActiveModel {
    order_history::ActiveModel {
        order_id: Set(order_id.to_string()),
        seq: Set(seq),
        status: Set(entry.status.as_str().to_owned()),
        at: Set(instant(entry.at)),
        actor: Set(entry.by.label()),
        note: Set(entry.note.clone()),
    }
}

fn order_row(
    order: &Order,
    number: &str,
    job_id: &str,
) -> Result<orders::ActiveModel, DomainError> {
    Ok(orders::ActiveModel {
        id: Set(order.id.to_string()),
        number: Set(number.to_owned()),
        user_id: Set(order.user_id.to_string()),
        customer_email: Set(order.customer_email.to_string()),
        quote_id: Set(order.quote_id.to_string()),
        status: Set(order.status.as_str().to_owned()),
        created_at: Set(instant(order.created_at)),
        currency: Set(order.currency.code().to_owned()),
        subtotal: Set(Amount::money(order.subtotal)?),
        discount_total: Set(Amount::money(order.discount_total)?),
        tax_total: Set(Amount::money(order.tax_total)?),
        shipping_total: Set(Amount::money(order.shipping_total)?),
        total: Set(Amount::money(order.total)?),
        promo_code: Set(order.promo_code.clone()),
        tax_exemption: Set(order.tax_exemption.as_ref().map(to_json).transpose()?),
        ship_to: Set(to_json(&order.ship_to)?),
        payment_source_id: Set(order.payment_source_id.clone()),
        payment_provider: Set(order.payment.provider.as_str().to_owned()),
        payment_id: Set(order.payment.payment_id.clone()),
        payment_status: Set(order.payment.status.as_str().to_owned()),
        payment_failure_code: Set(order.payment.failure_code.clone()),
        payment_authorization_expires_at: Set(order.payment.authorization_expires_at.map(instant)),
        // Retired columns (mail now goes through the outbox), still NOT
        // NULL without a default in existing databases.
        customer_notified: Set(false),
        admins_notified: Set(false),
        job_id: Set(Some(job_id.to_owned())),
        alert_at: Set(order.alert.as_ref().map(|a| instant(a.at))),
        alert_reason: Set(order.alert.as_ref().map(|a| a.reason.clone())),
    })
}

fn line_rows(order: &Order) -> Result<Vec<order_lines::ActiveModel>, DomainError> {
    order
        .lines
        .iter()
        .zip(0_i64..)
        .map(|(l, line_no)| {
            Ok(order_lines::ActiveModel {
                order_id: Set(order.id.to_string()),
                line_no: Set(line_no),
                product_id: Set(l.product_id.to_string()),
                sku: Set(l.sku.clone()),
                name: Set(l.name.clone()),
                unit_price: Set(Amount::money(l.unit_price)?),
                quantity: Set(i64::from(l.quantity)),
                subtotal: Set(Amount::money(l.subtotal)?),
                discount: Set(Amount::money(l.discount)?),
                tax: Set(Amount::money(l.tax)?),
                total: Set(Amount::money(l.total)?),
            })
        })
        .collect()
}

/// The rows of a new order, converted (and checked) once before the
/// transaction, which may run more than once.
struct Prepared {
    order: orders::ActiveModel,
    lines: Vec<order_lines::ActiveModel>,
    history: Vec<order_history::ActiveModel>,
    job: jobs::ActiveModel,
    idempotency: Option<idempotency_keys::ActiveModel>,
}

impl SqlStore {
    async fn create_in(
        &self,
        tx: &DatabaseTransaction,
        new: &NewOrder,
        rows: &Prepared,
    ) -> Result<Order, Fail> {
        let order = &new.order;
        // The number: one auto-incremented row per order.
        let seq = order_numbers::Entity::insert(order_numbers::ActiveModel {
            seq: NotSet,
            order_id: Set(order.id.to_string()),
        })
        .exec(tx)
        .await
        .map_err(|e| unique_or_backend(e, |_| DomainError::AlreadyExists("order")))?
        .last_insert_id;
        let number = order_number(seq.unsigned_abs());

        let mut order_row = rows.order.clone();
        order_row.number = Set(number.clone());
        orders::Entity::insert(order_row)
            .exec_without_returning(tx)
            .await
            .map_err(|e| {
                if foreign_key_violation(&e) {
                    Fail::Domain(DomainError::NotFound("quote"))
                } else {
                    unique_or_backend(e, |_| DomainError::AlreadyExists("order"))
                }
            })?;

        // The idempotency key before anything else is locked: a second
        // request with the same (user, key) waits here for the first and
        // is refused, whatever the stock.
        if let Some(record) = &rows.idempotency {
            idempotency_keys::Entity::insert(record.clone())
                .exec_without_returning(tx)
                .await
                .map_err(|e| unique_or_backend(e, |_| DomainError::IdempotencyKeyReused))?;
        }

        // The quote, once: a second placement names the order it became.
        let spent = quotes::Entity::update_many()
            .col_expr(quotes::Column::OrderId, Expr::value(order.id.as_str()))
            .filter(quotes::Column::Id.eq(order.quote_id.as_str()))
            .filter(quotes::Column::OrderId.is_null())
            .exec(tx)
            .await?;
        if spent.rows_affected == 0 {
            let holder: Option<Option<String>> =
                quotes::Entity::find_by_id(order.quote_id.as_str())
                    .select_only()
                    .column(quotes::Column::OrderId)
                    .into_tuple()
                    .one(tx)
                    .await?;
            return Err(Fail::Domain(match holder.flatten() {
                Some(order_id) => DomainError::QuoteUsed {
                    order_id: OrderId::new(order_id),
                },
                None => DomainError::NotFound("quote"),
            }));
        }

        // Stock: one conditional update per product, in product order (the
        // domain's order), so two placements cannot deadlock on them.
        for movement in &new.stock {
            if stock::apply(tx, movement).await?.is_none() {
                return Err(Fail::Domain(DomainError::InsufficientStock {
                    product_id: movement.product_id.to_string(),
                }));
            }
        }

        if let Some(code) = &order.promo_code {
            self.redeem(tx, &normalise_code(code)).await?;
        }

        if !rows.lines.is_empty() {
            order_lines::Entity::insert_many(rows.lines.clone())
                .exec_without_returning(tx)
                .await?;
        }
        if !rows.history.is_empty() {
            order_history::Entity::insert_many(rows.history.clone())
                .exec_without_returning(tx)
                .await?;
        }
        jobs::Entity::insert(rows.job.clone())
            .exec_without_returning(tx)
            .await
            .map_err(|e| unique_or_backend(e, |_| DomainError::AlreadyExists("job")))?;

        Ok(Order {
            number,
            ..order.clone()
        })
    }

    /// Counts one use of the promotion, if it has uses left.
    async fn redeem(&self, tx: &DatabaseTransaction, code: &str) -> Result<(), Fail> {
        use promotions::Column as P;
        let redeemed = promotions::Entity::update_many()
            .col_expr(P::Uses, Expr::col(P::Uses).add(1))
            .filter(P::Code.eq(code))
            .filter(
                sea_orm::Condition::any()
                    .add(P::MaxUses.is_null())
                    .add(Expr::col(P::Uses).lt(Expr::col(P::MaxUses))),
            )
            .exec(tx)
            .await?;
        if redeemed.rows_affected == 1 {
            return Ok(());
        }
        let exists = promotions::Entity::find()
            .filter(P::Code.eq(code))
            .one(tx)
            .await?
            .is_some();
        Err(Fail::Domain(
            if exists {
                PromotionRefusal::FullyRedeemed
            } else {
                PromotionRefusal::UnknownCode
            }
            .into(),
        ))
    }

    async fn transition_in(
        &self,
        tx: &DatabaseTransaction,
        id: &OrderId,
        change: &StatusChange,
    ) -> Result<Order, Fail> {
        use orders::Column as O;
        let effects = change.effects();
        let entry = change.entry();
        let mut update =
            orders::Entity::update_many().col_expr(O::Status, Expr::value(change.to().as_str()));
        // An order still open keeps its alert (see `OrderStore::transition`).
        if !change.to().is_open() {
            update = update
                .col_expr(
                    O::AlertAt,
                    Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
                )
                .col_expr(O::AlertReason, Expr::value(Option::<String>::None));
        }
        if let Some(payment) = &effects.payment {
            update = set_payment_columns(update, payment);
        }
        let moved = update
            .filter(O::Id.eq(id.as_str()))
            .filter(O::Status.eq(change.from().as_str()))
            .exec(tx)
            .await?
            .rows_affected;
        if moved == 0 {
            let current: Option<String> = orders::Entity::find_by_id(id.as_str())
                .select_only()
                .column(O::Status)
                .into_tuple()
                .one(tx)
                .await?;
            return Err(Fail::Domain(match current {
                None => DomainError::NotFound("order"),
                Some(current) => DomainError::InvalidOrderState {
                    current,
                    action: "transition",
                },
            }));
        }

        // The row lock just taken serialises transitions of this order, so
        // the next sequence number is free.
        append_history(tx, id, entry).await?;

        for movement in &effects.stock {
            // A product that vanished has no stock to give back.
            stock::apply(tx, movement).await?;
        }
        if let Some(code) = &effects.return_promotion {
            use promotions::Column as P;
            promotions::Entity::update_many()
                .col_expr(P::Uses, Expr::col(P::Uses).sub(1))
                .filter(P::Code.eq(normalise_code(code)))
                .filter(P::Uses.gt(0))
                .exec(tx)
                .await?;
        }
        if effects.release_quote {
            let quote_id: Option<String> = orders::Entity::find_by_id(id.as_str())
                .select_only()
                .column(O::QuoteId)
                .into_tuple()
                .one(tx)
                .await?;
            if let Some(quote_id) = quote_id {
                quotes::Entity::update_many()
                    .col_expr(quotes::Column::OrderId, Expr::value(Option::<String>::None))
                    .filter(quotes::Column::Id.eq(quote_id))
                    .filter(quotes::Column::OrderId.eq(id.as_str()))
                    .exec(tx)
                    .await?;
            }
        }

        if effects.wake_job {
            let job_id: Option<Option<String>> = orders::Entity::find_by_id(id.as_str())
                .select_only()
                .column(O::JobId)
                .into_tuple()
                .one(tx)
                .await?;
            if let Some(job_id) = job_id.flatten() {
                let at = instant(entry.at);
                jobs::Entity::update_many()
                    .col_expr(jobs::Column::RunAfter, Expr::value(at))
                    .col_expr(jobs::Column::OpenRunAfter, Expr::value(at))
                    .filter(jobs::Column::Id.eq(job_id))
                    .filter(jobs::Column::State.eq(JobState::Queued.as_str()))
                    .exec(tx)
                    .await?;
            }
        }

        record_mails(tx, &effects.mails, entry.at).await?;
        crate::audit::record(tx, &effects.audit).await?;

        load_one(tx, id)
            .await?
            .ok_or(Fail::Domain(DomainError::NotFound("order")))
    }

    /// Raises the alert where none is up, with its note and mails.
    async fn raise_alert_in(
        &self,
        tx: &DatabaseTransaction,
        id: &OrderId,
        alert: &OrderAlert,
        note: &HistoryEntry,
        mails: &[MailMessage],
    ) -> Result<bool, Fail> {
        use orders::Column as O;
        let raised = orders::Entity::update_many()
            .col_expr(O::AlertAt, Expr::value(instant(alert.at)))
            .col_expr(O::AlertReason, Expr::value(alert.reason.clone()))
            .filter(O::Id.eq(id.as_str()))
            .filter(O::AlertAt.is_null())
            .exec(tx)
            .await?
            .rows_affected;
        if raised == 0 {
            self.add_note_in(tx, id, None).await?;
            return Ok(false);
        }
        append_history(tx, id, note).await?;
        record_mails(tx, mails, alert.at).await?;
        Ok(true)
    }

    /// Appends `entry` (if any) to the order's history; `NotFound` for a
    /// missing order.
    async fn add_note_in(
        &self,
        tx: &DatabaseTransaction,
        id: &OrderId,
        entry: Option<&HistoryEntry>,
    ) -> Result<(), Fail> {
        // Locks the order row as a transition does, so a note and a
        // transition never compute the same history sequence number. (On
        // SQLite the transaction already holds the database's write lock.)
        let mut exists = orders::Entity::find_by_id(id.as_str())
            .select_only()
            .column(orders::Column::Id);
        if self.is_mysql() {
            exists = exists.lock_exclusive();
        }
        if exists.into_tuple::<String>().one(tx).await?.is_none() {
            return Err(Fail::Domain(DomainError::NotFound("order")));
        }
        match entry {
            Some(entry) => append_history(tx, id, entry).await,
            None => Ok(()),
        }
    }
}

/// Appends `entry` after the order's last history entry. The caller holds
/// the order's row lock.
async fn append_history(
    tx: &DatabaseTransaction,
    id: &OrderId,
    entry: &HistoryEntry,
) -> Result<(), Fail> {
    let last: Option<Option<i64>> = order_history::Entity::find()
        .select_only()
        .expr(Expr::col(order_history::Column::Seq).max())
        .filter(order_history::Column::OrderId.eq(id.as_str()))
        .into_tuple()
        .one(tx)
        .await?;
    let seq = last.flatten().map_or(0, |s| s + 1);
    order_history::Entity::insert(history_row(id, seq, entry))
        .exec_without_returning(tx)
        .await?;
    Ok(())
}

fn set_payment_columns(
    update: sea_orm::UpdateMany<orders::Entity>,
    payment: &PaymentInfo,
) -> sea_orm::UpdateMany<orders::Entity> {
    use orders::Column as O;
    update
        .col_expr(O::PaymentProvider, Expr::value(payment.provider.as_str()))
        .col_expr(O::PaymentId, Expr::value(payment.payment_id.clone()))
        .col_expr(O::PaymentStatus, Expr::value(payment.status.as_str()))
        .col_expr(
            O::PaymentFailureCode,
            Expr::value(payment.failure_code.clone()),
        )
        .col_expr(
            O::PaymentAuthorizationExpiresAt,
            Expr::value(payment.authorization_expires_at.map(instant)),
        )
}

#[async_trait]
impl OrderStore for SqlStore {
    #[tracing::instrument(level = "debug", skip_all, fields(order_id = %new.order.id, user_id = %new.order.user_id))]
    async fn create(&self, new: &NewOrder) -> Result<Order, DomainError> {
        let order = &new.order;
        let rows = Prepared {
            order: order_row(order, "", new.job.id.as_str())?,
            lines: line_rows(order)?,
            history: order
                .history
                .iter()
                .zip(0_i64..)
                .map(|(entry, seq)| history_row(&order.id, seq, entry))
                .collect(),
            job: job_row(&new.job),
            idempotency: new.idempotency.as_ref().map(|r: &IdempotencyRecord| {
                idempotency_keys::ActiveModel {
                    user_id: Set(r.user_id.to_string()),
                    idem_key: Set(r.key.clone()),
                    fingerprint: Set(r.fingerprint.clone()),
                    order_id: Set(r.order_id.to_string()),
                }
            }),
        };
        self.retrying(|| async {
            let tx = self.begin_write().await?;
            let result = self.create_in(&tx, new, &rows).await;
            finish(tx, result).await
        })
        .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(order_id = %id))]
    async fn get(&self, id: &OrderId) -> Result<Option<Order>, DomainError> {
        Ok(load_one(&self.db, id).await?)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %user_id))]
    async fn find_idempotency(
        &self,
        user_id: &UserId,
        key: &str,
    ) -> Result<Option<IdempotencyRecord>, DomainError> {
        Ok(
            idempotency_keys::Entity::find_by_id((user_id.to_string(), key.to_owned()))
                .one(&self.db)
                .await
                .db()?
                .map(|m| IdempotencyRecord {
                    user_id: UserId::new(m.user_id),
                    key: m.idem_key,
                    fingerprint: m.fingerprint,
                    order_id: OrderId::new(m.order_id),
                }),
        )
    }

    #[tracing::instrument(level = "debug", skip_all, fields(order_id = %id))]
    async fn transition(&self, id: &OrderId, change: &StatusChange) -> Result<Order, DomainError> {
        self.retrying(|| async {
            let tx = self.begin_write().await?;
            let result = self.transition_in(&tx, id, change).await;
            finish(tx, result).await
        })
        .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(order_id = %id))]
    async fn add_note(&self, id: &OrderId, entry: &HistoryEntry) -> Result<(), DomainError> {
        self.retrying(|| async {
            let tx = self.begin_write().await?;
            let result = self.add_note_in(&tx, id, Some(entry)).await;
            finish(tx, result).await
        })
        .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(order_id = %id))]
    async fn raise_alert(
        &self,
        id: &OrderId,
        alert: &OrderAlert,
        note: &HistoryEntry,
        mails: &[MailMessage],
    ) -> Result<bool, DomainError> {
        self.retrying(|| async {
            let tx = self.begin_write().await?;
            let result = self.raise_alert_in(&tx, id, alert, note, mails).await;
            finish(tx, result).await
        })
        .await
    }

    /// The order's note (which locks the order row and fails for a missing
    /// order), the cleared alert, the requeued job and the audit entries,
    /// in one transaction.
    #[tracing::instrument(level = "debug", skip_all, fields(order_id = %id))]
    async fn requeue_finalization(
        &self,
        id: &OrderId,
        job: &Job,
        note: &HistoryEntry,
        audit: &[AuditEntry],
    ) -> Result<Job, DomainError> {
        use orders::Column as O;
        self.retrying(|| async {
            let tx = self.begin_write().await?;
            let result = async {
                self.add_note_in(&tx, id, Some(note)).await?;
                orders::Entity::update_many()
                    .col_expr(
                        O::AlertAt,
                        Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
                    )
                    .col_expr(O::AlertReason, Expr::value(Option::<String>::None))
                    .filter(O::Id.eq(id.as_str()))
                    .exec(&tx)
                    .await?;
                let requeued = crate::jobs::requeue_in(&tx, &job.id, note.at, Some(job))
                    .await?
                    .ok_or_else(|| {
                        Fail::Domain(DomainError::Internal(
                            "the finalization job vanished".into(),
                        ))
                    })?;
                crate::audit::record(&tx, audit).await?;
                Ok(requeued)
            }
            .await;
            finish(tx, result).await
        })
        .await
    }

    /// Oldest (smallest id) first, on the (status, id) index.
    #[tracing::instrument(level = "debug", skip_all)]
    async fn list_in(
        &self,
        statuses: &[OrderStatus],
        limit: usize,
    ) -> Result<Vec<Order>, DomainError> {
        use orders::Column as O;
        if statuses.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let rows = orders::Entity::find()
            .filter(O::Status.is_in(statuses.iter().map(|s| s.as_str())))
            .order_by_asc(O::Id)
            .limit(u64::try_from(limit).unwrap_or(u64::MAX))
            .all(&self.db)
            .await
            .db()?;
        Ok(load(&self.db, rows).await?)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(payment_id = %payment_id))]
    async fn find_by_payment_id(&self, payment_id: &str) -> Result<Option<Order>, DomainError> {
        let Some(row) = orders::Entity::find()
            .filter(orders::Column::PaymentId.eq(payment_id))
            .one(&self.db)
            .await
            .db()?
        else {
            return Ok(None);
        };
        Ok(load(&self.db, vec![row]).await?.pop())
    }

    /// Newest (largest id) first, keyset-paged on the id.
    #[tracing::instrument(level = "debug", skip_all)]
    async fn list(
        &self,
        filter: &OrderFilter,
        page: &PageRequest,
    ) -> Result<Page<Order>, DomainError> {
        use orders::Column as O;
        let mut query = orders::Entity::find();
        if let Some(status) = filter.status {
            query = query.filter(O::Status.eq(status.as_str()));
        }
        if let Some(user_id) = &filter.user_id {
            query = query.filter(O::UserId.eq(user_id.as_str()));
        }
        if let Some(after) = cursor::after::<String>(page)? {
            query = query.filter(O::Id.lt(after));
        }
        let rows = query
            .order_by_desc(O::Id)
            .limit(cursor::fetch_limit(page))
            .all(&self.db)
            .await
            .db()?;
        let limit = page.limit.clamp(1, shop_domain::page::MAX_PAGE_LIMIT) as usize;
        let more = rows.len() > limit;
        let orders = load(&self.db, rows.into_iter().take(limit).collect()).await?;
        let next_cursor = match orders.last() {
            Some(last) if more => Some(cursor::encode(&last.id.as_str())?),
            _ => None,
        };
        Ok(Page {
            items: orders,
            next_cursor,
        })
    }
}
