use futures::executor::block_on;
use rust_decimal_macros::dec;

use super::*;
use crate::account::Role;
use crate::test_support::{Mocks, TestClock, principal, settings, t0};

fn rate(country: &str, region: &str, rate: rust_decimal::Decimal) -> TaxRate {
    TaxRate {
        country: country.into(),
        region: region.into(),
        rate,
    }
}

#[test]
fn the_tax_table_is_validated_as_a_whole_before_it_replaces_the_old_one() {
    // No replace_all is expected: the mock fails the test if it is called.
    let svc = PricingService::new(Mocks::default().ports(TestClock::at(t0())), settings());
    let admin = principal("a1", Role::Admin);
    let r = block_on(svc.replace_tax_rates(
        &admin,
        &[
            rate("US", "CA", dec!(0.0725)),
            rate(" us ", "ca", dec!(0.08)),
            rate("DE", "", dec!(1.5)),
        ],
    ));
    match r {
        Err(DomainError::Validation(errs)) => {
            let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
            assert_eq!(fields, ["items[1]", "items[2].rate"]);
        }
        other => panic!("{other:?}"),
    }
    let too_many: Vec<_> = (0..1001)
        .map(|i| rate("US", &format!("R{i}"), dec!(0.01)))
        .collect();
    assert!(matches!(
        block_on(svc.replace_tax_rates(&admin, &too_many)),
        Err(DomainError::Validation(_))
    ));
    assert_eq!(
        block_on(svc.replace_tax_rates(&principal("c1", Role::Customer), &[])),
        Err(DomainError::Forbidden)
    );
}

#[test]
fn a_valid_table_is_stored_normalised() {
    let mut m = Mocks::default();
    m.tax_rates.expect_list().returning(|| Ok(vec![]));
    m.tax_rates
        .expect_replace_all()
        .withf(|rates, audit| {
            rates == [rate("US", "CA", dec!(0.0725)), rate("US", "", dec!(0.05))]
                && audit.len() == 1
                && audit[0].action == crate::audit::AuditAction::TaxRatesReplace
        })
        .times(1)
        .returning(|_, _| Ok(()));
    let svc = PricingService::new(m.ports(TestClock::at(t0())), settings());
    let stored = block_on(svc.replace_tax_rates(
        &principal("a1", Role::Admin),
        &[
            rate("us", " ca ", dec!(0.07250)),
            rate("US", "", dec!(0.05)),
        ],
    ))
    .unwrap();
    assert_eq!(stored.len(), 2);
}

#[test]
fn an_unknown_promotion_code_is_refused_and_a_blank_one_ignored() {
    let mut m = Mocks::default();
    m.promotions
        .expect_get_by_code()
        .withf(|code| code == "NOPE")
        .returning(|_| Ok(None));
    let svc = PricingService::new(m.ports(TestClock::at(t0())), settings());
    assert_eq!(
        block_on(svc.promotion(Some(" nope "))),
        Err(DomainError::InvalidPromotion("unknown code".into()))
    );
    assert_eq!(block_on(svc.promotion(Some("   "))), Ok(None));
    assert_eq!(block_on(svc.promotion(None)), Ok(None));
}

#[test]
fn promotions_are_created_normalised_by_admins_only() {
    let mut m = Mocks::default();
    m.promotions
        .expect_insert()
        .withf(|p, audit| {
            p.code == "SPRING" && p.uses == 0 && p.created_at == t0() && audit.len() == 1
        })
        .times(1)
        .returning(|_, _| Ok(()));
    let svc = PricingService::new(m.ports(TestClock::at(t0())), settings());
    let new = NewPromotion {
        code: " spring ".into(),
        kind: super::super::PromotionKind::Fixed,
        value: dec!(5),
        min_subtotal: None,
        starts_at: None,
        ends_at: None,
        max_uses: None,
    };
    assert_eq!(
        block_on(svc.create_promotion(&principal("c1", Role::Customer), &new)),
        Err(DomainError::Forbidden)
    );
    let p = block_on(svc.create_promotion(&principal("a1", Role::Admin), &new)).unwrap();
    assert_eq!(p.code, "SPRING");
}
