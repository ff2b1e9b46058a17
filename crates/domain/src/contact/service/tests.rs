use std::sync::{Arc, Mutex};

use futures::executor::block_on;

use super::*;
use crate::account::Role;
use crate::test_support::{Mocks, TestClock, principal, settings, t0, user};

fn new_message() -> NewContactMessage {
    NewContactMessage {
        name: " Ann Lee ".into(),
        email: " Ann@Example.com ".into(),
        subject: "Order question\r\nBcc: evil@example.com".into(),
        message: "  Where is my hammer?  ".into(),
    }
}

#[test]
fn a_message_is_normalised_and_stored() {
    let mut m = Mocks::default();
    let stored = Arc::new(Mutex::new(Vec::new()));
    let s = stored.clone();
    let mails = Arc::new(Mutex::new(Vec::new()));
    let recorded = mails.clone();
    m.contacts
        .expect_insert()
        .times(1)
        .returning(move |msg, mails| {
            s.lock().unwrap().push(msg.clone());
            recorded.lock().unwrap().extend(mails.iter().cloned());
            Ok(())
        });
    m.accounts.expect_list_active_admins().returning(|| {
        Ok(vec![
            user("admin-1", "admin1@example.com", Role::Admin),
            user("admin-2", "admin2@example.com", Role::Admin),
        ])
    });
    let svc = ContactService::new(m.ports(TestClock::at(t0())), settings());
    let sender = principal("u1", Role::Customer);
    let msg = block_on(svc.submit(Some(&sender), &new_message())).unwrap();
    assert_eq!(msg.name.as_str(), "Ann Lee");
    assert_eq!(msg.email.as_str(), "ann@example.com");
    assert_eq!(msg.subject, "Order question  Bcc: evil@example.com");
    assert_eq!(msg.message, "Where is my hammer?");
    assert_eq!(msg.status, ContactStatus::New);
    assert_eq!(msg.user_id, Some(sender.user_id));
    assert_eq!(msg.created_at, t0());
    assert_eq!(
        stored.lock().unwrap().as_slice(),
        std::slice::from_ref(&msg)
    );
    // Each admin gets a notice, recorded with the message itself.
    let mails = mails.lock().unwrap().clone();
    let to: Vec<_> = mails.iter().map(|m| m.to.to_string()).collect();
    assert_eq!(to, ["admin1@example.com", "admin2@example.com"]);
    assert_eq!(
        mails[0].subject,
        "Contact: Order question  Bcc: evil@example.com"
    );
    assert!(mails[0].html.contains("Where is my hammer?"));
    assert_ne!(mails[0].message_id, mails[1].message_id);
}

#[test]
fn a_hostile_contact_message_is_escaped_in_the_notice_and_cannot_add_a_header() {
    let mut m = Mocks::default();
    let mails = Arc::new(Mutex::new(Vec::new()));
    let recorded = mails.clone();
    m.contacts.expect_insert().returning(move |_, mails| {
        recorded.lock().unwrap().extend(mails.iter().cloned());
        Ok(())
    });
    m.accounts
        .expect_list_active_admins()
        .returning(|| Ok(vec![user("admin-1", "admin1@example.com", Role::Admin)]));
    let svc = ContactService::new(m.ports(TestClock::at(t0())), settings());
    let hostile = NewContactMessage {
        name: "<script>alert(1)</script>".into(),
        email: "eve@example.com".into(),
        subject: "Hi\r\nBcc: x@evil.test".into(),
        message: "<img src=x onerror=alert(2)>".into(),
    };
    block_on(svc.submit(None, &hostile)).unwrap();
    let mail = mails.lock().unwrap()[0].clone();
    assert!(!mail.html.contains("<script>"), "{}", mail.html);
    assert!(mail.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!mail.html.contains("<img"));
    assert!(!mail.subject.contains('\r') && !mail.subject.contains('\n'));
    assert_eq!(mail.subject, "Contact: Hi  Bcc: x@evil.test");
}

