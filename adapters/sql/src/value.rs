//! Column values that need care: exact money and UTC instants.

use std::str::FromStr;

use chrono::{DateTime, SubsecRound, Utc};
use rust_decimal::Decimal;
use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, ValueTypeErr};
use sea_orm::{ColIdx, DbErr, IntoActiveValue, QueryResult, TryGetError, TryGetable, Value};
use shop_domain::{Currency, DomainError};

/// An exact decimal amount in a money or rate column.
///
/// It is bound as its canonical decimal text: MySQL converts that text into
/// the `DECIMAL` column exactly, and SQLite keeps it as text. It is read as
/// a `DECIMAL` on MySQL and parsed from the text on SQLite. No float is
/// involved anywhere (sea-orm's own `Decimal` goes through `f64` on SQLite).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Amount(pub Decimal);

/// The scale of every money column (`DECIMAL(19,4)`).
pub const MONEY_SCALE: u32 = 4;
/// The scale of rate columns (`DECIMAL(9,6)`).
pub const RATE_SCALE: u32 = 6;

impl Amount {
    /// A money amount, refused if the column would have to round it.
    pub fn money(value: Decimal) -> Result<Self, DomainError> {
        Self::exact(value, MONEY_SCALE)
    }

    /// A rate, refused if the column would have to round it.
    pub fn rate(value: Decimal) -> Result<Self, DomainError> {
        Self::exact(value, RATE_SCALE)
    }

    fn exact(value: Decimal, scale: u32) -> Result<Self, DomainError> {
        let value = value.normalize();
        if value.scale() > scale {
            return Err(DomainError::Internal(format!(
                "amount {value} has more than {scale} decimal places"
            )));
        }
        Ok(Self(value))
    }

    /// The amount at the currency's minor digits at least ("12.50", not
    /// "12.5000" or "12.5"), whichever backend stored it.
    pub fn in_currency(self, currency: &Currency) -> Decimal {
        let mut value = self.0.normalize();
        if value.scale() < currency.minor_digits() {
            value.rescale(currency.minor_digits());
        }
        value
    }

    /// The amount without trailing zeros.
    pub fn plain(self) -> Decimal {
        self.0.normalize()
    }
}

fn parse(text: &str) -> Result<Decimal, DbErr> {
    Decimal::from_str_exact(text.trim())
        .or_else(|_| Decimal::from_str(text.trim()))
        .map_err(|e| DbErr::Type(format!("not a decimal amount: {e}")))
}

impl From<Amount> for Value {
    fn from(amount: Amount) -> Self {
        Value::String(Some(amount.0.to_string()))
    }
}

impl TryGetable for Amount {
    fn try_get_by<I: ColIdx>(res: &QueryResult, idx: I) -> Result<Self, TryGetError> {
        if res.try_as_mysql_row().is_some() {
            return Decimal::try_get_by(res, idx).map(Self);
        }
        let text = String::try_get_by(res, idx)?;
        parse(&text).map(Self).map_err(TryGetError::DbErr)
    }
}

impl sea_orm::sea_query::ValueType for Amount {
    fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
        match v {
            Value::String(Some(text)) => parse(&text).map(Self).map_err(|_| ValueTypeErr),
            Value::Decimal(Some(value)) => Ok(Self(value)),
            _ => Err(ValueTypeErr),
        }
    }

    fn type_name() -> String {
        "Amount".to_owned()
    }

    fn array_type() -> ArrayType {
        ArrayType::String
    }

    fn column_type() -> ColumnType {
        ColumnType::Decimal(Some((19, MONEY_SCALE)))
    }
}

impl Nullable for Amount {
    fn null() -> Value {
        Value::String(None)
    }
}

impl IntoActiveValue<Amount> for Amount {
    fn into_active_value(self) -> sea_orm::ActiveValue<Amount> {
        sea_orm::ActiveValue::Set(self)
    }
}

/// An instant as stored: UTC, microsecond precision (MySQL `DATETIME(6)`;
/// SQLite keeps the same precision so both backends round-trip alike).
pub fn instant(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

/// A count column read back into a `u32` field.
pub fn to_u32(value: i64, what: &str) -> Result<u32, DomainError> {
    u32::try_from(value).map_err(|_| DomainError::Internal(format!("{what} {value} out of range")))
}

/// A `u64` counter column (stored as signed 64-bit).
pub fn to_u64(value: i64, what: &str) -> Result<u64, DomainError> {
    u64::try_from(value).map_err(|_| DomainError::Internal(format!("{what} {value} out of range")))
}
