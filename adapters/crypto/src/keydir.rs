//! Access-token signing keys kept on local disk, for the embedded setup
//! where the processes of one host issue and verify tokens.
//!
//! Layout under the directory given (`dir`):
//!
//! ```text
//! dir/jwt-keys/            mode 0700
//!   <kid>.pem              PKCS#8 Ed25519 private key, mode 0600; <kid> is
//!                          the key's RFC 7638 thumbprint
//!   active                 the kid new tokens are signed with (one line)
//!   .lock                  held (flock) while a process loads or rotates
//! ```
//!
//! The active key is the one `active` names, not the newest file, because
//! copying or restoring a directory changes modification times. Every
//! `<kid>.pem` verifies, so tokens signed before a [`rotate`] keep verifying
//! until they expire; an operator removes an old key file once the longest
//! access-token lifetime has passed since the rotation. Processes read the
//! directory at start: restart every process sharing it after a rotation.
//!
//! Loading is strict, as `ssh` is with its keys: a key file readable by group
//! or others, a file whose name is not its key's kid, or an `active` naming a
//! missing key is an error, never silently skipped. Files not ending in
//! `.pem` (temporary files and the `.lock` file among them) are ignored.
//! Keys made elsewhere can be dropped in as `<kid>.pem`; with a single key
//! and no `active` file, that key is the active one.

use std::collections::BTreeMap;
use std::fs;
use std::io::{ErrorKind, Write as _};
use std::path::Path;

use crate::eddsa::{Ed25519Key, KeyError, KeyRing};

/// The subdirectory of the data directory holding the key files.
pub const KEY_DIR_NAME: &str = "jwt-keys";
const ACTIVE_FILE: &str = "active";
const LOCK_FILE: &str = ".lock";
const KEY_EXTENSION: &str = "pem";

/// Loads the ring from `dir/jwt-keys`, creating the directory and a first
/// key when there is none. Several processes starting together on an empty
/// directory agree on one first key.
pub fn load_or_create_key_dir(
    dir: &Path,
    issuer: &str,
    audience: &str,
) -> Result<KeyRing, KeyError> {
    let keys_dir = dir.join(KEY_DIR_NAME);
    create_private_dir(&keys_dir)?;
    let _lock = lock_key_dir(&keys_dir)?;
    let mut contents = read_key_dir(&keys_dir)?;
    if contents.keys.is_empty() {
        let key = Ed25519Key::generate()?;
        write_key_file(&keys_dir, &key)?;
        set_active(&keys_dir, key.kid())?;
        contents.active = Some(key.kid().to_string());
        contents.keys.insert(key.kid().to_string(), key);
    }
    let active_kid = match contents.active {
        Some(kid) => kid,
        None => match contents.keys.keys().collect::<Vec<_>>().as_slice() {
            [only] => (*only).clone(),
            _ => {
                return Err(key_dir_error(
                    &keys_dir,
                    format!(
                        "holds several keys but no `{ACTIVE_FILE}` file naming the one to sign with"
                    ),
                ));
            }
        },
    };
    let active = contents.keys.remove(&active_kid).ok_or_else(|| {
        key_dir_error(
            &keys_dir,
            format!(
                "`{ACTIVE_FILE}` names {active_kid}, but there is no {active_kid}.{KEY_EXTENSION}"
            ),
        )
    })?;
    let previous: Vec<_> = contents
        .keys
        .values()
        .map(|key| key.public_key().clone())
        .collect();
    KeyRing::new(active, previous, issuer, audience)
}

/// Adds a new key to `dir/jwt-keys` and makes it the active one; returns its
/// kid. The old keys stay and keep verifying.
pub fn rotate(dir: &Path) -> Result<String, KeyError> {
    let keys_dir = dir.join(KEY_DIR_NAME);
    create_private_dir(&keys_dir)?;
    let _lock = lock_key_dir(&keys_dir)?;
    let key = Ed25519Key::generate()?;
    write_key_file(&keys_dir, &key)?;
    set_active(&keys_dir, key.kid())?;
    Ok(key.kid().to_string())
}

/// Holds an exclusive lock on `jwt-keys/.lock` until dropped, so processes
/// starting together on an empty directory agree on one first key, and a
/// loader never sees a rotation half done. The operating system releases
/// the lock when its holder dies, so a crash leaves nothing stale.
fn lock_key_dir(keys_dir: &Path) -> Result<fs::File, KeyError> {
    let path = keys_dir.join(LOCK_FILE);
    let mut options = fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let file = options.open(&path).map_err(|e| io_error(&path, e))?;
    file.lock().map_err(|e| io_error(&path, e))?;
    Ok(file)
}

