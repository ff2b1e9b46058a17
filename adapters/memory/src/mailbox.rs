//! A mailbox in a directory: every sent message is one JSON file, for the
//! embedded shape (admins read it in the portal) and for tests.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use shop_domain::mail::{MailError, MailMessage, Mailer};
use shop_domain::{Clock, DomainError};

use crate::system::{SystemClock, hex};

/// A message as the mailbox stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredMail {
    pub message_id: String,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// RFC 3339 in the file. The time of the latest delivery.
    pub sent_at: DateTime<Utc>,
    /// How many times the transport was handed this Message-ID: more than
    /// one shows a repeat send (crash tests look for it) while the mailbox
    /// still holds one message per Message-ID. Files written before the
    /// count existed were delivered once.
    #[serde(default = "one")]
    pub deliveries: u32,
}

fn one() -> u32 {
    1
}

/// Stores each message as `<dir>/<safe message id>.json`. The file name is
/// an injective encoding of the Message-ID, so sending the same message
/// again (a redelivery after a crash) replaces its file and counts the
/// delivery: one file per Message-ID. Files are written to a temporary name
/// and renamed into place, so a reader never sees half a message.
#[derive(Clone)]
pub struct FileMailbox {
    dir: PathBuf,
    clock: Arc<dyn Clock>,
    /// Serialises read-count-write within the process, so concurrent sends
    /// of one Message-ID lose no delivery from the count. (Across processes
    /// sends are sequential: a restarted worker resends after the old died.)
    writing: Arc<Mutex<()>>,
}

impl std::fmt::Debug for FileMailbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileMailbox")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

fn io_error(what: &str, path: &Path, e: &std::io::Error) -> DomainError {
    DomainError::Internal(format!("mailbox: cannot {what} {}: {e}", path.display()))
}

/// Longest encoded Message-ID kept whole in a file name (names are limited
/// to 255 bytes on common filesystems).
const MAX_NAME: usize = 160;

/// A file name for a Message-ID: ASCII letters, digits, `.`, `-`, `_` and
/// `@` stay, every other byte becomes `%XX`; an overlong result keeps its
/// start and gets the SHA-256 of the whole id.
fn file_stem(message_id: &str) -> String {
    let mut stem = String::with_capacity(message_id.len());
    for b in message_id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'@') {
            stem.push(char::from(b));
        } else {
            stem.push_str(&format!("%{b:02X}"));
        }
    }
    if stem.len() > MAX_NAME {
        let digest = hex(&Sha256::digest(message_id.as_bytes()));
        let mut cut = MAX_NAME - digest.len() - 1;
        while !stem.is_char_boundary(cut) {
            cut -= 1;
        }
        stem = format!("{}~{digest}", &stem[..cut]);
    }
    stem
}

impl FileMailbox {
    /// Opens (creating if needed) the mailbox directory. Times come from the
    /// system clock unless [`with_clock`](Self::with_clock) says otherwise.
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self, DomainError> {
        let dir = dir.into();
        fs::create_dir_all(&dir).map_err(|e| io_error("create", &dir, &e))?;
        Ok(Self {
            dir,
            clock: Arc::new(SystemClock),
            writing: Arc::new(Mutex::new(())),
        })
    }

