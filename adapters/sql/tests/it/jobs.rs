//! `JobQueue`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;
use shop_domain::DomainError;
use shop_domain::ids::JobId;
use shop_domain::jobs::{ClaimedJob, JobQueue, JobState};
use shop_sql::SqlStore;
use shop_testkit::fixtures::{at, job, new_id};
use tokio::sync::Mutex;

async fn claim(s: &SqlStore, seconds: i64, lease: i64) -> Option<ClaimedJob> {
    s.claim(at(seconds), Duration::seconds(lease), &new_id())
        .await
        .unwrap()
}

async fn state(s: &SqlStore, id: &JobId) -> shop_domain::jobs::Job {
    JobQueue::get(s, id).await.unwrap().unwrap()
}

pub async fn claims_take_the_earliest_due_job_and_lease_it(s: SqlStore) {
    let late = job(at(30));
    let early = job(at(10));
    let middle = job(at(20));
    for j in [&late, &early, &middle] {
        s.enqueue(j).await.unwrap();
    }
    assert_eq!(
        s.enqueue(&early).await,
        Err(DomainError::AlreadyExists("job"))
    );
    assert_eq!(
        JobQueue::get(&s, &early.id).await.unwrap(),
        Some(early.clone())
    );
    assert!(claim(&s, 5, 60).await.is_none(), "nothing is due yet");
    let first = claim(&s, 25, 60).await.unwrap();
    assert_eq!(first.job.id, early.id);
    assert_eq!(first.job.state, JobState::Running);
    assert_eq!(first.job.attempts, 1);
    assert_eq!(first.job.lease_until, Some(at(85)));
    assert_eq!(claim(&s, 25, 60).await.unwrap().job.id, middle.id);
    assert!(
        claim(&s, 26, 60).await.is_none(),
        "held leases block, the late job is not due"
    );

    // The lease lapses: another worker takes the job over, a new attempt.
    let taken = claim(&s, 86, 60).await.unwrap();
    assert_eq!(taken.job.id, early.id);
    assert_eq!(taken.job.attempts, 2);
    assert_ne!(taken.claim_token, first.claim_token);
    // The first worker comes back: its stale claim changes nothing.
    s.complete(&first).await.unwrap();
    s.retry(&first, at(0), "late").await.unwrap();
    s.bury(&first, "late").await.unwrap();
    let now = state(&s, &early.id).await;
    assert_eq!(
        (now.state, now.attempts, now.last_error),
        (JobState::Running, 2, None)
    );

    s.retry(&taken, at(200), "boom").await.unwrap();
    let requeued = state(&s, &early.id).await;
    assert_eq!(requeued.state, JobState::Queued);
    assert_eq!(requeued.run_after, at(200));
    assert_eq!(requeued.lease_until, None);
    assert_eq!(requeued.last_error.as_deref(), Some("boom"));

    // Wake makes a queued job due now.
    s.wake(&early.id, at(90)).await.unwrap();
    assert_eq!(state(&s, &early.id).await.run_after, at(90));
    // At 95: middle's lease (to 85) lapsed and its run_after (20) is the
    // earliest, then late (30), then the woken early (90).
    let m = claim(&s, 95, 60).await.unwrap();
    assert_eq!((m.job.id.clone(), m.job.attempts), (middle.id.clone(), 2));
    s.complete(&m).await.unwrap();
    let l = claim(&s, 95, 60).await.unwrap();
    assert_eq!(l.job.id, late.id);
    s.complete(&l).await.unwrap();
    let e = claim(&s, 95, 60).await.unwrap();
    assert_eq!((e.job.id.clone(), e.job.attempts), (early.id.clone(), 3));
    s.bury(&e, "gave up").await.unwrap();
    let dead = state(&s, &early.id).await;
    assert_eq!(
        (dead.state, dead.lease_until, dead.last_error.as_deref()),
        (JobState::Dead, None, Some("gave up"))
    );
    assert_eq!(state(&s, &late.id).await.state, JobState::Done);
    // Done and dead jobs are never claimed, nor woken.
    s.wake(&early.id, at(100)).await.unwrap();
    s.wake(&JobId::new("missing"), at(100)).await.unwrap();
    assert_eq!(state(&s, &early.id).await.state, JobState::Dead);
    assert!(claim(&s, 10_000, 60).await.is_none());
}

/// The bar: 4 workers draining 200 jobs complete each exactly once.
pub async fn four_workers_drain_two_hundred_jobs_exactly_once(s: SqlStore) {
    let mut ids = Vec::new();
    for i in 0..200 {
        let j = job(at(i % 17));
        s.enqueue(&j).await.unwrap();
        ids.push(j.id);
    }
    let done: Arc<Mutex<HashMap<JobId, u32>>> = Arc::default();
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (s, done) = (s.clone(), done.clone());
            tokio::spawn(async move {
                let mut mine = 0;
                while let Some(claim) = s
                    .claim(at(1000), Duration::minutes(5), &new_id())
                    .await
                    .unwrap()
                {
                    *done.lock().await.entry(claim.job.id.clone()).or_default() += 1;
                    s.complete(&claim).await.unwrap();
                    mine += 1;
                }
                mine
            })
        })
        .collect();
    let mut per_worker = Vec::new();
    for w in workers {
        per_worker.push(w.await.unwrap());
    }
    let done = done.lock().await;
    assert_eq!(done.len(), 200, "every job ran");
    assert!(done.values().all(|n| *n == 1), "no job ran twice");
    assert_eq!(per_worker.iter().sum::<i32>(), 200, "{per_worker:?}");
    for id in &ids {
        let j = state(&s, id).await;
        assert_eq!((j.state, j.attempts), (JobState::Done, 1));
    }
}

/// The bar: a worker killed mid-job has its job finished by another
/// once the lease lapses (a one-second lease). The claims name their
/// instants, as the worker's clock would, so the lease lapses when the test
/// says and not when the wall clock gets there.
pub async fn a_killed_workers_job_is_finished_after_the_lease(s: SqlStore) {
    let j = job(at(0));
    s.enqueue(&j).await.unwrap();
    let (claimed_tx, claimed_rx) = tokio::sync::oneshot::channel();
    let doomed = {
        let s = s.clone();
        tokio::spawn(async move {
            let claim = s
                .claim(at(0), Duration::seconds(1), "doomed")
                .await
                .unwrap()
                .unwrap();
            let _ = claimed_tx.send(claim.clone());
            // "Working" for ever: killed below before completing.
            tokio::time::sleep(StdDuration::from_secs(3600)).await;
            s.complete(&claim).await.unwrap();
        })
    };
    let doomed_claim = claimed_rx.await.unwrap();
    doomed.abort();
    assert!(doomed.await.unwrap_err().is_cancelled());

    // A second worker: nothing while the lease holds, the job once it lapsed.
    assert!(
        s.claim(at(0), Duration::seconds(30), "rescuer")
            .await
            .unwrap()
            .is_none(),
        "taken over only after the lease"
    );
    let rescued = s
        .claim(at(2), Duration::seconds(30), "rescuer")
        .await
        .unwrap()
        .expect("taken over once the lease lapsed");
    assert_eq!(rescued.job.id, j.id);
    assert_eq!(rescued.job.attempts, 2);
    s.complete(&rescued).await.unwrap();
    s.retry(&doomed_claim, at(3), "zombie").await.unwrap();
    let finished = state(&s, &j.id).await;
    assert_eq!(
        (finished.state, finished.attempts, finished.last_error),
        (JobState::Done, 2, None)
    );
}
