//! A real SMTP server per test: aiosmtpd in a child process, storing what
//! it accepts in a Maildir of its own. A missing aiosmtpd fails the test.

use std::fs;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use shop_email::{SmtpSecurity, SmtpSettings};

const STARTUP_LIMIT: Duration = Duration::from_secs(20);

/// Answers 451 (try later) to RCPT for `busy@…`, 550 (no such mailbox) for
/// `gone@…`, and stores mail for everyone else.
const PICKY_HANDLER: &str = r#"
from aiosmtpd.handlers import Mailbox


class Picky(Mailbox):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local_part = address.split("@", 1)[0].lower()
        if local_part == "busy":
            return "451 4.2.1 Mailbox busy, try again later"
        if local_part == "gone":
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"
"#;

/// A port nothing listens on right now (the kernel's pick, released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port on 127.0.0.1")
}

/// Plain SMTP to 127.0.0.1:`port`, with a short timeout.
pub fn plain_settings(port: u16) -> SmtpSettings {
    SmtpSettings {
        port,
        timeout: Duration::from_secs(5),
        ..SmtpSettings::new("127.0.0.1", SmtpSecurity::Plain)
    }
}

pub struct SmtpSink {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl SmtpSink {
    /// The stock Maildir handler on a free port.
    pub fn start() -> Self {
        Self::start_on(free_port())
    }

    pub fn start_on(port: u16) -> Self {
        Self::spawn(port, None)
    }

    /// The [`PICKY_HANDLER`] on a free port.
    pub fn start_picky() -> Self {
        Self::spawn(free_port(), Some(PICKY_HANDLER))
    }

    fn spawn(port: u16, handler_source: Option<&str>) -> Self {
        let dir =
            std::env::temp_dir().join(format!("shop-email-smtp-{}", uuid::Uuid::new_v4().simple()));
        let maildir = dir.join("maildir");
        for sub in ["tmp", "new", "cur"] {
            fs::create_dir_all(maildir.join(sub)).expect("create the Maildir");
        }
        let handler = match handler_source {
            None => "aiosmtpd.handlers.Mailbox",
            Some(source) => {
                fs::write(dir.join("picky_handler.py"), source).expect("write the handler");
                "picky_handler.Picky"
            }
        };
        let log = fs::File::create(dir.join("aiosmtpd.log")).expect("create the server log");
        let child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("-c")
            .arg(handler)
            .arg(&maildir)
            .env("PYTHONPATH", &dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot run python3 -m aiosmtpd ({e}); install it with .ci/services/smtp.sh")
            });
        let mut sink = Self { child, port, dir };
        sink.wait_until_listening();
        sink
    }

    fn wait_until_listening(&mut self) {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
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

    fn log(&self) -> String {
        fs::read_to_string(self.dir.join("aiosmtpd.log")).unwrap_or_default()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn settings(&self) -> SmtpSettings {
        plain_settings(self.port)
    }

    /// Every stored message as the server wrote it. aiosmtpd adds
    /// `X-MailFrom` and `X-RcptTo` headers: the SMTP envelope.
    pub fn messages(&self) -> Vec<String> {
        let new = self.dir.join("maildir").join("new");
        let mut paths: Vec<_> = fs::read_dir(&new)
            .expect("read the Maildir")
            .map(|entry| entry.expect("a Maildir entry").path())
            .collect();
        paths.sort();
        paths
            .iter()
            .map(|path| fs::read_to_string(path).expect("read a stored message"))
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}
