//! `JobQueue`.
//!
//! Pinned here: `complete`, `retry` and `bury` with a claim whose token the
//! job no longer holds return `Ok(())` and change nothing.

use chrono::Duration;
use shop_domain::ids::JobId;
use shop_domain::jobs::{ClaimedJob, Job, JobState};

use super::{assert_unique, concurrently};
use crate::Stores;
use crate::fixtures::{at, job, new_id};

const LEASE: Duration = Duration::seconds(60);

async fn enqueued(s: &Stores, run_after_seconds: i64) -> Job {
    let j = job(at(run_after_seconds));
    s.jobs.enqueue(&j).await.unwrap();
    j
}

async fn stored(s: &Stores, id: &JobId) -> Job {
    s.jobs.get(id).await.unwrap().expect("job exists")
}

async fn claim(s: &Stores, now_seconds: i64, token: &str) -> Option<ClaimedJob> {
    s.jobs.claim(at(now_seconds), LEASE, token).await.unwrap()
}

pub async fn enqueue_then_get(s: Stores) {
    let j = Job {
        attempts: 2,
        last_error: Some("earlier failure".into()),
        ..job(at(5))
    };
    s.jobs.enqueue(&j).await.unwrap();
    assert_eq!(s.jobs.get(&j.id).await.unwrap(), Some(j.clone()));
    assert_eq!(s.jobs.get(&JobId::new(new_id())).await.unwrap(), None);
    let twin = Job {
        run_after: at(999),
        ..j.clone()
    };
    assert!(
        s.jobs.enqueue(&twin).await.is_err(),
        "a duplicate id must be refused"
    );
    assert_eq!(stored(&s, &j.id).await, j);
}

/// Due means `run_after <= now`.
pub async fn nothing_to_claim_before_run_after(s: Stores) {
    let j = enqueued(&s, 100).await;
    assert_eq!(claim(&s, 99, "t1").await, None);
    assert_eq!(stored(&s, &j.id).await, j);
    let c = claim(&s, 100, "t2").await.expect("due at run_after");
    assert_eq!(c.job.id, j.id);
}

pub async fn claim_takes_the_earliest_due_job(s: Stores) {
    let j30 = enqueued(&s, 30).await;
    let j10 = enqueued(&s, 10).await;
    let j20 = enqueued(&s, 20).await;
    let _later = enqueued(&s, 500).await;
    let mut order = Vec::new();
    for token in ["a", "b", "c"] {
        order.push(claim(&s, 100, token).await.expect("a due job").job.id);
    }
    assert_eq!(order, vec![j10.id, j20.id, j30.id]);
    assert_eq!(claim(&s, 100, "d").await, None);
}

pub async fn claim_marks_running_leases_and_counts_an_attempt(s: Stores) {
    let j = enqueued(&s, 0).await;
    let c = claim(&s, 10, "token-1").await.expect("due");
    let expected = Job {
        state: JobState::Running,
        attempts: 1,
        lease_until: Some(at(10) + LEASE),
        ..j
    };
    assert_eq!(c.claim_token, "token-1");
    assert_eq!(c.job, expected);
    assert_eq!(stored(&s, &expected.id).await, expected);
}

pub async fn a_held_lease_blocks_other_claimers(s: Stores) {
    let j = enqueued(&s, 0).await;
    let c = claim(&s, 0, "holder").await.expect("due");
    assert_eq!(claim(&s, 59, "intruder").await, None);
    assert_eq!(stored(&s, &j.id).await, c.job);
}

pub async fn a_lapsed_lease_is_taken_over(s: Stores) {
    let j = enqueued(&s, 0).await;
    let first = claim(&s, 0, "first").await.expect("due");
    let second = claim(&s, 60, "second").await.expect("lease lapsed at 60");
    assert_eq!(second.claim_token, "second");
    assert_eq!(second.job.id, j.id);
    assert_eq!(second.job.state, JobState::Running);
    assert_eq!(second.job.attempts, first.job.attempts + 1);
    assert_eq!(second.job.lease_until, Some(at(60) + LEASE));
    assert_eq!(stored(&s, &j.id).await, second.job);
}

pub async fn a_stale_claim_changes_nothing(s: Stores) {
    let j = enqueued(&s, 0).await;
    let stale = claim(&s, 0, "stale").await.expect("due");
    let current = claim(&s, 61, "current").await.expect("taken over");
    s.jobs.complete(&stale).await.unwrap();
    assert_eq!(stored(&s, &j.id).await, current.job);
    s.jobs.retry(&stale, at(500), "late retry").await.unwrap();
    assert_eq!(stored(&s, &j.id).await, current.job);
    s.jobs.bury(&stale, "late bury").await.unwrap();
    assert_eq!(stored(&s, &j.id).await, current.job);
    // A forged token is as stale as an old one.
    let forged = ClaimedJob {
        job: current.job.clone(),
        claim_token: "forged".into(),
    };
    s.jobs.complete(&forged).await.unwrap();
    assert_eq!(stored(&s, &j.id).await, current.job);
    s.jobs.complete(&current).await.unwrap();
    let done = stored(&s, &j.id).await;
    assert_eq!(done.state, JobState::Done);
    // Finished: even the last holder's claim changes nothing any more.
    s.jobs.retry(&current, at(900), "after done").await.unwrap();
    assert_eq!(stored(&s, &j.id).await, done);
}

