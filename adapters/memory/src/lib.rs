//! In-memory adapters for every port of `shop-domain`: one [`MemoryStore`]
//! for all the stores and the job queue, a Square sandbox simulator
//! ([`SimulatedSquare`]), a file mailbox ([`FileMailbox`]), clocks, id
//! generation and a fast password hasher for tests.

mod mailbox;
mod square;
mod store;
mod system;

pub use mailbox::{FileMailbox, StoredMail};
pub use square::{SimulatedPayment, SimulatedSquare};
pub use store::MemoryStore;
pub use system::{InsecureFastHasher, ManualClock, SystemClock, UuidIds};
