//! Faults injected into Square requests, all of them or one operation's.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The Square operations the double serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    CreatePayment,
    GetPayment,
    CompletePayment,
    CancelPayment,
    CancelPaymentByIdempotencyKey,
    RefundPayment,
}

impl Operation {
    pub const ALL: [Self; 6] = [
        Self::CreatePayment,
        Self::GetPayment,
        Self::CompletePayment,
        Self::CancelPayment,
        Self::CancelPaymentByIdempotencyKey,
        Self::RefundPayment,
    ];

    /// Square's name of it, as [`Faults::operation`] takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CreatePayment => "CreatePayment",
            Self::GetPayment => "GetPayment",
            Self::CompletePayment => "CompletePayment",
            Self::CancelPayment => "CancelPayment",
            Self::CancelPaymentByIdempotencyKey => "CancelPaymentByIdempotencyKey",
            Self::RefundPayment => "RefundPayment",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == name)
    }
}

/// Faults to inject into the requests to Square's paths. JSON of
/// `POST /_double/faults`; every field may be left out.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Faults {
    /// The next N matching requests answer 500 and have no effect.
    #[serde(default)]
    pub fail_next: u32,
    /// Every matching request waits this long before it is handled.
    #[serde(default)]
    pub delay_ms: u64,
    /// The next N matching requests take effect, then their answer is lost.
    #[serde(default)]
    pub drop_next: u32,
    /// Which requests match: one [`Operation`] by name (e.g.
    /// `"CompletePayment"`); unset, every request to a Square path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// Matching requests answer 500 with no effect while the double's clock
    /// is before this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_until: Option<DateTime<Utc>>,
}

/// What becomes of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    None,
    Fail,
    Drop,
}

impl Faults {
    /// Faults aimed at one operation only.
    pub fn for_operation(operation: Operation) -> Self {
        Self {
            operation: Some(operation.as_str().to_string()),
            ..Self::default()
        }
    }

    /// Why these faults cannot be set, if they cannot.
    pub(crate) fn problem(&self) -> Option<String> {
        let name = self.operation.as_deref()?;
        Operation::parse(name).is_none().then(|| {
            let known: Vec<_> = Operation::ALL.iter().map(|o| o.as_str()).collect();
            format!("unknown operation {name:?}; one of {}", known.join(", "))
        })
    }

    fn matches(&self, operation: Option<Operation>) -> bool {
        match self.operation.as_deref() {
            None => true,
            Some(name) => operation.is_some_and(|o| o.as_str() == name),
        }
    }

    /// The delay and the fault for a request of `operation` (`None`: a path
    /// the double does not serve), counting it against the counters.
    pub(crate) fn take(
        &mut self,
        operation: Option<Operation>,
        now: DateTime<Utc>,
    ) -> (u64, Fault) {
        if !self.matches(operation) {
            return (0, Fault::None);
        }
        let fault = if self.fail_until.is_some_and(|until| now < until) {
            Fault::Fail
        } else if self.fail_next > 0 {
            self.fail_next -= 1;
            Fault::Fail
        } else if self.drop_next > 0 {
            self.drop_next -= 1;
            Fault::Drop
        } else {
            Fault::None
        };
        (self.delay_ms, fault)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use chrono::Duration;

    use super::*;

    #[test]
    fn unaimed_faults_hit_every_request_in_turn() {
        let now = chrono::DateTime::from_timestamp(1_900_000_000, 0).unwrap();
        let mut faults = Faults {
            fail_next: 1,
            drop_next: 1,
            delay_ms: 5,
            ..Faults::default()
        };
        assert_eq!(
            faults.take(Some(Operation::GetPayment), now),
            (5, Fault::Fail)
        );
        assert_eq!(faults.take(None, now), (5, Fault::Drop));
        assert_eq!(
            faults.take(Some(Operation::CreatePayment), now),
            (5, Fault::None)
        );
    }

    #[test]
    fn aimed_faults_spare_other_operations() {
        let now = chrono::DateTime::from_timestamp(1_900_000_000, 0).unwrap();
        let mut faults = Faults {
            fail_next: 1,
            delay_ms: 5,
            ..Faults::for_operation(Operation::CompletePayment)
        };
        assert_eq!(
            faults.take(Some(Operation::CreatePayment), now),
            (0, Fault::None)
        );
        assert_eq!(faults.take(None, now), (0, Fault::None));
        assert_eq!(
            faults.take(Some(Operation::CompletePayment), now),
            (5, Fault::Fail)
        );
        assert_eq!(
            faults.take(Some(Operation::CompletePayment), now),
            (5, Fault::None)
        );
    }

    #[test]
    fn fail_until_fails_until_the_clock_reaches_it() {
        let now = chrono::DateTime::from_timestamp(1_900_000_000, 0).unwrap();
        let mut faults = Faults {
            fail_until: Some(now + Duration::hours(1)),
            fail_next: 1,
            ..Faults::default()
        };
        assert_eq!(faults.take(None, now).1, Fault::Fail);
        assert_eq!(faults.fail_next, 1, "fail_until does not spend fail_next");
        assert_eq!(faults.take(None, now + Duration::hours(1)).1, Fault::Fail);
        assert_eq!(faults.take(None, now + Duration::hours(1)).1, Fault::None);
    }

    #[test]
    fn unknown_operations_are_refused_and_old_json_still_reads() {
        assert!(
            Faults::for_operation(Operation::RefundPayment)
                .problem()
                .is_none()
        );
        let typo = Faults {
            operation: Some("CompletePayments".into()),
            ..Faults::default()
        };
        assert!(typo.problem().unwrap().contains("CompletePayment"));
        let old: Faults = serde_json::from_str(r#"{"fail_next":2}"#).unwrap();
        assert_eq!(
            old,
            Faults {
                fail_next: 2,
                ..Faults::default()
            }
        );
    }
}
