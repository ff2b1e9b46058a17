//! In-memory adapters for the ports of `shop-domain`: one [`MemoryStore`]
//! for all the stores and the job queue, a file mailbox ([`FileMailbox`]),
//! clocks, id generation and a fast password hasher for tests. (Square's
//! simulator is `shop-square-sandbox`.)

#[cfg(feature = "test-hooks")]
mod insecure;
mod mailbox;
mod store;
mod system;

#[cfg(feature = "test-hooks")]
pub use insecure::InsecureFastHasher;
pub use mailbox::{FileMailbox, StoredMail};
pub use store::MemoryStore;
pub use system::{ManualClock, SystemClock, UuidIds};
