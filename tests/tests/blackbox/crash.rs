//! The crash test: `shop-worker` killed with SIGKILL at every step boundary
//! of the workflow (before and after the Square capture, before and after
//! marking the order paid, before and after each e-mail), nine orders per
//! boundary, and restarted. Every order must end `paid` with exactly one
//! payment and one completion at the Square double, and each recipient must
//! hold exactly one confirmation in the file mailbox; only a crash between
//! handing a mail over and recording it may repeat the send, under the same
//! Message-ID (the mailbox counts deliveries per Message-ID).

use std::os::unix::process::ExitStatusExt as _;
use std::time::{Duration, Instant};

use shop_blackbox::{ADMIN_EMAIL, Customer, TestApp, WorkerProcess, spawn_with_square};

const OK: &str = "cnon:card-nonce-ok";
const TOKEN: &str = "EAAA-blackbox-crash";
const ORDERS_PER_POINT: usize = 9;
const WORKERS: usize = 3;
const POINTS: [&str; 6] = [
    "before_capture",
    "after_capture",
    "before_mark_paid",
    "after_mark_paid",
    "before_mail",
    "after_mail",
];

fn crashes_at(dir: &std::path::Path, point: &str) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| {
                    e.file_name()
                        .to_string_lossy()
                        .starts_with(&format!("{point}-"))
                })
                .count()
        })
        .unwrap_or(0)
}

async fn status(app: &TestApp, c: &Customer, id: &str) -> String {
    let resp = app
        .get(&format!("/api/v1/orders/{id}"), c.token.as_str())
        .await;
    resp.expect(200)["order"]["status"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Both mails of the order are in the mailbox, delivered at least
/// `deliveries` times each.
fn mails_done(app: &TestApp, number: &str, deliveries: u64) -> bool {
    let mails = app.mail_files_naming(number);
    mails.len() == 2
        && mails
            .iter()
            .all(|m| m["deliveries"].as_u64().unwrap_or(1) >= deliveries)
}

fn worker_env<'a>(point: &'a str, crash_dir: &'a str) -> [(&'a str, &'a str); 4] {
    [
        ("SHOP_WORKER_CRASH_AT", point),
        ("SHOP_WORKER_CRASH_DIR", crash_dir),
        ("SHOP_WORKER_POLL_MS", "20"),
        // A killed worker's job is taken over once its lease lapses.
        ("SHOP_WORKER_LEASE_SECONDS", "1"),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_every_step_boundary_loses_nothing_and_charges_once() {
    let (double, app) = spawn_with_square(
        TestApp::builder().env("SHOP_WORKER", "off"),
        TOKEN,
        "L-CRASH",
    )
    .await;
    let crash_dir = app.data_dir.join("crashes");
    let crash_dir_str = crash_dir.to_string_lossy().to_string();
    let admin = app.admin_token().await;
    let product = app.create_product(admin.as_str(), "3.10", 1000).await;
    let pid = product["id"].as_str().expect("id").to_string();
    let c = app.customer().await;

    let mut all = Vec::new();
    for point in POINTS {
        let mut placed = Vec::new();
        for i in 0..ORDERS_PER_POINT {
            let quote_id = app.quote_id(&c.token, &pid, 1).await;
            let resp = app
                .place_order(&c.token, &quote_id, OK, &format!("crash-{point}-{i}"))
                .await;
            let order = resp.expect(201)["order"].clone();
            placed.push((
                order["id"].as_str().expect("id").to_string(),
                order["number"].as_str().expect("number").to_string(),
            ));
        }
        // One crash per order, or per mail at the mail boundaries (a
        // confirmation and an admin notice per order).
        let per_order = if point.ends_with("_mail") { 2 } else { 1 };
        let expected_crashes = ORDERS_PER_POINT * per_order;
        let deliveries = if point == "after_mail" { 2 } else { 1 };

        let env = worker_env(point, &crash_dir_str);
        let mut workers: Vec<WorkerProcess> =
            (0..WORKERS).map(|_| app.spawn_worker_with(&env)).collect();
        let mut killed = 0;
        let started = Instant::now();
        loop {
            for w in &mut workers {
                if let Some(exit) = w.exit_status() {
                    assert_eq!(
                        exit.signal(),
                        Some(9),
                        "a worker ended otherwise than by SIGKILL ({exit}):\n{}",
                        w.stderr()
                    );
                    killed += 1;
                    *w = app.spawn_worker_with(&env);
                }
            }
            let mut done = killed >= expected_crashes;
            for (id, number) in &placed {
                if !done {
                    break;
                }
                done = status(&app, &c, id).await == "paid" && mails_done(&app, number, deliveries);
            }
            if done {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "{point}: not finished after {killed} crashes; worker log:\n{}",
                workers[0].stderr()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        for w in &mut workers {
            assert!(w.is_running(), "{}", w.stderr());
            let exit = w.terminate();
            assert!(exit.success(), "{exit}: {}", w.stderr());
        }
        assert_eq!(killed, expected_crashes, "{point}: SIGKILLs seen");
        assert_eq!(crashes_at(&crash_dir, point), expected_crashes, "{point}");
        all.extend(placed.into_iter().map(|(id, number)| (point, id, number)));
    }

    assert!(all.len() >= 50);
    let ledger = double.ledger();
    assert_eq!(ledger.payments.len(), all.len(), "{ledger:?}");
    for (point, id, number) in &all {
        assert_eq!(status(&app, &c, id).await, "paid", "{point}: {id}");
        let payments: Vec<_> = ledger
            .payments
            .iter()
            .filter(|p| p.reference_id.as_deref() == Some(number.as_str()))
            .collect();
        assert_eq!(payments.len(), 1, "{point}: order {id}: {payments:?}");
        assert_eq!(
            payments[0].status, "COMPLETED",
            "{point}: {:?}",
            payments[0]
        );
        assert_eq!(payments[0].completions, 1, "{point}: {:?}", payments[0]);

        let mails = app.mail_files_naming(number);
        let to_customer: Vec<_> = mails
            .iter()
            .filter(|m| m["to"] == c.email.as_str())
            .collect();
        let to_admin: Vec<_> = mails.iter().filter(|m| m["to"] == ADMIN_EMAIL).collect();
        assert_eq!(to_customer.len(), 1, "{point}: {number}: {mails:#?}");
        assert_eq!(to_admin.len(), 1, "{point}: {number}: {mails:#?}");
        assert!(
            to_customer[0]["subject"]
                .as_str()
                .is_some_and(|s| s.contains("confirmed")),
            "{:?}",
            to_customer[0]
        );
        // A resend happens only for a crash between hand-off and record.
        let expected = if *point == "after_mail" { 2 } else { 1 };
        for m in &mails {
            assert_eq!(m["deliveries"], expected, "{point}: {m:#}");
        }
    }
    double.stop().await;
}
