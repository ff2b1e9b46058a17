//! `FileMailbox`: one JSON file per Message-ID, atomic writes, newest first.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use shop_domain::Clock as _;
use shop_domain::account::Email;
use shop_domain::mail::{MailMessage, Mailer};
use shop_memory::{FileMailbox, ManualClock, StoredMail};

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        Self(std::env::temp_dir().join(format!("shop-mailbox-{}", uuid::Uuid::new_v4())))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn message(id: &str, subject: &str) -> MailMessage {
    MailMessage {
        message_id: id.into(),
        from: Email::parse("shop@example.test").unwrap(),
        to: Email::parse("ann@example.test").unwrap(),
        subject: subject.into(),
        text: format!("{subject}\n\nThanks."),
        html: format!("<p>{subject}</p>"),
    }
}

fn setup(dir: &TempDir) -> (Arc<ManualClock>, FileMailbox) {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2030, 1, 1, 9, 0, 0).unwrap(),
    ));
    let mailbox = FileMailbox::new(dir.0.join("nested/mail"))
        .unwrap()
        .with_clock(clock.clone());
    (clock, mailbox)
}

fn files(mailbox: &FileMailbox) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(mailbox.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_sent_message_is_one_json_file() {
    let dir = TempDir::new();
    let (clock, mailbox) = setup(&dir);
    let m = message(
        "<order-confirmation.o1.ann_example_com@shop.test>",
        "Order SO-000001",
    );
    mailbox.send(&m).await.unwrap();
    let names = files(&mailbox);
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(
        names[0].ends_with(".json") && !names[0].contains('<'),
        "{names:?}"
    );
    let expected = StoredMail {
        message_id: m.message_id.clone(),
        from: "shop@example.test".into(),
        to: "ann@example.test".into(),
        subject: m.subject.clone(),
        text: m.text.clone(),
        html: m.html.clone(),
        sent_at: clock.now(),
        deliveries: 1,
    };
    assert_eq!(mailbox.list().unwrap(), vec![expected]);
    let raw = std::fs::read_to_string(mailbox.dir().join(&names[0])).unwrap();
    let json: serde_json::Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(json["sent_at"], "2030-01-01T09:00:00Z");
    assert_eq!(json["message_id"], m.message_id.as_str());
}

#[tokio::test]
async fn resending_a_message_id_replaces_its_file_and_counts_the_delivery() {
    let dir = TempDir::new();
    let (clock, mailbox) = setup(&dir);
    mailbox
        .send(&message("<m1@shop.test>", "First try"))
        .await
        .unwrap();
    clock.advance(Duration::minutes(5));
    mailbox
        .send(&message("<m1@shop.test>", "Second try"))
        .await
        .unwrap();
    assert_eq!(files(&mailbox).len(), 1);
    let listed = mailbox.list().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].subject, "Second try");
    assert_eq!(listed[0].sent_at, clock.now());
    assert_eq!(listed[0].deliveries, 2);
}

#[tokio::test]
async fn list_is_newest_first_and_skips_foreign_files() {
    let dir = TempDir::new();
    let (clock, mailbox) = setup(&dir);
    for (i, id) in ["<a@x>", "<b@x>", "<c@x>", "a/b", "%3Ca@x%3E"]
        .iter()
        .enumerate()
    {
        mailbox
            .send(&message(id, &format!("mail {i}")))
            .await
            .unwrap();
        clock.advance(Duration::seconds(1));
    }
    std::fs::write(mailbox.dir().join("notes.txt"), "not a mail").unwrap();
    std::fs::write(mailbox.dir().join("broken.json"), "{\"half\": ").unwrap();
    let subjects: Vec<String> = mailbox
        .list()
        .unwrap()
        .into_iter()
        .map(|m| m.subject)
        .collect();
    assert_eq!(subjects, ["mail 4", "mail 3", "mail 2", "mail 1", "mail 0"]);
    // No temporary file is left behind.
    assert!(files(&mailbox).iter().all(|n| !n.starts_with('.')));
}

#[tokio::test]
async fn concurrent_resends_leave_one_whole_file() {
    let dir = TempDir::new();
    let (_, mailbox) = setup(&dir);
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let mailbox = mailbox.clone();
            tokio::spawn(async move {
                mailbox
                    .send(&message("<same@x>", &format!("copy {i}")))
                    .await
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(files(&mailbox).len(), 1);
    let listed = mailbox.list().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].deliveries, 16);
}

#[test]
fn an_unusable_directory_is_an_error() {
    let dir = TempDir::new();
    std::fs::create_dir_all(&dir.0).unwrap();
    let file = dir.0.join("a-file");
    std::fs::write(&file, "x").unwrap();
    assert!(FileMailbox::new(file.join("mail")).is_err());
}
