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
        let limit = limit
            .unwrap_or(DEFAULT_PAGE_LIMIT)
            .clamp(1, MAX_PAGE_LIMIT);
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
