use std::future::Future;

use shop_domain::{DomainError, Page, PageRequest};

/// Walks every page of a list with page size `limit`, checking the paging
/// contract on the way: no page is larger than `limit`, a page with a
/// `next_cursor` is not empty, and the last page (the one without a cursor)
/// is empty only when it is the only one.
pub async fn collect_pages<T, F, Fut>(limit: u32, mut fetch: F) -> Vec<Vec<T>>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>, DomainError>>,
{
    let mut pages = Vec::new();
    let mut cursor = None;
    for _ in 0..10_000 {
        let page = fetch(PageRequest::new(Some(limit), cursor.take()))
            .await
            .expect("listing a page");
        assert!(
            page.items.len() <= limit as usize,
            "a page of limit {limit} held {} items",
            page.items.len()
        );
        let next = page.next_cursor.clone();
        if next.is_some() {
            assert!(
                !page.items.is_empty(),
                "an empty page must not carry a next_cursor"
            );
        } else {
            assert!(
                pages.is_empty() || !page.items.is_empty(),
                "the page before the last must not carry a next_cursor to an empty page"
            );
        }
        pages.push(page.items);
        match next {
            Some(c) => cursor = Some(c),
            None => return pages,
        }
    }
    panic!("pagination did not end after 10000 pages");
}

/// [`collect_pages`], flattened.
pub async fn flatten_pages<T, F, Fut>(limit: u32, fetch: F) -> Vec<T>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>, DomainError>>,
{
    collect_pages(limit, fetch)
        .await
        .into_iter()
        .flatten()
        .collect()
}
