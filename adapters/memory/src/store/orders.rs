use async_trait::async_trait;
use shop_domain::audit::AuditEntry;
use shop_domain::ids::{OrderId, UserId};
use shop_domain::jobs::Job;
use shop_domain::mail::MailMessage;
use shop_domain::order::{
    HistoryEntry, IdempotencyRecord, NewOrder, Order, OrderAlert, OrderFilter, OrderStatus,
    OrderStore, StatusChange, order_number,
};
use shop_domain::pricing::PromotionRefusal;
use shop_domain::{DomainError, Page, PageRequest};

use super::page::{Order as SortOrder, paginate};
use super::{JobRow, MemoryStore, State, normalise_code};

impl State {
    /// Checks what `create` needs besides stock before changing anything.
    fn check_new_order(&self, new: &NewOrder) -> Result<(), DomainError> {
        let order = &new.order;
        if self.orders.contains_key(&order.id) {
            return Err(DomainError::AlreadyExists("order"));
        }
        if self.jobs.contains_key(&new.job.id) {
            return Err(DomainError::AlreadyExists("job"));
        }
        if let Some(record) = &new.idempotency
            && self
                .idempotency
                .contains_key(&(record.user_id.clone(), record.key.clone()))
        {
            return Err(DomainError::IdempotencyKeyReused);
        }
        if let Some(order_id) = self.spent_quotes.get(&order.quote_id) {
            return Err(DomainError::QuoteUsed {
                order_id: order_id.clone(),
            });
        }
        if let Some(code) = &order.promo_code {
            let code = normalise_code(code);
            let promotion = self
                .promotions
                .values()
                .find(|p| normalise_code(&p.code) == code)
                .ok_or(PromotionRefusal::UnknownCode)?;
            if promotion.is_used_up() {
                return Err(PromotionRefusal::FullyRedeemed.into());
            }
        }
        Ok(())
    }

    fn order_mut(&mut self, id: &OrderId) -> Result<&mut Order, DomainError> {
        self.orders
            .get_mut(id)
            .ok_or(DomainError::NotFound("order"))
    }

    fn redeem(&mut self, code: &str, by: i64) {
        let code = normalise_code(code);
        if let Some(promotion) = self
            .promotions
            .values_mut()
            .find(|p| normalise_code(&p.code) == code)
        {
            promotion.uses = if by >= 0 {
                promotion.uses.saturating_add(1)
            } else {
                promotion.uses.saturating_sub(1)
            };
        }
    }
}

#[async_trait]
impl OrderStore for MemoryStore {
    async fn create(&self, new: &NewOrder) -> Result<Order, DomainError> {
        let mut state = self.lock();
        state.check_new_order(new)?;
        // Last, since it changes stock: everything else has been checked.
        state.apply_movements(&new.stock, |m| DomainError::InsufficientStock {
            product_id: m.product_id.to_string(),
        })?;
        if let Some(code) = &new.order.promo_code {
            state.redeem(code, 1);
        }
        if let Some(record) = &new.idempotency {
            state
                .idempotency
                .insert((record.user_id.clone(), record.key.clone()), record.clone());
        }
        state
            .spent_quotes
            .insert(new.order.quote_id.clone(), new.order.id.clone());
        state.order_seq += 1;
        let order = Order {
            number: order_number(state.order_seq),
            ..new.order.clone()
        };
        state.orders.insert(order.id.clone(), order.clone());
        state
            .order_jobs
            .insert(order.id.clone(), new.job.id.clone());
        state.jobs.insert(
            new.job.id.clone(),
            JobRow {
                job: new.job.clone(),
                claim_token: None,
            },
        );
        Ok(order)
    }

    async fn get(&self, id: &OrderId) -> Result<Option<Order>, DomainError> {
        Ok(self.lock().orders.get(id).cloned())
    }

    async fn find_idempotency(
        &self,
        user_id: &UserId,
        key: &str,
    ) -> Result<Option<IdempotencyRecord>, DomainError> {
        Ok(self
            .lock()
            .idempotency
            .get(&(user_id.clone(), key.to_string()))
            .cloned())
    }

