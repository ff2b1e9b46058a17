//! Sign-in rules with mocked stores, hasher and signer.

use std::sync::{Arc, Mutex};

use chrono::Duration;
use futures::executor::block_on;

use super::*;
use crate::test_support::{Mocks, TestClock, principal, settings, t0, user};

/// The request every call here comes from.
fn origin() -> RequestOrigin {
    RequestOrigin {
        request_id: Some("req-1".into()),
        client_ip: Some("192.0.2.7".into()),
    }
}

fn service(m: Mocks) -> AccountService {
    AccountService::new(m.ports(TestClock::at(t0())), settings())
}

#[test]
fn unknown_email_and_wrong_password_look_the_same_and_both_verify_a_hash() {
    let mut m = Mocks::default();
    m.accounts.expect_find_by_email().returning(|e| {
        Ok(
            (e.as_str() == "ann@example.com")
                .then(|| user("u1", "ann@example.com", Role::Customer)),
        )
    });
    // The dummy hash is made once and reused.
    m.hasher
        .expect_hash()
        .withf(|p| p == "not-a-real-password-0")
        .times(1)
        .returning(|_| Ok("dummy-hash".into()));
    let verified = Arc::new(Mutex::new(Vec::new()));
    let v = verified.clone();
    m.hasher.expect_verify().returning(move |_, hash| {
        v.lock().unwrap().push(hash.to_string());
        Ok(false)
    });
    let svc = service(m);

    let wrong = block_on(svc.login("ann@example.com", "wrong-password", &origin())).unwrap_err();
    let unknown = block_on(svc.login("bob@example.com", "wrong-password", &origin())).unwrap_err();
    let malformed = block_on(svc.login("not-an-email", "wrong-password", &origin())).unwrap_err();
    assert_eq!(wrong, DomainError::InvalidCredentials);
    assert_eq!(unknown, wrong);
    assert_eq!(malformed, wrong);
    assert_eq!(wrong.to_string(), unknown.to_string());
    assert_eq!(
        *verified.lock().unwrap(),
        ["hash-of-u1", "dummy-hash", "dummy-hash"]
    );
}

#[test]
fn an_inactive_account_is_only_revealed_to_the_right_password() {
    let mut m = Mocks::default();
    m.accounts.expect_find_by_email().returning(|_| {
        let mut u = user("u1", "ann@example.com", Role::Customer);
        u.status = AccountStatus::Inactive;
        Ok(Some(u))
    });
    m.hasher
        .expect_verify()
        .returning(|p, _| Ok(p == "right-password"));
    let svc = service(m);
    assert_eq!(
        block_on(svc.login("ann@example.com", "wrong-password", &origin())).unwrap_err(),
        DomainError::InvalidCredentials
    );
    assert_eq!(
        block_on(svc.login("ann@example.com", "right-password", &origin())).unwrap_err(),
        DomainError::AccountInactive
    );
}

#[test]
fn a_hasher_failure_registers_nobody() {
    let mut m = Mocks::default();
    m.hasher
        .expect_hash()
        .returning(|_| Err(DomainError::Internal("out of memory".into())));
    let svc = service(m);
    let r = block_on(svc.register(RegisterInput {
        email: "ann@example.com".into(),
        password: "violet-harbour-42".into(),
        name: "Ann".into(),
    }));
    assert_eq!(r, Err(DomainError::Internal("out of memory".into())));
}

