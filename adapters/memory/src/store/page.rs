//! Keyset pagination over in-memory rows, with opaque cursors (URL-safe
//! base64 of the JSON of the last row's sort key).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;
use shop_domain::page::MAX_PAGE_LIMIT;
use shop_domain::{DomainError, Page, PageRequest};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    Ascending,
    Descending,
}

fn bad_cursor() -> DomainError {
    DomainError::invalid("cursor", "is not a valid cursor")
}

fn encode<K: Serialize>(key: &K) -> Result<String, DomainError> {
    let json = serde_json::to_vec(key).map_err(|e| DomainError::Internal(e.to_string()))?;
    Ok(URL_SAFE_NO_PAD.encode(json))
}

fn decode<K: DeserializeOwned>(cursor: &str) -> Result<K, DomainError> {
    let json = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad_cursor())?;
    serde_json::from_slice(&json).map_err(|_| bad_cursor())
}

/// One page of `rows` sorted by `key` in `order`, starting after the
/// request's cursor. The sort key must be unique per row.
pub(crate) fn paginate<T, K>(
    rows: impl IntoIterator<Item = T>,
    key: impl Fn(&T) -> K,
    order: Order,
    page: &PageRequest,
) -> Result<Page<T>, DomainError>
where
    K: Ord + Serialize + DeserializeOwned,
{
    let after: Option<K> = page.cursor.as_deref().map(decode).transpose()?;
    let mut keyed: Vec<(K, T)> = rows
        .into_iter()
        .map(|row| (key(&row), row))
        .filter(|(k, _)| match (&after, order) {
            (None, _) => true,
            (Some(a), Order::Ascending) => k > a,
            (Some(a), Order::Descending) => k < a,
        })
        .collect();
    keyed.sort_by(|a, b| match order {
        Order::Ascending => a.0.cmp(&b.0),
        Order::Descending => b.0.cmp(&a.0),
    });
    let limit = page.limit.clamp(1, MAX_PAGE_LIMIT) as usize;
    let more = keyed.len() > limit;
    keyed.truncate(limit);
    let next_cursor = match keyed.last() {
        Some((k, _)) if more => Some(encode(k)?),
        _ => None,
    };
    Ok(Page {
        items: keyed.into_iter().map(|(_, row)| row).collect(),
        next_cursor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_pages(values: &[u32], limit: u32, order: Order) -> Vec<Vec<u32>> {
        let mut pages = Vec::new();
        let mut cursor = None;
        loop {
            let page = paginate(
                values.iter().copied(),
                |v| *v,
                order,
                &PageRequest::new(Some(limit), cursor.clone()),
            )
            .unwrap();
            pages.push(page.items);
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => return pages,
            }
        }
    }

    #[test]
    fn walks_every_row_once_in_order() {
        let values: Vec<u32> = (0..10).collect();
        assert_eq!(
            all_pages(&values, 4, Order::Ascending),
            vec![vec![0, 1, 2, 3], vec![4, 5, 6, 7], vec![8, 9]]
        );
        assert_eq!(
            all_pages(&values, 5, Order::Descending),
            vec![vec![9, 8, 7, 6, 5], vec![4, 3, 2, 1, 0]]
        );
        assert_eq!(
            all_pages(&[], 5, Order::Descending),
            vec![Vec::<u32>::new()]
        );
    }

    #[test]
    fn garbage_cursor_is_a_validation_error() {
        let err = paginate(
            [1_u32],
            |v| *v,
            Order::Ascending,
            &PageRequest::new(Some(1), Some("%%%".into())),
        )
        .unwrap_err();
        assert_eq!(err.code(), "validation_failed");
    }
}
