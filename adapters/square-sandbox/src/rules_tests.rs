// Tests: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{Duration, TimeZone, Utc};

use super::*;
use crate::model::{IdempotencyKey, Money};
use crate::nonce::{DECLINING_NONCES, NONCE_OK};

const WINDOW: Duration = Duration::days(7);

fn stamp(minutes: i64) -> Stamp {
    Stamp {
        now: Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap() + Duration::minutes(minutes),
        id: format!("id-{minutes}"),
        version_token: format!("v-{minutes}"),
    }
}

fn key(k: &str) -> IdempotencyKey {
    IdempotencyKey::parse(k).unwrap()
}

fn create(k: &str, source: &str, amount: i64) -> CreatePayment {
    CreatePayment {
        autocomplete: false,
        reference_id: Some("SO-1".into()),
        ..CreatePayment::new(key(k), Money::new(amount, "USD"), source)
    }
}

fn made(decision: CreateDecision) -> (Option<Payment>, CreateRecord) {
    match decision {
        CreateDecision::Make { payment, record } => (payment, record),
        other => panic!("expected a new payment, got {other:?}"),
    }
}

fn approved(amount: i64) -> Payment {
    let (payment, _) =
        made(decide_create(&create("k", NONCE_OK, amount), None, &stamp(0), WINDOW).unwrap());
    payment.unwrap()
}

fn completed(amount: i64) -> Payment {
    complete(&approved(amount), &CompletePayment::default(), &stamp(1))
        .unwrap()
        .unwrap()
}

fn code<T: std::fmt::Debug>(result: Result<T, SquareFailure>) -> (u16, String) {
    let failure = result.unwrap_err();
    (failure.http_status, failure.code().unwrap().to_string())
}

#[test]
fn keys_are_one_to_45_characters() {
    assert!(IdempotencyKey::parse("k").is_ok());
    assert!(IdempotencyKey::parse("é".repeat(45)).is_ok());
    assert_eq!(
        IdempotencyKey::parse("").unwrap_err().code(),
        Some("VALUE_TOO_SHORT")
    );
    assert_eq!(
        IdempotencyKey::parse("x".repeat(46)).unwrap_err().code(),
        Some("VALUE_TOO_LONG")
    );
}

#[test]
fn the_ok_nonce_approves_until_the_window_ends() {
    let p = approved(1250);
    assert_eq!(p.status, PaymentStatus::Approved);
    assert_eq!(p.delayed_until, Some(stamp(0).now + WINDOW));
    assert_eq!((p.id.as_str(), p.version_token.as_str()), ("id-0", "v-0"));
    assert_eq!(
        (p.amount, p.currency.as_str(), p.completions),
        (1250, "USD", 0)
    );
}

#[test]
fn autocomplete_completes_at_once() {
    let request = CreatePayment::new(key("k"), Money::new(100, "USD"), NONCE_OK);
    let (payment, record) = made(decide_create(&request, None, &stamp(0), WINDOW).unwrap());
    let payment = payment.unwrap();
    assert_eq!(payment.status, PaymentStatus::Completed);
    assert_eq!((payment.completions, payment.delayed_until), (1, None));
    assert_eq!(create_answer(&record, Some(payment.clone())), Ok(payment));
}

#[test]
fn declining_nonces_record_a_failed_payment_and_their_decline() {
    for (nonce, decline, http) in DECLINING_NONCES {
        let (payment, record) =
            made(decide_create(&create("k", nonce, 500), None, &stamp(0), WINDOW).unwrap());
        let payment = payment.unwrap();
        assert_eq!(payment.status, PaymentStatus::Failed, "{nonce}");
        assert_eq!(payment.delayed_until, None);
        assert_eq!(record.payment_id.as_deref(), Some(payment.id.as_str()));
        let failure = create_answer(&record, Some(payment.clone())).unwrap_err();
        assert_eq!(failure.http_status, http);
        assert_eq!(failure.decline_code(), Some(decline));
        assert_eq!(failure.payment.as_deref(), Some(&payment));
    }
}

#[test]
fn other_sources_and_bad_money_make_no_payment() {
    for (request, expected) in [
        (create("k", "cnon:made-up", 500), "INVALID_CARD_DATA"),
        (create("k", "", 500), "INVALID_CARD_DATA"),
        (create("k", NONCE_OK, 0), "INVALID_VALUE"),
        (create("k", NONCE_OK, -5), "INVALID_VALUE"),
        (
            CreatePayment {
                amount_money: Money::new(5, "usd"),
                ..create("k", NONCE_OK, 5)
            },
            "INVALID_ENUM_VALUE",
        ),
    ] {
        let (payment, record) = made(decide_create(&request, None, &stamp(0), WINDOW).unwrap());
        assert_eq!(payment, None);
        assert_eq!(record.payment_id, None);
        assert_eq!(
            code(create_answer(&record, None)),
            (400, expected.to_string())
        );
    }
}

