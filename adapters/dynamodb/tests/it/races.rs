//! Races the conformance suites do not spell out for DynamoDB.

use futures::future::join_all;
use shop_domain::DomainError;
use shop_domain::account::{AccountStatus, AccountStore, Role, User, UserFilter};
use shop_domain::{Page, PageRequest};
use shop_testkit::fixtures::{admin, customer, email, name, unique, user};

use crate::common::{delete_tables, fresh_store};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_registrations_of_one_email_create_one_account() {
    let store = fresh_store().await;
    let address = format!("{}@example.test", unique("race"));
    let candidates: Vec<User> = (0..20).map(|_| user(&address)).collect();
    let results = join_all(candidates.iter().map(|u| {
        let store = store.clone();
        let u = u.clone();
        async move { store.insert(&u).await }
    }))
    .await;

    let winners: Vec<&User> = candidates
        .iter()
        .zip(&results)
        .filter(|(_, r)| r.is_ok())
        .map(|(u, _)| u)
        .collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    for r in results.iter().filter(|r| r.is_err()) {
        assert_eq!(r, &Err(DomainError::EmailTaken));
    }
    let stored = store.find_by_email(&email(&address)).await.unwrap();
    assert_eq!(stored.as_ref(), Some(winners[0]));
    for loser in candidates.iter().filter(|u| u.id != winners[0].id) {
        assert_eq!(store.get(&loser.id).await.unwrap(), None);
    }
    let Page { items, .. } = store
        .list(&UserFilter::default(), &PageRequest::first(100))
        .await
        .unwrap();
    assert_eq!(items, vec![winners[0].clone()]);
    delete_tables(&store).await;
}

/// Each round races four read-modify-write updates of one user: every
/// change lands, and the derived index keys follow the final fields.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_updates_of_one_user_lose_no_change() {
    let store = fresh_store().await;
    let u = customer();
    store.insert(&u).await.unwrap();
    for round in 0..5u64 {
        let new_name = name(&format!("Racer Number {round}"));
        let new_hash = format!("$hash${round}");
        let (role, status) = if round % 2 == 0 {
            (Role::Admin, AccountStatus::Inactive)
        } else {
            (Role::Customer, AccountStatus::Active)
        };
        let (a, b, c, d) = tokio::join!(
            store.set_name(&u.id, &new_name),
            store.set_password_hash(&u.id, &new_hash, &[]),
            store.set_role(&u.id, role),
            store.set_status(&u.id, status, &[]),
        );
        for r in [a, b, c, d] {
            r.unwrap();
        }
        let after = store.get(&u.id).await.unwrap().unwrap();
        assert_eq!(after.name, new_name);
        assert_eq!(after.password_hash, new_hash);
        assert_eq!((after.role, after.status), (role, status));
        // The password change and the status change each bump it.
        assert_eq!(after.session_version, u.session_version + 2 * (round + 1));
        assert_eq!(after.email, u.email);
        assert_eq!(after.created_at, u.created_at);
        // Never an active admin in these rounds (admin rounds inactivate).
        assert!(store.list_active_admins().await.unwrap().is_empty());
    }
    delete_tables(&store).await;
}

/// A role change racing a status change still leaves `list_active_admins`
/// right, whichever wrote first.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_role_and_status_changes_keep_the_admin_index_right() {
    let store = fresh_store().await;
    let u = User {
        status: AccountStatus::Inactive,
        ..customer()
    };
    let other_admin = admin();
    store.insert(&u).await.unwrap();
    store.insert(&other_admin).await.unwrap();
    let (a, b) = tokio::join!(
        store.set_role(&u.id, Role::Admin),
        store.set_status(&u.id, AccountStatus::Active, &[]),
    );
    a.unwrap();
    b.unwrap();
    let mut ids: Vec<_> = store
        .list_active_admins()
        .await
        .unwrap()
        .into_iter()
        .map(|x| x.id)
        .collect();
    ids.sort();
    let mut expected = vec![u.id.clone(), other_admin.id.clone()];
    expected.sort();
    assert_eq!(ids, expected);
    let (a, b) = tokio::join!(
        store.set_role(&u.id, Role::Customer),
        store.bump_session_version(&u.id),
    );
    a.unwrap();
    b.unwrap();
    let admins = store.list_active_admins().await.unwrap();
    assert_eq!(admins, vec![other_admin]);
    let after = store.get(&u.id).await.unwrap().unwrap();
    assert_eq!(after.session_version, u.session_version + 2);
    delete_tables(&store).await;
}