    #[must_use]
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Self {
        Self { clock, ..self }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every stored message, newest first. Files that are not messages of
    /// this mailbox are skipped.
    pub fn list(&self) -> Result<Vec<StoredMail>, DomainError> {
        let entries = fs::read_dir(&self.dir).map_err(|e| io_error("read", &self.dir, &e))?;
        let mut mails = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| io_error("read", &self.dir, &e))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') || !name.ends_with(".json") {
                continue;
            }
            let path = entry.path();
            let bytes = match fs::read(&path) {
                Ok(bytes) => bytes,
                // Replaced or removed between listing and reading.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io_error("read", &path, &e)),
            };
            match serde_json::from_slice::<StoredMail>(&bytes) {
                Ok(mail) => mails.push(mail),
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "skipping a file that is not a stored mail")
                }
            }
        }
        mails.sort_by(|a, b| {
            b.sent_at
                .cmp(&a.sent_at)
                .then_with(|| b.message_id.cmp(&a.message_id))
        });
        Ok(mails)
    }

    fn path_of(&self, message_id: &str) -> PathBuf {
        self.dir.join(format!("{}.json", file_stem(message_id)))
    }

    /// How often the message at `path` was delivered so far: 0 when there
    /// is none. An unreadable file counts as one delivery, since something
    /// was written there.
    fn deliveries_so_far(path: &Path) -> Result<u32, DomainError> {
        match fs::read(path) {
            Ok(bytes) => {
                Ok(serde_json::from_slice::<StoredMail>(&bytes).map_or(1, |m| m.deliveries))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(io_error("read", path, &e)),
        }
    }

    /// Writes `mail`, counting the deliveries of its Message-ID so far.
    fn deliver(&self, mut mail: StoredMail) -> Result<(), DomainError> {
        let _writing = self.writing.lock();
        let target = self.path_of(&mail.message_id);
        mail.deliveries = Self::deliveries_so_far(&target)?.saturating_add(1);
        self.write(&mail)
    }

    fn write(&self, mail: &StoredMail) -> Result<(), DomainError> {
        let json = serde_json::to_vec_pretty(mail)
            .map_err(|e| DomainError::Internal(format!("mailbox: {e}")))?;
        let target = self.path_of(&mail.message_id);
        let temp = self
            .dir
            .join(format!(".tmp-{}", uuid::Uuid::new_v4().simple()));
        let written = fs::File::create(&temp)
            .and_then(|mut f| f.write_all(&json).and_then(|()| f.sync_all()))
            .and_then(|()| fs::rename(&temp, &target));
        if let Err(e) = written {
            let _ = fs::remove_file(&temp);
            return Err(io_error("write", &target, &e));
        }
        Ok(())
    }
}

#[async_trait]
impl Mailer for FileMailbox {
    async fn send(&self, message: &MailMessage) -> Result<(), MailError> {
        self.deliver(StoredMail {
            message_id: message.message_id.clone(),
            from: message.from.as_str().to_string(),
            to: message.to.as_str().to_string(),
            subject: message.subject.clone(),
            text: message.text.clone(),
            html: message.html.clone(),
            sent_at: self.clock.now(),
            deliveries: 1,
        })
        // A full disk or a permissions slip is worth retrying once fixed.
        .map_err(|e| MailError::Transient(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_are_safe_and_distinct() {
        let a = file_stem("<order.42.ann_example.com@shop.test>");
        assert_eq!(a, "%3Corder.42.ann_example.com@shop.test%3E");
        assert_ne!(file_stem("<a>"), file_stem("%3Ca%3E"));
        assert_ne!(file_stem("a/b"), file_stem("a_b"));
        assert!(!file_stem("../../etc/passwd").contains('/'));
        let long = file_stem(&"é".repeat(300));
        assert!(long.len() <= MAX_NAME, "{}", long.len());
        assert_ne!(long, file_stem(&"é".repeat(301)));
    }

    fn message(id: &str, subject: &str) -> MailMessage {
        MailMessage {
            message_id: id.into(),
            from: shop_domain::account::Email::parse("shop@example.test").unwrap(),
            to: shop_domain::account::Email::parse("ann@example.test").unwrap(),
            subject: subject.into(),
            text: subject.into(),
            html: subject.into(),
        }
    }

    #[tokio::test]
    async fn a_repeat_send_keeps_one_file_and_counts_deliveries() {
        let dir = std::env::temp_dir().join(format!("shop-mailbox-unit-{}", uuid::Uuid::new_v4()));
        let mailbox = FileMailbox::new(&dir).unwrap();
        mailbox.send(&message("<a@x>", "first")).await.unwrap();
        mailbox.send(&message("<b@x>", "other")).await.unwrap();
        mailbox.send(&message("<a@x>", "again")).await.unwrap();
        let mut listed = mailbox.list().unwrap();
        listed.sort_by(|x, y| x.message_id.cmp(&y.message_id));
        let seen: Vec<(&str, &str, u32)> = listed
            .iter()
            .map(|m| (m.message_id.as_str(), m.subject.as_str(), m.deliveries))
            .collect();
        assert_eq!(seen, [("<a@x>", "again", 2), ("<b@x>", "other", 1)]);
        let files = fs::read_dir(&dir).unwrap().count();
        assert_eq!(files, 2);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_file_without_a_count_was_delivered_once() {
        let old = r#"{"message_id":"<a@x>","from":"s@x.test","to":"a@x.test","subject":"s",
            "text":"t","html":"h","sent_at":"2030-01-01T09:00:00Z"}"#;
        let mail: StoredMail = serde_json::from_str(old).unwrap();
        assert_eq!(mail.deliveries, 1);
    }
}