/// Points `active` at `kid`. The rename replaces it atomically: a reader
/// sees the old kid or the new one, never a partial line.
fn set_active(keys_dir: &Path, kid: &str) -> Result<(), KeyError> {
    let staged = keys_dir.join(format!(".{ACTIVE_FILE}.{kid}.tmp"));
    let active = keys_dir.join(ACTIVE_FILE);
    write_new_private_file(&staged, format!("{kid}\n").as_bytes())?;
    fs::rename(&staged, &active).map_err(|e| io_error(&active, e))?;
    sync_dir(keys_dir)
}

struct KeyDirContents {
    keys: BTreeMap<String, Ed25519Key>,
    active: Option<String>,
}

fn read_key_dir(keys_dir: &Path) -> Result<KeyDirContents, KeyError> {
    let mut keys = BTreeMap::new();
    let entries = fs::read_dir(keys_dir).map_err(|e| io_error(keys_dir, e))?;
    for entry in entries {
        let path = entry.map_err(|e| io_error(keys_dir, e))?.path();
        if path.extension().is_none_or(|ext| ext != KEY_EXTENSION) {
            continue;
        }
        // Follows symlinks, so keys mounted as links to secrets load.
        let metadata = fs::metadata(&path).map_err(|e| io_error(&path, e))?;
        if !metadata.is_file() {
            return Err(key_dir_error(&path, "is not a file".into()));
        }
        refuse_shared_file(&path, &metadata)?;
        let pem =
            zeroize::Zeroizing::new(fs::read_to_string(&path).map_err(|e| io_error(&path, e))?);
        let key =
            Ed25519Key::from_pkcs8_pem(&pem).map_err(|e| key_dir_error(&path, e.to_string()))?;
        let stem = path.file_stem().and_then(|stem| stem.to_str());
        if stem != Some(key.kid()) {
            return Err(key_dir_error(
                &path,
                format!(
                    "holds key {kid}; name it {kid}.{KEY_EXTENSION}",
                    kid = key.kid()
                ),
            ));
        }
        keys.insert(key.kid().to_string(), key);
    }
    let active_path = keys_dir.join(ACTIVE_FILE);
    let active = match fs::read_to_string(&active_path) {
        Ok(text) => {
            let kid = text.trim();
            if kid.is_empty() {
                return Err(key_dir_error(&active_path, "is empty".into()));
            }
            Some(kid.to_string())
        }
        Err(e) if e.kind() == ErrorKind::NotFound => None,
        Err(e) => return Err(io_error(&active_path, e)),
    };
    Ok(KeyDirContents { keys, active })
}

/// Writes the key to `<kid>.pem` through a temporary file, so a crash never
/// leaves a half-written key under a name the loader reads.
fn write_key_file(keys_dir: &Path, key: &Ed25519Key) -> Result<(), KeyError> {
    let pem = key.to_pkcs8_pem()?;
    let staged = keys_dir.join(format!(".{}.{KEY_EXTENSION}.tmp", key.kid()));
    let path = keys_dir.join(format!("{}.{KEY_EXTENSION}", key.kid()));
    write_new_private_file(&staged, pem.as_bytes())?;
    fs::rename(&staged, &path).map_err(|e| io_error(&path, e))?;
    sync_dir(keys_dir)
}

fn write_new_private_file(path: &Path, bytes: &[u8]) -> Result<(), KeyError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        // Private from the first byte; never briefly world-readable.
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| io_error(path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        // The umask may have cleared bits; exactly 0600 keeps the owner able to read it.
        file.set_permissions(fs::Permissions::from_mode(0o600))
            .map_err(|e| io_error(path, e))?;
    }
    file.write_all(bytes).map_err(|e| io_error(path, e))?;
    file.sync_all().map_err(|e| io_error(path, e))
}

fn create_private_dir(path: &Path) -> Result<(), KeyError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(path).map_err(|e| io_error(path, e))
}

