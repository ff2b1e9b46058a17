//! `QuoteStore`, `PromotionStore` and `TaxRateStore`.

use rust_decimal::Decimal;
use shop_domain::DomainError;
use shop_domain::business::TaxExemption;
use shop_domain::ids::{QuoteId, UserId};
use shop_domain::pricing::{Promotion, PromotionKind, Quote, TaxRate};

use crate::Stores;
use crate::fixtures::{at, customer, dollars, new_id, product, promotion, quote, unique};

pub async fn quotes_round_trip(s: Stores) {
    let u = customer();
    s.accounts.insert(&u).await.unwrap();
    let a = product(&unique("QA-"), "Lamp", 5);
    let b = product(&unique("QB-"), "Shade", 5);
    s.catalog.insert_product(&a, None, &[]).await.unwrap();
    s.catalog.insert_product(&b, None, &[]).await.unwrap();
    let plain = quote(&u.id, &[(&a, 2), (&b, 1)]);
    s.quotes.insert(&plain).await.unwrap();
    assert_eq!(s.quotes.get(&plain.id).await.unwrap(), Some(plain.clone()));
    let mut rich = Quote {
        id: QuoteId::new(new_id()),
        promo_code: Some("SAVE10".into()),
        discount_total: dollars(300),
        tax_total: dollars(0),
        shipping_total: dollars(499),
        total: plain.subtotal - dollars(300) + dollars(499),
        tax_exemption: Some(TaxExemption {
            certificate_number: "EX-9".into(),
            region: "CA".into(),
            expires_on: chrono::NaiveDate::from_ymd_opt(2031, 6, 30).unwrap(),
            approved_by: Some(UserId::new(new_id())),
        }),
        ..plain.clone()
    };
    rich.ship_to.line2 = Some("Suite 5".into());
    rich.lines[0].discount = dollars(200);
    rich.lines[0].total = rich.lines[0].subtotal - dollars(200);
    rich.lines[1].discount = dollars(100);
    rich.lines[1].total = rich.lines[1].subtotal - dollars(100);
    s.quotes.insert(&rich).await.unwrap();
    assert_eq!(s.quotes.get(&rich.id).await.unwrap(), Some(rich));
    assert_eq!(s.quotes.get(&QuoteId::new(new_id())).await.unwrap(), None);
}

/// Codes are stored upper-case and looked up case-insensitively and trimmed.
pub async fn promotions_round_trip_and_code_is_unique(s: Stores) {
    let code = unique("SAVE").to_uppercase();
    let full = Promotion {
        kind: PromotionKind::Fixed,
        value: dollars(500),
        min_subtotal: Some(dollars(2000)),
        starts_at: Some(at(0)),
        ends_at: Some(at(86_400)),
        max_uses: Some(100),
        uses: 3,
        ..promotion(&code, None)
    };
    s.promotions.insert(&full, &[]).await.unwrap();
    assert_eq!(
        s.promotions.get_by_code(&code).await.unwrap(),
        Some(full.clone())
    );
    assert_eq!(
        s.promotions
            .get_by_code(&format!(" {} ", code.to_lowercase()))
            .await
            .unwrap(),
        Some(full.clone())
    );
    assert_eq!(
        s.promotions.get_by_code("NO-SUCH-CODE").await.unwrap(),
        None
    );
    let twin = promotion(&code.to_lowercase(), Some(1));
    assert!(
        matches!(
            s.promotions.insert(&twin, &[]).await,
            Err(DomainError::AlreadyExists(_))
        ),
        "a taken code must be refused"
    );
    assert_eq!(s.promotions.list().await.unwrap(), vec![full]);
}

pub async fn promotions_list_newest_first(s: Stores) {
    let mut inserted = Vec::new();
    for _ in 0..5 {
        let p = promotion(&unique("P").to_uppercase(), Some(10));
        s.promotions.insert(&p, &[]).await.unwrap();
        inserted.push(p);
    }
    inserted.reverse();
    assert_eq!(s.promotions.list().await.unwrap(), inserted);
}

fn rate(country: &str, region: &str, rate: Decimal) -> TaxRate {
    TaxRate {
        country: country.into(),
        region: region.into(),
        rate,
    }
}

fn sorted(mut rates: Vec<TaxRate>) -> Vec<TaxRate> {
    rates.sort_by(|a, b| (&a.country, &a.region).cmp(&(&b.country, &b.region)));
    rates
}

pub async fn tax_rates_are_replaced_as_a_whole(s: Stores) {
    assert!(s.tax_rates.list().await.unwrap().is_empty());
    let first = vec![
        rate("US", "CA", Decimal::new(725, 4)),
        rate("US", "", Decimal::new(5, 2)),
        rate("DE", "", Decimal::new(19, 2)),
    ];
    s.tax_rates.replace_all(&first, &[]).await.unwrap();
    assert_eq!(sorted(s.tax_rates.list().await.unwrap()), sorted(first));
    let second = vec![rate("US", "NY", Decimal::new(4, 2))];
    s.tax_rates.replace_all(&second, &[]).await.unwrap();
    assert_eq!(s.tax_rates.list().await.unwrap(), second);
    s.tax_rates.replace_all(&[], &[]).await.unwrap();
    assert!(s.tax_rates.list().await.unwrap().is_empty());
}
