//! [`Env`]: the variables and home directory a chain reads, injectable so that tests (and tools
//! that hold several configurations) never touch the process environment.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// Where a credential chain reads its variables and its home directory from.
///
/// [`Env::process`] reads the process environment at each look-up; [`Env::from_vars`] only the
/// given map. An empty value counts as unset, as the official SDKs treat it.
///
/// ```
/// use eip_http::Env;
/// let env = Env::from_vars([("ALIBABA_CLOUD_PROFILE", "work"), ("EMPTY", "")]).with_home("/tmp/h");
/// assert_eq!(env.var("ALIBABA_CLOUD_PROFILE").as_deref(), Some("work"));
/// assert_eq!(env.var("EMPTY"), None);
/// assert_eq!(env.expand("~/.aliyun/config.json"), std::path::PathBuf::from("/tmp/h/.aliyun/config.json"));
/// ```
#[derive(Clone, Default)]
pub struct Env {
    /// `None`: the process environment.
    vars: Option<Arc<BTreeMap<String, String>>>,
    home: Option<PathBuf>,
}

impl Env {
    /// The process environment; the home directory from `HOME` (or `USERPROFILE`).
    pub fn process() -> Self {
        Self::default()
    }

    /// Only these variables (the process environment is not read); the home directory from a
    /// `HOME` among them, or [`with_home`](Self::with_home).
    pub fn from_vars<K: Into<String>, V: Into<String>>(
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            vars: Some(Arc::new(
                vars.into_iter()
                    .map(|(k, v)| (k.into(), v.into()))
                    .collect(),
            )),
            home: None,
        }
    }

    /// Uses this home directory (for `~/.aliyun`, `~/.cache`...).
    pub fn with_home(mut self, home: impl Into<PathBuf>) -> Self {
        self.home = Some(home.into());
        self
    }

    /// The value of a variable; `None` when unset or empty.
    pub fn var(&self, name: &str) -> Option<String> {
        let value = match &self.vars {
            Some(vars) => vars.get(name).cloned(),
            None => std::env::var(name).ok(),
        };
        value.filter(|v| !v.is_empty())
    }

    /// Whether a variable is `true` (any case) or `1`.
    pub fn flag(&self, name: &str) -> bool {
        self.var(name)
            .is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
    }

    /// The home directory.
    pub fn home(&self) -> Option<PathBuf> {
        self.home.clone().or_else(|| {
            self.var("HOME")
                .or_else(|| self.var("USERPROFILE"))
                .map(PathBuf::from)
        })
    }

    /// A path with a leading `~/` replaced by the home directory (unchanged without one).
    pub fn expand(&self, path: &str) -> PathBuf {
        match (path.strip_prefix("~/"), self.home()) {
            (Some(rest), Some(home)) => home.join(rest),
            _ => PathBuf::from(path),
        }
    }
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Variable names only: values may be secrets.
        let mut s = f.debug_struct("Env");
        match &self.vars {
            Some(vars) => s.field("vars", &vars.keys().collect::<Vec<_>>()),
            None => s.field("vars", &"process environment"),
        };
        s.field("home", &self.home).finish()
    }
}
