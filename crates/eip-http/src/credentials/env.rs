//! [`Env`]: the variables and home directory a chain reads, injectable so that tests (and tools
//! that hold several configurations) never touch the process environment.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use eip_core::{Error, Result};
use zeroize::Zeroizing;

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

    /// The first of `names` that is set (and not blank), with its name. Two aliases set to
    /// different values are an [`Error::InvalidInput`] naming both, not a silent choice. The
    /// values not kept (a duplicate alias, which may be a secret) are wiped when dropped.
    pub fn first_of(&self, names: &[&'static str]) -> Result<Option<(&'static str, String)>> {
        let mut found: Option<(&'static str, Zeroizing<String>)> = None;
        for name in names {
            let Some(value) = self
                .var(name)
                .map(Zeroizing::new)
                .filter(|v| !v.trim().is_empty())
            else {
                continue;
            };
            match &found {
                Some((first, seen)) if *seen != value => {
                    return Err(Error::invalid_input(
                        *first,
                        format!("{first} and {name} are both set, to different values; unset one"),
                    ))
                }
                Some(_) => {}
                None => found = Some((name, value)),
            }
        }
        Ok(found.map(|(name, mut value)| (name, std::mem::take(&mut *value))))
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn the_first_alias_set_wins_and_two_different_values_are_refused() {
        let names = ["A_NEW", "A_OLD"];
        let env = Env::from_vars([("A_OLD", "v"), ("A_NEW", "  ")]);
        assert_eq!(env.first_of(&names).unwrap(), Some(("A_OLD", "v".into())));
        let same = Env::from_vars([("A_OLD", "v"), ("A_NEW", "v")]);
        assert_eq!(same.first_of(&names).unwrap(), Some(("A_NEW", "v".into())));
        assert_eq!(Env::from_vars([("X", "1")]).first_of(&names).unwrap(), None);
        let both = Env::from_vars([("A_OLD", "secret-1"), ("A_NEW", "secret-2")]);
        match both.first_of(&names) {
            Err(Error::InvalidInput { field, reason }) => {
                assert_eq!(field, "A_NEW");
                assert!(reason.contains("A_OLD"), "{reason}");
                assert!(
                    !reason.contains("secret"),
                    "values are never quoted: {reason}"
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
