use chrono::{NaiveDate, TimeZone, Utc};

use super::*;
use crate::error::Validator;
use crate::ids::UserId;
use crate::{DomainError, FieldError};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn today() -> NaiveDate {
    day(2025, 6, 15)
}

fn address() -> Address {
    Address {
        line1: " 1 Main St ".into(),
        line2: Some("  ".into()),
        city: " Springfield ".into(),
        region: " ca ".into(),
        postal_code: " 90210 ".into(),
        country: " us ".into(),
    }
}

fn certificate(expires_on: NaiveDate) -> ExemptionCertificate {
    ExemptionCertificate {
        number: " EX-1 ".into(),
        region: " ca ".into(),
        expires_on,
    }
}

fn submission() -> ProfileSubmission {
    ProfileSubmission {
        legal_name: " Acme Ltd ".into(),
        tax_id: " 12-345 ".into(),
        phone: " +1 (555) 010-0000 ".into(),
        address: address(),
        tax_exempt_requested: true,
        exemption_certificate: Some(certificate(day(2026, 1, 1))),
    }
}

fn fields(result: Result<ProfileSubmission, DomainError>) -> Vec<String> {
    match result {
        Err(DomainError::Validation(errs)) => errs.into_iter().map(|e| e.field).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn address_fields(a: &Address) -> Vec<FieldError> {
    let mut v = Validator::new();
    a.validated("ship_to", &mut v);
    match v.finish() {
        Ok(()) => Vec::new(),
        Err(DomainError::Validation(errs)) => errs,
        Err(other) => panic!("unexpected {other:?}"),
    }
}

fn address_error_fields(a: &Address) -> Vec<String> {
    address_fields(a).into_iter().map(|e| e.field).collect()
}

#[test]
fn address_is_trimmed_and_normalised() {
    let mut v = Validator::new();
    let a = address().validated("address", &mut v);
    assert!(v.finish().is_ok());
    assert_eq!(
        a,
        Address {
            line1: "1 Main St".into(),
            line2: None,
            city: "Springfield".into(),
            region: "CA".into(),
            postal_code: "90210".into(),
            country: "US".into(),
        }
    );
}

#[test]
fn address_optional_fields_may_be_empty() {
    let a = Address {
        line2: None,
        region: String::new(),
        postal_code: String::new(),
        ..address()
    };
    assert!(address_fields(&a).is_empty());
    let a = Address {
        line2: Some(" Suite 5 ".into()),
        ..address()
    };
    let mut v = Validator::new();
    assert_eq!(a.validated("x", &mut v).line2.as_deref(), Some("Suite 5"));
}

#[test]
fn address_checks_every_field_under_its_prefix() {
    let cases: Vec<(Address, &str)> = vec![
        (
            Address {
                line1: " ".into(),
                ..address()
            },
            "ship_to.line1",
        ),
        (
            Address {
                line1: "x".repeat(201),
                ..address()
            },
            "ship_to.line1",
        ),
        (
            Address {
                line1: "1 Main\nSt".into(),
                ..address()
            },
            "ship_to.line1",
        ),
        (
            Address {
                line2: Some("x".repeat(201)),
                ..address()
            },
            "ship_to.line2",
        ),
        (
            Address {
                line2: Some("a\rb".into()),
                ..address()
            },
            "ship_to.line2",
        ),
        (
            Address {
                city: String::new(),
                ..address()
            },
            "ship_to.city",
        ),
        (
            Address {
                city: "c".repeat(101),
                ..address()
            },
            "ship_to.city",
        ),
        (
            Address {
                region: "r".repeat(101),
                ..address()
            },
            "ship_to.region",
        ),
        (
            Address {
                postal_code: "9".repeat(21),
                ..address()
            },
            "ship_to.postal_code",
        ),
        (
            Address {
                postal_code: "90\t210".into(),
                ..address()
            },
            "ship_to.postal_code",
        ),
        (
            Address {
                country: "USA".into(),
                ..address()
            },
            "ship_to.country",
        ),
        (
            Address {
                country: "U".into(),
                ..address()
            },
            "ship_to.country",
        ),
        (
            Address {
                country: "U1".into(),
                ..address()
            },
            "ship_to.country",
        ),
        (
            Address {
                country: String::new(),
                ..address()
            },
            "ship_to.country",
        ),
        (
            Address {
                country: "ÜS".into(),
                ..address()
            },
            "ship_to.country",
        ),
    ];
    for (a, field) in cases {
        assert_eq!(address_error_fields(&a), vec![field.to_string()], "{a:?}");
    }
    // Bounds are inclusive.
    let a = Address {
        line1: "x".repeat(200),
        city: "c".repeat(100),
        region: "r".repeat(100),
        postal_code: "9".repeat(20),
        ..address()
    };
    assert!(address_fields(&a).is_empty());
}

#[test]
fn a_valid_submission_is_normalised() {
    let s = submission().validated(today()).expect("valid");
    assert_eq!(s.legal_name, "Acme Ltd");
    assert_eq!(s.tax_id, "12-345");
    assert_eq!(s.phone, "+1 (555) 010-0000");
    assert_eq!(s.address.country, "US");
    assert_eq!(s.address.region, "CA");
    let c = s.exemption_certificate.expect("certificate");
    assert_eq!(c.number, "EX-1");
    assert_eq!(c.region, "CA");
    assert!(s.tax_exempt_requested);
}

#[test]
fn submission_checks_each_field() {
    let cases: Vec<(ProfileSubmission, &str)> = vec![
        (
            ProfileSubmission {
                legal_name: "  ".into(),
                ..submission()
            },
            "legal_name",
        ),
        (
            ProfileSubmission {
                legal_name: "l".repeat(201),
                ..submission()
            },
            "legal_name",
        ),
        (
            ProfileSubmission {
                legal_name: "Acme\nBcc".into(),
                ..submission()
            },
            "legal_name",
        ),
        (
            ProfileSubmission {
                tax_id: String::new(),
                ..submission()
            },
            "tax_id",
        ),
        (
            ProfileSubmission {
                tax_id: "t".repeat(51),
                ..submission()
            },
            "tax_id",
        ),
        (
            ProfileSubmission {
                phone: String::new(),
                ..submission()
            },
            "phone",
        ),
        (
            ProfileSubmission {
                phone: "call me".into(),
                ..submission()
            },
            "phone",
        ),
        (
            ProfileSubmission {
                phone: "5".repeat(41),
                ..submission()
            },
            "phone",
        ),
        (
            ProfileSubmission {
                address: Address {
                    city: String::new(),
                    ..address()
                },
                ..submission()
            },
            "address.city",
        ),
        (
            ProfileSubmission {
                exemption_certificate: Some(ExemptionCertificate {
                    number: " ".into(),
                    ..certificate(day(2026, 1, 1))
                }),
                ..submission()
            },
            "exemption_certificate.number",
        ),
        (
            ProfileSubmission {
                exemption_certificate: Some(ExemptionCertificate {
                    region: String::new(),
                    ..certificate(day(2026, 1, 1))
                }),
                ..submission()
            },
            "exemption_certificate.region",
        ),
    ];
    for (s, field) in cases {
        assert_eq!(
            fields(s.validated(today())),
            vec![field.to_string()],
            "{s:?}"
        );
    }
    // Upper bounds are inclusive.
    let s = ProfileSubmission {
        legal_name: "l".repeat(200),
        tax_id: "t".repeat(50),
        phone: "5".repeat(40),
        ..submission()
    };
    assert!(s.validated(today()).is_ok());
}

#[test]
fn submission_reports_all_problems_at_once() {
    let s = ProfileSubmission {
        legal_name: String::new(),
        tax_id: String::new(),
        phone: "x".into(),
        address: Address {
            country: "usa".into(),
            ..address()
        },
        tax_exempt_requested: true,
        exemption_certificate: None,
    };
    let got = fields(s.validated(today()));
    for f in [
        "legal_name",
        "tax_id",
        "phone",
        "address.country",
        "exemption_certificate",
    ] {
        assert!(got.contains(&f.to_string()), "{f} missing from {got:?}");
    }
}

#[test]
fn tax_exemption_requested_without_certificate_is_refused() {
    let s = ProfileSubmission {
        exemption_certificate: None,
        ..submission()
    };
    match s.validated(today()) {
        Err(DomainError::Validation(errs)) => assert_eq!(
            errs,
            vec![FieldError::new(
                "exemption_certificate",
                "is required when tax exemption is requested"
            )]
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn no_exemption_requested_needs_no_certificate() {
    let s = ProfileSubmission {
        tax_exempt_requested: false,
        exemption_certificate: None,
        ..submission()
    };
    let v = s.validated(today()).expect("valid");
    assert!(!v.tax_exempt_requested);
    assert!(v.exemption_certificate.is_none());
}

#[test]
fn expired_certificate_is_refused_but_one_expiring_today_is_accepted() {
    let expired = ProfileSubmission {
        exemption_certificate: Some(certificate(day(2025, 6, 14))),
        ..submission()
    };
    assert_eq!(
        fields(expired.validated(today())),
        vec!["exemption_certificate.expires_on".to_string()]
    );
    let last_day = ProfileSubmission {
        exemption_certificate: Some(certificate(today())),
        ..submission()
    };
    assert!(last_day.validated(today()).is_ok());
    // Expired is refused even when no exemption is requested.
    let unrequested = ProfileSubmission {
        tax_exempt_requested: false,
        ..expired
    };
    assert_eq!(
        fields(unrequested.validated(today())),
        vec!["exemption_certificate.expires_on".to_string()]
    );
}

fn profile(
    status: BusinessStatus,
    granted: bool,
    cert: Option<ExemptionCertificate>,
) -> BusinessProfile {
    BusinessProfile {
        user_id: UserId::new("u1"),
        status,
        legal_name: "Acme Ltd".into(),
        tax_id: "12-345".into(),
        phone: "555".into(),
        address: address(),
        tax_exempt_requested: true,
        exemption_certificate: cert,
        tax_exempt_granted: granted,
        rejection_reason: None,
        reviewed_at: Some(Utc.with_ymd_and_hms(2025, 6, 1, 0, 0, 0).unwrap()),
        reviewed_by: Some(UserId::new("admin-1")),
        submitted_at: Utc.with_ymd_and_hms(2025, 5, 30, 0, 0, 0).unwrap(),
    }
}

fn valid_cert() -> ExemptionCertificate {
    ExemptionCertificate {
        number: "EX-1".into(),
        region: "CA".into(),
        expires_on: day(2025, 12, 31),
    }
}

#[test]
fn exemption_applies_when_approved_granted_and_valid() {
    let p = profile(BusinessStatus::Approved, true, Some(valid_cert()));
    assert_eq!(
        p.exemption_on(today()),
        Some(TaxExemption {
            certificate_number: "EX-1".into(),
            region: "CA".into(),
            expires_on: day(2025, 12, 31),
            approved_by: Some(UserId::new("admin-1")),
        })
    );
}

#[test]
fn exemption_expiry_date_is_inclusive() {
    let p = profile(BusinessStatus::Approved, true, Some(valid_cert()));
    assert!(p.exemption_on(day(2025, 12, 31)).is_some());
    assert!(p.exemption_on(day(2026, 1, 1)).is_none());
}

#[test]
fn exemption_needs_approval_grant_and_certificate() {
    for status in [
        BusinessStatus::None,
        BusinessStatus::Pending,
        BusinessStatus::Rejected,
    ] {
        let p = profile(status, true, Some(valid_cert()));
        assert!(p.exemption_on(today()).is_none(), "{status:?}");
    }
    let not_granted = profile(BusinessStatus::Approved, false, Some(valid_cert()));
    assert!(not_granted.exemption_on(today()).is_none());
    let no_cert = profile(BusinessStatus::Approved, true, None);
    assert!(no_cert.exemption_on(today()).is_none());
}

#[test]
fn needs_profile_while_none_or_rejected() {
    assert!(BusinessStatus::None.needs_profile());
    assert!(BusinessStatus::Rejected.needs_profile());
    assert!(!BusinessStatus::Pending.needs_profile());
    assert!(!BusinessStatus::Approved.needs_profile());
}

#[test]
fn status_words_round_trip() {
    for s in [
        BusinessStatus::None,
        BusinessStatus::Pending,
        BusinessStatus::Approved,
        BusinessStatus::Rejected,
    ] {
        assert_eq!(BusinessStatus::parse(s.as_str()), Some(s));
    }
    assert_eq!(BusinessStatus::parse("APPROVED"), None);
}
