//! `spawn_app`: one real `shop-api` process per test, on its own port, with
//! its own data directory, killed when the [`TestApp`] is dropped.
//!
//! `SHOP_TEST_BACKEND` picks the relational store of every spawned app:
//! `sqlite` (the default: the binary's own default, a SQLite file in the
//! app's data directory) or `mariadb` (a throwaway database
//! `shop_bb_<pid>_<n>` on `SHOP_TEST_MYSQL_URL` (default
//! `mysql://root@127.0.0.1:3306`, no password),
//! created with the `mariadb` client and dropped with the app).

use std::collections::BTreeMap;
use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::binary::{shop_api_binary, shop_worker_binary};

pub const ADMIN_EMAIL: &str = "admin@shop.test";
pub const ADMIN_PASSWORD: &str = "admin-Passw0rd-for-tests";

const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// The relational store the spawned apps use (`SHOP_TEST_BACKEND`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Mariadb,
}

impl Backend {
    pub fn from_env() -> Self {
        match std::env::var("SHOP_TEST_BACKEND").as_deref() {
            Ok("mariadb" | "mysql") => Self::Mariadb,
            Ok("sqlite") | Ok("") | Err(_) => Self::Sqlite,
            Ok(other) => panic!("SHOP_TEST_BACKEND={other:?}: use sqlite or mariadb"),
        }
    }
}

/// User, host and port of the MariaDB server: `SHOP_TEST_MYSQL_URL` (as for
/// shop-sql's tests), default `mysql://root@127.0.0.1:3306` (no password).
fn mariadb_server() -> (String, String, String) {
    let url = std::env::var("SHOP_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into());
    let spec = url.trim_start_matches("mysql://").trim_end_matches('/');
    let (user, hostport) = spec.split_once('@').unwrap_or(("root", spec));
    let (host, port) = hostport.split_once(':').unwrap_or((hostport, "3306"));
    (user.to_string(), host.to_string(), port.to_string())
}

/// Runs one SQL statement with the `mariadb` (or `mysql`) client.
fn mariadb_exec(sql: &str) -> Result<(), String> {
    let (user, host, port) = mariadb_server();
    let mut last = String::new();
    for client in ["mariadb", "mysql"] {
        match Command::new(client)
            .args(["-u", &user, "-h", &host, "-P", &port, "-e", sql])
            .stdin(Stdio::null())
            .output()
        {
            Ok(out) if out.status.success() => return Ok(()),
            Ok(out) => return Err(String::from_utf8_lossy(&out.stderr).into_owned()),
            Err(e) => last = format!("{client}: {e}"),
        }
    }
    Err(last)
}

/// A throwaway MariaDB database, dropped with the last app that uses it
/// (kept when `SHOP_TEST_KEEP_DB` is set).
#[derive(Debug)]
pub struct ThrowawayDatabase {
    pub name: String,
    pub url: String,
}

impl ThrowawayDatabase {
    pub fn create() -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let name = format!(
            "shop_bb_{}_{}_{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        mariadb_exec(&format!(
            "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
        ))
        .unwrap_or_else(|e| panic!("cannot create MariaDB database {name}: {e}"));
        let (user, host, port) = mariadb_server();
        let url = format!("mysql://{user}@{host}:{port}/{name}");
        Self { name, url }
    }
}

impl Drop for ThrowawayDatabase {
    fn drop(&mut self) {
        if std::env::var_os("SHOP_TEST_KEEP_DB").is_some() {
            eprintln!("kept MariaDB database {}", self.name);
            return;
        }
        let _ = mariadb_exec(&format!("DROP DATABASE IF EXISTS `{}`", self.name));
    }
}

