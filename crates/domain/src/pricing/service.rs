use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::model::{PromotionRefusal, normalise_code};
use super::price::normalise_cart;
use super::{
    CartLine, NewPromotion, PricedCart, PricingInput, Promotion, Quote, TaxRate, price_cart,
};
use super::{PromotionStore, QuoteStore, TaxRateStore};
use rust_decimal::Decimal;

use crate::account::Principal;
use crate::audit::{AuditAction, AuditEntry};
use crate::business::BusinessProfileStore;
use crate::business::{Address, TaxExemption};
use crate::catalog::CatalogStore;
use crate::error::Validator;
use crate::ids::{PromotionId, QuoteId, UserId};
use crate::settings::ShopSettings;
use crate::{Clock, DomainError, IdGenerator};

#[derive(Debug, Clone)]
pub struct QuoteRequest {
    pub items: Vec<CartLine>,
    pub promo_code: Option<String>,
    pub ship_to: Address,
}

/// The ports the pricing service uses.
#[derive(Clone)]
pub struct PricingPorts {
    pub catalog: Arc<dyn CatalogStore>,
    pub quotes: Arc<dyn QuoteStore>,
    pub promotions: Arc<dyn PromotionStore>,
    pub tax_rates: Arc<dyn TaxRateStore>,
    /// The buyer's business, for a tax exemption.
    pub profiles: Arc<dyn BusinessProfileStore>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGenerator>,
}

#[derive(Clone)]
pub struct PricingService {
    ports: PricingPorts,
    settings: Arc<ShopSettings>,
}

impl PricingService {
    pub fn new(ports: PricingPorts, settings: Arc<ShopSettings>) -> Self {
        Self { ports, settings }
    }

    async fn exemption(
        &self,
        user_id: &UserId,
        now: DateTime<Utc>,
    ) -> Result<Option<TaxExemption>, DomainError> {
        Ok(self
            .ports
            .profiles
            .get(user_id)
            .await?
            .and_then(|p| p.exemption_on(now.date_naive())))
    }

    async fn promotion(&self, code: Option<&str>) -> Result<Option<Promotion>, DomainError> {
        let Some(code) = code.map(normalise_code).filter(|c| !c.is_empty()) else {
            return Ok(None);
        };
        self.ports
            .promotions
            .get_by_code(&code)
            .await?
            .map(Some)
            .ok_or_else(|| PromotionRefusal::UnknownCode.into())
    }

    /// Prices `items` for `user_id` as of `now` against the current catalog,
    /// promotion, tax table and business profile.
    #[tracing::instrument(level = "info", skip_all, fields(user_id = %user_id))]
    pub async fn price(
        &self,
        user_id: &UserId,
        items: &[CartLine],
        promo_code: Option<&str>,
        ship_to: &Address,
        now: DateTime<Utc>,
    ) -> Result<(PricedCart, Option<TaxExemption>, Option<Promotion>), DomainError> {
        let items = normalise_cart(items)?;
        let ids: Vec<_> = items.iter().map(|i| i.product_id.clone()).collect();
        let products = self.ports.catalog.get_products(&ids).await?;
        let exemption = self.exemption(user_id, now).await?;
        let promotion = self.promotion(promo_code).await?;
        let tax_rates = self.ports.tax_rates.list().await?;
        let priced = price_cart(&PricingInput {
            items: &items,
            products: &products,
            currency: &self.settings.currency,
            rounding: self.settings.rounding,
            promotion: promotion.as_ref(),
            ship_to,
            tax_rates: &tax_rates,
            tax_exemption: exemption.as_ref(),
            now,
        })?;
        Ok((priced, exemption, promotion))
    }

    #[tracing::instrument(level = "info", skip_all)]
    pub async fn quote(
        &self,
        principal: &Principal,
        request: &QuoteRequest,
    ) -> Result<Quote, DomainError> {
        let mut v = Validator::new();
        let ship_to = request.ship_to.validated("ship_to", &mut v);
        v.finish()?;
        let now = self.ports.clock.now();
        let (priced, exemption, promotion) = self
            .price(
                &principal.user_id,
                &request.items,
                request.promo_code.as_deref(),
                &ship_to,
                now,
            )
            .await?;
        let quote = Quote {
            id: QuoteId::new(self.ports.ids.new_id()),
            user_id: principal.user_id.clone(),
            created_at: now,
            expires_at: now + self.settings.quote_ttl,
            currency: self.settings.currency.clone(),
            items: normalise_cart(&request.items)?,
            ship_to,
            promo_code: promotion.map(|p| p.code),
            lines: priced.lines,
            subtotal: priced.subtotal,
            discount_total: priced.discount_total,
            tax_total: priced.tax_total,
            shipping_total: priced.shipping_total,
            total: priced.total,
            tax_exemption: exemption,
        };
        self.ports.quotes.insert(&quote).await?;
        Ok(quote)
    }