    async fn transition(&self, id: &OrderId, change: &StatusChange) -> Result<Order, DomainError> {
        let mut state = self.lock();
        let current = state.order_mut(id)?.status;
        if current != change.from() {
            return Err(DomainError::InvalidOrderState {
                current: current.as_str().into(),
                action: "transition",
            });
        }
        let effects = change.effects();
        // A product that vanished has no stock to give back.
        let movements: Vec<_> = effects
            .stock
            .iter()
            .filter(|m| state.products.contains_key(&m.product_id))
            .cloned()
            .collect();
        state.apply_movements(&movements, |_| DomainError::NotFound("product"))?;
        if let Some(code) = &effects.return_promotion {
            state.redeem(code, -1);
        }
        let order = state.order_mut(id)?;
        order.status = change.to();
        order.history.push(change.entry().clone());
        if !change.to().is_open() {
            order.alert = None;
        }
        if let Some(payment) = &effects.payment {
            order.payment = payment.clone();
        }
        let order = order.clone();
        if effects.release_quote && state.spent_quotes.get(&order.quote_id) == Some(id) {
            state.spent_quotes.remove(&order.quote_id);
        }
        if effects.wake_job
            && let Some(job_id) = state.order_jobs.get(id).cloned()
        {
            state.wake_job(&job_id, change.entry().at);
        }
        state.record_mails(&effects.mails, change.entry().at);
        state.audit.extend_from_slice(&effects.audit);
        Ok(order)
    }

    async fn add_note(&self, id: &OrderId, entry: &HistoryEntry) -> Result<(), DomainError> {
        self.lock().order_mut(id)?.history.push(entry.clone());
        Ok(())
    }

    async fn raise_alert(
        &self,
        id: &OrderId,
        alert: &OrderAlert,
        note: &HistoryEntry,
        mails: &[MailMessage],
    ) -> Result<bool, DomainError> {
        let mut state = self.lock();
        let order = state.order_mut(id)?;
        if order.alert.is_some() {
            return Ok(false);
        }
        order.alert = Some(alert.clone());
        order.history.push(note.clone());
        state.record_mails(mails, alert.at);
        Ok(true)
    }

    async fn requeue_finalization(
        &self,
        id: &OrderId,
        job: &Job,
        note: &HistoryEntry,
        audit: &[AuditEntry],
    ) -> Result<Job, DomainError> {
        let mut state = self.lock();
        let order = state.order_mut(id)?;
        order.alert = None;
        order.history.push(note.clone());
        let requeued = state
            .requeue_job(&job.id, note.at, Some(job))
            .ok_or_else(|| DomainError::Internal("the finalization job vanished".into()))?;
        state
            .order_jobs
            .entry(id.clone())
            .or_insert_with(|| job.id.clone());
        state.audit.extend_from_slice(audit);
        Ok(requeued)
    }

    async fn list_in(
        &self,
        statuses: &[OrderStatus],
        limit: usize,
    ) -> Result<Vec<Order>, DomainError> {
        let state = self.lock();
        let mut orders: Vec<&Order> = state
            .orders
            .values()
            .filter(|o| statuses.contains(&o.status))
            .collect();
        orders.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(orders.into_iter().take(limit).cloned().collect())
    }

    async fn find_by_payment_id(&self, payment_id: &str) -> Result<Option<Order>, DomainError> {
        Ok(self
            .lock()
            .orders
            .values()
            .find(|o| o.payment.payment_id.as_deref() == Some(payment_id))
            .cloned())
    }

    async fn list(
        &self,
        filter: &OrderFilter,
        page: &PageRequest,
    ) -> Result<Page<Order>, DomainError> {
        let state = self.lock();
        let rows = state.orders.values().filter(|o| {
            filter.status.is_none_or(|s| o.status == s)
                && filter.user_id.as_ref().is_none_or(|u| &o.user_id == u)
        });
        paginate(
            rows.cloned(),
            |o| o.id.as_str().to_string(),
            SortOrder::Descending,
            page,
        )
    }
}
