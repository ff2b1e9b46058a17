//! Opaque keyset cursors: URL-safe base64 of the JSON of the last row's
//! sort key. Only this adapter reads them; a client can neither forge an
//! offset nor learn anything it could not see in the page.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;
use shop_domain::{DomainError, Page, PageRequest};

fn bad_cursor() -> DomainError {
    DomainError::invalid("cursor", "is not a valid cursor")
}

pub fn encode<K: Serialize>(key: &K) -> Result<String, DomainError> {
    let json = serde_json::to_vec(key).map_err(|e| DomainError::Internal(e.to_string()))?;
    Ok(URL_SAFE_NO_PAD.encode(json))
}

/// The sort key after which the requested page starts, if any.
pub fn after<K: DeserializeOwned>(page: &PageRequest) -> Result<Option<K>, DomainError> {
    page.cursor
        .as_deref()
        .map(|cursor| {
            let json = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad_cursor())?;
            serde_json::from_slice(&json).map_err(|_| bad_cursor())
        })
        .transpose()
}

/// How many rows to fetch for a page: one more than the limit, to learn
/// whether another page follows without a second query.
pub fn fetch_limit(page: &PageRequest) -> u64 {
    u64::from(page.limit.clamp(1, shop_domain::page::MAX_PAGE_LIMIT)) + 1
}

/// Builds the page from up to `limit + 1` rows, with a cursor to the next
/// page only if there is one.
pub fn page_of<R, T, K: Serialize>(
    mut rows: Vec<R>,
    page: &PageRequest,
    key: impl Fn(&R) -> K,
    map: impl Fn(R) -> Result<T, DomainError>,
) -> Result<Page<T>, DomainError> {
    let limit = page.limit.clamp(1, shop_domain::page::MAX_PAGE_LIMIT) as usize;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next_cursor = match rows.last() {
        Some(last) if more => Some(encode(&key(last))?),
        _ => None,
    };
    let items = rows.into_iter().map(map).collect::<Result<Vec<_>, _>>()?;
    Ok(Page { items, next_cursor })
}
