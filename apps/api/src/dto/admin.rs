//! Admin-only shapes: user search, tax table, promotions.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shop_domain::pricing::{NewPromotion, Promotion, PromotionKind, TaxRate};
use utoipa::{IntoParams, ToSchema};

use super::account::{AccountStatusDto, UserDto};
use super::business::BusinessStatusDto;
use super::common::{DecimalInput, list_response};

list_response!(
    /// A page of users, newest first.
    UserList,
    UserDto
);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Case-insensitive text in e-mail or name.
    pub q: Option<String>,
    pub status: Option<AccountStatusDto>,
    /// Page size, 1..=100 (default 20; larger values are clamped to 100).
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BusinessQuery {
    pub status: Option<BusinessStatusDto>,
    /// Page size, 1..=100 (default 20; larger values are clamped to 100).
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A tax rate; an empty region is the country-wide rate.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaxRateDto {
    #[schema(example = "US")]
    pub country: String,
    #[serde(default)]
    #[schema(example = "CA")]
    pub region: String,
    /// A fraction as a decimal string: "0.0725" is 7.25 %.
    #[schema(value_type = String, example = "0.0725")]
    #[serde(serialize_with = "decimal_string")]
    pub rate: DecimalInput,
}

fn decimal_string<S: serde::Serializer>(d: &DecimalInput, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&d.0.to_string())
}

impl From<TaxRate> for TaxRateDto {
    fn from(t: TaxRate) -> Self {
        Self {
            country: t.country,
            region: t.region,
            rate: DecimalInput(t.rate),
        }
    }
}

impl From<TaxRateDto> for TaxRate {
    fn from(t: TaxRateDto) -> Self {
        Self {
            country: t.country,
            region: t.region,
            rate: t.rate.0,
        }
    }
}

/// The whole tax table (`PUT` replaces it).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaxRatesDto {
    pub items: Vec<TaxRateDto>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PromotionKindDto {
    /// `value` is a percentage in (0, 100].
    Percent,
    /// `value` is an amount in the shop currency.
    Fixed,
}

impl From<PromotionKind> for PromotionKindDto {
    fn from(k: PromotionKind) -> Self {
        match k {
            PromotionKind::Percent => Self::Percent,
            PromotionKind::Fixed => Self::Fixed,
        }
    }
}

impl From<PromotionKindDto> for PromotionKind {
    fn from(k: PromotionKindDto) -> Self {
        match k {
            PromotionKindDto::Percent => Self::Percent,
            PromotionKindDto::Fixed => Self::Fixed,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPromotionRequest {
    #[schema(example = "SPRING10")]
    pub code: String,
    pub kind: PromotionKindDto,
    /// A decimal string: a percentage for `percent`, an amount for `fixed`.
    #[schema(value_type = String, example = "10")]
    pub value: DecimalInput,
    /// A decimal string in the shop currency.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "50.00")]
    pub min_subtotal: Option<DecimalInput>,
    #[serde(default)]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub ends_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub max_uses: Option<u32>,
}

impl From<NewPromotionRequest> for NewPromotion {
    fn from(r: NewPromotionRequest) -> Self {
        Self {
            code: r.code,
            kind: r.kind.into(),
            value: r.value.0,
            min_subtotal: r.min_subtotal.map(|d| d.0),
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            max_uses: r.max_uses,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PromotionDto {
    pub id: String,
    pub code: String,
    pub kind: PromotionKindDto,
    #[schema(example = "10")]
    pub value: String,
    #[schema(example = "50.00")]
    pub min_subtotal: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub max_uses: Option<u32>,
    pub uses: u32,
    pub created_at: DateTime<Utc>,
}

impl From<Promotion> for PromotionDto {
    fn from(p: Promotion) -> Self {
        Self {
            id: p.id.to_string(),
            code: p.code,
            kind: p.kind.into(),
            value: p.value.to_string(),
            min_subtotal: p.min_subtotal.map(|d| d.to_string()),
            starts_at: p.starts_at,
            ends_at: p.ends_at,
            max_uses: p.max_uses,
            uses: p.uses,
            created_at: p.created_at,
        }
    }
}

list_response!(
    /// Every promotion, newest first (not paged: `next_cursor` is always null).
    PromotionList,
    PromotionDto
);
