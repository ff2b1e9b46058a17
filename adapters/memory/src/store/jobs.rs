use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use shop_domain::DomainError;
use shop_domain::ids::JobId;
use shop_domain::jobs::{ClaimedJob, Job, JobQueue, JobState};

use super::{JobRow, MemoryStore, State};

impl State {
    /// The job `claim` still holds, if it does.
    fn held(&mut self, claim: &ClaimedJob) -> Option<&mut JobRow> {
        self.jobs.get_mut(&claim.job.id).filter(|row| {
            row.job.state == JobState::Running
                && row.claim_token.as_deref() == Some(claim.claim_token.as_str())
        })
    }

    /// Requeues the job as [`Job::requeued`] says, or inserts `missing`
    /// when there is none; the job as it then stands.
    pub(super) fn requeue_job(
        &mut self,
        id: &JobId,
        now: DateTime<Utc>,
        missing: Option<&Job>,
    ) -> Option<Job> {
        match self.jobs.get_mut(id) {
            Some(row) => {
                let requeued = row.job.requeued(now);
                if requeued.generation != row.job.generation {
                    row.claim_token = None;
                }
                row.job = requeued;
                Some(row.job.clone())
            }
            None => {
                let job = missing?.clone();
                self.jobs.insert(
                    job.id.clone(),
                    JobRow {
                        job: job.clone(),
                        claim_token: None,
                    },
                );
                Some(job)
            }
        }
    }

    pub(super) fn wake_job(&mut self, id: &JobId, at: DateTime<Utc>) {
        if let Some(row) = self.jobs.get_mut(id)
            && row.job.state == JobState::Queued
        {
            row.job.run_after = at;
        }
    }
}

fn is_due(job: &Job, now: DateTime<Utc>) -> bool {
    match job.state {
        JobState::Queued => job.run_after <= now,
        JobState::Running => job.lease_until.is_none_or(|l| l <= now),
        JobState::Done | JobState::Dead => false,
    }
}

#[async_trait]
impl JobQueue for MemoryStore {
    async fn enqueue(&self, job: &Job) -> Result<(), DomainError> {
        let mut state = self.lock();
        if state.jobs.contains_key(&job.id) {
            return Err(DomainError::AlreadyExists("job"));
        }
        state.jobs.insert(
            job.id.clone(),
            JobRow {
                job: job.clone(),
                claim_token: None,
            },
        );
        Ok(())
    }

    /// Takes the due job with the earliest `run_after` (then the smallest id).
    async fn claim(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        claim_token: &str,
    ) -> Result<Option<ClaimedJob>, DomainError> {
        let mut state = self.lock();
        let Some(row) = state
            .jobs
            .values_mut()
            .filter(|row| is_due(&row.job, now))
            .min_by(|a, b| (a.job.run_after, &a.job.id).cmp(&(b.job.run_after, &b.job.id)))
        else {
            return Ok(None);
        };
        row.job.state = JobState::Running;
        row.job.lease_until = Some(now + lease);
        row.job.attempts = row.job.attempts.saturating_add(1);
        row.claim_token = Some(claim_token.to_string());
        Ok(Some(ClaimedJob {
            job: row.job.clone(),
            claim_token: claim_token.to_string(),
        }))
    }

    async fn complete(&self, claim: &ClaimedJob) -> Result<(), DomainError> {
        if let Some(row) = self.lock().held(claim) {
            row.job.state = JobState::Done;
            row.job.lease_until = None;
            row.claim_token = None;
        }
        Ok(())
    }

    async fn retry(
        &self,
        claim: &ClaimedJob,
        run_after: DateTime<Utc>,
        error: &str,
    ) -> Result<(), DomainError> {
        if let Some(row) = self.lock().held(claim) {
            row.job.state = JobState::Queued;
            row.job.run_after = run_after;
            row.job.lease_until = None;
            row.job.last_error = Some(error.to_string());
            row.claim_token = None;
        }
        Ok(())
    }

    async fn bury(&self, claim: &ClaimedJob, error: &str) -> Result<(), DomainError> {
        if let Some(row) = self.lock().held(claim) {
            row.job.state = JobState::Dead;
            row.job.lease_until = None;
            row.job.last_error = Some(error.to_string());
            row.claim_token = None;
        }
        Ok(())
    }

    async fn wake(&self, id: &JobId, now: DateTime<Utc>) -> Result<(), DomainError> {
        self.lock().wake_job(id, now);
        Ok(())
    }

    async fn requeue(&self, id: &JobId, now: DateTime<Utc>) -> Result<Option<Job>, DomainError> {
        Ok(self.lock().requeue_job(id, now, None))
    }

    async fn get(&self, id: &JobId) -> Result<Option<Job>, DomainError> {
        Ok(self.lock().jobs.get(id).map(|row| row.job.clone()))
    }
}
