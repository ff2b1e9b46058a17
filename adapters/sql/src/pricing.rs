//! `QuoteStore`, `PromotionStore` and `TaxRateStore`.

use async_trait::async_trait;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use shop_domain::audit::AuditEntry;
use shop_domain::ids::{PromotionId, QuoteId, UserId};
use shop_domain::pricing::{
    Promotion, PromotionKind, PromotionStore, Quote, QuoteStore, TaxRate, TaxRateStore,
};
use shop_domain::{Currency, DomainError};

use crate::audit;
use crate::entity::{promotions, quotes, tax_rates};
use crate::error::{DbResultExt, Fail, corrupt, unique_or_backend};
use crate::json::{CartLineDoc, QuoteLineDoc, from_json, to_json};
use crate::store::{SqlStore, finish};
use shop_domain::pricing::normalise_code;

use crate::value::{Amount, instant, to_u32};

fn quote_from(m: quotes::Model) -> Result<Quote, DomainError> {
    let currency = Currency::parse(&m.currency).map_err(|_| corrupt("currency", &m.currency))?;
    let items: Vec<CartLineDoc> = from_json("quote items", &m.items)?;
    let lines: Vec<QuoteLineDoc> = from_json("quote lines", &m.lines)?;
    Ok(Quote {
        id: QuoteId::new(m.id),
        user_id: UserId::new(m.user_id),
        created_at: m.created_at,
        expires_at: m.expires_at,
        items: items.into_iter().map(Into::into).collect(),
        ship_to: from_json("address", &m.ship_to)?,
        promo_code: m.promo_code,
        lines: lines.into_iter().map(Into::into).collect(),
        subtotal: m.subtotal.in_currency(&currency),
        discount_total: m.discount_total.in_currency(&currency),
        tax_total: m.tax_total.in_currency(&currency),
        shipping_total: m.shipping_total.in_currency(&currency),
        total: m.total.in_currency(&currency),
        tax_exemption: m
            .tax_exemption
            .as_deref()
            .map(|t| from_json("tax exemption", t))
            .transpose()?,
        currency,
    })
}

#[async_trait]
impl QuoteStore for SqlStore {
    #[tracing::instrument(level = "debug", skip_all, fields(quote_id = %quote.id, user_id = %quote.user_id))]
    async fn insert(&self, quote: &Quote) -> Result<(), DomainError> {
        let items: Vec<CartLineDoc> = quote.items.iter().map(Into::into).collect();
        let lines: Vec<QuoteLineDoc> = quote.lines.iter().map(Into::into).collect();
        let row = quotes::ActiveModel {
            id: Set(quote.id.to_string()),
            user_id: Set(quote.user_id.to_string()),
            created_at: Set(instant(quote.created_at)),
            expires_at: Set(instant(quote.expires_at)),
            currency: Set(quote.currency.code().to_owned()),
            items: Set(to_json(&items)?),
            ship_to: Set(to_json(&quote.ship_to)?),
            promo_code: Set(quote.promo_code.clone()),
            lines: Set(to_json(&lines)?),
            subtotal: Set(Amount::money(quote.subtotal)?),
            discount_total: Set(Amount::money(quote.discount_total)?),
            tax_total: Set(Amount::money(quote.tax_total)?),
            shipping_total: Set(Amount::money(quote.shipping_total)?),
            total: Set(Amount::money(quote.total)?),
            tax_exemption: Set(quote.tax_exemption.as_ref().map(to_json).transpose()?),
            order_id: Set(None),
        };
        quotes::Entity::insert(row)
            .exec_without_returning(&self.db)
            .await
            .map_err(|e| unique_or_backend(e, |_| DomainError::AlreadyExists("quote")))?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(quote_id = %id))]
    async fn get(&self, id: &QuoteId) -> Result<Option<Quote>, DomainError> {
        quotes::Entity::find_by_id(id.as_str())
            .one(&self.db)
            .await
            .db()?
            .map(quote_from)
            .transpose()
    }
}

fn kind_from(value: &str) -> Result<PromotionKind, DomainError> {
    match value {
        "percent" => Ok(PromotionKind::Percent),
        "fixed" => Ok(PromotionKind::Fixed),
        other => Err(corrupt("promotion kind", other)),
    }
}

