//! `AuditLog`, and the audit entries the store writes take with their change:
//! committed with it, never without it.

use shop_domain::DomainError;
use shop_domain::audit::{AuditAction, AuditEntry, AuditFilter, FieldChange, RequestOrigin};
use shop_domain::catalog::{StockMovement, StockMovementKind};
use shop_domain::ids::{AuditEntryId, StockMovementId, UserId};
use shop_domain::order::Actor;

use super::assert_unique;
use crate::fixtures::{at, category, new_id, product, promotion, unique};
use crate::{Stores, flatten_pages};

fn entry(actor: &UserId, action: AuditAction, target: &str) -> AuditEntry {
    entry_on(actor, action, "product", target)
}

/// An entry of `actor` doing `action` to the `target_type` `target`, with
/// one field change and a request origin (the other suites write these
/// with their changes).
pub(crate) fn entry_on(
    actor: &UserId,
    action: AuditAction,
    target_type: &str,
    target: &str,
) -> AuditEntry {
    AuditEntry {
        id: AuditEntryId::new(new_id()),
        at: at(0),
        actor: Actor::User(actor.clone()),
        action,
        target_type: target_type.into(),
        target_id: target.into(),
        changes: vec![FieldChange {
            field: "name".into(),
            before: Some("Old <name> & \"quotes\"".into()),
            after: None,
        }],
        origin: RequestOrigin {
            request_id: Some("req-1".into()),
            client_ip: Some("2001:db8::1".into()),
        },
    }
}

pub(crate) async fn listed(s: &Stores, filter: AuditFilter, limit: u32) -> Vec<AuditEntry> {
    flatten_pages(limit, |p| {
        let (s, f) = (s.clone(), filter.clone());
        async move { s.audit.list_audit(&f, &p).await }
    })
    .await
}

/// Entries written with catalog and pricing changes read back exactly,
/// newest first, filtered by actor, target and action.
pub async fn entries_round_trip_newest_first_and_filter(s: Stores) {
    let (ann, bob) = (UserId::new(new_id()), UserId::new(new_id()));
    let cat = category(&unique("tools"), "Tools");
    let e1 = entry(&ann, AuditAction::CategoryCreate, cat.id.as_str());
    s.catalog
        .insert_category(&cat, std::slice::from_ref(&e1))
        .await
        .unwrap();
    let p = product(&unique("SKU"), "Hammer", 3);
    let e2 = entry(&bob, AuditAction::ProductCreate, p.id.as_str());
    s.catalog
        .insert_product(&p, None, std::slice::from_ref(&e2))
        .await
        .unwrap();
    let e3 = entry(&ann, AuditAction::ProductUpdate, p.id.as_str());
    let renamed = shop_domain::catalog::Product {
        name: "Claw hammer".into(),
        ..p.clone()
    };
    s.catalog
        .update_product(&renamed, std::slice::from_ref(&e3))
        .await
        .unwrap();
    let promo = promotion(&unique("AUDIT").to_uppercase(), None);
    let e4 = entry(&bob, AuditAction::PromotionCreate, promo.id.as_str());
    s.promotions
        .insert(&promo, std::slice::from_ref(&e4))
        .await
        .unwrap();
    let e5 = entry(&ann, AuditAction::TaxRatesReplace, "all");
    s.tax_rates
        .replace_all(&[], std::slice::from_ref(&e5))
        .await
        .unwrap();

    let all = listed(&s, AuditFilter::default(), 2).await;
    assert_eq!(
        all,
        vec![e5.clone(), e4.clone(), e3.clone(), e2.clone(), e1.clone()]
    );
    assert_unique(&all, |e| e.id.clone());
    let by_ann = AuditFilter {
        actor: Some(ann.clone()),
        ..AuditFilter::default()
    };
    assert_eq!(listed(&s, by_ann, 10).await, vec![e5, e3.clone(), e1]);
    let on_p = AuditFilter {
        target_id: Some(p.id.to_string()),
        ..AuditFilter::default()
    };
    assert_eq!(listed(&s, on_p, 10).await, vec![e3.clone(), e2]);
    let updates = AuditFilter {
        action: Some(AuditAction::ProductUpdate),
        ..AuditFilter::default()
    };
    assert_eq!(listed(&s, updates, 10).await, vec![e3]);
    let garbage = shop_domain::PageRequest::new(Some(5), Some("not a cursor!".into()));
    assert!(matches!(
        s.audit.list_audit(&AuditFilter::default(), &garbage).await,
        Err(DomainError::Validation(_))
    ));
}

/// The whole trail, newest first.
pub(crate) async fn trail(s: &Stores) -> Vec<AuditEntry> {
    listed(s, AuditFilter::default(), 50).await
}

/// `append` writes entries on their own (for stores that cannot share the
/// trail's transaction); they read back like any other, and appending
/// nothing writes nothing.
pub async fn append_writes_entries_on_their_own(s: Stores) {
    let ann = UserId::new(new_id());
    s.audit.append(&[]).await.unwrap();
    assert_eq!(trail(&s).await, vec![]);
    let first = entry_on(&ann, AuditAction::UserInactivate, "user", "u-1");
    let second = entry_on(&ann, AuditAction::PasswordReset, "user", "u-2");
    s.audit
        .append(&[first.clone(), second.clone()])
        .await
        .unwrap();
    assert_eq!(trail(&s).await, vec![second, first]);
}

/// A refused change leaves no entry: they share one transaction.
pub async fn a_refused_change_writes_no_entry(s: Stores) {
    let admin = UserId::new(new_id());
    let cat = category(&unique("dup"), "Dup");
    s.catalog.insert_category(&cat, &[]).await.unwrap();
    let twin = category(&cat.slug, "Twin");
    let refused = entry(&admin, AuditAction::CategoryCreate, twin.id.as_str());
    assert_eq!(
        s.catalog
            .insert_category(&twin, std::slice::from_ref(&refused))
            .await,
        Err(DomainError::AlreadyExists("category"))
    );
    let p = product(&unique("SKU"), "Anvil", 1);
    s.catalog.insert_product(&p, None, &[]).await.unwrap();
    let overdraw = StockMovement {
        id: StockMovementId::new(new_id()),
        product_id: p.id.clone(),
        delta: -5,
        kind: StockMovementKind::Adjustment,
        reason: Some("counted".into()),
        order_id: None,
        by: Actor::User(admin.clone()),
        at: at(10),
        stock_after: None,
    };
    let refused_stock = entry(&admin, AuditAction::StockAdjust, p.id.as_str());
    assert!(matches!(
        s.catalog
            .adjust_stock(&overdraw, std::slice::from_ref(&refused_stock))
            .await,
        Err(DomainError::InsufficientStock { .. })
    ));
    let twin_sku = product(&p.sku, "Twin", 0);
    let refused_product = entry(&admin, AuditAction::ProductCreate, twin_sku.id.as_str());
    assert!(
        s.catalog
            .insert_product(&twin_sku, None, std::slice::from_ref(&refused_product))
            .await
            .is_err()
    );
    assert_eq!(listed(&s, AuditFilter::default(), 10).await, vec![]);

    // The same stock movement within stock is written with its entry.
    let fine = StockMovement {
        id: StockMovementId::new(new_id()),
        delta: -1,
        ..overdraw
    };
    let written = entry(&admin, AuditAction::StockAdjust, p.id.as_str());
    s.catalog
        .adjust_stock(&fine, std::slice::from_ref(&written))
        .await
        .unwrap();
    assert_eq!(listed(&s, AuditFilter::default(), 10).await, vec![written]);
}
