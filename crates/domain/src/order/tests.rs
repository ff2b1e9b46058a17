use super::*;
use crate::ids::UserId;
use OrderStatus::*;

/// The lifecycle, written out: pending_payment -> authorized -> paid ->
/// fulfilled, with payment_failed, canceled and refunded; an order with
/// nothing to charge goes from pending_payment to paid.
const ALLOWED: [(OrderStatus, OrderStatus); 10] = [
    (PendingPayment, Authorized),
    (PendingPayment, Paid),
    (PendingPayment, PaymentFailed),
    (PendingPayment, Canceled),
    (Authorized, Paid),
    (Authorized, PaymentFailed),
    (Authorized, Canceled),
    (Paid, Fulfilled),
    (Paid, Refunded),
    (Fulfilled, Refunded),
];

#[test]
fn can_become_every_pair() {
    let mut checked = 0;
    for from in OrderStatus::ALL {
        for to in OrderStatus::ALL {
            let expected = ALLOWED.contains(&(from, to));
            assert_eq!(
                from.can_become(to),
                expected,
                "{} -> {}",
                from.as_str(),
                to.as_str()
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 49);
}

#[test]
fn no_status_becomes_itself_and_final_states_stay_final() {
    for s in OrderStatus::ALL {
        assert!(!s.can_become(s), "{s:?}");
    }
    for terminal in [PaymentFailed, Canceled, Refunded] {
        assert!(
            OrderStatus::ALL.iter().all(|n| !terminal.can_become(*n)),
            "{terminal:?}"
        );
    }
    // Nothing leads back to pending_payment.
    assert!(
        OrderStatus::ALL
            .iter()
            .all(|s| !s.can_become(PendingPayment))
    );
}

#[test]
fn every_status_is_reachable_from_pending_payment() {
    let mut reached = vec![PendingPayment];
    let mut i = 0;
    while i < reached.len() {
        let from = reached[i];
        for to in OrderStatus::ALL {
            if from.can_become(to) && !reached.contains(&to) {
                reached.push(to);
            }
        }
        i += 1;
    }
    assert_eq!(reached.len(), OrderStatus::ALL.len());
}

#[test]
fn open_states_hold_stock_and_can_be_canceled() {
    for s in OrderStatus::ALL {
        assert_eq!(
            s.is_open(),
            matches!(s, PendingPayment | Authorized),
            "{s:?}"
        );
        assert_eq!(s.is_open(), s.can_become(Canceled), "{s:?}");
    }
}

#[test]
fn status_words_round_trip() {
    let words: Vec<_> = OrderStatus::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(
        words,
        [
            "pending_payment",
            "authorized",
            "paid",
            "fulfilled",
            "payment_failed",
            "canceled",
            "refunded"
        ]
    );
    for s in OrderStatus::ALL {
        assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
    }
    assert_eq!(OrderStatus::parse("PAID"), None);
    assert_eq!(OrderStatus::parse(""), None);
}

#[test]
fn actor_labels() {
    assert_eq!(Actor::User(UserId::new("u7")).label(), "user:u7");
    assert_eq!(Actor::System.label(), "system");
    assert_eq!(Actor::PaymentProvider.label(), "square");
}

#[test]
fn an_order_is_tax_exempt_when_it_carries_an_exemption() {
    let mut o = crate::test_support::order(Paid);
    assert!(!o.is_tax_exempt());
    o.tax_exemption = Some(crate::test_support::exemption());
    assert!(o.is_tax_exempt());
}

#[test]
fn every_change_goes_through_the_lifecycle() {
    let o = crate::test_support::order(Authorized);
    let at = crate::test_support::t0();
    for to in OrderStatus::ALL {
        let change = o.change_to(to, Actor::System, at, Some("why".into()));
        if Authorized.can_become(to) {
            let change = change.unwrap();
            assert_eq!((change.from(), change.to()), (Authorized, to));
            assert_eq!(change.entry().note.as_deref(), Some("why"));
            assert_eq!(change.effects(), &TransitionEffects::default());
        } else {
            assert_eq!(
                change,
                Err(crate::DomainError::InvalidOrderState {
                    current: "authorized".into(),
                    action: to.verb(),
                })
            );
        }
    }
}

#[test]
fn payment_words_round_trip() {
    for state in PaymentState::ALL {
        assert_eq!(PaymentState::parse(state.as_str()), Some(state));
    }
    for provider in PaymentProvider::ALL {
        assert_eq!(PaymentProvider::parse(provider.as_str()), Some(provider));
    }
    assert_eq!(PaymentState::NotRequired.as_str(), "NOT_REQUIRED");
    assert_eq!(PaymentProvider::None.as_str(), "none");
    assert_eq!(PaymentState::parse("approved"), None);
    assert_eq!(
        Actor::parse("user:u7"),
        Some(Actor::User(UserId::new("u7")))
    );
    assert_eq!(Actor::parse("square"), Some(Actor::PaymentProvider));
    assert_eq!(Actor::parse("user:"), None);
    assert_eq!(Actor::parse("robot"), None);
}
