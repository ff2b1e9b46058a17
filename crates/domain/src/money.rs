use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::DomainError;

/// An ISO-4217 currency code (three upper-case letters).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency(String);

impl Currency {
    pub fn parse(code: &str) -> Result<Self, DomainError> {
        let code = code.trim().to_ascii_uppercase();
        if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Self(code))
        } else {
            Err(DomainError::invalid(
                "currency",
                "must be a three-letter ISO-4217 code",
            ))
        }
    }

    pub fn usd() -> Self {
        Self("USD".into())
    }

    pub fn code(&self) -> &str {
        &self.0
    }

    /// Digits after the decimal point of the currency's minor unit.
    pub fn minor_digits(&self) -> u32 {
        match self.0.as_str() {
            "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF"
            | "UGX" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
            "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
            _ => 2,
        }
    }
}

impl TryFrom<String> for Currency {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Currency> for String {
    fn from(value: Currency) -> Self {
        value.0
    }
}

impl std::fmt::Display for Currency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// How amounts are rounded to the minor unit. Half-even is the default
/// because it does not bias sums of many rounded lines upwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Rounding {
    #[default]
    HalfEven,
    HalfUp,
}

impl Rounding {
    fn strategy(self) -> RoundingStrategy {
        match self {
            Self::HalfEven => RoundingStrategy::MidpointNearestEven,
            Self::HalfUp => RoundingStrategy::MidpointAwayFromZero,
        }
    }
}

/// An exact amount in a currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub amount: Decimal,
    pub currency: Currency,
}

impl Money {
    pub fn new(amount: Decimal, currency: Currency) -> Self {
        Self { amount, currency }
    }

    pub fn zero(currency: Currency) -> Self {
        Self::new(Decimal::ZERO, currency)
    }

    /// Rounds to the currency's minor unit.
    pub fn rounded(&self, rounding: Rounding) -> Self {
        Self::new(
            round_to_minor(self.amount, &self.currency, rounding),
            self.currency.clone(),
        )
    }

    /// Integer minor units (cents), as Square wants them. Fails if the amount
    /// is not already a whole number of minor units or does not fit.
    pub fn to_minor_units(&self) -> Result<i64, DomainError> {
        let scaled = self.amount * Decimal::from(10_i64.pow(self.currency.minor_digits()));
        if scaled.fract() != Decimal::ZERO {
            return Err(DomainError::Internal(format!(
                "amount {} has sub-minor-unit digits",
                self.amount
            )));
        }
        i64::try_from(scaled)
            .map_err(|_| DomainError::Internal(format!("amount {} out of range", self.amount)))
    }

    /// Parses a client-supplied price: non-negative, at most the currency's
    /// minor digits, below a sane ceiling.
    pub fn parse_price(amount: Decimal, currency: &Currency) -> Result<Self, DomainError> {
        if amount.is_sign_negative() && !amount.is_zero() {
            return Err(DomainError::invalid("price", "must not be negative"));
        }
        if amount.normalize().scale() > currency.minor_digits() {
            return Err(DomainError::invalid(
                "price",
                "has more decimal places than the currency allows",
            ));
        }
        if amount > Decimal::from(100_000_000_i64) {
            return Err(DomainError::invalid("price", "is too large"));
        }
        Ok(Self::new(
            amount.round_dp(currency.minor_digits()),
            currency.clone(),
        ))
    }
}

pub fn round_to_minor(amount: Decimal, currency: &Currency, rounding: Rounding) -> Decimal {
    let mut value = amount.round_dp_with_strategy(currency.minor_digits(), rounding.strategy());
    // Keep a uniform scale ("12.50", not "12.5") so JSON shows minor digits.
    value.rescale(currency.minor_digits());
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn currency_codes_are_validated_and_normalised() {
        assert_eq!(Currency::parse("usd").unwrap().code(), "USD");
        assert!(Currency::parse("US").is_err());
        assert!(Currency::parse("U5D").is_err());
        assert_eq!(Currency::parse("JPY").unwrap().minor_digits(), 0);
        assert_eq!(Currency::parse("KWD").unwrap().minor_digits(), 3);
    }

    #[test]
    fn half_even_rounding_to_minor_units() {
        let usd = Currency::usd();
        assert_eq!(round_to_minor(dec!(0.125), &usd, Rounding::HalfEven), dec!(0.12));
        assert_eq!(round_to_minor(dec!(0.135), &usd, Rounding::HalfEven), dec!(0.14));
        assert_eq!(round_to_minor(dec!(0.125), &usd, Rounding::HalfUp), dec!(0.13));
        assert_eq!(round_to_minor(dec!(3), &usd, Rounding::HalfEven).to_string(), "3.00");
    }

    #[test]
    fn minor_units() {
        let m = Money::new(dec!(12.50), Currency::usd());
        assert_eq!(m.to_minor_units().unwrap(), 1250);
        let bad = Money::new(dec!(12.505), Currency::usd());
        assert!(bad.to_minor_units().is_err());
        let yen = Money::new(dec!(1200), Currency::parse("JPY").unwrap());
        assert_eq!(yen.to_minor_units().unwrap(), 1200);
    }

    #[test]
    fn prices_are_checked() {
        let usd = Currency::usd();
        assert!(Money::parse_price(dec!(-1), &usd).is_err());
        assert!(Money::parse_price(dec!(1.001), &usd).is_err());
        assert!(Money::parse_price(dec!(1.10), &usd).is_ok());
        assert!(Money::parse_price(dec!(1.100), &usd).is_ok());
    }
}
