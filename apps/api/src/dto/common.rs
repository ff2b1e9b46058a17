//! Shapes shared by several areas: money, addresses, decimals, pages.

use rust_decimal::Decimal;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use shop_domain::business::Address;
use shop_domain::page::DEFAULT_PAGE_LIMIT;
use shop_domain::{Currency, PageRequest};
use utoipa::ToSchema;

use crate::problem::ApiError;

/// An exact amount: the amount is a decimal string, never a float.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct MoneyDto {
    #[schema(example = "12.50")]
    pub amount: String,
    #[schema(example = "USD")]
    pub currency: String,
}

/// Formats an amount with at least the currency's minor digits ("12.50").
pub fn money(amount: Decimal, currency: &Currency) -> MoneyDto {
    let mut amount = amount;
    if amount.scale() < currency.minor_digits() {
        amount.rescale(currency.minor_digits());
    }
    MoneyDto {
        amount: amount.to_string(),
        currency: currency.code().to_string(),
    }
}

/// A postal address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressDto {
    pub line1: String,
    #[serde(default)]
    pub line2: Option<String>,
    pub city: String,
    /// State, province or similar (may be empty); taxes are looked up by it.
    #[serde(default)]
    #[schema(example = "CA")]
    pub region: String,
    #[serde(default)]
    pub postal_code: String,
    /// ISO-3166 alpha-2.
    #[schema(example = "US")]
    pub country: String,
}

impl From<Address> for AddressDto {
    fn from(a: Address) -> Self {
        Self {
            line1: a.line1,
            line2: a.line2,
            city: a.city,
            region: a.region,
            postal_code: a.postal_code,
            country: a.country,
        }
    }
}

impl From<AddressDto> for Address {
    fn from(a: AddressDto) -> Self {
        Self {
            line1: a.line1,
            line2: a.line2,
            city: a.city,
            region: a.region,
            postal_code: a.postal_code,
            country: a.country,
        }
    }
}

fn parse_decimal<E: de::Error>(raw: &str) -> Result<Decimal, E> {
    let raw = raw.trim();
    Decimal::from_str_exact(raw)
        .or_else(|_| Decimal::from_scientific(raw))
        .map_err(|_| E::custom(format!("{raw:?} is not a decimal number")))
}

/// A decimal from a JSON string ("12.50"). JSON numbers are refused: a
/// client library may already have rounded them through a binary float.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecimalInput(pub Decimal);

struct DecimalVisitor;

impl Visitor<'_> for DecimalVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a decimal string such as \"12.50\"")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        parse_decimal(v)
    }
}

impl<'de> Deserialize<'de> for DecimalInput {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DecimalVisitor).map(Self)
    }
}

/// A price in the shop currency: a decimal string ("12.50") or a
/// money object `{"amount": "12.50", "currency": "USD"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceInput {
    pub amount: Decimal,
    pub currency: Option<String>,
}

impl PriceInput {
    /// The amount, once the currency (if given) is the shop's.
    pub fn in_currency(&self, field: &str, currency: &Currency) -> Result<Decimal, ApiError> {
        match &self.currency {
            Some(c) if !c.trim().eq_ignore_ascii_case(currency.code()) => Err(ApiError::invalid(
                format!("{field}.currency"),
                format!("must be the shop currency {currency}"),
            )),
            _ => Ok(self.amount),
        }
    }
}

struct PriceVisitor;

impl<'de> Visitor<'de> for PriceVisitor {
    type Value = PriceInput;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a decimal string such as \"12.50\" or {\"amount\", \"currency\"}")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<PriceInput, E> {
        DecimalVisitor.visit_str(v).map(|amount| PriceInput {
            amount,
            currency: None,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PriceInput, A::Error> {
        let mut amount = None;
        let mut currency = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "amount" => amount = Some(map.next_value::<DecimalInput>()?.0),
                "currency" => currency = Some(map.next_value::<String>()?),
                other => {
                    return Err(de::Error::unknown_field(other, &["amount", "currency"]));
                }
            }
        }
        let amount = amount.ok_or_else(|| de::Error::missing_field("amount"))?;
        Ok(PriceInput { amount, currency })
    }
}

impl<'de> Deserialize<'de> for PriceInput {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PriceVisitor)
    }
}

/// For PATCH fields where `null` differs from absent: absent is `None`,
/// `null` is `Some(None)`.
pub fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// `?limit=` (default 20; values above 100 are clamped to 100) and `?cursor=`.
pub fn page_request(limit: Option<&str>, cursor: Option<String>) -> Result<PageRequest, ApiError> {
    let limit = match limit.map(str::trim).filter(|l| !l.is_empty()) {
        None => DEFAULT_PAGE_LIMIT,
        Some(raw) => match raw.parse::<u64>() {
            Ok(n) if n >= 1 => u32::try_from(n).unwrap_or(u32::MAX),
            _ => {
                return Err(ApiError::invalid(
                    "limit",
                    "must be a whole number from 1 to 100",
                ));
            }
        },
    };
    Ok(PageRequest::new(Some(limit), cursor))
}

/// Defines a paged list response `{items, next_cursor}`.
macro_rules! list_response {
    ($(#[$meta:meta])* $name:ident, $item:ty) => {
        $(#[$meta])*
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            /// Pass as `?cursor=` for the next page; null on the last page.
            pub next_cursor: Option<String>,
        }

        impl $name {
            pub fn from_page<T>(page: shop_domain::Page<T>, f: impl FnMut(T) -> $item) -> Self {
                let next_cursor = page.next_cursor.clone();
                Self {
                    items: page.items.into_iter().map(f).collect(),
                    next_cursor,
                }
            }

            pub fn complete(items: Vec<$item>) -> Self {
                Self {
                    items,
                    next_cursor: None,
                }
            }
        }
    };
}
pub(crate) use list_response;

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    #[test]
    fn money_keeps_minor_digits() {
        assert_eq!(money(dec!(12.5), &Currency::usd()).amount, "12.50");
        assert_eq!(money(dec!(3), &Currency::usd()).amount, "3.00");
        assert_eq!(money(dec!(0.125), &Currency::usd()).amount, "0.125");
    }

    #[test]
    fn decimals_and_prices_parse_from_strings_and_objects_never_numbers() {
        let d: DecimalInput = serde_json::from_str(r#""0.0725""#).unwrap();
        assert_eq!(d.0, dec!(0.0725));
        assert!(serde_json::from_str::<DecimalInput>("10").is_err());
        assert!(serde_json::from_str::<DecimalInput>("0.1").is_err());
        assert!(serde_json::from_str::<PriceInput>("12.5").is_err());
        assert!(serde_json::from_str::<DecimalInput>(r#""ten""#).is_err());
        let p: PriceInput = serde_json::from_str(r#"{"amount":"5.00","currency":"USD"}"#).unwrap();
        assert_eq!(p.amount, dec!(5.00));
        assert!(
            p.in_currency("price", &Currency::parse("EUR").unwrap())
                .is_err()
        );
        assert!(serde_json::from_str::<PriceInput>(r#"{"amount":"5","cents":1}"#).is_err());
    }

    #[test]
    fn limits_default_clamp_and_refuse_garbage() {
        assert_eq!(page_request(None, None).unwrap().limit, 20);
        assert_eq!(page_request(Some("500"), None).unwrap().limit, 100);
        assert!(page_request(Some("0"), None).is_err());
        assert!(page_request(Some("-1"), None).is_err());
        assert!(page_request(Some("x"), None).is_err());
    }
}
