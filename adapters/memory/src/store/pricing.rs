use async_trait::async_trait;
use shop_domain::DomainError;
use shop_domain::audit::AuditEntry;
use shop_domain::ids::QuoteId;
use shop_domain::pricing::{Promotion, PromotionStore, Quote, QuoteStore, TaxRate, TaxRateStore};

use super::{MemoryStore, normalise_code};

#[async_trait]
impl QuoteStore for MemoryStore {
    async fn insert(&self, quote: &Quote) -> Result<(), DomainError> {
        let mut state = self.lock();
        if state.quotes.contains_key(&quote.id) {
            return Err(DomainError::AlreadyExists("quote"));
        }
        state.quotes.insert(quote.id.clone(), quote.clone());
        Ok(())
    }

    async fn get(&self, id: &QuoteId) -> Result<Option<Quote>, DomainError> {
        Ok(self.lock().quotes.get(id).cloned())
    }
}

#[async_trait]
impl PromotionStore for MemoryStore {
    async fn insert(&self, promotion: &Promotion, audit: &[AuditEntry]) -> Result<(), DomainError> {
        let mut state = self.lock();
        let code = normalise_code(&promotion.code);
        if state.promotions.contains_key(&promotion.id)
            || state
                .promotions
                .values()
                .any(|p| normalise_code(&p.code) == code)
        {
            return Err(DomainError::AlreadyExists("promotion"));
        }
        state
            .promotions
            .insert(promotion.id.clone(), promotion.clone());
        state.audit.extend_from_slice(audit);
        Ok(())
    }

    /// Codes compare case-insensitively, surrounding blanks ignored.
    async fn get_by_code(&self, code: &str) -> Result<Option<Promotion>, DomainError> {
        let code = normalise_code(code);
        Ok(self
            .lock()
            .promotions
            .values()
            .find(|p| normalise_code(&p.code) == code)
            .cloned())
    }

    async fn list(&self) -> Result<Vec<Promotion>, DomainError> {
        let mut promotions: Vec<Promotion> = self.lock().promotions.values().cloned().collect();
        promotions.sort_by(|a, b| b.id.cmp(&a.id));
        Ok(promotions)
    }
}

#[async_trait]
impl TaxRateStore for MemoryStore {
    /// By country, then region.
    async fn list(&self) -> Result<Vec<TaxRate>, DomainError> {
        let mut rates = self.lock().tax_rates.clone();
        rates.sort_by(|a, b| (&a.country, &a.region).cmp(&(&b.country, &b.region)));
        Ok(rates)
    }

    async fn replace_all(
        &self,
        rates: &[TaxRate],
        audit: &[AuditEntry],
    ) -> Result<(), DomainError> {
        let mut state = self.lock();
        state.tax_rates = rates.to_vec();
        state.audit.extend_from_slice(audit);
        Ok(())
    }
}
