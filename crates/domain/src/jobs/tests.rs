use chrono::Duration;

use super::*;
use crate::ids::OrderId;

#[test]
fn backoff_doubles_from_one_second() {
    let secs: Vec<i64> = (0..=10).map(|a| backoff(a, 0.0).num_seconds()).collect();
    assert_eq!(secs, vec![1, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512]);
}

#[test]
fn backoff_is_capped_at_ten_minutes() {
    assert_eq!(backoff(11, 0.0), Duration::minutes(10));
    assert_eq!(backoff(12, 0.0), Duration::minutes(10));
    assert_eq!(backoff(40, 0.0), Duration::minutes(10));
    assert_eq!(backoff(u32::MAX, 0.0), Duration::minutes(10));
    // Never shrinks as attempts grow.
    for a in 0..64 {
        assert!(backoff(a + 1, 0.0) >= backoff(a, 0.0), "{a}");
    }
}

#[test]
fn jitter_adds_a_fraction_of_the_delay() {
    assert_eq!(backoff(3, 0.5), Duration::milliseconds(6000));
    assert_eq!(backoff(1, 0.25), Duration::milliseconds(1250));
    assert_eq!(backoff(20, 0.5), Duration::milliseconds(900_000));
    // Out-of-range jitter is clamped, never negative, never more than double.
    assert_eq!(backoff(3, -1.0), Duration::seconds(4));
    assert_eq!(backoff(3, 7.0), Duration::seconds(8));
    assert_eq!(backoff(3, f64::NAN), Duration::seconds(4));
}

#[test]
fn finalize_job_is_addressable_by_its_order() {
    let at = crate::test_support::t0();
    let job = Job::finalize_order(&OrderId::new("o-9"), at);
    assert_eq!(job.id.as_str(), "finalize-o-9");
    assert_eq!(job.kind, JobKind::FinalizeOrder(OrderId::new("o-9")));
    assert_eq!(job.state, JobState::Queued);
    assert_eq!(job.attempts, 0);
    assert_eq!(job.run_after, at);
    assert_eq!(job.lease_until, None);
    assert_eq!(job.last_error, None);
    assert_eq!(Job::finalize_order(&OrderId::new("o-9"), at), job);
}

#[test]
fn job_state_words() {
    assert_eq!(JobState::Queued.as_str(), "queued");
    assert_eq!(JobState::Running.as_str(), "running");
    assert_eq!(JobState::Done.as_str(), "done");
    assert_eq!(JobState::Dead.as_str(), "dead");
}
