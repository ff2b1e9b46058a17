//! `cargo run --release -p shop-loadbench`: builds the release `shop-api`,
//! starts it on SQLite (a file in a temporary data directory) and on
//! MariaDB (a throwaway database on `root@127.0.0.1:3306`, made and dropped
//! with the `mariadb` client), seeds a catalog and customers, and drives it
//! over loopback HTTP, scenario by scenario, with a bounded number of
//! requests and a time cap each. Prints throughput and p50/p99 latency per
//! scenario and backend.
//!
//! Environment: `SHOP_BENCH_BACKENDS` (default `sqlite,mariadb`),
//! `SHOP_BENCH_SCALE` (a multiplier of every request count, default 1).

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hdrhistogram::Histogram;
use serde_json::{Value, json};

type R<T> = Result<T, String>;

const ADMIN_EMAIL: &str = "bench-admin@shop.test";
const ADMIN_PASSWORD: &str = "bench-Admin-passw0rd";
const CUSTOMER_PASSWORD: &str = "Sturdy-horse-battery-9";
const PRODUCTS: usize = 100;
const CUSTOMERS: usize = 32;
const CONCURRENCY: usize = 32;
/// Login verifies an argon2id hash (OWASP cost) per request: CPU-bound.
const LOGIN_CONCURRENCY: usize = 8;
const SCENARIO_CAP: Duration = Duration::from_secs(20);
/// Password changes in flight at once in the flood scenario.
const FLOOD_CONCURRENCY: usize = 500;
/// Catalog readers measured during the flood.
const FLOOD_READERS: usize = 8;

/// 500 concurrent password changes with a wrong current password (each
/// one argon2id verification, when the budget admits it), and the catalog
/// read meanwhile.
struct Flood {
    requests: u64,
    /// Answers by status code.
    statuses: std::collections::BTreeMap<u16, u64>,
    elapsed: Duration,
    catalog: Histogram<u64>,
    catalog_errors: u64,
    /// The server's peak RSS (KiB) before and after the flood.
    peak_before: Option<u64>,
    peak_after: Option<u64>,
}

async fn flood(ctx: Arc<Ctx>, pid: u32, scale: usize) -> R<Flood> {
    let total = 2_000 * scale;
    let peak_before = resident_memory(pid).map(|(peak, _)| peak);
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let changers: Vec<_> = (0..FLOOD_CONCURRENCY)
        .map(|_| {
            let (ctx, next) = (ctx.clone(), next.clone());
            tokio::spawn(async move {
                let mut statuses = std::collections::BTreeMap::<u16, u64>::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total || started.elapsed() > SCENARIO_CAP {
                        break;
                    }
                    let who = &ctx.customers[i % ctx.customers.len()].1;
                    let status = ctx
                        .client
                        .post(ctx.url("/api/v1/me/password"))
                        .bearer_auth(who)
                        .json(&json!({
                            "current_password": "Not-the-current-one-1",
                            "new_password": "Another-sturdy-horse-7",
                        }))
                        .send()
                        .await
                        .map_or(0, |r| r.status().as_u16());
                    *statuses.entry(status).or_default() += 1;
                }
                statuses
            })
        })
        .collect();
    let readers: Vec<_> = (0..FLOOD_READERS)
        .map(|_| {
            let (ctx, done) = (ctx.clone(), done.clone());
            tokio::spawn(async move {
                let mut hist = Histogram::<u64>::new_with_bounds(1, 120_000_000, 3)
                    .map_err(|e| e.to_string())?;
                let mut errors = 0;
                while !done.load(Ordering::Relaxed) {
                    let t = Instant::now();
                    match call(
                        &ctx.client,
                        ctx.client.get(ctx.url("/api/v1/products?limit=20")),
                        200,
                    )
                    .await
                    {
                        Ok(_) => {
                            let micros = u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX);
                            hist.saturating_record(micros.max(1));
                        }
                        Err(_) => errors += 1,
                    }
                }
                Ok::<_, String>((hist, errors))
            })
        })
        .collect();
    let mut statuses = std::collections::BTreeMap::<u16, u64>::new();
    for task in changers {
        for (status, n) in task.await.map_err(|e| e.to_string())? {
            *statuses.entry(status).or_default() += n;
        }
    }
    let elapsed = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let mut catalog =
        Histogram::<u64>::new_with_bounds(1, 120_000_000, 3).map_err(|e| e.to_string())?;
    let mut catalog_errors = 0;
    for task in readers {
        let (h, e) = task.await.map_err(|e| e.to_string())??;
        catalog.add(&h).map_err(|e| e.to_string())?;
        catalog_errors += e;
    }
    Ok(Flood {
        requests: statuses.values().sum(),
        statuses,
        elapsed,
        catalog,
        catalog_errors,
        peak_before,
        peak_after: resident_memory(pid).map(|(peak, _)| peak),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Mariadb,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Mariadb => "MariaDB",
        }
    }
}

fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let root = manifest.join("../..");
    root.canonicalize().unwrap_or(root)
}

/// `cargo build --release -p shop-api`; the binary's path.
fn build_api(root: &Path) -> R<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!("building the release shop-api ...");
    let status = Command::new(cargo)
        .args(["build", "--release", "-p", "shop-api", "--bin", "shop-api"])
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("cargo build of shop-api failed: {status}"));
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let target = if target.is_absolute() {
        target
    } else {
        root.join(target)
    };
    Ok(target.join("release").join("shop-api"))
}

fn mariadb_exec(sql: &str) -> R<()> {
    let mut last = String::new();
    for client in ["mariadb", "mysql"] {
        match Command::new(client)
            .args(["-u", "root", "-h", "127.0.0.1", "-P", "3306", "-e", sql])
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

fn free_port() -> R<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

#[allow(
    clippy::disallowed_methods,
    reason = "a unique name for the throwaway database, not shop time"
)]
fn stamp() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}

/// A running shop-api; stopped, and its data removed, on drop.
struct Server {
    child: Child,
    base: String,
    dir: PathBuf,
    database: Option<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some(name) = &self.database {
            let _ = mariadb_exec(&format!("DROP DATABASE IF EXISTS `{name}`"));
        }
    }
}

async fn start(bin: &Path, backend: Backend, client: &reqwest::Client) -> R<Server> {
    let dir =
        std::env::temp_dir().join(format!("shop-loadbench-{}-{}", std::process::id(), stamp()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let port = free_port()?;
    let mut cmd = Command::new(bin);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("SHOP_") {
            cmd.env_remove(&key);
        }
    }
    cmd.current_dir(&dir)
        .env("SHOP_BIND", format!("127.0.0.1:{port}"))
        .env("SHOP_DATA_DIR", dir.join("data"))
        .env("SHOP_ADMIN_EMAIL", ADMIN_EMAIL)
        .env("SHOP_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("SHOP_RATE_LIMIT_LOGIN_PER_MINUTE", "100000")
        .env("SHOP_RATE_LIMIT_REGISTER_PER_MINUTE", "100000")
        // The flood below comes from a few users: let every request reach
        // the hasher's budget, the bound under test.
        .env("SHOP_RATE_LIMIT_PASSWORD_CHANGE_PER_MINUTE", "100000")
        // Its customers order right after registering.
        .env("SHOP_REQUIRE_EMAIL_VERIFICATION", "false")
        .env("SHOP_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    let mut database = None;
    if backend == Backend::Mariadb {
        let name = format!("shop_bench_{}_{}", std::process::id(), stamp() % 1_000_000);
        mariadb_exec(&format!(
            "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
        ))
        .map_err(|e| {
            format!("cannot create the MariaDB database (is MariaDB up on 127.0.0.1:3306?): {e}")
        })?;
        cmd.env(
            "SHOP_DATABASE_URL",
            format!("mysql://root@127.0.0.1:3306/{name}"),
        );
        database = Some(name);
    }
    let stderr = std::fs::File::create(dir.join("stderr.log")).map_err(|e| e.to_string())?;
    let child = cmd
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let mut server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
        dir,
        database,
    };
    let started = Instant::now();
    loop {
        if let Ok(Some(status)) = server.child.try_wait() {
            let log = std::fs::read_to_string(server.dir.join("stderr.log")).unwrap_or_default();
            return Err(format!("shop-api exited ({status}): {log}"));
        }
        let ok = client
            .get(format!("{}/readyz", server.base))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if ok {
            return Ok(server);
        }
        if started.elapsed() > Duration::from_secs(60) {
            return Err("shop-api was not ready within 60 s".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn call(client: &reqwest::Client, req: reqwest::RequestBuilder, expect: u16) -> R<Value> {
    let _ = client;
    let resp = req.send().await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let text = resp.text().await.map_err(|e| e.to_string())?;
    if status != expect {
        return Err(format!("HTTP {status} (wanted {expect}): {text}"));
    }
    if text.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}: {text}"))
}

/// [`call`] for seeding, as a polite client would: a 503 `busy` (the
/// server's password-hash budget is full while 32 customers register at
/// once) is retried after its `Retry-After`.
async fn call_patiently(
    client: &reqwest::Client,
    make: impl Fn() -> reqwest::RequestBuilder,
    expect: u16,
) -> R<Value> {
    for _ in 0..30 {
        match call(client, make(), expect).await {
            Err(e) if e.starts_with("HTTP 503 ") && e.contains("\"busy\"") => {
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            other => return other,
        }
    }
    Err("still busy after 30 tries".into())
}

fn token(v: &Value) -> R<String> {
    v["access_token"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("no access_token in {v}"))
}

fn ship_to() -> Value {
    json!({
        "line1": "1 Main Street", "line2": null, "city": "Springfield",
        "region": "CA", "postal_code": "94000", "country": "US",
    })
}

struct Ctx {
    client: reqwest::Client,
    base: String,
    products: Vec<String>,
    /// (email, access token)
    customers: Vec<(String, String)>,
    /// (customer index, quote id), from the quote scenario.
    quotes: Mutex<Vec<(usize, String)>>,
}

impl Ctx {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

async fn seed(client: &reqwest::Client, base: &str) -> R<Ctx> {
    let url = |p: &str| format!("{base}{p}");
    let admin = token(
        &call(
            client,
            client
                .post(url("/api/v1/auth/login"))
                .json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})),
            200,
        )
        .await?,
    )?;
    call(
        client,
        client
            .put(url("/api/v1/admin/tax-rates"))
            .bearer_auth(&admin)
            .json(&json!({"items": [{"country": "US", "region": "CA", "rate": "0.0725"}]})),
        200,
    )
    .await?;
    let mut products = Vec::with_capacity(PRODUCTS);
    for i in 0..PRODUCTS {
        let p = call(
            client,
            client
                .post(url("/api/v1/admin/products"))
                .bearer_auth(&admin)
                .json(&json!({
                    "sku": format!("BENCH-{i:04}"),
                    "name": format!("Bench widget {i:04}"),
                    "description": "A sturdy widget for the benchmark",
                    "category_id": null,
                    "price": format!("{}.99", 5 + i % 50),
                    "stock": 100_000_000,
                    "active": true,
                })),
            201,
        )
        .await?;
        products.push(
            p["id"]
                .as_str()
                .ok_or_else(|| format!("no product id in {p}"))?
                .to_string(),
        );
    }
    let run = stamp();
    let customers = futures::future::join_all((0..CUSTOMERS).map(|i| {
        let email = format!("bench-{run}-{i}@example.com");
        async move {
            call_patiently(
                client,
                || {
                    client.post(url("/api/v1/auth/register")).json(&json!({
                        "email": email, "password": CUSTOMER_PASSWORD, "name": "Bench Customer",
                    }))
                },
                201,
            )
            .await?;
            let login = call_patiently(
                client,
                || {
                    client
                        .post(url("/api/v1/auth/login"))
                        .json(&json!({"email": email, "password": CUSTOMER_PASSWORD}))
                },
                200,
            )
            .await?;
            Ok::<_, String>((email, token(&login)?))
        }
    }))
    .await
    .into_iter()
    .collect::<R<Vec<_>>>()?;
    Ok(Ctx {
        client: client.clone(),
        base: base.to_string(),
        products,
        customers,
        quotes: Mutex::new(Vec::new()),
    })
}

struct Stats {
    scenario: &'static str,
    ok: u64,
    errors: u64,
    elapsed: Duration,
    hist: Histogram<u64>,
    first_error: Option<String>,
}

/// Runs `op(0..total)` from `concurrency` tasks until done or `SCENARIO_CAP`.
async fn drive<F, Fut>(
    scenario: &'static str,
    ctx: &Arc<Ctx>,
    concurrency: usize,
    total: usize,
    op: F,
) -> R<Stats>
where
    F: Fn(Arc<Ctx>, usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R<()>> + Send + 'static,
{
    let op = Arc::new(op);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (op, next, ctx) = (op.clone(), next.clone(), ctx.clone());
            tokio::spawn(async move {
                let mut hist = Histogram::<u64>::new_with_bounds(1, 120_000_000, 3)
                    .map_err(|e| e.to_string())?;
                let (mut errors, mut first_error) = (0_u64, None);
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total || started.elapsed() > SCENARIO_CAP {
                        break;
                    }
                    let t = Instant::now();
                    match op(ctx.clone(), i).await {
                        Ok(()) => {
                            let micros = u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX);
                            hist.saturating_record(micros.max(1));
                        }
                        Err(e) => {
                            errors += 1;
                            first_error.get_or_insert(e);
                        }
                    }
                }
                Ok::<_, String>((hist, errors, first_error))
            })
        })
        .collect();
    let mut hist =
        Histogram::<u64>::new_with_bounds(1, 120_000_000, 3).map_err(|e| e.to_string())?;
    let (mut errors, mut first_error) = (0, None);
    for task in tasks {
        let (h, e, first) = task.await.map_err(|e| e.to_string())??;
        hist.add(&h).map_err(|e| e.to_string())?;
        errors += e;
        if first_error.is_none() {
            first_error = first;
        }
    }
    Ok(Stats {
        scenario,
        ok: hist.len(),
        errors,
        elapsed: started.elapsed(),
        hist,
        first_error,
    })
}

async fn bench(ctx: Arc<Ctx>, scale: usize) -> R<Vec<Stats>> {
    let mut out = Vec::new();
    out.push(
        drive(
            "catalog listing",
            &ctx,
            CONCURRENCY,
            20_000 * scale,
            |c, _| async move {
                call(
                    &c.client,
                    c.client.get(c.url("/api/v1/products?limit=20")),
                    200,
                )
                .await
                .map(drop)
            },
        )
        .await?,
    );
    out.push(
        drive(
            "product detail",
            &ctx,
            CONCURRENCY,
            20_000 * scale,
            |c, i| async move {
                let id = &c.products[i % c.products.len()];
                call(
                    &c.client,
                    c.client.get(c.url(&format!("/api/v1/products/{id}"))),
                    200,
                )
                .await
                .map(drop)
            },
        )
        .await?,
    );
    out.push(
        drive(
            "quote",
            &ctx,
            CONCURRENCY,
            4_000 * scale,
            |c, i| async move {
                let who = i % c.customers.len();
                let product = &c.products[(i * 7) % c.products.len()];
                let q = call(
                    &c.client,
                    c.client
                        .post(c.url("/api/v1/checkout/quote"))
                        .bearer_auth(&c.customers[who].1)
                        .json(&json!({
                            "items": [{"product_id": product, "quantity": 1 + i % 3}],
                            "ship_to": ship_to(),
                        })),
                    201,
                )
                .await?;
                let id = q["quote_id"].as_str().ok_or("no quote_id")?.to_string();
                if let Ok(mut quotes) = c.quotes.lock() {
                    quotes.push((who, id));
                }
                Ok(())
            },
        )
        .await?,
    );
    let quotes: Vec<(usize, String)> = ctx
        .quotes
        .lock()
        .map(|q| q.clone())
        .map_err(|e| e.to_string())?;
    let placements = quotes.len().min(3_000 * scale);
    let quotes = Arc::new(quotes);
    out.push(
        drive("order placement", &ctx, CONCURRENCY, placements, move |c, i| {
            let quotes = quotes.clone();
            async move {
                let (who, quote_id) = &quotes[i];
                call(
                    &c.client,
                    c.client
                        .post(c.url("/api/v1/orders"))
                        .bearer_auth(&c.customers[*who].1)
                        .header("Idempotency-Key", format!("bench-{i}"))
                        .json(&json!({"quote_id": quote_id, "payment_source_id": "cnon:card-nonce-ok"})),
                    201,
                )
                .await
                .map(drop)
            }
        })
        .await?,
    );
    out.push(
        drive(
            "order history",
            &ctx,
            CONCURRENCY,
            10_000 * scale,
            |c, i| async move {
                let who = i % c.customers.len();
                call(
                    &c.client,
                    c.client
                        .get(c.url("/api/v1/orders?limit=20"))
                        .bearer_auth(&c.customers[who].1),
                    200,
                )
                .await
                .map(drop)
            },
        )
        .await?,
    );
    out.push(
        drive(
            "login (argon2id)",
            &ctx,
            LOGIN_CONCURRENCY,
            300 * scale,
            |c, i| async move {
                let email = &c.customers[i % c.customers.len()].0;
                call(
                    &c.client,
                    c.client
                        .post(c.url("/api/v1/auth/login"))
                        .json(&json!({"email": email, "password": CUSTOMER_PASSWORD})),
                    200,
                )
                .await
                .map(drop)
            },
        )
        .await?,
    );
    Ok(out)
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

async fn run() -> R<()> {
    let root = workspace_root();
    let bin = build_api(&root)?;
    let scale: usize = std::env::var("SHOP_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|s| *s > 0)
        .unwrap_or(1);
    let backends: Vec<Backend> = std::env::var("SHOP_BENCH_BACKENDS")
        .unwrap_or_else(|_| "sqlite,mariadb".into())
        .split(',')
        .filter_map(|b| match b.trim() {
            "sqlite" => Some(Backend::Sqlite),
            "mariadb" | "mysql" => Some(Backend::Mariadb),
            _ => None,
        })
        .collect();
    let client = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(CONCURRENCY * 2)
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| e.to_string())?;
    let mut rows = Vec::new();
    let mut memory = Vec::new();
    let mut floods = Vec::new();
    for backend in backends {
        eprintln!(
            "{}: starting shop-api and seeding {PRODUCTS} products, {CUSTOMERS} customers ...",
            backend.name()
        );
        let server = start(&bin, backend, &client).await?;
        let ctx = Arc::new(seed(&client, &server.base).await?);
        eprintln!("{}: driving the scenarios ...", backend.name());
        for stats in bench(ctx.clone(), scale).await? {
            if let Some(e) = &stats.first_error {
                eprintln!(
                    "{} / {}: {} errors, first: {e}",
                    backend.name(),
                    stats.scenario,
                    stats.errors
                );
            }
            rows.push((backend, stats));
        }
        eprintln!("{}: the password-change flood ...", backend.name());
        floods.push((backend, flood(ctx, server.child.id(), scale).await?));
        memory.push((backend, resident_memory(server.child.id())));
        drop(server);
    }
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "shop-loadbench: release shop-api on 127.0.0.1, {CONCURRENCY} concurrent clients \
         ({LOGIN_CONCURRENCY} for login), {cpus} CPUs ({}), client and server on the same machine",
        cpu_model()
    );
    println!();
    println!("| backend | scenario | requests | errors | req/s | p50 ms | p99 ms |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    for (backend, s) in &rows {
        let secs = s.elapsed.as_secs_f64().max(1e-9);
        #[allow(clippy::cast_precision_loss)]
        let rate = s.ok as f64 / secs;
        #[allow(clippy::cast_precision_loss)]
        let ms = |q: f64| s.hist.value_at_quantile(q) as f64 / 1000.0;
        println!(
            "| {} | {} | {} | {} | {:.0} | {:.2} | {:.2} |",
            backend.name(),
            s.scenario,
            s.ok,
            s.errors,
            rate,
            ms(0.50),
            ms(0.99)
        );
    }
    println!();
    println!("| backend | server peak RSS (VmHWM) | server RSS after the run |");
    println!("|---|---:|---:|");
    for (backend, m) in &memory {
        match m {
            Some((peak, now)) => println!(
                "| {} | {} MiB | {} MiB |",
                backend.name(),
                peak / 1024,
                now / 1024
            ),
            None => println!("| {} | unknown | unknown |", backend.name()),
        }
    }
    println!();
    println!(
        "Password-change flood: {FLOOD_CONCURRENCY} concurrent `POST /api/v1/me/password` with a \
         wrong current password, while {FLOOD_READERS} clients read the catalog."
    );
    println!();
    println!(
        "| backend | requests | answers | req/s | catalog p99 ms unloaded | catalog p99 ms during | \
         catalog reads (errors) | peak RSS before | peak RSS after |"
    );
    println!("|---|---:|---|---:|---:|---:|---:|---:|---:|");
    for (backend, f) in &floods {
        let unloaded = rows
            .iter()
            .find(|(b, s)| b == backend && s.scenario == "catalog listing")
            .map(|(_, s)| s.hist.value_at_quantile(0.99));
        let answers = f
            .statuses
            .iter()
            .map(|(status, n)| format!("{status}: {n}"))
            .collect::<Vec<_>>()
            .join(", ");
        #[allow(clippy::cast_precision_loss)]
        let ms = |micros: u64| micros as f64 / 1000.0;
        #[allow(clippy::cast_precision_loss)]
        let rate = f.requests as f64 / f.elapsed.as_secs_f64().max(1e-9);
        let mib = |kib: Option<u64>| {
            kib.map_or_else(|| "unknown".into(), |k| format!("{} MiB", k / 1024))
        };
        println!(
            "| {} | {} | {} | {:.0} | {} | {:.2} | {} ({}) | {} | {} |",
            backend.name(),
            f.requests,
            answers,
            rate,
            unloaded.map_or_else(|| "-".into(), |u| format!("{:.2}", ms(u))),
            ms(f.catalog.value_at_quantile(0.99)),
            f.catalog.len(),
            f.catalog_errors,
            mib(f.peak_before),
            mib(f.peak_after),
        );
    }
    Ok(())
}

/// The server's peak and current resident set in KiB, read from
/// `/proc/<pid>/status` (Linux): speed without memory hid a 4.5 GB argon2
/// growth once.
fn resident_memory(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status.lines().find_map(|l| {
            l.strip_prefix(name)?
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
    };
    Some((field("VmHWM:")?, field("VmRSS:")?))
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("shop-loadbench: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
