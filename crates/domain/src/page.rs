/// Largest page a client may ask for.
pub const MAX_PAGE_LIMIT: u32 = 100;
pub const DEFAULT_PAGE_LIMIT: u32 = 20;

/// A keyset page request: `cursor` is opaque to everyone but the adapter
/// that produced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u32,
    pub cursor: Option<String>,
}

impl PageRequest {
    /// Clamps the limit into 1..=MAX_PAGE_LIMIT; absent means the default.
    pub fn new(limit: Option<u32>, cursor: Option<String>) -> Self {
        let limit = limit.unwrap_or(DEFAULT_PAGE_LIMIT).clamp(1, MAX_PAGE_LIMIT);
        Self {
            limit,
            cursor: cursor.filter(|c| !c.is_empty()),
        }
    }

    pub fn first(limit: u32) -> Self {
        Self::new(Some(limit), None)
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self::new(None, None)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_clamped_and_empty_cursors_dropped() {
        assert_eq!(PageRequest::default().limit, DEFAULT_PAGE_LIMIT);
        assert_eq!(PageRequest::new(Some(0), None).limit, 1);
        assert_eq!(PageRequest::new(Some(1000), None).limit, MAX_PAGE_LIMIT);
        assert_eq!(PageRequest::first(7).limit, 7);
        assert_eq!(PageRequest::new(None, Some(String::new())).cursor, None);
        assert_eq!(
            PageRequest::new(None, Some("c".into())).cursor.as_deref(),
            Some("c")
        );
    }

    #[test]
    fn map_keeps_the_cursor() {
        let p = Page {
            items: vec![1, 2],
            next_cursor: Some("n".to_string()),
        };
        let q = p.map(|i| i * 10);
        assert_eq!(q.items, vec![10, 20]);
        assert_eq!(q.next_cursor.as_deref(), Some("n"));
    }
}
