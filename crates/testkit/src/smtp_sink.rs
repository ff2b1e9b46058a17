//! A real SMTP server for tests: aiosmtpd in a child process, storing what
//! it accepts in a Maildir of its own. A missing aiosmtpd fails the test
//! (`.ci/services/smtp.sh` installs it); it is never skipped.
//!
//! ```ignore
//! let sink = SmtpSink::builder().picky().start();      // a free port
//! // ... send mail to 127.0.0.1:sink.port() over plain SMTP ...
//! let mail = sink.wait_for_messages(1, Duration::from_secs(10));
//! assert_eq!(mail[0].envelope_to, ["ann@example.test"]);
//! ```
//!
//! The handler answers RCPT with 451 (try later) for `busy@…` and 550 (no
//! such mailbox) for `gone@…` when [`SinkBuilder::picky`] is on, or 451 for
//! the first N `busy@…` attempts only with [`SinkBuilder::busy_for`]; every
//! other recipient is accepted. Messages survive [`SmtpSink::stop`] and
//! [`SmtpSink::restart`] (same port, same Maildir).

use std::fs;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mail_parser::MessageParser;

const STARTUP_LIMIT: Duration = Duration::from_secs(20);

/// The handler module: the stock Maildir handler plus the RCPT answers
/// the environment asks for (`SINK_PICKY`, `SINK_BUSY_TIMES`).
const HANDLER: &str = r#"
import os

from aiosmtpd.handlers import Mailbox

PICKY = os.environ.get("SINK_PICKY") == "1"
RCPT_LOG = os.path.join(os.environ["SINK_DIR"], "rcpt.log")
# -1: busy@ always answers 451 (when picky); N >= 0: only its first N tries.
BUSY_TIMES = int(os.environ.get("SINK_BUSY_TIMES", "-1"))


class Sink(Mailbox):
    busy_seen = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answer = self.answer(address)
        with open(RCPT_LOG, "a") as log:
            log.write(f"{address} {answer}\n")
        if answer.startswith("250"):
            envelope.rcpt_tos.append(address)
        return answer

    def answer(self, address):
        local_part = address.split("@", 1)[0].lower()
        if local_part == "busy" and (PICKY or BUSY_TIMES >= 0):
            seen = self.busy_seen.get(address, 0)
            self.busy_seen[address] = seen + 1
            if BUSY_TIMES < 0 or seen < BUSY_TIMES:
                return "451 4.2.1 Mailbox busy, try again later"
        if local_part == "gone" and PICKY:
            return "550 5.1.1 No such mailbox"
        return "250 OK"
"#;

/// A port nothing listens on right now (the kernel's pick, released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port on 127.0.0.1")
}

/// How the sink answers; see the module documentation.
#[derive(Debug, Clone, Default)]
pub struct SinkBuilder {
    port: Option<u16>,
    picky: bool,
    busy_times: Option<u32>,
}

impl SinkBuilder {
    /// Listen on `port` instead of a free one.
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// 451 for `busy@…` (every time, unless [`Self::busy_for`]), 550 for `gone@…`.
    #[must_use]
    pub fn picky(mut self) -> Self {
        self.picky = true;
        self
    }

    /// 451 for the first `attempts` RCPTs of each `busy@…` address, then accepted.
    #[must_use]
    pub fn busy_for(mut self, attempts: u32) -> Self {
        self.busy_times = Some(attempts);
        self
    }

    pub fn start(self) -> SmtpSink {
        let dir =
            std::env::temp_dir().join(format!("shop-smtp-sink-{}", uuid::Uuid::new_v4().simple()));
        let maildir = dir.join("maildir");
        for sub in ["tmp", "new", "cur"] {
            fs::create_dir_all(maildir.join(sub)).expect("create the Maildir");
        }
        fs::write(dir.join("shop_sink_handler.py"), HANDLER).expect("write the handler");
        let mut sink = SmtpSink {
            child: None,
            port: self.port.unwrap_or_else(free_port),
            dir,
            options: self,
        };
        sink.spawn();
        sink
    }
}

/// A running (or stopped) aiosmtpd; killed and its files removed on drop.
pub struct SmtpSink {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
    options: SinkBuilder,
}

