use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use shop_domain::Clock;
use shop_domain::payment::PaymentGateway;
use shop_square_sandbox::SimulatedSquare;
use shop_testkit::gateway::GatewayHarness;

/// A clock that moves only when told.
#[derive(Debug)]
pub struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    pub fn new() -> Arc<Self> {
        Arc::new(Self(Mutex::new(
            Utc.with_ymd_and_hms(2030, 1, 1, 12, 0, 0).unwrap(),
        )))
    }

    pub fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

pub fn setup() -> (Arc<TestClock>, SimulatedSquare) {
    let clock = TestClock::new();
    let square = SimulatedSquare::new(clock.clone());
    (clock, square)
}

pub struct SimulatorHarness {
    clock: Arc<TestClock>,
    square: SimulatedSquare,
}

impl GatewayHarness for SimulatorHarness {
    fn gateway(&self) -> &dyn PaymentGateway {
        &self.square
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    async fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }
}

pub async fn fresh_harness() -> SimulatorHarness {
    let (clock, square) = setup();
    SimulatorHarness { clock, square }
}
