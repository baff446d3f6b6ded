//! Files that hold secrets: profile files read with a permission check, and [`FileCache`], the
//! credential cache shared by short-lived processes.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use eip_core::{Error, Result, Secret};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::{Credentials, Env};

/// Reads a file that holds secrets (a profile, a credentials file): `Ok(None)` when it does not
/// exist; a typed [`Error::InvalidInput`] naming the file when it cannot be read or when, on
/// unix, its group or others may read or write it (mode & 0o077; `chmod 600` it), since a
/// secret another user can read is no longer one. The text is wiped when dropped.
pub fn read_private_file(path: &Path) -> Result<Option<Zeroizing<String>>> {
    let field = path.display().to_string();
    match fs::metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::invalid_input(field, format!("cannot read it: {e}"))),
        Ok(meta) => check_private(&field, &meta)?,
    }
    fs::read_to_string(path)
        .map(|text| Some(Zeroizing::new(text)))
        .map_err(|e| Error::invalid_input(field, format!("cannot read it: {e}")))
}

#[cfg(unix)]
fn check_private(field: &str, meta: &fs::Metadata) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(Error::invalid_input(
            field,
            format!(
                "holds secrets but is accessible to other users (mode {mode:04o}); chmod 600 it"
            ),
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_field: &str, _meta: &fs::Metadata) -> Result<()> {
    Ok(())
}

/// A directory of cached temporary credentials (and tokens), one file per identity, so that a
/// tool run once per health check does not cost an STS or IAM round trip each time.
///
/// - The directory is `$XDG_CACHE_HOME/multicloud-eip` or `~/.cache/multicloud-eip`, created
///   0700; files are 0600, written to a temporary file and renamed into place (a reader never
///   sees half a file).
/// - A file's name is the SHA-256 of the identity (a role ARN and the key id that assumes it),
///   never a secret.
/// - A file that other users may access is refused (and replaced at the next store); an
///   expired entry is ignored.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use eip_http::{Credentials, FileCache};
/// let dir = std::env::temp_dir().join(format!("eip-doc-cache-{}", std::process::id()));
/// let cache = FileCache::new(&dir);
/// let sts = Credentials::new("STS.id", "s").with_security_token("t")
///     .with_expiry(SystemTime::now() + Duration::from_secs(900));
/// cache.store_credentials("acs:ram::1:role/x|AK-id", &sts).unwrap();
/// let back = cache.load_credentials("acs:ram::1:role/x|AK-id", "ram-role-arn").unwrap().unwrap();
/// assert_eq!(back.access_key_id, "STS.id");
/// assert!(!cache.path_for("acs:ram::1:role/x|AK-id").display().to_string().contains("role"));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct FileCache {
    dir: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct Entry<T> {
    /// Seconds since the epoch.
    expires_at: u64,
    value: T,
}

#[derive(Serialize, Deserialize)]
struct CachedCredentials {
    access_key_id: String,
    access_key_secret: String,
    #[serde(default)]
    security_token: Option<String>,
}

impl Drop for CachedCredentials {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.access_key_secret);
        if let Some(token) = &mut self.security_token {
            zeroize::Zeroize::zeroize(token);
        }
    }
}

impl FileCache {
    /// A cache in this directory.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The user's cache directory: `$XDG_CACHE_HOME/multicloud-eip`, else
    /// `~/.cache/multicloud-eip`; `None` without either.
    pub fn from_env(env: &Env) -> Option<Self> {
        let base = match env.var("XDG_CACHE_HOME") {
            Some(xdg) => PathBuf::from(xdg),
            None => env.home()?.join(".cache"),
        };
        Some(Self::new(base.join("multicloud-eip")))
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of an identity: the hex SHA-256 of it, `.json`.
    pub fn path_for(&self, identity: &str) -> PathBuf {
        let digest = Sha256::digest(identity.as_bytes());
        self.dir.join(format!("{}.json", hex::encode(digest)))
    }

    /// The unexpired value cached for `identity`, and when it expires; `Ok(None)` when there is
    /// none (or it expired, or is unreadable as an entry); an error naming the file when the
    /// file is accessible to other users.
    pub fn load<T: DeserializeOwned>(&self, identity: &str) -> Result<Option<(T, SystemTime)>> {
        let path = self.path_for(identity);
        let Some(text) = read_private_file(&path)? else {
            return Ok(None);
        };
        let Ok(entry) = serde_json::from_str::<Entry<T>>(&text) else {
            tracing::debug!(file = %path.display(), "credential cache entry unreadable; ignored");
            return Ok(None);
        };
        let expires_at = UNIX_EPOCH
            .checked_add(Duration::from_secs(entry.expires_at))
            .unwrap_or(UNIX_EPOCH);
        if expires_at <= SystemTime::now() {
            return Ok(None);
        }
        Ok(Some((entry.value, expires_at)))
    }

    /// Stores `value` for `identity` until `expires_at`: a 0600 file written beside its final
    /// name and renamed over it.
    pub fn store<T: Serialize>(
        &self,
        identity: &str,
        value: &T,
        expires_at: SystemTime,
    ) -> Result<()> {
        let path = self.path_for(identity);
        let field = path.display().to_string();
        let io_error =
            |e: io::Error| Error::invalid_input(field.clone(), format!("cannot write it: {e}"));
        create_private_dir(&self.dir).map_err(io_error)?;
        let entry = Entry {
            expires_at: expires_at
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            value,
        };
        let text = Zeroizing::new(
            serde_json::to_string(&entry)
                .map_err(|e| Error::invalid_input(field.clone(), e.to_string()))?,
        );
        let temporary = self.dir.join(format!(
            ".{}.{}.{:x}.tmp",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("entry"),
            std::process::id(),
            rand_suffix()
        ));
        let written =
            write_private(&temporary, text.as_bytes()).and_then(|()| fs::rename(&temporary, &path));
        if written.is_err() {
            let _ = fs::remove_file(&temporary);
        }
        written.map_err(io_error)
    }

    /// Forgets what is cached for `identity` (credentials the service refused).
    pub fn remove(&self, identity: &str) {
        let _ = fs::remove_file(self.path_for(identity));
    }

    /// Unexpired credentials cached for `identity`, named as coming from `source`.
    pub fn load_credentials(
        &self,
        identity: &str,
        source: &'static str,
    ) -> Result<Option<Credentials>> {
        Ok(self
            .load::<CachedCredentials>(identity)?
            .map(|(mut cached, expires_at)| Credentials {
                access_key_id: std::mem::take(&mut cached.access_key_id),
                secret: Secret::new(std::mem::take(&mut cached.access_key_secret)),
                security_token: cached.security_token.take().map(Secret::new),
                expires_at: Some(expires_at),
                source,
            }))
    }

    /// Caches temporary credentials for `identity` until they expire (long-lived keys, without
    /// an expiry, are not written).
    pub fn store_credentials(&self, identity: &str, credentials: &Credentials) -> Result<()> {
        let Some(expires_at) = credentials.expires_at else {
            return Ok(());
        };
        let cached = CachedCredentials {
            access_key_id: credentials.access_key_id.clone(),
            access_key_secret: credentials.secret.expose().to_owned(),
            security_token: credentials
                .security_token
                .as_ref()
                .map(|t| t.expose().to_owned()),
        };
        self.store(identity, &cached, expires_at)
    }
}

fn rand_suffix() -> u64 {
    // Uniqueness among concurrent writers of one process, not secrecy.
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    u64::from(nanos) ^ (u64::from(std::process::id()) << 32)
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    match fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
    {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}
