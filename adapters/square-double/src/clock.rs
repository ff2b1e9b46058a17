//! The double's own clock: the wall clock plus an offset tests move, so
//! authorization windows and `fail_until` can pass in a test.

use chrono::{DateTime, Duration, Utc};
use parking_lot::Mutex;
use shop_domain::Clock;

#[derive(Debug, Default)]
pub(crate) struct DoubleClock {
    offset: Mutex<Duration>,
}

impl DoubleClock {
    pub fn advance(&self, by: Duration) {
        *self.offset.lock() += by;
    }
}

impl Clock for DoubleClock {
    #[allow(
        clippy::disallowed_methods,
        reason = "Square's own clock: the double's wall clock, which tests move"
    )]
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + *self.offset.lock()
    }
}
