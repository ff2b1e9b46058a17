//! The crash test's hook: with `SHOP_WORKER_CRASH_AT` and
//! `SHOP_WORKER_CRASH_DIR` set, the worker kills itself with SIGKILL the
//! first time the workflow reaches that step boundary for each order or
//! mail, so a test can restart it and check that nothing was lost or done
//! twice. A real SIGKILL (not a panic or an exit) leaves no chance to clean
//! up, like a machine that loses power.
//!
//! Compiled only with the `test-hooks` feature, which the black-box tests'
//! crate turns on for test builds; a release build has no hook.

use std::fs::OpenOptions;
use std::path::PathBuf;

use sha2::{Digest as _, Sha256};
use shop_domain::jobs::{StepPoint, StepProbe};

pub(crate) struct CrashProbe {
    point: StepPoint,
    markers: PathBuf,
}

impl CrashProbe {
    /// `Ok(None)` when the hook is not configured.
    pub(crate) fn from_env() -> Result<Option<Self>, String> {
        let at = std::env::var("SHOP_WORKER_CRASH_AT").ok();
        let dir = std::env::var("SHOP_WORKER_CRASH_DIR").ok();
        match (at, dir) {
            (None, None) => Ok(None),
            (Some(at), Some(dir)) => {
                let point = StepPoint::parse(&at).ok_or_else(|| {
                    let names: Vec<_> = StepPoint::ALL.iter().map(|p| p.as_str()).collect();
                    format!(
                        "SHOP_WORKER_CRASH_AT: {at:?} is no step boundary (one of {})",
                        names.join(", ")
                    )
                })?;
                std::fs::create_dir_all(&dir)
                    .map_err(|e| format!("SHOP_WORKER_CRASH_DIR: cannot create {dir}: {e}"))?;
                Ok(Some(Self {
                    point,
                    markers: PathBuf::from(dir),
                }))
            }
            _ => Err("SHOP_WORKER_CRASH_AT and SHOP_WORKER_CRASH_DIR go together".into()),
        }
    }
}

impl StepProbe for CrashProbe {
    fn reached(&self, point: StepPoint, entity: &str) {
        if point != self.point {
            return;
        }
        let digest = hex::encode(Sha256::digest(entity.as_bytes()));
        let marker = self.markers.join(format!("{}-{digest}", point.as_str()));
        // create_new is the once-only test: a restarted worker reaching the
        // same boundary for the same entity finds the marker and goes on.
        if OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&marker)
            .is_err()
        {
            return;
        }
        tracing::warn!(
            point = point.as_str(),
            entity,
            "crash hook: killing this worker"
        );
        let pid = std::process::id().to_string();
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &pid])
            .status();
        // Not reached once the signal lands; abort rather than go on if
        // `kill` is missing.
        std::process::abort();
    }
}
