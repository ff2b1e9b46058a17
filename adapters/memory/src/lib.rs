//! In-memory adapters for the ports of `shop-domain`: one [`MemoryStore`]
//! for all the stores and the job queue, a file mailbox ([`FileMailbox`]),
//! clocks, id generation and a fast password hasher for tests. (Square's
//! simulator is `shop-square-sandbox`.)

mod mailbox;
mod store;
mod system;

pub use mailbox::{FileMailbox, StoredMail};
pub use store::MemoryStore;
pub use system::{InsecureFastHasher, ManualClock, SystemClock, UuidIds};
