use async_trait::async_trait;

use crate::audit::AuditEntry;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::DomainError;
use crate::business::{Address, TaxExemption};
use crate::error::Validator;
use crate::ids::{ProductId, PromotionId, QuoteId, UserId};
use crate::money::Currency;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartLine {
    pub product_id: ProductId,
    pub quantity: u32,
}

/// A tax rate for a (country, region); an empty region is the country-wide
/// rate used when no regional one exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxRate {
    pub country: String,
    pub region: String,
    /// A fraction: 0.0725 is 7.25 %.
    pub rate: Decimal,
}

impl TaxRate {
    pub fn validated(&self, index: usize) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let country = self.country.trim().to_ascii_uppercase();
        v.check(
            country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase()),
            &format!("items[{index}].country"),
            "must be a two-letter ISO-3166 country code",
        );
        let region = self.region.trim().to_ascii_uppercase();
        v.check(
            region.chars().count() <= 100 && !region.chars().any(char::is_control),
            &format!("items[{index}].region"),
            "must be at most 100 characters",
        );
        // Trailing zeros are no precision: 0.07250000 is 0.0725.
        let rate = self.rate.normalize();
        v.check(
            rate >= Decimal::ZERO && rate < Decimal::ONE && rate.scale() <= 6,
            &format!("items[{index}].rate"),
            "must be a fraction in [0, 1) with at most 6 decimal places",
        );
        v.finish()?;
        Ok(Self {
            country,
            region,
            rate,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromotionKind {
    /// `value` is a percentage, 0 < value <= 100.
    Percent,
    /// `value` is an amount in the shop currency.
    Fixed,
}

impl PromotionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Percent => "percent",
            Self::Fixed => "fixed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPromotion {
    pub code: String,
    pub kind: PromotionKind,
    pub value: Decimal,
    pub min_subtotal: Option<Decimal>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub max_uses: Option<u32>,
}

impl NewPromotion {
    pub fn validated(&self, currency: &Currency) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let code = normalise_code(&self.code);
        v.check(
            !code.is_empty()
                && code.len() <= 32
                && code
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "code",
            "must be 1..=32 characters of A-Z, 0-9, - and _",
        );
        match self.kind {
            PromotionKind::Percent => v.check(
                self.value > Decimal::ZERO && self.value <= Decimal::ONE_HUNDRED,
                "value",
                "must be a percentage in (0, 100]",
            ),
            PromotionKind::Fixed => v.check(
                self.value > Decimal::ZERO
                    && self.value.normalize().scale() <= currency.minor_digits(),
                "value",
                "must be a positive amount in the shop currency",
            ),
        };
        if let Some(min) = self.min_subtotal {
            v.check(min >= Decimal::ZERO, "min_subtotal", "must not be negative");
        }
        if let (Some(s), Some(e)) = (self.starts_at, self.ends_at) {
            v.check(s < e, "ends_at", "must be after starts_at");
        }
        if let Some(m) = self.max_uses {
            v.check(m > 0, "max_uses", "must be at least 1");
        }
        v.finish()?;
        Ok(Self {
            code,
            ..self.clone()
        })
    }
}

/// A promotion code as stored and compared: codes match case-insensitively
/// and without surrounding spaces, in every store.
pub fn normalise_code(raw: &str) -> String {
    raw.trim().to_ascii_uppercase()
}

/// Why a promotion cannot apply: the one wording of `invalid_promotion`
/// problems, whether the rule or a store's atomic redemption refused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromotionRefusal {
    UnknownCode,
    NotYetValid,
    Expired,
    FullyRedeemed,
    BelowMinimum(Decimal),
}

impl std::fmt::Display for PromotionRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UnknownCode => f.write_str("unknown code"),
            Self::NotYetValid => f.write_str("not yet valid"),
            Self::Expired => f.write_str("expired"),
            Self::FullyRedeemed => f.write_str("fully redeemed"),
            Self::BelowMinimum(min) => write!(f, "requires a subtotal of at least {min}"),
        }
    }
}

impl From<PromotionRefusal> for crate::DomainError {
    fn from(refusal: PromotionRefusal) -> Self {
        Self::InvalidPromotion(refusal.to_string())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promotion {
    pub id: PromotionId,
    /// Upper case; codes compare case-insensitively.
    pub code: String,
    pub kind: PromotionKind,
    pub value: Decimal,
    pub min_subtotal: Option<Decimal>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub max_uses: Option<u32>,
    pub uses: u32,
    pub created_at: DateTime<Utc>,
}

impl Promotion {
    /// Why the promotion cannot apply at `now` to `subtotal`, if it cannot.
    pub fn refusal(&self, now: DateTime<Utc>, subtotal: Decimal) -> Option<PromotionRefusal> {
        if self.starts_at.is_some_and(|s| now < s) {
            return Some(PromotionRefusal::NotYetValid);
        }
        if self.ends_at.is_some_and(|e| now >= e) {
            return Some(PromotionRefusal::Expired);
        }
        if self.is_used_up() {
            return Some(PromotionRefusal::FullyRedeemed);
        }
        match self.min_subtotal {
            Some(min) if subtotal < min => Some(PromotionRefusal::BelowMinimum(min)),
            _ => None,
        }
    }

    /// Every use `max_uses` allows is spent.
    pub fn is_used_up(&self) -> bool {
        self.max_uses.is_some_and(|m| self.uses >= m)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteLine {
    pub product_id: ProductId,
    pub sku: String,
    pub name: String,
    pub unit_price: Decimal,
    pub quantity: u32,
    pub subtotal: Decimal,
    pub discount: Decimal,
    pub tax: Decimal,
    pub total: Decimal,
}

/// A priced cart, kept server-side until it expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub id: QuoteId,
    pub user_id: UserId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub currency: Currency,
    pub items: Vec<CartLine>,
    pub ship_to: Address,
    pub promo_code: Option<String>,
    pub lines: Vec<QuoteLine>,
    pub subtotal: Decimal,
    pub discount_total: Decimal,
    pub tax_total: Decimal,
    pub shipping_total: Decimal,
    pub total: Decimal,
    pub tax_exemption: Option<TaxExemption>,
}

#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait QuoteStore: Send + Sync {
    async fn insert(&self, quote: &Quote) -> Result<(), DomainError>;
    async fn get(&self, id: &QuoteId) -> Result<Option<Quote>, DomainError>;
}

#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait PromotionStore: Send + Sync {
    /// [`DomainError::AlreadyExists`] when the code is taken; `audit` is
    /// appended to the trail in the same transaction.
    async fn insert(&self, promotion: &Promotion, audit: &[AuditEntry]) -> Result<(), DomainError>;
    async fn get_by_code(&self, code: &str) -> Result<Option<Promotion>, DomainError>;
    /// Newest first.
    async fn list(&self) -> Result<Vec<Promotion>, DomainError>;
}

#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait TaxRateStore: Send + Sync {
    async fn list(&self) -> Result<Vec<TaxRate>, DomainError>;
    /// Replaces the whole table atomically, appending `audit` to the trail.
    async fn replace_all(&self, rates: &[TaxRate], audit: &[AuditEntry])
    -> Result<(), DomainError>;
}