#[test]
fn register_reports_every_invalid_field() {
    let svc = service(Mocks::default());
    let r = block_on(svc.register(RegisterInput {
        email: "nope".into(),
        password: "password123".into(),
        name: " ".into(),
    }));
    match r {
        Err(DomainError::Validation(errs)) => {
            let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
            assert_eq!(fields, ["email", "password", "name"]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn change_password_names_the_request_fields() {
    let mut m = Mocks::default();
    m.accounts
        .expect_get()
        .returning(|_| Ok(Some(user("u1", "ann@example.com", Role::Customer))));
    m.hasher.expect_verify().returning(|_, _| Ok(false));
    let svc = service(m);
    let me = principal("u1", Role::Customer);
    match block_on(svc.change_password(&me, "not-it", "short")) {
        Err(DomainError::Validation(errs)) => {
            let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
            assert_eq!(fields, ["new_password", "current_password"]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn change_password_ends_every_other_session() {
    let mut m = Mocks::default();
    m.accounts
        .expect_get()
        .returning(|_| Ok(Some(user("u1", "ann@example.com", Role::Customer))));
    m.hasher
        .expect_verify()
        .returning(|p, _| Ok(p == "old-password-1"));
    m.hasher
        .expect_hash()
        .returning(|p| Ok(format!("hash:{p}")));
    m.accounts
        .expect_set_password_hash()
        .withf(|id, h, audit| {
            id.as_str() == "u1"
                && h == "hash:violet-harbour-42"
                && matches!(audit, [e] if e.action == AuditAction::PasswordChange
                    && e.actor == crate::order::Actor::User(UserId::new("u1"))
                    && e.target_id == "u1"
                    && e.changes.iter().any(|c| c.field == "session_version"
                        && c.before.as_deref() == Some("0")
                        && c.after.as_deref() == Some("1"))
                    && !format!("{e:?}").contains("violet"))
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    m.refresh_tokens
        .expect_revoke_user_sessions()
        .withf(|id, except, at| {
            id.as_str() == "u1"
                && except.map(SessionId::as_str) == Some("session-of-u1")
                && *at == t0()
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    m.signer
        .expect_sign()
        .withf(|c| c.session_id.as_str() == "session-of-u1")
        .times(1)
        .returning(|_| Ok("access".into()));
    m.refresh_tokens
        .expect_insert_token()
        .withf(|t| t.session_id.as_str() == "session-of-u1")
        .times(1)
        .returning(|_| Ok(()));
    m.profiles.expect_get().returning(|_| Ok(None));
    let svc = service(m);
    let me = principal("u1", Role::Customer);
    let changed =
        block_on(svc.change_password(&me, "old-password-1", "violet-harbour-42")).expect("changed");
    assert_eq!(changed.tokens.access_token, "access");
}

/// What a back-off service recorded: the mails it handed to the outbox and
/// the throttle (with the audit entries written with its marks).
#[derive(Clone, Default)]
struct Recorded {
    mails: Arc<Mutex<Vec<crate::mail::MailMessage>>>,
    throttle: Arc<crate::test_support::TestThrottle>,
}

/// An account whose password is `right-password`, on the in-memory throttle
/// and a clock the test moves; the hasher counts its verifications.
fn backoff_service(clock: Arc<TestClock>, verified: Arc<Mutex<u32>>) -> AccountService {
    backoff_service_recording(clock, verified, Recorded::default())
}

fn backoff_service_recording(
    clock: Arc<TestClock>,
    verified: Arc<Mutex<u32>>,
    recorded: Recorded,
) -> AccountService {
    let mut m = Mocks::default();
    m.accounts.expect_find_by_email().returning(|e| {
        Ok(
            (e.as_str() == "ann@example.com")
                .then(|| user("u1", "ann@example.com", Role::Customer)),
        )
    });
    m.hasher
        .expect_hash()
        .returning(|_| Ok("dummy-hash".into()));
    m.hasher.expect_verify().returning(move |p, _| {
        *verified.lock().unwrap() += 1;
        Ok(p == "right-password")
    });
    m.refresh_tokens
        .expect_create_session()
        .returning(|_| Ok(()));
    m.refresh_tokens.expect_insert_token().returning(|_| Ok(()));
    m.signer.expect_sign().returning(|_| Ok("access".into()));
    m.profiles.expect_get().returning(|_| Ok(None));
    let mails = recorded.mails.clone();
    m.outbox.expect_enqueue().returning(move |batch, _| {
        mails.lock().unwrap().extend_from_slice(batch);
        Ok(())
    });
    m.throttle = Some(recorded.throttle.clone());
    let settings = Arc::new(crate::settings::ShopSettings {
        login_backoff: crate::account::BackoffPolicy {
            failures_before_backoff: 3,
            base_delay: Duration::seconds(10),
            max_delay: Duration::seconds(60),
        },
        ..(*settings()).clone()
    });
    AccountService::new(m.ports(clock), settings)
}

#[test]
fn a_backoff_episode_is_audited_and_mails_the_owner_once() {
    let clock = TestClock::at(t0());
    let recorded = Recorded::default();
    let svc = backoff_service_recording(clock.clone(), Arc::default(), recorded.clone());
    for _ in 0..2 {
        block_on(svc.login("ann@example.com", "wrong", &origin())).unwrap_err();
    }
    assert!(recorded.mails.lock().unwrap().is_empty());
    assert!(recorded.throttle.1.lock().unwrap().is_empty());
    // The third failure starts the episode: one entry, one mail.
    block_on(svc.login("ann@example.com", "wrong-secret-3", &origin())).unwrap_err();
    // Further failures of the same episode (after each pause) add neither.
    for _ in 0..3 {
        clock.advance(Duration::seconds(3600));
        block_on(svc.login("ann@example.com", "wrong", &origin())).unwrap_err();
    }
    let mails = recorded.mails.lock().unwrap().clone();
    assert_eq!(mails.len(), 1, "{mails:#?}");
    assert_eq!(mails[0].to.as_str(), "ann@example.com");
    assert!(mails[0].subject.contains("paused"), "{}", mails[0].subject);
    assert!(
        mails[0].text.contains("3 failed sign-ins"),
        "{}",
        mails[0].text
    );
    assert!(!mails[0].text.contains("wrong-secret-3"));
    let entries = recorded.throttle.1.lock().unwrap().clone();
    assert_eq!(entries.len(), 1, "{entries:#?}");
    let e = &entries[0];
    assert_eq!(e.action, AuditAction::LoginBackoff);
    assert_eq!(e.actor, crate::order::Actor::User(UserId::new("u1")));
    assert_eq!(
        (e.target_type.as_str(), e.target_id.as_str()),
        ("user", "u1")
    );
    assert_eq!(e.origin, origin());
    assert_eq!(e.at, t0());
    let failures = e
        .changes
        .iter()
        .find(|c| c.field == "failed_sign_ins")
        .unwrap();
    assert_eq!(
        (failures.before.as_deref(), failures.after.as_deref()),
        (None, Some("3"))
    );
    assert!(!format!("{e:?}").contains("wrong"), "no password: {e:?}");

    // A success ends the episode; the next one is told again.
    clock.advance(Duration::seconds(3600));
    assert!(block_on(svc.login("ann@example.com", "right-password", &origin())).is_ok());
    for _ in 0..3 {
        block_on(svc.login("ann@example.com", "wrong", &origin())).unwrap_err();
    }
    assert_eq!(recorded.mails.lock().unwrap().len(), 2);
    assert_eq!(recorded.throttle.1.lock().unwrap().len(), 2);
    let ids: Vec<String> = recorded
        .mails
        .lock()
        .unwrap()
        .iter()
        .map(|m| m.message_id.clone())
        .collect();
    assert_ne!(ids[0], ids[1], "each episode is a mail of its own");
}

#[test]
fn an_address_without_an_account_backs_off_unmailed_and_unaudited() {
    let recorded = Recorded::default();
    let svc = backoff_service_recording(TestClock::at(t0()), Arc::default(), recorded.clone());
    for _ in 0..5 {
        block_on(svc.login("nobody@example.com", "wrong", &origin())).unwrap_err();
    }
    assert!(recorded.mails.lock().unwrap().is_empty());
    assert!(recorded.throttle.1.lock().unwrap().is_empty());
}

#[test]
fn failures_back_off_doubling_without_checking_a_password() {
    let clock = TestClock::at(t0());
    let verified = Arc::new(Mutex::new(0));
    let svc = backoff_service(clock.clone(), verified.clone());
    for _ in 0..3 {
        assert_eq!(
            block_on(svc.login("ann@example.com", "wrong", &origin())).unwrap_err(),
            DomainError::InvalidCredentials
        );
    }
    // Even the right password is refused, and nothing is verified.
    assert_eq!(
        block_on(svc.login("Ann@Example.com", "right-password", &origin())).unwrap_err(),
        DomainError::LoginBackoff { retry_after: 10 }
    );
    assert_eq!(*verified.lock().unwrap(), 3);
    clock.advance(Duration::seconds(4));
    assert_eq!(
        block_on(svc.login("ann@example.com", "wrong", &origin())).unwrap_err(),
        DomainError::LoginBackoff { retry_after: 6 }
    );
    // The back-off ends; one more failure doubles it, then caps it.
    clock.advance(Duration::seconds(6));
    assert_eq!(
        block_on(svc.login("ann@example.com", "wrong", &origin())).unwrap_err(),
        DomainError::InvalidCredentials
    );
    assert_eq!(
        block_on(svc.login("ann@example.com", "right-password", &origin())).unwrap_err(),
        DomainError::LoginBackoff { retry_after: 20 }
    );
    for expected in [40, 60, 60] {
        clock.advance(Duration::seconds(3600));
        block_on(svc.login("ann@example.com", "wrong", &origin())).unwrap_err();
        assert_eq!(
            block_on(svc.login("ann@example.com", "wrong", &origin())).unwrap_err(),
            DomainError::LoginBackoff {
                retry_after: expected
            }
        );
    }
    // Once it ends, the right password works and forgets the failures.
    clock.advance(Duration::seconds(60));
    assert!(block_on(svc.login("ann@example.com", "right-password", &origin())).is_ok());
    for _ in 0..3 {
        block_on(svc.login("ann@example.com", "wrong", &origin())).unwrap_err();
    }
    assert!(matches!(
        block_on(svc.login("ann@example.com", "wrong", &origin())),
        Err(DomainError::LoginBackoff { .. })
    ));
}

#[test]
fn unknown_addresses_back_off_alike_and_other_addresses_do_not() {
    let clock = TestClock::at(t0());
    let verified = Arc::new(Mutex::new(0));
    let svc = backoff_service(clock, verified);
    for _ in 0..3 {
        assert_eq!(
            block_on(svc.login("nobody@example.com", "wrong", &origin())).unwrap_err(),
            DomainError::InvalidCredentials
        );
    }
    assert_eq!(
        block_on(svc.login("nobody@example.com", "wrong", &origin())).unwrap_err(),
        DomainError::LoginBackoff { retry_after: 10 }
    );
    assert!(block_on(svc.login("ann@example.com", "right-password", &origin())).is_ok());
}

#[test]
fn a_busy_hasher_is_no_failure() {
    let clock = TestClock::at(t0());
    let mut m = Mocks::default();
    m.accounts
        .expect_find_by_email()
        .returning(|_| Ok(Some(user("u1", "ann@example.com", Role::Customer))));
    m.hasher
        .expect_verify()
        .returning(|_, _| Err(DomainError::Busy));
    let mut throttle = crate::account::MockLoginThrottleStore::new();
    throttle.expect_get().returning(|_| Ok(None));
    throttle.expect_record_failure().never();
    m.login_throttle = Some(throttle);
    let svc = AccountService::new(m.ports(clock), settings());
    for _ in 0..10 {
        assert_eq!(
            block_on(svc.login("ann@example.com", "wrong", &origin())).unwrap_err(),
            DomainError::Busy
        );
    }
}

fn token(spent: bool, expires_at: chrono::DateTime<chrono::Utc>) -> RefreshToken {
    RefreshToken {
        token_hash: sha256_hex("refresh-1"),
        session_id: SessionId::new("s1"),
        user_id: UserId::new("u1"),
        issued_at: t0(),
        expires_at,
        spent_at: spent.then(t0),
    }
}

#[test]
fn a_spent_refresh_token_revokes_its_session() {
    let mut m = Mocks::default();
    m.refresh_tokens
        .expect_find_token()
        .withf(|h| h == sha256_hex("refresh-1"))
        .returning(|_| Ok(Some(token(true, t0() + Duration::days(1)))));
    m.refresh_tokens
        .expect_get_session()
        .returning(|_| Ok(live_session("u1")));
    m.refresh_tokens
        .expect_revoke_session()
        .withf(|id, _, audit| {
            id.as_str() == "s1"
                && matches!(audit, [e] if e.action == AuditAction::RefreshTokenReuse
                    && e.actor == crate::order::Actor::User(UserId::new("u1"))
                    && e.target_type == "session"
                    && e.target_id == "s1"
                    && e.origin == origin()
                    && e.changes.iter().any(|c| c.field == "session"
                        && c.before.as_deref() == Some("active")
                        && c.after.as_deref() == Some("revoked"))
                    && !format!("{e:?}").contains("refresh-1"))
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    let svc = service(m);
    assert_eq!(
        block_on(svc.refresh("refresh-1", &origin())).unwrap_err(),
        DomainError::InvalidToken
    );
}

#[test]
fn a_refresh_race_lost_counts_as_reuse() {
    let mut m = Mocks::default();
    m.refresh_tokens
        .expect_find_token()
        .returning(|_| Ok(Some(token(false, t0() + Duration::days(1)))));
    m.refresh_tokens
        .expect_spend_token()
        .returning(|_, _| Ok(false));
    m.refresh_tokens
        .expect_get_session()
        .returning(|_| Ok(live_session("u1")));
    m.refresh_tokens
        .expect_revoke_session()
        .withf(|_, _, audit| audit.len() == 1)
        .times(1)
        .returning(|_, _, _| Ok(()));
    let svc = service(m);
    assert_eq!(
        block_on(svc.refresh("refresh-1", &origin())).unwrap_err(),
        DomainError::InvalidToken
    );
}

#[test]
fn expired_unknown_and_revoked_refresh_tokens_are_refused() {
    let mut m = Mocks::default();
    m.refresh_tokens
        .expect_find_token()
        .returning(|_| Ok(Some(token(false, t0()))));
    m.refresh_tokens
        .expect_spend_token()
        .returning(|_, _| Ok(true));
    let svc = service(m);
    assert_eq!(
        block_on(svc.refresh("refresh-1", &origin())).unwrap_err(),
        DomainError::InvalidToken
    );

    let mut m = Mocks::default();
    m.refresh_tokens.expect_find_token().returning(|_| Ok(None));
    let svc = service(m);
    assert_eq!(
        block_on(svc.refresh("nope", &origin())).unwrap_err(),
        DomainError::InvalidToken
    );

    let mut m = Mocks::default();
    m.refresh_tokens
        .expect_find_token()
        .returning(|_| Ok(Some(token(false, t0() + Duration::days(1)))));
    m.refresh_tokens
        .expect_spend_token()
        .returning(|_, _| Ok(true));
    m.refresh_tokens.expect_get_session().returning(|_| {
        Ok(Some(RefreshSession {
            id: SessionId::new("s1"),
            user_id: UserId::new("u1"),
            created_at: t0(),
            revoked_at: Some(t0()),
        }))
    });
    let svc = service(m);
    assert_eq!(
        block_on(svc.refresh("refresh-1", &origin())).unwrap_err(),
        DomainError::InvalidToken
    );
}

fn claims(version: u64, expires_at: chrono::DateTime<chrono::Utc>) -> AccessClaims {
    AccessClaims {
        user_id: UserId::new("u1"),
        role: Role::Customer,
        session_version: version,
        session_id: SessionId::new("s1"),
        token_id: "jti".into(),
        issued_at: t0().timestamp(),
        expires_at: expires_at.timestamp(),
    }
}

fn authenticate_with(
    c: AccessClaims,
    u: Option<User>,
    session: Option<RefreshSession>,
) -> Result<Principal, DomainError> {
    let mut m = Mocks::default();
    m.signer.expect_verify().returning(move |_| Ok(c.clone()));
    m.accounts.expect_get().returning(move |_| Ok(u.clone()));
    m.refresh_tokens
        .expect_get_session()
        .returning(move |_| Ok(session.clone()));
    block_on(service(m).authenticate("token"))
}

fn live_session(user_id: &str) -> Option<RefreshSession> {
    Some(RefreshSession {
        id: SessionId::new("s1"),
        user_id: UserId::new(user_id),
        created_at: t0(),
        revoked_at: None,
    })
}

#[test]
fn authenticate_checks_expiry_user_version_and_session() {
    let ann = || Some(user("u1", "ann@example.com", Role::Customer));
    let later = t0() + Duration::minutes(15);
    let p = authenticate_with(claims(0, later), ann(), live_session("u1")).unwrap();
    assert_eq!(p.user_id.as_str(), "u1");
    assert_eq!(p.session_id.as_str(), "s1");
    assert_eq!(p.email.as_str(), "ann@example.com");

    // Expiry is exclusive of the instant itself.
    assert_eq!(
        authenticate_with(claims(0, t0()), ann(), live_session("u1")),
        Err(DomainError::TokenExpired)
    );
    assert_eq!(
        authenticate_with(claims(0, later), None, live_session("u1")),
        Err(DomainError::InvalidToken)
    );
    let mut inactive = user("u1", "ann@example.com", Role::Customer);
    inactive.status = AccountStatus::Inactive;
    assert_eq!(
        authenticate_with(claims(0, later), Some(inactive), live_session("u1")),
        Err(DomainError::AccountInactive)
    );
    let mut bumped = user("u1", "ann@example.com", Role::Customer);
    bumped.session_version = 1;
    assert_eq!(
        authenticate_with(claims(0, later), Some(bumped), live_session("u1")),
        Err(DomainError::InvalidToken)
    );
    let mut revoked = live_session("u1");
    if let Some(s) = revoked.as_mut() {
        s.revoked_at = Some(t0());
    }
    assert_eq!(
        authenticate_with(claims(0, later), ann(), revoked),
        Err(DomainError::InvalidToken)
    );
    assert_eq!(
        authenticate_with(claims(0, later), ann(), live_session("someone-else")),
        Err(DomainError::InvalidToken)
    );
    assert_eq!(
        authenticate_with(claims(0, later), ann(), None),
        Err(DomainError::InvalidToken)
    );
}

#[test]
fn the_role_comes_from_the_store_not_the_token() {
    let mut admin_claims = claims(0, t0() + Duration::minutes(5));
    admin_claims.role = Role::Admin;
    let p = authenticate_with(
        admin_claims,
        Some(user("u1", "ann@example.com", Role::Customer)),
        live_session("u1"),
    )
    .unwrap();
    assert_eq!(p.role, Role::Customer);
}

#[test]
fn admins_cannot_inactivate_themselves_and_customers_not_at_all() {
    let svc = service(Mocks::default());
    let admin = principal("a1", Role::Admin);
    assert!(matches!(
        block_on(svc.inactivate(&admin, &UserId::new("a1"))),
        Err(DomainError::InvalidState(_))
    ));
    assert_eq!(
        block_on(svc.inactivate(&principal("c1", Role::Customer), &UserId::new("u1"))),
        Err(DomainError::Forbidden)
    );
}

#[test]
fn inactivation_bumps_the_version_and_revokes_every_session() {
    let mut m = Mocks::default();
    let status = Arc::new(Mutex::new(AccountStatus::Active));
    let s = status.clone();
    m.accounts.expect_get().returning(move |_| {
        let mut u = user("u1", "ann@example.com", Role::Customer);
        u.status = *s.lock().unwrap();
        Ok(Some(u))
    });
    let s = status.clone();
    m.accounts
        .expect_set_status()
        .withf(|id, st, audit| {
            id.as_str() == "u1"
                && *st == AccountStatus::Inactive
                && matches!(audit, [e] if e.action == AuditAction::UserInactivate
                    && e.actor == crate::order::Actor::User(UserId::new("a1"))
                    && e.target_id == "u1"
                    && e.changes.iter().any(|c| c.field == "status"
                        && c.before.as_deref() == Some("active")
                        && c.after.as_deref() == Some("inactive")))
        })
        .times(1)
        .returning(move |_, st, _| {
            *s.lock().unwrap() = st;
            Ok(())
        });
    m.refresh_tokens
        .expect_revoke_user_sessions()
        .withf(|id, except, _| id.as_str() == "u1" && except.is_none())
        .times(1)
        .returning(|_, _, _| Ok(()));
    let svc = service(m);
    let u = block_on(svc.inactivate(&principal("a1", Role::Admin), &UserId::new("u1"))).unwrap();
    assert_eq!(u.status, AccountStatus::Inactive);
}
