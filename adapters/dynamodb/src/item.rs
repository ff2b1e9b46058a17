//! Reading and writing item attributes.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, SecondsFormat, Utc};
use shop_domain::DomainError;

use crate::error::corrupt_item;

pub(crate) type Item = HashMap<String, AttributeValue>;

pub(crate) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub(crate) fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// RFC 3339 in UTC with as many fraction digits as the value needs, so a
/// time reads back exactly.
pub(crate) fn time(value: DateTime<Utc>) -> AttributeValue {
    s(value.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

pub(crate) fn get_str<'a>(item: &'a Item, name: &str) -> Result<&'a str, DomainError> {
    match item.get(name) {
        Some(AttributeValue::S(value)) => Ok(value),
        _ => Err(corrupt_item(name)),
    }
}

pub(crate) fn get_u64(item: &Item, name: &str) -> Result<u64, DomainError> {
    match item.get(name) {
        Some(AttributeValue::N(value)) => value.parse().map_err(|_| corrupt_item(name)),
        _ => Err(corrupt_item(name)),
    }
}

pub(crate) fn get_time(item: &Item, name: &str) -> Result<DateTime<Utc>, DomainError> {
    parse_time(get_str(item, name)?, name)
}

pub(crate) fn get_optional_time(
    item: &Item,
    name: &str,
) -> Result<Option<DateTime<Utc>>, DomainError> {
    match item.get(name) {
        None | Some(AttributeValue::Null(_)) => Ok(None),
        Some(AttributeValue::S(value)) => parse_time(value, name).map(Some),
        Some(_) => Err(corrupt_item(name)),
    }
}

fn parse_time(value: &str, name: &str) -> Result<DateTime<Utc>, DomainError> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| corrupt_item(name))
}