#[test]
fn a_known_key_replays_the_same_request_and_refuses_another() {
    let first = create("k", NONCE_OK, 1000);
    let (_, record) = made(decide_create(&first, None, &stamp(0), WINDOW).unwrap());
    assert_eq!(
        decide_create(&first, Some(record.clone()), &stamp(5), WINDOW),
        Ok(CreateDecision::Replay(record.clone()))
    );
    for other in [
        create("k", NONCE_OK, 1001),
        create("k", "cnon:card-nonce-declined", 1000),
        CreatePayment {
            autocomplete: true,
            ..first.clone()
        },
        CreatePayment {
            reference_id: Some("SO-2".into()),
            ..first.clone()
        },
    ] {
        assert_eq!(
            code(decide_create(
                &other,
                Some(record.clone()),
                &stamp(5),
                WINDOW
            )),
            (400, "IDEMPOTENCY_KEY_REUSED".to_string())
        );
    }
}

#[test]
fn a_record_naming_a_vanished_payment_is_an_internal_error() {
    let (_, record) =
        made(decide_create(&create("k", NONCE_OK, 1), None, &stamp(0), WINDOW).unwrap());
    assert_eq!(code(create_answer(&record, None)).0, 500);
}

#[test]
fn authorizations_lapse_when_their_window_ends() {
    let p = approved(100);
    let due = p.delayed_until.unwrap();
    let before = Stamp {
        now: due - Duration::seconds(1),
        ..stamp(9)
    };
    assert_eq!(lapsed(&p, &before), None);
    let at = Stamp {
        now: due,
        ..stamp(9)
    };
    let voided = lapsed(&p, &at).unwrap();
    assert_eq!(voided.status, PaymentStatus::Canceled);
    assert_eq!(voided.updated_at, due);
    assert_ne!(voided.version_token, p.version_token);
    let later = Stamp {
        now: due + WINDOW,
        ..stamp(9)
    };
    assert_eq!(lapsed(&completed(100), &later), None);
}

#[test]
fn complete_captures_an_approved_payment_once() {
    let p = approved(100);
    let done = complete(&p, &CompletePayment::default(), &stamp(1))
        .unwrap()
        .unwrap();
    assert_eq!(
        (done.status, done.completions),
        (PaymentStatus::Completed, 1)
    );
    assert_eq!(
        (done.updated_at, done.version_token.as_str()),
        (stamp(1).now, "v-1")
    );
    // Again, even with the token it replaced: unchanged.
    let stale = CompletePayment {
        version_token: Some(p.version_token.clone()),
    };
    assert_eq!(complete(&done, &stale, &stamp(2)), Ok(None));
}

#[test]
fn complete_checks_the_version_token() {
    let p = approved(100);
    let stale = CompletePayment {
        version_token: Some("old".into()),
    };
    assert_eq!(
        code(complete(&p, &stale, &stamp(1))),
        (400, "VERSION_MISMATCH".to_string())
    );
    let current = CompletePayment {
        version_token: Some(p.version_token.clone()),
    };
    assert!(complete(&p, &current, &stamp(1)).unwrap().is_some());
}

#[test]
fn canceled_and_failed_payments_cannot_be_completed() {
    let voided = cancel(&approved(100), &stamp(1)).unwrap().unwrap();
    assert_eq!(voided.status, PaymentStatus::Canceled);
    assert_eq!(
        code(complete(&voided, &CompletePayment::default(), &stamp(2))),
        (400, "BAD_REQUEST".to_string())
    );
    let (failed, _) = made(
        decide_create(
            &create("d", "cnon:card-nonce-declined", 1),
            None,
            &stamp(0),
            WINDOW,
        )
        .unwrap(),
    );
    assert_eq!(
        code(complete(
            &failed.unwrap(),
            &CompletePayment::default(),
            &stamp(2)
        )),
        (400, "BAD_REQUEST".to_string())
    );
}

#[test]
fn cancel_voids_approved_keeps_canceled_and_refuses_the_rest() {
    let voided = cancel(&approved(100), &stamp(1)).unwrap().unwrap();
    assert_eq!(cancel(&voided, &stamp(2)), Ok(None));
    assert_eq!(code(cancel(&completed(100), &stamp(2))).1, "BAD_REQUEST");
}

