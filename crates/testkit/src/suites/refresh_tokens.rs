//! `RefreshTokenStore`.

use shop_domain::account::{RefreshSession, User};
use shop_domain::ids::SessionId;

use shop_domain::audit::AuditAction;

use super::audit::{entry_on, trail};
use super::concurrently;
use crate::Stores;
use crate::fixtures::{at, customer, new_id, refresh_token, session};

async fn signed_up(s: &Stores) -> User {
    let u = customer();
    s.accounts.insert(&u).await.unwrap();
    u
}

async fn open_session(s: &Stores, u: &User) -> RefreshSession {
    let session = session(&u.id);
    s.refresh_tokens.create_session(&session).await.unwrap();
    session
}

async fn revoked_at(s: &Stores, id: &SessionId) -> Option<chrono::DateTime<chrono::Utc>> {
    s.refresh_tokens
        .get_session(id)
        .await
        .unwrap()
        .expect("session exists")
        .revoked_at
}

/// Revoking is idempotent and also fine for an unknown session.
pub async fn sessions_round_trip_and_revoke(s: Stores) {
    let u = signed_up(&s).await;
    let session = open_session(&s, &u).await;
    assert_eq!(
        s.refresh_tokens.get_session(&session.id).await.unwrap(),
        Some(session.clone())
    );
    let ghost = SessionId::new(new_id());
    assert_eq!(s.refresh_tokens.get_session(&ghost).await.unwrap(), None);
    s.refresh_tokens
        .revoke_session(&session.id, at(60), &[])
        .await
        .unwrap();
    assert_eq!(revoked_at(&s, &session.id).await, Some(at(60)));
    s.refresh_tokens
        .revoke_session(&session.id, at(90), &[])
        .await
        .unwrap();
    assert!(revoked_at(&s, &session.id).await.is_some());
    s.refresh_tokens
        .revoke_session(&ghost, at(60), &[])
        .await
        .unwrap();
    assert_eq!(trail(&s).await, vec![]);
}

/// A revocation for a reused refresh token records its entry with it; the
/// session's first revocation time stays whatever the entries.
pub async fn revoking_a_session_writes_its_entries(s: Stores) {
    let u = signed_up(&s).await;
    let session = open_session(&s, &u).await;
    let reuse = entry_on(
        &u.id,
        AuditAction::RefreshTokenReuse,
        "session",
        session.id.as_str(),
    );
    s.refresh_tokens
        .revoke_session(&session.id, at(60), std::slice::from_ref(&reuse))
        .await
        .unwrap();
    assert_eq!(revoked_at(&s, &session.id).await, Some(at(60)));
    assert_eq!(trail(&s).await, vec![reuse.clone()]);
    // Detected again on the revoked session: recorded again, time kept.
    let again = entry_on(
        &u.id,
        AuditAction::RefreshTokenReuse,
        "session",
        session.id.as_str(),
    );
    s.refresh_tokens
        .revoke_session(&session.id, at(90), std::slice::from_ref(&again))
        .await
        .unwrap();
    assert_eq!(revoked_at(&s, &session.id).await, Some(at(60)));
    assert_eq!(trail(&s).await, vec![again, reuse]);
}

pub async fn revoke_user_sessions_spares_the_exception_and_other_users(s: Stores) {
    let u = signed_up(&s).await;
    let other = signed_up(&s).await;
    let keep = open_session(&s, &u).await;
    let drop1 = open_session(&s, &u).await;
    let drop2 = open_session(&s, &u).await;
    let theirs = open_session(&s, &other).await;
    s.refresh_tokens
        .revoke_user_sessions(&u.id, Some(&keep.id), at(5))
        .await
        .unwrap();
    assert_eq!(revoked_at(&s, &keep.id).await, None);
    assert_eq!(revoked_at(&s, &drop1.id).await, Some(at(5)));
    assert_eq!(revoked_at(&s, &drop2.id).await, Some(at(5)));
    assert_eq!(revoked_at(&s, &theirs.id).await, None);
    s.refresh_tokens
        .revoke_user_sessions(&u.id, None, at(9))
        .await
        .unwrap();
    assert!(revoked_at(&s, &keep.id).await.is_some());
    assert_eq!(revoked_at(&s, &theirs.id).await, None);
}

pub async fn tokens_round_trip_and_spend_once(s: Stores) {
    let u = signed_up(&s).await;
    let session = open_session(&s, &u).await;
    let token = refresh_token(&session);
    s.refresh_tokens.insert_token(&token).await.unwrap();
    assert_eq!(
        s.refresh_tokens
            .find_token(&token.token_hash)
            .await
            .unwrap(),
        Some(token.clone())
    );
    assert!(
        s.refresh_tokens
            .spend_token(&token.token_hash, at(10))
            .await
            .unwrap()
    );
    let spent = s
        .refresh_tokens
        .find_token(&token.token_hash)
        .await
        .unwrap()
        .expect("token exists");
    assert_eq!(spent.spent_at, Some(at(10)));
    assert!(
        !s.refresh_tokens
            .spend_token(&token.token_hash, at(11))
            .await
            .unwrap()
    );
    let again = s
        .refresh_tokens
        .find_token(&token.token_hash)
        .await
        .unwrap();
    assert_eq!(again.and_then(|t| t.spent_at), Some(at(10)));
}

pub async fn spending_an_unknown_token_is_false(s: Stores) {
    assert_eq!(s.refresh_tokens.find_token("f00d").await.unwrap(), None);
    assert!(!s.refresh_tokens.spend_token("f00d", at(1)).await.unwrap());
}

pub async fn concurrent_spends_admit_exactly_one(s: Stores) {
    let u = signed_up(&s).await;
    let session = open_session(&s, &u).await;
    let token = refresh_token(&session);
    s.refresh_tokens.insert_token(&token).await.unwrap();
    let results = concurrently(20, |i| {
        let (s, hash) = (s.clone(), token.token_hash.clone());
        async move {
            s.refresh_tokens
                .spend_token(&hash, at(100 + i as i64))
                .await
        }
    })
    .await;
    let wins = results.iter().filter(|r| matches!(r, Ok(true))).count();
    assert_eq!(wins, 1, "{results:?}");
    assert!(results.iter().all(Result::is_ok), "{results:?}");
}