/// A directory under the system temp dir, removed on drop (kept, and its
/// path printed, when the test is panicking, for a post-mortem).
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new(prefix: &str) -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let path = std::env::temp_dir().join(format!(
            "{prefix}-{}-{nanos}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).expect("create temp dir");
        Self { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("kept {} for inspection", self.path.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// A free TCP port on 127.0.0.1: bind port 0, read the port, let it go.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
}

/// Settings for one app; every test starts from [`spawn_app`] or
/// [`TestApp::builder`].
#[derive(Debug, Clone)]
pub struct AppBuilder {
    env: BTreeMap<String, String>,
    removed: Vec<String>,
    database: Option<Arc<ThrowawayDatabase>>,
}

impl Default for AppBuilder {
    fn default() -> Self {
        let mut env = BTreeMap::new();
        env.insert("SHOP_ADMIN_EMAIL".into(), ADMIN_EMAIL.into());
        env.insert("SHOP_ADMIN_PASSWORD".into(), ADMIN_PASSWORD.into());
        env.insert("SHOP_WORKER_POLL_MS".into(), "50".into());
        // Tests log in many times from one address; the rate-limit test
        // sets its own low value.
        env.insert("SHOP_RATE_LIMIT_LOGIN_PER_MINUTE".into(), "100000".into());
        env.insert(
            "SHOP_RATE_LIMIT_REGISTER_PER_MINUTE".into(),
            "100000".into(),
        );
        env.insert("SHOP_RATE_LIMIT_CONTACT_PER_MINUTE".into(), "100000".into());
        env.insert(
            "SHOP_RATE_LIMIT_PASSWORD_CHANGE_PER_MINUTE".into(),
            "100000".into(),
        );
        env.insert("SHOP_LOG".into(), "warn".into());
        // Most tests order with fresh customers; the verification tests
        // turn it on.
        env.insert("SHOP_REQUIRE_EMAIL_VERIFICATION".into(), "false".into());
        Self {
            env,
            removed: Vec::new(),
            database: None,
        }
    }
}

impl AppBuilder {
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.removed.retain(|removed| removed != key);
        self.env.insert(key.into(), value.into());
        self
    }

    /// Starts the process without this variable.
    pub fn without(mut self, key: &str) -> Self {
        self.env.remove(key);
        self.removed.push(key.into());
        self
    }

    /// Points the app at the test backend's store: nothing to do for SQLite
    /// (the binary's default file in its data directory); a new throwaway
    /// database for MariaDB. A `SHOP_DATABASE_URL` set by the test wins.
    pub fn with_test_backend(mut self) -> Self {
        if self.database.is_none()
            && !self.env.contains_key("SHOP_DATABASE_URL")
            && Backend::from_env() == Backend::Mariadb
        {
            let db = ThrowawayDatabase::create();
            self.env.insert("SHOP_DATABASE_URL".into(), db.url.clone());
            self.database = Some(Arc::new(db));
        }
        self
    }

    /// The `SHOP_DATABASE_URL` the app will start with, once chosen: set by
    /// the test, or by [`Self::with_test_backend`] on MariaDB (on SQLite the
    /// binary picks its data directory's file).
    pub fn database_url(&self) -> Option<&str> {
        self.env.get("SHOP_DATABASE_URL").map(String::as_str)
    }

    /// Runs the binary to completion in `dir` (its data directory is
    /// `dir/data`) with `args`, e.g. `["migrate"]`.
    pub fn run_in(&self, dir: &TempDir, args: &[&str]) -> std::process::Output {
        let bind = format!("127.0.0.1:{}", free_port());
        self.command(dir, &bind)
            .args(args)
            .output()
            .expect("run shop-api")
    }

    fn command(&self, dir: &TempDir, bind: &str) -> Command {
        self.command_for(shop_api_binary(), dir, bind)
    }

    fn command_for(&self, binary: &Path, dir: &TempDir, bind: &str) -> Command {
        let data_dir = dir.path().join("data");
        std::fs::create_dir_all(&data_dir).expect("create data dir");
        let mut cmd = Command::new(binary);
        // Nothing from the developer's shell may change what is tested.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("SHOP_") {
                cmd.env_remove(&key);
            }
        }
        cmd.current_dir(dir.path())
            .env("SHOP_BIND", bind)
            .env("SHOP_DATA_DIR", &data_dir)
            .envs(&self.env)
            .stdin(Stdio::null());
        for key in &self.removed {
            cmd.env_remove(key);
        }
        cmd
    }

    /// Starts the app and waits until `GET /healthz` answers 200. A port
    /// taken by someone else between our probe and the app's bind is retried
    /// with another port.
    pub async fn spawn(self) -> TestApp {
        let builder = self.with_test_backend();
        for _ in 0..3 {
            let mut app = builder.start(TempDir::new("shop-blackbox"));
            match app.wait_until_healthy().await {
                Ok(()) => return app,
                Err(stderr) if stderr.contains("Address already in use") => continue,
                Err(stderr) => panic!("shop-api exited during start-up; stderr:\n{stderr}"),
            }
        }
        panic!("shop-api could not bind a free port in three attempts");
    }

    /// Starts the process in `dir` (stderr appended to `dir/stderr.log`).
    fn start_child(&self, dir: &TempDir) -> (Child, String) {
        let port = free_port();
        let bind = format!("127.0.0.1:{port}");
        let log = |name: &str| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(dir.path().join(name))
                .expect("log file")
        };
        let child = self
            .command(dir, &bind)
            .stdout(log("stdout.log"))
            .stderr(log("stderr.log"))
            .spawn()
            .expect("start shop-api");
        (child, bind)
    }

    fn start(&self, dir: TempDir) -> TestApp {
        let (child, bind) = self.start_child(&dir);
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("http client");
        TestApp {
            base_url: format!("http://{bind}"),
            client,
            data_dir: dir.path().join("data"),
            child,
            dir,
            builder: self.clone(),
        }
    }

    /// Runs the binary expecting it to refuse to start: returns its exit
    /// status and its stderr. Fails the test if it is still up after 20 s.
    pub fn run_to_exit(self) -> (ExitStatus, String) {
        let dir = TempDir::new("shop-blackbox-config");
        let bind = format!("127.0.0.1:{}", free_port());
        let stderr_path = dir.path().join("stderr.log");
        let stderr = File::create(&stderr_path).expect("stderr log");
        let mut child = self
            .command(&dir, &bind)
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("start shop-api");
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for shop-api") {
                break status;
            }
            if started.elapsed() > STARTUP_TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                panic!("shop-api kept running with a bad setting");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let text = std::fs::read_to_string(&stderr_path).unwrap_or_default();
        (status, text)
    }
}