impl SmtpSink {
    pub fn builder() -> SinkBuilder {
        SinkBuilder::default()
    }

    /// Accepts every recipient, on a free port.
    pub fn start() -> Self {
        Self::builder().start()
    }

    /// Accepts every recipient, on `port`.
    pub fn start_on(port: u16) -> Self {
        Self::builder().port(port).start()
    }

    /// 451 for `busy@…`, 550 for `gone@…`, on a free port.
    pub fn start_picky() -> Self {
        Self::builder().picky().start()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the server; its port is free again and nothing answers there.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops the server and starts it again on the same port and Maildir,
    /// with the same answers (their counters start over).
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    /// Stops the server and starts it again with `options`' answers, on the
    /// same port and Maildir (`options`' port is ignored).
    pub fn restart_with(&mut self, options: SinkBuilder) {
        self.stop();
        self.options = options;
        self.spawn();
    }

    fn spawn(&mut self) {
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("aiosmtpd.log"))
            .expect("create the server log");
        let mut command = Command::new("python3");
        command
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{}", self.port))
            .arg("-c")
            .arg("shop_sink_handler.Sink")
            .arg(self.dir.join("maildir"))
            .env("PYTHONPATH", &self.dir)
            .env("SINK_DIR", &self.dir)
            .env("SINK_PICKY", if self.options.picky { "1" } else { "0" })
            .env(
                "SINK_BUSY_TIMES",
                self.options
                    .busy_times
                    .map_or_else(|| "-1".to_string(), |n| n.to_string()),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        let child = command.spawn().unwrap_or_else(|e| {
            panic!("cannot run python3 -m aiosmtpd ({e}); install it with .ci/services/smtp.sh")
        });
        self.child = Some(child);
        self.wait_until_listening();
    }

    fn wait_until_listening(&mut self) {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let started = Instant::now();
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!(
                    "aiosmtpd exited ({status}) before listening on {addr}; is it installed \
                     (.ci/services/smtp.sh)? Its log:\n{}",
                    self.log()
                );
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return;
            }
            if started.elapsed() > STARTUP_LIMIT {
                panic!(
                    "aiosmtpd did not listen on {addr} within {STARTUP_LIMIT:?}. Its log:\n{}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// What the server wrote to stderr (its session log).
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.join("aiosmtpd.log")).unwrap_or_default()
    }

    /// Every RCPT the server answered, in order: (address, reply), e.g.
    /// `("gone@shop.test", "550 5.1.1 No such mailbox")`; across restarts.
    pub fn rcpt_attempts(&self) -> Vec<(String, String)> {
        fs::read_to_string(self.dir.join("rcpt.log"))
            .unwrap_or_default()
            .lines()
            .filter_map(|line| {
                let (address, reply) = line.split_once(' ')?;
                Some((address.to_string(), reply.to_string()))
            })
            .collect()
    }

    /// How many RCPTs for `address` (any reply) the server has seen.
    pub fn rcpt_count(&self, address: &str) -> usize {
        self.rcpt_attempts()
            .iter()
            .filter(|(a, _)| a.eq_ignore_ascii_case(address))
            .count()
    }

    /// Every stored message, oldest first (by Maildir name).
    pub fn messages(&self) -> Vec<SinkMessage> {
        let new = self.dir.join("maildir").join("new");
        let mut paths: Vec<_> = fs::read_dir(&new)
            .expect("read the Maildir")
            .map(|entry| entry.expect("a Maildir entry").path())
            .collect();
        paths.sort();
        paths
            .iter()
            .map(|path| SinkMessage::parse(fs::read(path).expect("read a stored message")))
            .collect()
    }

    /// Polls until at least `count` messages are stored; panics with what
    /// did arrive (and the server log) after `timeout`.
    pub fn wait_for_messages(&self, count: usize, timeout: Duration) -> Vec<SinkMessage> {
        let started = Instant::now();
        loop {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            if started.elapsed() > timeout {
                panic!(
                    "{} of {count} messages after {timeout:?}: {messages:#?}\naiosmtpd log:\n{}",
                    messages.len(),
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// One stored message. The server adds `X-Peer`, `X-MailFrom` and
/// `X-RcptTo` headers (the SMTP envelope) in front of what it received.
#[derive(Clone)]
pub struct SinkMessage {
    /// The message as stored, the server's headers included.
    pub raw: Vec<u8>,
    /// `MAIL FROM` of the SMTP envelope.
    pub envelope_from: Option<String>,
    /// The accepted `RCPT TO` addresses of the SMTP envelope.
    pub envelope_to: Vec<String>,
    /// Every header line, unfolded, as (name, value) in order.
    pub headers: Vec<(String, String)>,
    /// The `Message-ID` header, angle brackets included.
    pub message_id: Option<String>,
    /// The decoded subject.
    pub subject: Option<String>,
    /// The addresses of `From`.
    pub from: Vec<String>,
    /// The addresses of `To`.
    pub to: Vec<String>,
    /// The first text/plain part, decoded, with `\n` line ends.
    pub text: Option<String>,
    /// The first text/html part, decoded, with `\n` line ends.
    pub html: Option<String>,
    /// How many text and HTML body parts there are.
    pub text_parts: usize,
    pub html_parts: usize,
    /// Whether the root part is `multipart/alternative`.
    pub alternative: bool,
}

impl SinkMessage {
    /// Parses a stored message; one that is not MIME panics with its text.
    pub fn parse(raw: Vec<u8>) -> Self {
        use mail_parser::MimeHeaders as _;

        let text = String::from_utf8_lossy(&raw).into_owned();
        let parsed = MessageParser::default()
            .parse(&raw)
            .unwrap_or_else(|| panic!("not a MIME message:\n{text}"));
        let addresses = |address: Option<&mail_parser::Address<'_>>| -> Vec<String> {
            address
                .into_iter()
                .flat_map(|a| a.iter())
                .filter_map(|a| a.address().map(str::to_string))
                .collect()
        };
        let headers: Vec<(String, String)> = header_lines(&text)
            .into_iter()
            .filter_map(|line| {
                let (name, value) = line.split_once(':')?;
                Some((name.trim().to_string(), value.trim().to_string()))
            })
            .collect();
        let first = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        let envelope_to = first("X-RcptTo")
            .map(|v| {
                v.split(',')
                    .map(|a| a.trim().to_string())
                    .filter(|a| !a.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        Self {
            envelope_from: first("X-MailFrom"),
            envelope_to,
            message_id: first("Message-ID"),
            subject: parsed.subject().map(str::to_string),
            from: addresses(parsed.from()),
            to: addresses(parsed.to()),
            text: parsed.body_text(0).map(|b| b.replace("\r\n", "\n")),
            html: parsed.body_html(0).map(|b| b.replace("\r\n", "\n")),
            text_parts: parsed.text_body_count(),
            html_parts: parsed.html_body_count(),
            alternative: parsed
                .root_part()
                .is_content_type("multipart", "alternative"),
            headers,
            raw,
        }
    }

    /// The raw message as text (lossy).
    pub fn raw_text(&self) -> String {
        String::from_utf8_lossy(&self.raw).into_owned()
    }

    /// The value of header `name` in each header line that has it.
    pub fn header(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

impl std::fmt::Debug for SinkMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The raw text is what a reader of a failed test needs.
        write!(f, "SinkMessage(\n{}\n)", self.raw_text())
    }
}

/// The header lines (unfolded) of a raw message, up to the blank line.
fn header_lines(raw: &str) -> Vec<String> {
    let head = raw
        .replace("\r\n", "\n")
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .to_string();
    let mut lines: Vec<String> = Vec::new();
    for line in head.lines() {
        match lines.last_mut() {
            Some(last) if line.starts_with([' ', '\t']) => last.push_str(line),
            _ => lines.push(line.to_string()),
        }
    }
    lines
}

/// The value of header `name` in each (unfolded) header line of `raw` that has it.
pub fn header_values(raw: &str, name: &str) -> Vec<String> {
    header_lines(raw)
        .into_iter()
        .filter_map(|line| {
            let (header, value) = line.split_once(':')?;
            header
                .trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_string())
        })
        .collect()
}
