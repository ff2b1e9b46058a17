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
        let out_of_range = || DomainError::Internal(format!("amount {} out of range", self.amount));
        let scaled = self
            .amount
            .checked_mul(Decimal::from(10_i64.pow(self.currency.minor_digits())))
            .ok_or_else(out_of_range)?;
        if scaled.fract() != Decimal::ZERO {
            return Err(DomainError::Internal(format!(
                "amount {} has sub-minor-unit digits",
                self.amount
            )));
        }
        i64::try_from(scaled).map_err(|_| out_of_range())
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
        // Stored with exactly the currency's minor digits ("1.10", not "1.1"),
        // and never as a negative zero.
        let mut value = round_to_minor(amount, currency, Rounding::HalfEven);
        value.set_sign_positive(true);
        Ok(Self::new(value, currency.clone()))
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
        assert_eq!(
            round_to_minor(dec!(0.125), &usd, Rounding::HalfEven),
            dec!(0.12)
        );
        assert_eq!(
            round_to_minor(dec!(0.135), &usd, Rounding::HalfEven),
            dec!(0.14)
        );
        assert_eq!(
            round_to_minor(dec!(0.125), &usd, Rounding::HalfUp),
            dec!(0.13)
        );
        assert_eq!(
            round_to_minor(dec!(3), &usd, Rounding::HalfEven).to_string(),
            "3.00"
        );
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

    #[test]
    fn currency_parse_trims_and_refuses_non_letters() {
        assert_eq!(Currency::parse(" eur ").unwrap().code(), "EUR");
        for bad in ["", "USDX", "12A", "U-D", "ÜSD", "us d"] {
            assert!(Currency::parse(bad).is_err(), "{bad:?} should be refused");
        }
        let err = Currency::parse("x").unwrap_err();
        assert_eq!(err.code(), "validation_failed");
        assert_eq!(
            Currency::try_from("gbp".to_string()).unwrap().to_string(),
            "GBP"
        );
        assert_eq!(String::from(Currency::usd()), "USD");
    }

    #[test]
    fn minor_digits_follow_iso_4217() {
        for (code, digits) in [
            ("USD", 2),
            ("EUR", 2),
            ("GBP", 2),
            ("JPY", 0),
            ("KRW", 0),
            ("VND", 0),
            ("CLP", 0),
            ("BHD", 3),
            ("KWD", 3),
            ("TND", 3),
        ] {
            assert_eq!(
                Currency::parse(code).unwrap().minor_digits(),
                digits,
                "{code}"
            );
        }
    }

    #[test]
    fn rounding_keeps_a_uniform_scale_per_currency() {
        let jpy = Currency::parse("JPY").unwrap();
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(
            round_to_minor(dec!(12.5), &jpy, Rounding::HalfEven).to_string(),
            "12"
        );
        assert_eq!(
            round_to_minor(dec!(13.5), &jpy, Rounding::HalfEven).to_string(),
            "14"
        );
        assert_eq!(
            round_to_minor(dec!(12.5), &jpy, Rounding::HalfUp).to_string(),
            "13"
        );
        assert_eq!(
            round_to_minor(dec!(1.2345), &kwd, Rounding::HalfEven).to_string(),
            "1.234"
        );
        assert_eq!(
            round_to_minor(dec!(1), &kwd, Rounding::HalfEven).to_string(),
            "1.000"
        );
        assert_eq!(
            round_to_minor(dec!(-0.125), &Currency::usd(), Rounding::HalfEven),
            dec!(-0.12)
        );
        assert_eq!(
            round_to_minor(dec!(-0.125), &Currency::usd(), Rounding::HalfUp),
            dec!(-0.13)
        );
        let m = Money::new(dec!(2.675), Currency::usd()).rounded(Rounding::HalfEven);
        assert_eq!(m.amount.to_string(), "2.68");
        assert_eq!(
            Money::zero(jpy)
                .rounded(Rounding::HalfEven)
                .amount
                .to_string(),
            "0"
        );
        assert_eq!(Rounding::default(), Rounding::HalfEven);
    }

    #[test]
    fn minor_units_in_every_currency() {
        let kwd = Money::new(dec!(1.234), Currency::parse("KWD").unwrap());
        assert_eq!(kwd.to_minor_units().unwrap(), 1234);
        assert_eq!(Money::zero(Currency::usd()).to_minor_units().unwrap(), 0);
        assert_eq!(
            Money::new(dec!(-3.10), Currency::usd())
                .to_minor_units()
                .unwrap(),
            -310
        );
        assert_eq!(
            Money::new(dec!(7), Currency::usd())
                .to_minor_units()
                .unwrap(),
            700
        );
        let yen = Money::new(dec!(12.5), Currency::parse("JPY").unwrap());
        assert!(yen.to_minor_units().is_err());
        let huge = Money::new(Decimal::MAX, Currency::usd());
        assert!(huge.to_minor_units().is_err());
    }

    #[test]
    fn price_bounds_and_currency_digits() {
        let usd = Currency::usd();
        let jpy = Currency::parse("JPY").unwrap();
        assert!(Money::parse_price(dec!(0), &usd).is_ok());
        assert!(Money::parse_price(dec!(100000000), &usd).is_ok());
        assert!(Money::parse_price(dec!(100000000.01), &usd).is_err());
        assert!(Money::parse_price(dec!(-0.01), &usd).is_err());
        assert!(Money::parse_price(dec!(5), &jpy).is_ok());
        assert!(Money::parse_price(dec!(5.0), &jpy).is_ok());
        assert!(Money::parse_price(dec!(5.5), &jpy).is_err());
        let err = Money::parse_price(dec!(-1), &usd).unwrap_err();
        assert_eq!(
            err,
            DomainError::Validation(vec![crate::FieldError::new(
                "price",
                "must not be negative"
            )])
        );
    }

    #[test]
    fn parsed_prices_carry_the_currency_minor_digits() {
        let usd = Currency::usd();
        let jpy = Currency::parse("JPY").unwrap();
        let p = Money::parse_price(dec!(1.1), &usd).unwrap();
        assert_eq!(p.amount.to_string(), "1.10");
        assert_eq!(p.currency, usd);
        assert_eq!(
            Money::parse_price(dec!(3), &usd)
                .unwrap()
                .amount
                .to_string(),
            "3.00"
        );
        assert_eq!(
            Money::parse_price(dec!(1.100), &usd)
                .unwrap()
                .amount
                .to_string(),
            "1.10"
        );
        assert_eq!(
            Money::parse_price(dec!(5.00), &jpy)
                .unwrap()
                .amount
                .to_string(),
            "5"
        );
        let mut minus_zero = dec!(0.00);
        minus_zero.set_sign_negative(true);
        let neg_zero = Money::parse_price(minus_zero, &usd).unwrap();
        assert!(!neg_zero.amount.is_sign_negative(), "{}", neg_zero.amount);
        assert_eq!(neg_zero.amount.to_string(), "0.00");
    }
}