/// One running `shop-api` process.
#[derive(Debug)]
pub struct TestApp {
    pub base_url: String,
    pub client: reqwest::Client,
    /// The app's `SHOP_DATA_DIR`.
    pub data_dir: PathBuf,
    child: Child,
    dir: TempDir,
    builder: AppBuilder,
}

/// Starts an app with the default test settings.
pub async fn spawn_app() -> TestApp {
    AppBuilder::default().spawn().await
}

impl TestApp {
    pub fn builder() -> AppBuilder {
        AppBuilder::default()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Stops the process (SIGKILL: nothing is flushed on the way out) and
    /// starts the binary again on the same data directory and database, on
    /// a new port; waits until it is healthy.
    pub async fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for _ in 0..3 {
            let (child, bind) = self.builder.start_child(&self.dir);
            self.child = child;
            self.base_url = format!("http://{bind}");
            match self.wait_until_healthy().await {
                Ok(()) => return,
                Err(stderr) if stderr.contains("Address already in use") => continue,
                Err(stderr) => panic!("shop-api exited during restart; stderr:\n{stderr}"),
            }
        }
        panic!("shop-api could not bind a free port in three attempts");
    }

    /// What the process wrote to stdout (its log) so far.
    pub fn stdout(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stdout.log")).unwrap_or_default()
    }

    /// What the process wrote to stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stderr.log")).unwrap_or_default()
    }

    /// Runs the binary to completion with `args` (e.g. `["jwt-rotate"]`) on
    /// this app's settings, data directory and database, beside the
    /// running process.
    pub fn run(&self, args: &[&str]) -> std::process::Output {
        self.builder.run_in(&self.dir, args)
    }

    /// [`Self::run`] with `input` on stdin (`admin create` reads the password there).
    pub fn run_with_stdin(&self, args: &[&str], input: &str) -> std::process::Output {
        use std::io::Write as _;
        let bind = format!("127.0.0.1:{}", free_port());
        let mut child = self
            .builder
            .command(&self.dir, &bind)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run shop-api");
        child
            .stdin
            .take()
            .expect("piped stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
        child.wait_with_output().expect("shop-api ends")
    }

    /// Sets a variable for the next [`Self::restart`].
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.builder = self.builder.clone().env(key, value);
    }

    /// Unsets a variable for the next [`Self::restart`].
    pub fn unset_env(&mut self, key: &str) {
        self.builder = self.builder.clone().without(key);
    }

    /// Polls `GET /healthz` until 200; `Err(stderr)` when the process exits first.
    async fn wait_until_healthy(&mut self) -> Result<(), String> {
        let started = Instant::now();
        loop {
            if let Ok(Some(_)) = self.child.try_wait() {
                return Err(self.stderr());
            }
            let probe = self
                .client
                .get(self.url("/healthz"))
                .timeout(Duration::from_secs(2))
                .send()
                .await;
            if matches!(&probe, Ok(r) if r.status().as_u16() == 200) {
                return Ok(());
            }
            if started.elapsed() > STARTUP_TIMEOUT {
                panic!(
                    "shop-api did not answer GET /healthz with 200 within {STARTUP_TIMEOUT:?} \
                     (last: {probe:?}); stderr:\n{}",
                    self.stderr()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl TestApp {
    /// Starts a `shop-worker` process with this app's settings: the same
    /// data directory and database (stderr to `dir/worker-<n>.log`).
    pub fn spawn_worker(&self) -> WorkerProcess {
        self.spawn_worker_with(&[])
    }

    /// [`Self::spawn_worker`] with more settings for this worker only.
    pub fn spawn_worker_with(&self, extra: &[(&str, &str)]) -> WorkerProcess {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let log_path = self.dir.path().join(format!("worker-{n}.log"));
        let log = File::create(&log_path).expect("worker log file");
        let child = self
            .builder
            .command_for(shop_worker_binary(), &self.dir, "127.0.0.1:0")
            .envs(extra.iter().copied())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start shop-worker");
        WorkerProcess { child, log_path }
    }
}

/// One running `shop-worker` process, killed when dropped.
#[derive(Debug)]
pub struct WorkerProcess {
    child: Child,
    log_path: PathBuf,
}

impl WorkerProcess {
    /// What the process wrote to stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The exit status, once the process has ended.
    pub fn exit_status(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Sends SIGTERM (with the `kill` command) and waits up to 30 s for the
    /// process to exit; its exit status.
    pub fn terminate(&mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -TERM {pid} failed");
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for shop-worker") {
                return status;
            }
            if started.elapsed() > Duration::from_secs(30) {
                let _ = self.child.kill();
                panic!("shop-worker did not stop within 30 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
