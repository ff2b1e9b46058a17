//! `AccountStore` and `RefreshTokenStore`.

use shop_domain::DomainError;
use shop_domain::account::{AccountStatus, AccountStore, RefreshTokenStore, Role, User};
use shop_domain::ids::{SessionId, UserId};
use shop_sql::SqlStore;
use shop_testkit::fixtures::{
    at, customer, email, name, new_id, refresh_token, session, t0, unique, user,
};

use crate::concurrently;

async fn get(s: &SqlStore, id: &UserId) -> User {
    AccountStore::get(s, id)
        .await
        .unwrap()
        .expect("user exists")
}

pub async fn users_round_trip_and_email_is_unique(s: SqlStore) {
    let u = User {
        // Sub-microsecond digits are dropped, as documented.
        created_at: t0() + chrono::Duration::nanoseconds(1_234_567),
        session_version: 7,
        ..customer()
    };
    AccountStore::insert(&s, &u).await.unwrap();
    let expected = User {
        created_at: t0() + chrono::Duration::microseconds(1_234),
        ..u.clone()
    };
    assert_eq!(
        AccountStore::get(&s, &u.id).await.unwrap(),
        Some(expected.clone())
    );
    assert_eq!(s.find_by_email(&u.email).await.unwrap(), Some(expected));
    assert_eq!(
        s.find_by_email(&email("nobody@example.test"))
            .await
            .unwrap(),
        None
    );
    let twin = user(u.email.as_str());
    assert_eq!(
        AccountStore::insert(&s, &twin).await,
        Err(DomainError::EmailTaken)
    );
    let same_id = User {
        email: email("other@example.test"),
        ..u.clone()
    };
    assert_eq!(
        AccountStore::insert(&s, &same_id).await,
        Err(DomainError::AlreadyExists("user"))
    );
    assert_eq!(AccountStore::get(&s, &twin.id).await.unwrap(), None);
}

pub async fn concurrent_inserts_of_one_email_admit_one(s: SqlStore) {
    let address = format!("{}@example.test", unique("race"));
    let candidates: Vec<User> = (0..20).map(|_| user(&address)).collect();
    let results = concurrently(20, |i| {
        let (s, u) = (s.clone(), candidates[i].clone());
        async move { AccountStore::insert(&s, &u).await }
    })
    .await;
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert!(
        results
            .iter()
            .all(|r| matches!(r, Ok(()) | Err(DomainError::EmailTaken))),
        "{results:?}"
    );
}

pub async fn user_updates_are_atomic_and_missing_is_not_found(s: SqlStore) {
    let u = customer();
    AccountStore::insert(&s, &u).await.unwrap();
    s.set_name(&u.id, &name("Renamed Person")).await.unwrap();
    // Setting the same value again still finds the row (MySQL FOUND_ROWS).
    s.set_name(&u.id, &name("Renamed Person")).await.unwrap();
    s.set_password_hash(&u.id, "$new$hash", &[]).await.unwrap();
    s.set_role(&u.id, Role::Admin).await.unwrap();
    let after = get(&s, &u.id).await;
    assert_eq!(after.name.as_str(), "Renamed Person");
    assert_eq!(after.password_hash, "$new$hash");
    assert_eq!(after.role, Role::Admin);
    // The new password ended the tokens issued before it.
    assert_eq!(after.session_version, 1);
    s.set_status(&u.id, AccountStatus::Inactive, &[])
        .await
        .unwrap();
    let after = get(&s, &u.id).await;
    assert_eq!(
        (after.status, after.session_version),
        (AccountStatus::Inactive, 2)
    );
    let results = concurrently(20, |_| {
        let (s, id) = (s.clone(), u.id.clone());
        async move { s.bump_session_version(&id).await }
    })
    .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(get(&s, &u.id).await.session_version, 22);

    let ghost = UserId::new(new_id());
    let nf = |r: Result<(), DomainError>| assert_eq!(r, Err(DomainError::NotFound("user")));
    nf(s.set_name(&ghost, &name("X")).await);
    nf(s.set_password_hash(&ghost, "h", &[]).await);
    nf(s.set_role(&ghost, Role::Admin).await);
    nf(s.set_status(&ghost, AccountStatus::Inactive, &[]).await);
    nf(s.bump_session_version(&ghost).await);
}

pub async fn refresh_sessions_and_tokens(s: SqlStore) {
    let u = customer();
    let other = customer();
    AccountStore::insert(&s, &u).await.unwrap();
    AccountStore::insert(&s, &other).await.unwrap();
    let keep = session(&u.id);
    let drop1 = session(&u.id);
    let theirs = session(&other.id);
    for x in [&keep, &drop1, &theirs] {
        s.create_session(x).await.unwrap();
    }
    assert_eq!(
        s.create_session(&keep).await,
        Err(DomainError::AlreadyExists("session"))
    );
    assert_eq!(s.get_session(&keep.id).await.unwrap(), Some(keep.clone()));
    s.revoke_user_sessions(&u.id, Some(&keep.id), at(5))
        .await
        .unwrap();
    let revoked = |id: SessionId| {
        let s = s.clone();
        async move { s.get_session(&id).await.unwrap().unwrap().revoked_at }
    };
    assert_eq!(revoked(keep.id.clone()).await, None);
    assert_eq!(revoked(drop1.id.clone()).await, Some(at(5)));
    assert_eq!(revoked(theirs.id.clone()).await, None);
    s.revoke_session(&drop1.id, at(9), &[]).await.unwrap();
    assert_eq!(
        revoked(drop1.id.clone()).await,
        Some(at(5)),
        "first revocation kept"
    );
    s.revoke_session(&SessionId::new(new_id()), at(9), &[])
        .await
        .unwrap();

    let token = refresh_token(&keep);
    s.insert_token(&token).await.unwrap();
    assert_eq!(
        s.insert_token(&token).await,
        Err(DomainError::AlreadyExists("refresh token"))
    );
    assert_eq!(
        s.find_token(&token.token_hash).await.unwrap(),
        Some(token.clone())
    );
    let results = concurrently(20, |i| {
        let (s, hash) = (s.clone(), token.token_hash.clone());
        async move { s.spend_token(&hash, at(100 + i as i64)).await }
    })
    .await;
    assert_eq!(
        results.iter().filter(|r| matches!(r, Ok(true))).count(),
        1,
        "{results:?}"
    );
    assert!(results.iter().all(Result::is_ok));
    assert!(
        s.find_token(&token.token_hash)
            .await
            .unwrap()
            .unwrap()
            .spent_at
            .is_some()
    );
    assert!(!s.spend_token("f00d", at(1)).await.unwrap());
    assert_eq!(s.find_token("f00d").await.unwrap(), None);
}