#[test]
fn cancel_by_key_tolerates_nothing_to_void() {
    assert_eq!(cancel_by_key(None, &stamp(1)), Ok(None));
    let voided = cancel_by_key(Some(&approved(100)), &stamp(1))
        .unwrap()
        .unwrap();
    assert_eq!(voided.status, PaymentStatus::Canceled);
    assert_eq!(cancel_by_key(Some(&voided), &stamp(2)), Ok(None));
    assert_eq!(
        code(cancel_by_key(Some(&completed(100)), &stamp(2))).1,
        "BAD_REQUEST"
    );
}

fn refund(k: &str, payment: &Payment, amount: i64) -> RefundPayment {
    RefundPayment {
        idempotency_key: key(k),
        payment_id: payment.id.clone(),
        amount_money: Money::new(amount, payment.currency.clone()),
    }
}

#[test]
fn refunds_take_from_a_completed_payment_up_to_its_amount() {
    let p = completed(1000);
    let RefundDecision::Make { payment, refund: r } =
        decide_refund(&refund("r1", &p, 400), None, Some(&p), &stamp(3)).unwrap()
    else {
        panic!("expected a refund");
    };
    assert_eq!((payment.refunded, payment.refundable()), (400, 600));
    assert_eq!((r.amount, r.payment_id.as_str()), (400, p.id.as_str()));
    assert_eq!(
        code(decide_refund(
            &refund("r2", &payment, 601),
            None,
            Some(&payment),
            &stamp(4)
        )),
        (400, "REFUND_AMOUNT_INVALID".to_string())
    );
    assert!(
        decide_refund(
            &refund("r2", &payment, 600),
            None,
            Some(&payment),
            &stamp(4)
        )
        .is_ok()
    );
}

#[test]
fn a_refund_key_replays_its_refund_and_refuses_another() {
    let p = completed(1000);
    let first = refund("r1", &p, 400);
    let RefundDecision::Make { refund: made, .. } =
        decide_refund(&first, None, Some(&p), &stamp(3)).unwrap()
    else {
        panic!("expected a refund");
    };
    assert_eq!(
        decide_refund(&first, Some(made.clone()), None, &stamp(4)),
        Ok(RefundDecision::Replay(made.clone()))
    );
    assert_eq!(
        code(decide_refund(
            &refund("r1", &p, 300),
            Some(made),
            None,
            &stamp(4)
        ))
        .1,
        "IDEMPOTENCY_KEY_REUSED"
    );
}

#[test]
fn refunds_need_a_completed_payment_in_its_currency() {
    let p = approved(1000);
    assert_eq!(
        code(decide_refund(
            &refund("r", &p, 1),
            None,
            Some(&p),
            &stamp(3)
        )),
        (400, "BAD_REQUEST".to_string())
    );
    assert_eq!(
        code(decide_refund(&refund("r", &p, 1), None, None, &stamp(3))),
        (404, "NOT_FOUND".to_string())
    );
    let done = completed(1000);
    let euros = RefundPayment {
        amount_money: Money::new(1, "EUR"),
        ..refund("r", &done, 1)
    };
    assert_eq!(
        code(decide_refund(&euros, None, Some(&done), &stamp(3))).1,
        "CURRENCY_MISMATCH"
    );
    assert_eq!(
        code(decide_refund(
            &refund("r", &done, 0),
            None,
            Some(&done),
            &stamp(3)
        ))
        .1,
        "INVALID_VALUE"
    );
}

#[test]
fn fingerprints_ignore_the_key_only() {
    let a = create("k1", NONCE_OK, 100);
    let b = create("k2", NONCE_OK, 100);
    assert_eq!(a.fingerprint(), b.fingerprint());
    assert_eq!(a.fingerprint().len(), 64);
    assert_ne!(a.fingerprint(), create("k1", NONCE_OK, 101).fingerprint());
    // Fields never run into each other.
    let split = |reference: &str, email: &str| CreatePayment {
        reference_id: Some(reference.into()),
        buyer_email_address: Some(email.into()),
        ..create("k", NONCE_OK, 100)
    };
    assert_ne!(
        split("ab", "c").fingerprint(),
        split("a", "bc").fingerprint()
    );
    let absent = CreatePayment {
        location_id: None,
        ..create("k", NONCE_OK, 100)
    };
    let empty = CreatePayment {
        location_id: Some(String::new()),
        ..create("k", NONCE_OK, 100)
    };
    assert_ne!(absent.fingerprint(), empty.fingerprint());
}