pub async fn retry_requeues_with_the_error(s: Stores) {
    let j = enqueued(&s, 0).await;
    let c = claim(&s, 0, "t1").await.expect("due");
    s.jobs
        .retry(&c, at(300), "payment provider down")
        .await
        .unwrap();
    let requeued = stored(&s, &j.id).await;
    assert_eq!(requeued.state, JobState::Queued);
    assert_eq!(requeued.run_after, at(300));
    assert_eq!(
        requeued.last_error.as_deref(),
        Some("payment provider down")
    );
    assert_eq!(requeued.attempts, 1);
    assert_eq!(claim(&s, 299, "t2").await, None);
    let again = claim(&s, 300, "t3").await.expect("due again");
    assert_eq!(again.job.attempts, 2);
    // The first claim is spent.
    s.jobs.complete(&c).await.unwrap();
    assert_eq!(stored(&s, &j.id).await.state, JobState::Running);
}

pub async fn bury_and_complete_are_final(s: Stores) {
    let dead = enqueued(&s, 0).await;
    let done = enqueued(&s, 1).await;
    let c1 = claim(&s, 5, "t1").await.expect("due");
    assert_eq!(c1.job.id, dead.id);
    s.jobs.bury(&c1, "gave up").await.unwrap();
    let c2 = claim(&s, 5, "t2").await.expect("due");
    assert_eq!(c2.job.id, done.id);
    s.jobs.complete(&c2).await.unwrap();
    let buried = stored(&s, &dead.id).await;
    assert_eq!(buried.state, JobState::Dead);
    assert_eq!(buried.last_error.as_deref(), Some("gave up"));
    assert_eq!(stored(&s, &done.id).await.state, JobState::Done);
    // Neither is ever claimed again, leases or not.
    assert_eq!(claim(&s, 1_000_000, "t3").await, None);
}

/// Waking a running, finished or unknown job does nothing.
pub async fn wake_makes_a_queued_job_due(s: Stores) {
    let sleeper = enqueued(&s, 1_000).await;
    let running = enqueued(&s, 0).await;
    let held = claim(&s, 0, "holder").await.expect("due");
    assert_eq!(held.job.id, running.id);
    assert_eq!(claim(&s, 5, "early").await, None);
    s.jobs.wake(&sleeper.id, at(5)).await.unwrap();
    s.jobs.wake(&running.id, at(5)).await.unwrap();
    s.jobs.wake(&JobId::new(new_id()), at(5)).await.unwrap();
    assert_eq!(stored(&s, &running.id).await, held.job);
    let woken = claim(&s, 5, "woken").await.expect("woken job is due");
    assert_eq!(woken.job.id, sleeper.id);
}

/// Four workers drain 200 jobs: each is claimed exactly once.
pub async fn concurrent_claimers_take_each_job_exactly_once(s: Stores) {
    let mut ids = Vec::new();
    for i in 0..200 {
        ids.push(enqueued(&s, i % 17).await.id);
    }
    let per_worker = concurrently(4, |w| {
        let s = s.clone();
        async move {
            let mut claimed = Vec::new();
            let long = Duration::hours(1);
            for n in 0.. {
                let token = format!("worker-{w}-{n}");
                let Some(c) = s.jobs.claim(at(100), long, &token).await.unwrap() else {
                    break;
                };
                assert_eq!(c.job.attempts, 1, "{c:?} was claimed before");
                s.jobs.complete(&c).await.unwrap();
                claimed.push(c.job.id);
            }
            claimed
        }
    })
    .await;
    let mut claimed: Vec<JobId> = per_worker.into_iter().flatten().collect();
    assert_eq!(claimed.len(), 200);
    assert_unique(&claimed, Clone::clone);
    claimed.sort();
    ids.sort();
    assert_eq!(claimed, ids);
    for id in &ids {
        assert_eq!(stored(&s, id).await.state, JobState::Done);
    }
}

/// A finished job (done or dead) runs again, due now, with its attempts at
/// 0 as the next generation; a queued one is only woken; a running one is
/// left to its worker; a missing one is `None`.
pub async fn requeue_runs_a_finished_job_again_as_a_new_generation(s: Stores) {
    let dead = enqueued(&s, 0).await;
    let c = claim(&s, 0, "w1").await.expect("due");
    s.jobs.bury(&c, "gave up").await.unwrap();
    let again = s
        .jobs
        .requeue(&dead.id, at(50))
        .await
        .unwrap()
        .expect("exists");
    assert_eq!(again.state, JobState::Queued);
    assert_eq!(again.attempts, 0);
    assert_eq!(again.run_after, at(50));
    assert_eq!(again.generation, 1);
    assert_eq!(stored(&s, &dead.id).await, again);
    let c = claim(&s, 50, "w2").await.expect("due again");
    assert_eq!((c.job.id.clone(), c.job.attempts), (dead.id.clone(), 1));
    s.jobs.complete(&c).await.unwrap();
    let done = s
        .jobs
        .requeue(&dead.id, at(60))
        .await
        .unwrap()
        .expect("exists");
    assert_eq!((done.state, done.generation), (JobState::Queued, 2));

    let queued = enqueued(&s, 500).await;
    let woken = s
        .jobs
        .requeue(&queued.id, at(70))
        .await
        .unwrap()
        .expect("exists");
    assert_eq!(
        (woken.state, woken.run_after, woken.generation),
        (JobState::Queued, at(70), 0)
    );

    let running = enqueued(&s, 0).await;
    let held = loop {
        let c = claim(&s, 80, "w3").await.expect("due");
        if c.job.id == running.id {
            break c;
        }
        s.jobs.complete(&c).await.unwrap();
    };
    let left = s
        .jobs
        .requeue(&running.id, at(81))
        .await
        .unwrap()
        .expect("exists");
    assert_eq!(left, held.job, "a running job is its worker's");
    assert_eq!(
        s.jobs.requeue(&JobId::new(new_id()), at(1)).await.unwrap(),
        None
    );
}
