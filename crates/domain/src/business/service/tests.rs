//! Business review with mocked stores.

use std::sync::{Arc, Mutex};

use chrono::{Duration, NaiveDate};
use futures::executor::block_on;

use super::*;
use crate::account::Role;
use crate::business::{Address, ExemptionCertificate};
use crate::test_support::{Mocks, TestClock, address, principal, settings, t0, user};

fn admin() -> Principal {
    principal("admin-1", Role::Admin)
}

fn stored(status: BusinessStatus, cert_expires: Option<NaiveDate>) -> BusinessProfile {
    BusinessProfile {
        user_id: UserId::new("u1"),
        status,
        legal_name: "Acme Ltd".into(),
        tax_id: "1".into(),
        phone: "555".into(),
        address: address(),
        tax_exempt_requested: cert_expires.is_some(),
        exemption_certificate: cert_expires.map(|d| ExemptionCertificate {
            number: "EX-1".into(),
            region: "CA".into(),
            expires_on: d,
        }),
        tax_exempt_granted: false,
        rejection_reason: None,
        reviewed_at: None,
        reviewed_by: None,
        submitted_at: t0(),
    }
}

type Mails = Arc<Mutex<Vec<crate::mail::MailMessage>>>;

/// A profile store over one profile, recording the mails each put carries.
fn profile_store(m: &mut Mocks, profile: BusinessProfile) -> Arc<Mutex<BusinessProfile>> {
    profile_store_with_mails(m, profile).0
}

fn profile_store_with_mails(
    m: &mut Mocks,
    profile: BusinessProfile,
) -> (Arc<Mutex<BusinessProfile>>, Mails) {
    let cell = Arc::new(Mutex::new(profile));
    let mails: Mails = Arc::default();
    let c = cell.clone();
    m.profiles
        .expect_get()
        .returning(move |_| Ok(Some(c.lock().unwrap().clone())));
    let c = cell.clone();
    let recorded = mails.clone();
    m.profiles.expect_put().returning(move |p, mails, _audit| {
        *c.lock().unwrap() = p.clone();
        recorded.lock().unwrap().extend(mails.iter().cloned());
        Ok(())
    });
    (cell, mails)
}

fn service(m: Mocks) -> BusinessService {
    BusinessService::new(m.ports(TestClock::at(t0())), settings())
}

fn today() -> NaiveDate {
    t0().date_naive()
}

#[test]
fn approval_is_stored_with_its_mail_to_the_owner() {
    let mut m = Mocks::default();
    let (cell, mails) =
        profile_store_with_mails(&mut m, stored(BusinessStatus::Pending, Some(today())));
    m.accounts
        .expect_get()
        .returning(|_| Ok(Some(user("u1", "ann@example.com", Role::Customer))));
    let svc = service(m);
    let p = block_on(svc.approve(&admin(), &UserId::new("u1"), true)).unwrap();
    assert_eq!(p.status, BusinessStatus::Approved);
    assert!(p.tax_exempt_granted);
    assert_eq!(p.reviewed_by, Some(UserId::new("admin-1")));
    assert_eq!(p.reviewed_at, Some(t0()));
    assert_eq!(*cell.lock().unwrap(), p);
    let mails = mails.lock().unwrap().clone();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to.as_str(), "ann@example.com");
    assert!(mails[0].subject.contains("approved"));
    // A certificate expiring today still exempts today's orders.
    assert!(p.exemption_on(today()).is_some());
}

#[test]
fn exemption_is_granted_only_with_a_certificate_valid_today() {
    for cert in [None, Some(today() - Duration::days(1))] {
        let mut m = Mocks::default();
        let cell = profile_store(&mut m, stored(BusinessStatus::Pending, cert));
        let svc = service(m);
        let r = block_on(svc.approve(&admin(), &UserId::new("u1"), true));
        assert!(matches!(r, Err(DomainError::Validation(_))), "{cert:?}");
        assert_eq!(cell.lock().unwrap().status, BusinessStatus::Pending);
    }
}

#[test]
fn only_pending_profiles_are_reviewed() {
    for status in [
        BusinessStatus::Approved,
        BusinessStatus::Rejected,
        BusinessStatus::None,
    ] {
        let mut m = Mocks::default();
        profile_store(&mut m, stored(status, None));
        let svc = service(m);
        assert!(matches!(
            block_on(svc.approve(&admin(), &UserId::new("u1"), false)),
            Err(DomainError::InvalidState(_))
        ));
        assert!(matches!(
            block_on(svc.reject(&admin(), &UserId::new("u1"), "no")),
            Err(DomainError::InvalidState(_))
        ));
    }
    let mut m = Mocks::default();
    m.profiles.expect_get().returning(|_| Ok(None));
    let svc = service(m);
    assert_eq!(
        block_on(svc.approve(&admin(), &UserId::new("u1"), false)),
        Err(DomainError::NotFound("business profile"))
    );
}

#[test]
fn rejection_needs_a_reason_and_mails_it() {
    let svc = service(Mocks::default());
    for reason in ["", "   ", &"r".repeat(1001)] {
        assert!(matches!(
            block_on(svc.reject(&admin(), &UserId::new("u1"), reason)),
            Err(DomainError::Validation(_))
        ));
    }
    let mut m = Mocks::default();
    let (_, mails) = profile_store_with_mails(&mut m, stored(BusinessStatus::Pending, None));
    m.accounts
        .expect_get()
        .returning(|_| Ok(Some(user("u1", "ann@example.com", Role::Customer))));
    let svc = service(m);
    let p = block_on(svc.reject(&admin(), &UserId::new("u1"), "  Tax id unreadable ")).unwrap();
    assert_eq!(p.status, BusinessStatus::Rejected);
    assert_eq!(p.rejection_reason.as_deref(), Some("Tax id unreadable"));
    assert!(!p.tax_exempt_granted);
    let mails = mails.lock().unwrap().clone();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].text.contains("Reason: Tax id unreadable"));
}

#[test]
fn customers_cannot_review() {
    let svc = service(Mocks::default());
    let c = principal("u2", Role::Customer);
    assert_eq!(
        block_on(svc.approve(&c, &UserId::new("u1"), false)),
        Err(DomainError::Forbidden)
    );
    assert_eq!(
        block_on(svc.reject(&c, &UserId::new("u1"), "x")),
        Err(DomainError::Forbidden)
    );
}

#[test]
fn an_edit_after_approval_needs_a_new_review() {
    let mut m = Mocks::default();
    let mut approved = stored(BusinessStatus::Approved, Some(today() + Duration::days(30)));
    approved.tax_exempt_granted = true;
    approved.reviewed_by = Some(UserId::new("admin-1"));
    let cell = profile_store(&mut m, approved);
    let svc = service(m);
    let submission = ProfileSubmission {
        legal_name: "Acme Holdings".into(),
        tax_id: "1".into(),
        phone: "555".into(),
        address: Address { ..address() },
        tax_exempt_requested: true,
        exemption_certificate: Some(ExemptionCertificate {
            number: "EX-2".into(),
            region: "CA".into(),
            expires_on: today() + Duration::days(30),
        }),
    };
    let p = block_on(svc.submit(&principal("u1", Role::Customer), &submission)).unwrap();
    assert_eq!(p.status, BusinessStatus::Pending);
    assert!(!p.tax_exempt_granted);
    assert_eq!(p.reviewed_by, None);
    assert_eq!(p.exemption_on(today()), None);
    assert_eq!(cell.lock().unwrap().legal_name, "Acme Holdings");
}