    #[tracing::instrument(level = "info", skip_all)]
    pub async fn tax_rates(&self, admin: &Principal) -> Result<Vec<TaxRate>, DomainError> {
        admin.require_admin()?;
        self.ports.tax_rates.list().await
    }

    #[tracing::instrument(level = "info", skip_all)]
    pub async fn replace_tax_rates(
        &self,
        admin: &Principal,
        rates: &[TaxRate],
    ) -> Result<Vec<TaxRate>, DomainError> {
        admin.require_admin()?;
        let mut errors = Vec::new();
        let mut valid = Vec::with_capacity(rates.len());
        for (i, rate) in rates.iter().enumerate() {
            match rate.validated(i) {
                Ok(r) => {
                    if valid
                        .iter()
                        .any(|o: &TaxRate| o.country == r.country && o.region == r.region)
                    {
                        errors.push(crate::FieldError::new(
                            format!("items[{i}]"),
                            "repeats a (country, region) pair",
                        ));
                    }
                    valid.push(r);
                }
                Err(DomainError::Validation(e)) => errors.extend(e),
                Err(other) => return Err(other),
            }
        }
        if valid.len() > 1000 {
            errors.push(crate::FieldError::new("items", "at most 1000 rates"));
        }
        if !errors.is_empty() {
            return Err(DomainError::Validation(errors));
        }
        let shown = |rates: &[TaxRate]| {
            rates
                .iter()
                .map(|r| format!("{}/{}={}", r.country, r.region, r.rate))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let before = self.ports.tax_rates.list().await?;
        let audit = AuditEntry::by(
            admin,
            self.ports.ids.as_ref(),
            self.ports.clock.now(),
            AuditAction::TaxRatesReplace,
            "tax_rates",
            "all",
        )
        .field("rates", Some(shown(&before)), Some(shown(&valid)));
        self.ports.tax_rates.replace_all(&valid, &[audit]).await?;
        Ok(valid)
    }

    #[tracing::instrument(level = "info", skip_all)]
    pub async fn create_promotion(
        &self,
        admin: &Principal,
        new: &NewPromotion,
    ) -> Result<Promotion, DomainError> {
        admin.require_admin()?;
        let new = new.validated(&self.settings.currency)?;
        let promotion = Promotion {
            id: PromotionId::new(self.ports.ids.new_id()),
            code: new.code,
            kind: new.kind,
            value: new.value,
            min_subtotal: new.min_subtotal,
            starts_at: new.starts_at,
            ends_at: new.ends_at,
            max_uses: new.max_uses,
            uses: 0,
            created_at: self.ports.clock.now(),
        };
        let audit = AuditEntry::by(
            admin,
            self.ports.ids.as_ref(),
            promotion.created_at,
            AuditAction::PromotionCreate,
            "promotion",
            &promotion.id,
        )
        .field("code", None::<&str>, Some(&promotion.code))
        .field("kind", None::<&str>, Some(promotion.kind.as_str()))
        .field("value", None::<Decimal>, Some(promotion.value))
        .field("min_subtotal", None::<Decimal>, promotion.min_subtotal)
        .field(
            "starts_at",
            None::<String>,
            promotion.starts_at.map(|t| t.to_rfc3339()),
        )
        .field(
            "ends_at",
            None::<String>,
            promotion.ends_at.map(|t| t.to_rfc3339()),
        )
        .field("max_uses", None::<u32>, promotion.max_uses);
        self.ports.promotions.insert(&promotion, &[audit]).await?;
        Ok(promotion)
    }

    #[tracing::instrument(level = "info", skip_all)]
    pub async fn promotions(&self, admin: &Principal) -> Result<Vec<Promotion>, DomainError> {
        admin.require_admin()?;
        self.ports.promotions.list().await
    }
}

#[cfg(test)]
mod tests;
