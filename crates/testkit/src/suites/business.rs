//! `BusinessProfileStore`.

use shop_domain::business::{BusinessProfile, BusinessStatus};
use shop_domain::ids::UserId;

use super::assert_unique;
use crate::fixtures::{at, customer, profile};
use crate::{Stores, flatten_pages};

async fn signed_up(s: &Stores) -> UserId {
    let u = customer();
    s.accounts.insert(&u).await.unwrap();
    u.id
}

async fn listed(s: &Stores, status: Option<BusinessStatus>, limit: u32) -> Vec<BusinessProfile> {
    flatten_pages(limit, |p| {
        let s = s.clone();
        async move { s.profiles.list(status, &p).await }
    })
    .await
}

pub async fn put_then_get_and_replace(s: Stores) {
    let user_id = signed_up(&s).await;
    assert_eq!(s.profiles.get(&user_id).await.unwrap(), None);
    let first = profile(&user_id, BusinessStatus::Pending, at(0));
    s.profiles.put(&first, &[], &[]).await.unwrap();
    assert_eq!(s.profiles.get(&user_id).await.unwrap(), Some(first.clone()));
    let approved = BusinessProfile {
        status: BusinessStatus::Approved,
        tax_exempt_granted: true,
        reviewed_at: Some(at(60)),
        reviewed_by: Some(signed_up(&s).await),
        legal_name: "Renamed Trading LLC".into(),
        exemption_certificate: None,
        ..first
    };
    s.profiles.put(&approved, &[], &[]).await.unwrap();
    assert_eq!(s.profiles.get(&user_id).await.unwrap(), Some(approved));
    assert_eq!(listed(&s, None, 100).await.len(), 1);
}

pub async fn list_is_oldest_submission_first_and_filters(s: Stores) {
    let mut expected_all = Vec::new();
    let mut expected_pending = Vec::new();
    // Submitted in the order 3, 1, 2, 0: listing must sort by time.
    let plan = [
        (BusinessStatus::Pending, 30),
        (BusinessStatus::Rejected, 10),
        (BusinessStatus::Pending, 20),
        (BusinessStatus::Approved, 0),
    ];
    let mut profiles = Vec::new();
    for (status, when) in plan {
        let p = profile(&signed_up(&s).await, status, at(when));
        s.profiles.put(&p, &[], &[]).await.unwrap();
        profiles.push(p);
    }
    for i in [3, 1, 2, 0] {
        expected_all.push(profiles[i].user_id.clone());
        if profiles[i].status == BusinessStatus::Pending {
            expected_pending.push(profiles[i].user_id.clone());
        }
    }
    let ids = |v: Vec<BusinessProfile>| v.into_iter().map(|p| p.user_id).collect::<Vec<_>>();
    assert_eq!(ids(listed(&s, None, 100).await), expected_all);
    assert_eq!(
        ids(listed(&s, Some(BusinessStatus::Pending), 100).await),
        expected_pending
    );
    assert_eq!(
        ids(listed(&s, Some(BusinessStatus::Approved), 100).await),
        vec![profiles[3].user_id.clone()]
    );
    assert!(listed(&s, Some(BusinessStatus::None), 100).await.is_empty());
}

/// Profiles submitted at the same second are still paged without loss.
pub async fn list_paginates_without_gaps_or_duplicates(s: Stores) {
    let mut all = Vec::new();
    for i in 0..23 {
        let p = profile(&signed_up(&s).await, BusinessStatus::Pending, at(i / 3));
        s.profiles.put(&p, &[], &[]).await.unwrap();
        all.push(p);
    }
    for limit in [1, 4, 23, 50] {
        let got = listed(&s, Some(BusinessStatus::Pending), limit).await;
        assert_eq!(got.len(), 23, "limit {limit}");
        assert_unique(&got, |p| p.user_id.clone());
        assert!(
            got.windows(2)
                .all(|w| w[0].submitted_at <= w[1].submitted_at),
            "limit {limit}: not oldest first"
        );
    }
}
