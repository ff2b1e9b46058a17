use std::collections::HashMap;

use async_trait::async_trait;
use shop_domain::ids::{OrderId, ProductId, UserId};
use shop_domain::order::{
    HistoryEntry, IdempotencyRecord, NewOrder, Order, OrderFilter, OrderStatus, OrderStore,
    PaymentInfo, TransitionEffects,
};
use shop_domain::{DomainError, Page, PageRequest};

use super::page::{Order as SortOrder, paginate};
use super::{JobRow, MemoryStore, State, normalise_code};

impl State {
    /// Checks everything `create` needs before changing anything.
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
        let mut wanted: HashMap<&ProductId, u64> = HashMap::new();
        for line in &order.lines {
            *wanted.entry(&line.product_id).or_default() += u64::from(line.quantity);
        }
        for line in &order.lines {
            let enough = self
                .products
                .get(&line.product_id)
                .is_some_and(|p| u64::from(p.stock) >= wanted[&line.product_id]);
            if !enough {
                return Err(DomainError::InsufficientStock {
                    product_id: line.product_id.to_string(),
                });
            }
        }
        if let Some(code) = &order.promo_code {
            let code = normalise_code(code);
            let promotion = self
                .promotions
                .values()
                .find(|p| normalise_code(&p.code) == code)
                .ok_or_else(|| DomainError::InvalidPromotion("unknown code".into()))?;
            if promotion.max_uses.is_some_and(|m| promotion.uses >= m) {
                return Err(DomainError::InvalidPromotion("fully redeemed".into()));
            }
        }
        Ok(())
    }

    fn order_mut(&mut self, id: &OrderId) -> Result<&mut Order, DomainError> {
        self.orders
            .get_mut(id)
            .ok_or(DomainError::NotFound("order"))
    }
}

#[async_trait]
impl OrderStore for MemoryStore {
    async fn create(&self, new: &NewOrder) -> Result<Order, DomainError> {
        let mut state = self.lock();
        state.check_new_order(new)?;
        for line in &new.order.lines {
            if let Some(product) = state.products.get_mut(&line.product_id) {
                product.stock -= line.quantity;
            }
        }
        if let Some(code) = &new.order.promo_code {
            let code = normalise_code(code);
            if let Some(promotion) = state
                .promotions
                .values_mut()
                .find(|p| normalise_code(&p.code) == code)
            {
                promotion.uses += 1;
            }
        }
        if let Some(record) = &new.idempotency {
            state
                .idempotency
                .insert((record.user_id.clone(), record.key.clone()), record.clone());
        }
        state.order_seq += 1;
        let order = Order {
            number: format!("SO-{:06}", state.order_seq),
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

    async fn transition(
        &self,
        id: &OrderId,
        from: &[OrderStatus],
        entry: &HistoryEntry,
        effects: &TransitionEffects,
    ) -> Result<Order, DomainError> {
        let mut state = self.lock();
        let order = state.order_mut(id)?;
        if !from.contains(&order.status) {
            return Err(DomainError::InvalidOrderState {
                current: order.status.as_str().into(),
                action: "transition",
            });
        }
        order.status = entry.status;
        order.history.push(entry.clone());
        if let Some(payment) = &effects.payment {
            order.payment = payment.clone();
        }
        let order = order.clone();
        if effects.release_stock {
            for line in &order.lines {
                if let Some(product) = state.products.get_mut(&line.product_id) {
                    product.stock = product.stock.saturating_add(line.quantity);
                }
            }
        }
        if effects.wake_job
            && let Some(job_id) = state.order_jobs.get(id).cloned()
        {
            state.wake_job(&job_id, entry.at);
        }
        state.record_mails(&effects.mails, entry.at);
        Ok(order)
    }

    async fn set_payment(&self, id: &OrderId, payment: &PaymentInfo) -> Result<(), DomainError> {
        self.lock().order_mut(id)?.payment = payment.clone();
        Ok(())
    }

    async fn add_note(&self, id: &OrderId, entry: &HistoryEntry) -> Result<(), DomainError> {
        self.lock().order_mut(id)?.history.push(entry.clone());
        Ok(())
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