fn promotion_from(m: promotions::Model) -> Result<Promotion, DomainError> {
    Ok(Promotion {
        id: PromotionId::new(m.id),
        code: m.code,
        kind: kind_from(&m.kind)?,
        value: m.value.plain(),
        min_subtotal: m.min_subtotal.map(Amount::plain),
        starts_at: m.starts_at,
        ends_at: m.ends_at,
        max_uses: m.max_uses.map(|n| to_u32(n, "max uses")).transpose()?,
        uses: to_u32(m.uses, "uses")?,
        created_at: m.created_at,
    })
}

#[async_trait]
impl PromotionStore for SqlStore {
    /// Stores the code normalised (trimmed, upper case), so the unique index
    /// makes codes unique case-insensitively.
    #[tracing::instrument(level = "debug", skip_all, fields(promotion_id = %promotion.id))]
    async fn insert(&self, promotion: &Promotion, audit: &[AuditEntry]) -> Result<(), DomainError> {
        let row = promotions::ActiveModel {
            id: Set(promotion.id.to_string()),
            code: Set(normalise_code(&promotion.code)),
            kind: Set(promotion.kind.as_str().to_owned()),
            value: Set(Amount::money(promotion.value)?),
            min_subtotal: Set(promotion.min_subtotal.map(Amount::money).transpose()?),
            starts_at: Set(promotion.starts_at.map(instant)),
            ends_at: Set(promotion.ends_at.map(instant)),
            max_uses: Set(promotion.max_uses.map(i64::from)),
            uses: Set(i64::from(promotion.uses)),
            created_at: Set(instant(promotion.created_at)),
        };
        self.retrying(|| async {
            let tx = self.begin_write().await?;
            let result = async {
                promotions::Entity::insert(row.clone())
                    .exec_without_returning(&tx)
                    .await
                    .map_err(|e| {
                        unique_or_backend(e, |_| DomainError::AlreadyExists("promotion"))
                    })?;
                audit::record(&tx, audit).await
            }
            .await;
            finish(tx, result).await
        })
        .await
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn get_by_code(&self, code: &str) -> Result<Option<Promotion>, DomainError> {
        promotions::Entity::find()
            .filter(promotions::Column::Code.eq(normalise_code(code)))
            .one(&self.db)
            .await
            .db()?
            .map(promotion_from)
            .transpose()
    }

    /// Newest (largest id) first.
    #[tracing::instrument(level = "debug", skip_all)]
    async fn list(&self) -> Result<Vec<Promotion>, DomainError> {
        promotions::Entity::find()
            .order_by_desc(promotions::Column::Id)
            .all(&self.db)
            .await
            .db()?
            .into_iter()
            .map(promotion_from)
            .collect()
    }
}

#[async_trait]
impl TaxRateStore for SqlStore {
    /// By country, then region.
    #[tracing::instrument(level = "debug", skip_all)]
    async fn list(&self) -> Result<Vec<TaxRate>, DomainError> {
        Ok(tax_rates::Entity::find()
            .order_by_asc(tax_rates::Column::Country)
            .order_by_asc(tax_rates::Column::Region)
            .all(&self.db)
            .await
            .db()?
            .into_iter()
            .map(|m| TaxRate {
                country: m.country,
                region: m.region,
                rate: m.rate.plain(),
            })
            .collect())
    }

    /// Deletes and inserts in one transaction: readers see the old table or
    /// the new one. A (country, region) given twice is a validation error.
    #[tracing::instrument(level = "debug", skip_all)]
    async fn replace_all(
        &self,
        rates: &[TaxRate],
        audit: &[AuditEntry],
    ) -> Result<(), DomainError> {
        let rows = rates
            .iter()
            .map(|r| {
                Ok(tax_rates::ActiveModel {
                    country: Set(r.country.clone()),
                    region: Set(r.region.clone()),
                    rate: Set(Amount::rate(r.rate)?),
                })
            })
            .collect::<Result<Vec<_>, DomainError>>()?;
        self.retrying(|| async {
            let tx = self.begin_write().await?;
            tax_rates::Entity::delete_many().exec(&tx).await?;
            if !rows.is_empty() {
                tax_rates::Entity::insert_many(rows.clone())
                    .exec_without_returning(&tx)
                    .await
                    .map_err(|e| {
                        unique_or_backend(e, |_| {
                            DomainError::invalid("items", "a country and region appear twice")
                        })
                    })?;
            }
            audit::record(&tx, audit).await?;
            tx.commit().await?;
            Ok::<_, Fail>(())
        })
        .await
    }
}
