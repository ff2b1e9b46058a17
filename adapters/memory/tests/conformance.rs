//! Every port conformance suite of `shop-testkit` against `MemoryStore`, plus
//! the file mailbox and what only the memory adapter promises.

// Test helpers outside #[test] fns fail loudly on purpose.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use shop_memory::{MemoryStore, SystemClock};
use shop_testkit::Stores;

async fn fresh_stores() -> Stores {
    Stores::from_one(Arc::new(MemoryStore::new(Arc::new(SystemClock))))
}

shop_testkit::store_conformance_tests!(fresh_stores);

#[path = "support/mailbox.rs"]
mod mailbox;
#[path = "support/memory_store.rs"]
mod memory_store;