#[cfg(unix)]
fn refuse_shared_file(path: &Path, metadata: &fs::Metadata) -> Result<(), KeyError> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(key_dir_error(
            path,
            format!("is accessible by group or others (mode {mode:o}); `chmod 600` it"),
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn refuse_shared_file(_path: &Path, _metadata: &fs::Metadata) -> Result<(), KeyError> {
    Ok(())
}

/// Makes renames and new names in the directory durable across a power cut.
#[cfg(unix)]
fn sync_dir(path: &Path) -> Result<(), KeyError> {
    fs::File::open(path)
        .and_then(|dir| dir.sync_all())
        .map_err(|e| io_error(path, e))
}

#[cfg(not(unix))]
fn sync_dir(_path: &Path) -> Result<(), KeyError> {
    Ok(())
}

fn io_error(path: &Path, source: std::io::Error) -> KeyError {
    KeyError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn key_dir_error(path: &Path, reason: String) -> KeyError {
    KeyError::KeyDir {
        path: path.to_path_buf(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::decode_header;
    use shop_domain::DomainError;
    use shop_domain::account::{AccessClaims, Role, TokenSigner};
    use shop_domain::ids::{SessionId, UserId};

    use super::*;

    const ISS: &str = "shop";
    const AUD: &str = "shop-api";

    fn claims() -> AccessClaims {
        AccessClaims {
            user_id: UserId::new("u1"),
            role: Role::Customer,
            session_version: 1,
            session_id: SessionId::new("s1"),
            token_id: "t1".into(),
            issued_at: 1_900_000_000,
            expires_at: 1_900_000_900,
        }
    }

    fn load(dir: &Path) -> KeyRing {
        load_or_create_key_dir(dir, ISS, AUD).unwrap()
    }

    fn pem_files(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir.join(KEY_DIR_NAME))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|name| name.ends_with(".pem"))
            .collect();
        names.sort_unstable();
        names
    }

    fn kid_of(token: &str) -> String {
        decode_header(token).unwrap().kid.unwrap()
    }

    #[test]
    fn creates_one_key_in_an_empty_dir_and_reuses_it() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let ring = load(&data);
        let kid = ring.active_kid().unwrap().to_string();
        assert_eq!(pem_files(&data), [format!("{kid}.pem")]);
        let active = fs::read_to_string(data.join(KEY_DIR_NAME).join(ACTIVE_FILE)).unwrap();
        assert_eq!(active.trim(), kid);

        let again = load(&data);
        assert_eq!(again.active_kid(), Some(kid.as_str()));
        assert_eq!(pem_files(&data).len(), 1);
        assert_eq!(
            again.verify(&ring.sign(&claims()).unwrap()).unwrap(),
            claims()
        );
    }

    #[cfg(unix)]
    #[test]
    fn key_files_are_owner_only() {
        use std::os::unix::fs::PermissionsExt as _;
        let tmp = tempfile::tempdir().unwrap();
        load(tmp.path());
        rotate(tmp.path()).unwrap();
        let keys_dir = tmp.path().join(KEY_DIR_NAME);
        let mode = |path: &Path| fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&keys_dir), 0o700);
        let names = pem_files(tmp.path());
        assert_eq!(names.len(), 2);
        for name in names {
            assert_eq!(mode(&keys_dir.join(&name)), 0o600, "{name}");
        }
        assert_eq!(mode(&keys_dir.join(ACTIVE_FILE)), 0o600);
    }

    #[test]
    fn rotation_keeps_old_tokens_verifying_and_signs_with_the_new_key() {
        let tmp = tempfile::tempdir().unwrap();
        let before = load(tmp.path());
        let kid_a = before.active_kid().unwrap().to_string();
        let token_a = before.sign(&claims()).unwrap();

        let kid_b = rotate(tmp.path()).unwrap();
        assert_ne!(kid_a, kid_b);
        let after = load(tmp.path());
        assert_eq!(after.active_kid(), Some(kid_b.as_str()));
        assert_eq!(after.verify(&token_a).unwrap(), claims());
        let token_b = after.sign(&claims()).unwrap();
        assert_eq!(kid_of(&token_b), kid_b);
        assert_eq!(kid_of(&token_a), kid_a);
        // A process that has not reloaded does not know B yet.
        assert_eq!(before.verify(&token_b), Err(DomainError::InvalidToken));

        // Verifiers that fetch the JWKS see both keys.
        let verifier = KeyRing::from_jwks(&after.jwks().to_string(), ISS, AUD).unwrap();
        assert!(verifier.verify(&token_a).is_ok());
        assert!(verifier.verify(&token_b).is_ok());

        // Once an operator removes A's file, A's tokens are refused.
        fs::remove_file(tmp.path().join(KEY_DIR_NAME).join(format!("{kid_a}.pem"))).unwrap();
        let pruned = load(tmp.path());
        assert_eq!(pruned.verify(&token_a), Err(DomainError::InvalidToken));
        assert!(pruned.verify(&token_b).is_ok());
    }

    #[test]
    fn rotate_on_an_empty_dir_creates_the_active_key() {
        let tmp = tempfile::tempdir().unwrap();
        let kid = rotate(tmp.path()).unwrap();
        assert_eq!(load(tmp.path()).active_kid(), Some(kid.as_str()));
        assert_eq!(pem_files(tmp.path()).len(), 1);
    }

    #[test]
    fn processes_starting_together_agree_on_one_first_key() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let kids: Vec<String> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|_| scope.spawn(|| load(&dir).active_kid().unwrap().to_string()))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(kids.iter().all(|kid| *kid == kids[0]), "{kids:?}");
        assert_eq!(pem_files(&dir), [format!("{}.pem", kids[0])]);
        assert_eq!(load(&dir).active_kid(), Some(kids[0].as_str()));
    }

    #[cfg(unix)]
    #[test]
    fn a_key_readable_by_others_is_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let tmp = tempfile::tempdir().unwrap();
        let kid = load(tmp.path()).active_kid().unwrap().to_string();
        let path = tmp.path().join(KEY_DIR_NAME).join(format!("{kid}.pem"));
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let error = load_or_create_key_dir(tmp.path(), ISS, AUD).unwrap_err();
        assert!(error.to_string().contains("chmod 600"), "{error}");
    }

    #[test]
    fn a_misnamed_key_file_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let kid = load(tmp.path()).active_kid().unwrap().to_string();
        let keys_dir = tmp.path().join(KEY_DIR_NAME);
        fs::rename(
            keys_dir.join(format!("{kid}.pem")),
            keys_dir.join("renamed.pem"),
        )
        .unwrap();
        let error = load_or_create_key_dir(tmp.path(), ISS, AUD).unwrap_err();
        assert!(error.to_string().contains(&kid), "{error}");
    }

    #[test]
    fn an_active_file_naming_a_missing_key_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        load(tmp.path());
        fs::write(
            tmp.path().join(KEY_DIR_NAME).join(ACTIVE_FILE),
            "no-such-kid\n",
        )
        .unwrap();
        let error = load_or_create_key_dir(tmp.path(), ISS, AUD).unwrap_err();
        assert!(error.to_string().contains("no-such-kid"), "{error}");
    }

    #[test]
    fn several_keys_without_an_active_file_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        load(tmp.path());
        rotate(tmp.path()).unwrap();
        fs::remove_file(tmp.path().join(KEY_DIR_NAME).join(ACTIVE_FILE)).unwrap();
        assert!(load_or_create_key_dir(tmp.path(), ISS, AUD).is_err());
    }

    #[test]
    fn a_single_key_without_an_active_file_is_active() {
        let tmp = tempfile::tempdir().unwrap();
        let kid = load(tmp.path()).active_kid().unwrap().to_string();
        fs::remove_file(tmp.path().join(KEY_DIR_NAME).join(ACTIVE_FILE)).unwrap();
        assert_eq!(load(tmp.path()).active_kid(), Some(kid.as_str()));
    }

    #[test]
    fn other_files_are_ignored_but_a_corrupt_key_is_not() {
        let tmp = tempfile::tempdir().unwrap();
        let kid = load(tmp.path()).active_kid().unwrap().to_string();
        let keys_dir = tmp.path().join(KEY_DIR_NAME);
        fs::write(keys_dir.join("README"), "keys").unwrap();
        fs::write(keys_dir.join(".leftover.pem.tmp"), "half a key").unwrap();
        assert_eq!(load(tmp.path()).active_kid(), Some(kid.as_str()));

        let corrupt = keys_dir.join("corrupt.pem");
        write_new_private_file(&corrupt, b"-----BEGIN PRIVATE KEY-----\n").unwrap();
        assert!(load_or_create_key_dir(tmp.path(), ISS, AUD).is_err());
    }

    #[test]
    fn a_key_written_by_openssl_style_pem_loads() {
        // A key made elsewhere and dropped in by an operator, under its kid.
        let tmp = tempfile::tempdir().unwrap();
        let keys_dir = tmp.path().join(KEY_DIR_NAME);
        create_private_dir(&keys_dir).unwrap();
        let key = Ed25519Key::generate().unwrap();
        let pem = key.to_pkcs8_pem().unwrap();
        write_new_private_file(&keys_dir.join(format!("{}.pem", key.kid())), pem.as_bytes())
            .unwrap();
        assert_eq!(load(tmp.path()).active_kid(), Some(key.kid()));
    }
}
