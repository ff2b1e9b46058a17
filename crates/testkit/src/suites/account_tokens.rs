//! `AccountTokenStore`, and `AccountStore::set_email_verified`.

use chrono::{DateTime, Utc};
use shop_domain::DomainError;
use shop_domain::account::{AccountToken, AccountTokenPurpose, User};
use shop_domain::ids::UserId;

use super::concurrently;
use crate::Stores;
use crate::fixtures::{at, customer, new_id};

fn token(user_id: &UserId, purpose: AccountTokenPurpose, expires: DateTime<Utc>) -> AccountToken {
    AccountToken {
        token_hash: format!("{:0>64}", new_id().replace('-', "")),
        user_id: user_id.clone(),
        purpose,
        created_at: at(0),
        expires_at: expires,
        used_at: None,
    }
}

async fn signed_up(s: &Stores) -> User {
    let u = customer();
    s.accounts.insert(&u).await.unwrap();
    u
}

/// A token is used once: the first `consume` returns it (marked used at
/// that time), later ones `None`. An unknown hash is `None`; a duplicate
/// hash is refused.
pub async fn insert_then_consume_once(s: Stores) {
    let u = signed_up(&s).await;
    let t = token(&u.id, AccountTokenPurpose::VerifyEmail, at(100));
    s.account_tokens.insert(&t).await.unwrap();
    assert_eq!(
        s.account_tokens.insert(&t).await,
        Err(DomainError::AlreadyExists("account token"))
    );
    let used = s
        .account_tokens
        .consume(&t.token_hash, AccountTokenPurpose::VerifyEmail, at(10))
        .await
        .unwrap();
    assert_eq!(
        used,
        Some(AccountToken {
            used_at: Some(at(10)),
            ..t.clone()
        })
    );
    for later in [at(11), at(10)] {
        assert_eq!(
            s.account_tokens
                .consume(&t.token_hash, AccountTokenPurpose::VerifyEmail, later)
                .await
                .unwrap(),
            None
        );
    }
    assert_eq!(
        s.account_tokens
            .consume(
                "0".repeat(64).as_str(),
                AccountTokenPurpose::VerifyEmail,
                at(10)
            )
            .await
            .unwrap(),
        None
    );
}

/// A token of another purpose, or expired (at its expiry time too), is
/// not used, and stays usable for its own purpose before expiry.
pub async fn wrong_purpose_or_expired_is_refused(s: Stores) {
    let u = signed_up(&s).await;
    let t = token(&u.id, AccountTokenPurpose::PasswordReset, at(100));
    s.account_tokens.insert(&t).await.unwrap();
    let consume = |purpose, now| {
        let (s, hash) = (s.clone(), t.token_hash.clone());
        async move { s.account_tokens.consume(&hash, purpose, now).await.unwrap() }
    };
    assert_eq!(consume(AccountTokenPurpose::VerifyEmail, at(1)).await, None);
    assert_eq!(
        consume(AccountTokenPurpose::PasswordReset, at(100)).await,
        None
    );
    assert_eq!(
        consume(AccountTokenPurpose::PasswordReset, at(101)).await,
        None
    );
    assert!(
        consume(AccountTokenPurpose::PasswordReset, at(99))
            .await
            .is_some()
    );
}

/// Of concurrent uses of one token exactly one succeeds.
pub async fn concurrent_consumes_admit_exactly_one(s: Stores) {
    let u = signed_up(&s).await;
    let t = token(&u.id, AccountTokenPurpose::PasswordReset, at(100));
    s.account_tokens.insert(&t).await.unwrap();
    let results = concurrently(8, |i| {
        let (s, hash) = (s.clone(), t.token_hash.clone());
        async move {
            s.account_tokens
                .consume(&hash, AccountTokenPurpose::PasswordReset, at(1 + i as i64))
                .await
        }
    })
    .await;
    let won = results.iter().filter(|r| matches!(r, Ok(Some(_)))).count();
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(won, 1, "{results:?}");
}

/// `invalidate_user_tokens` uses up the user's unused tokens of that
/// purpose only: other purposes and other users keep theirs.
pub async fn invalidate_spares_other_purposes_and_users(s: Stores) {
    let u = signed_up(&s).await;
    let other = signed_up(&s).await;
    let reset = token(&u.id, AccountTokenPurpose::PasswordReset, at(100));
    let verify = token(&u.id, AccountTokenPurpose::VerifyEmail, at(100));
    let others = token(&other.id, AccountTokenPurpose::PasswordReset, at(100));
    for t in [&reset, &verify, &others] {
        s.account_tokens.insert(t).await.unwrap();
    }
    s.account_tokens
        .invalidate_user_tokens(&u.id, AccountTokenPurpose::PasswordReset, at(5))
        .await
        .unwrap();
    let consume = |t: &AccountToken| {
        let (s, t) = (s.clone(), t.clone());
        async move {
            s.account_tokens
                .consume(&t.token_hash, t.purpose, at(6))
                .await
                .unwrap()
        }
    };
    assert_eq!(consume(&reset).await, None);
    assert!(consume(&verify).await.is_some());
    assert!(consume(&others).await.is_some());
}

/// `set_email_verified` sets the time once (a second call keeps the
/// first) and is `NotFound` for a missing user; nothing else changes.
pub async fn set_email_verified_keeps_the_first_time(s: Stores) {
    let u = signed_up(&s).await;
    assert_eq!(
        s.accounts
            .get(&u.id)
            .await
            .unwrap()
            .unwrap()
            .email_verified_at,
        None
    );
    s.accounts.set_email_verified(&u.id, at(7)).await.unwrap();
    s.accounts.set_email_verified(&u.id, at(9)).await.unwrap();
    let after = s.accounts.get(&u.id).await.unwrap().unwrap();
    assert_eq!(
        after,
        User {
            email_verified_at: Some(at(7)),
            ..u.clone()
        }
    );
    assert_eq!(
        s.accounts
            .set_email_verified(&UserId::new(new_id()), at(7))
            .await,
        Err(DomainError::NotFound("user"))
    );
    // A user inserted verified reads back verified.
    let verified = User {
        email_verified_at: Some(at(3)),
        ..customer()
    };
    s.accounts.insert(&verified).await.unwrap();
    assert_eq!(
        s.accounts.get(&verified.id).await.unwrap(),
        Some(verified.clone())
    );
}