#[test]
fn every_invalid_field_is_reported_and_nothing_stored() {
    let svc = ContactService::new(Mocks::default().ports(TestClock::at(t0())), settings());
    let bad = NewContactMessage {
        name: String::new(),
        email: "nope".into(),
        subject: "\r\n".into(),
        message: "x".repeat(5001),
    };
    match block_on(svc.submit(None, &bad)) {
        Err(DomainError::Validation(errs)) => {
            let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
            assert_eq!(fields, ["name", "email", "subject", "message"]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn only_admins_triage() {
    let svc = ContactService::new(Mocks::default().ports(TestClock::at(t0())), settings());
    let c = principal("u1", Role::Customer);
    assert_eq!(
        block_on(svc.list(&c, None, &PageRequest::default())),
        Err(DomainError::Forbidden)
    );
    assert_eq!(
        block_on(svc.set_status(&c, &ContactMessageId::new("m1"), ContactStatus::Read)),
        Err(DomainError::Forbidden)
    );
    let mut m = Mocks::default();
    m.contacts.expect_get().returning(|_| Ok(None));
    let svc = ContactService::new(m.ports(TestClock::at(t0())), settings());
    assert_eq!(
        block_on(svc.set_status(
            &principal("a1", Role::Admin),
            &ContactMessageId::new("m1"),
            ContactStatus::Archived
        )),
        Err(DomainError::NotFound("contact message"))
    );
}

#[test]
fn status_words_round_trip() {
    for s in [
        ContactStatus::New,
        ContactStatus::Read,
        ContactStatus::Archived,
    ] {
        assert_eq!(ContactStatus::parse(s.as_str()), Some(s));
    }
    assert_eq!(ContactStatus::parse("deleted"), None);
}

#[test]
fn a_status_change_is_audited_with_its_before_and_after() {
    let message = ContactMessage {
        id: ContactMessageId::new("m1"),
        user_id: None,
        name: PersonName::parse("Ann").unwrap(),
        email: Email::trusted("ann@example.com"),
        subject: "Hi".into(),
        message: "Hello".into(),
        status: ContactStatus::New,
        created_at: t0(),
    };
    let status = Arc::new(Mutex::new(ContactStatus::New));
    let written = Arc::new(Mutex::new(Vec::new()));
    let mut m = Mocks::default();
    let s = status.clone();
    m.contacts.expect_get().returning(move |_| {
        Ok(Some(ContactMessage {
            status: *s.lock().unwrap(),
            ..message.clone()
        }))
    });
    let (s, w) = (status.clone(), written.clone());
    m.contacts
        .expect_set_status()
        .returning(move |_, status, audit| {
            *s.lock().unwrap() = status;
            w.lock().unwrap().push(audit.to_vec());
            Ok(())
        });
    let svc = ContactService::new(m.ports(TestClock::at(t0())), settings());
    let mut admin = principal("a1", Role::Admin);
    admin.origin.request_id = Some("req-9".into());
    let id = ContactMessageId::new("m1");
    block_on(svc.set_status(&admin, &id, ContactStatus::Read)).unwrap();
    // Setting the status it has changes nothing and records nothing.
    block_on(svc.set_status(&admin, &id, ContactStatus::Read)).unwrap();
    let written = written.lock().unwrap().clone();
    assert_eq!(written.len(), 2);
    let [e] = written[0].as_slice() else {
        panic!("one entry: {written:?}")
    };
    assert_eq!(e.action, crate::audit::AuditAction::ContactMessageUpdate);
    assert_eq!(e.actor, crate::order::Actor::User(admin.user_id.clone()));
    assert_eq!(
        (e.target_type.as_str(), e.target_id.as_str()),
        ("contact_message", "m1")
    );
    assert_eq!(e.origin.request_id.as_deref(), Some("req-9"));
    assert_eq!(e.changes.len(), 1);
    assert_eq!(
        (
            e.changes[0].before.as_deref(),
            e.changes[0].after.as_deref()
        ),
        (Some("new"), Some("read"))
    );
    assert!(written[1].is_empty(), "{written:?}");
}
