//! Locates the `shop-api` and `shop-worker` binaries: `SHOP_API_BIN` /
//! `SHOP_WORKER_BIN` when set, else builds each once per test process with
//! cargo.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent directory")
        .to_path_buf()
}

fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                workspace_root().join(dir)
            }
        }
        _ => workspace_root().join("target"),
    }
}

/// The binary `name` of package `name`: `$variable` when set, else built.
fn build(name: &str, variable: &str) -> PathBuf {
    if let Some(bin) = std::env::var_os(variable).filter(|b| !b.is_empty()) {
        let bin = PathBuf::from(bin);
        assert!(bin.is_file(), "{variable}={} is not a file", bin.display());
        return bin;
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    // The features a workspace test build gives it (the worker's crash
    // hook), so this build and `cargo build --workspace` make one binary.
    let status = Command::new(cargo)
        .args(["build", "-p", name, "--bin", name])
        .args(["--features", "shop-bootstrap/test-hooks"])
        .current_dir(workspace_root())
        .stdin(Stdio::null())
        .stdout(std::io::stderr())
        .stderr(std::io::stderr())
        .status()
        .expect("cargo could not be started");
    assert!(status.success(), "cargo build -p {name} failed: {status}");
    let bin = target_dir()
        .join("debug")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(bin.is_file(), "no binary at {}", bin.display());
    bin
}

/// The path of the `shop-api` binary under test.
pub fn shop_api_binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| build("shop-api", "SHOP_API_BIN"))
}

/// The path of the `shop-worker` binary under test.
pub fn shop_worker_binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| build("shop-worker", "SHOP_WORKER_BIN"))
}
