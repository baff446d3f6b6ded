//! AccessKeys, and where they come from: the environment and the CLI profile file.

use std::path::{Path, PathBuf};

use eip_core::{Error, Result, Secret};
use serde::Deserialize;
use zeroize::{Zeroize, Zeroizing};

/// An AccessKey pair, with an STS security token for temporary credentials.
///
/// `Debug` shows the key id but never the secret or the token.
///
/// ```
/// use eip_alibaba::AccessKey;
/// let key = AccessKey::new("LTAI-example", "the-secret").with_security_token("sts-token");
/// let shown = format!("{key:?}");
/// assert!(shown.contains("LTAI-example") && !shown.contains("the-secret") && !shown.contains("sts-token"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessKey {
    /// The AccessKey ID.
    pub id: String,
    /// The AccessKey secret.
    pub secret: Secret,
    /// The STS security token, for temporary credentials.
    pub security_token: Option<Secret>,
}

impl AccessKey {
    /// A long-lived AccessKey pair.
    pub fn new(id: impl Into<String>, secret: impl Into<Secret>) -> Self {
        Self {
            id: id.into(),
            secret: secret.into(),
            security_token: None,
        }
    }

    /// Adds an STS security token (temporary credentials).
    pub fn with_security_token(mut self, token: impl Into<Secret>) -> Self {
        self.security_token = Some(token.into());
        self
    }
}

/// What the environment and the profile file say.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Discovered {
    pub credentials: Option<AccessKey>,
    pub region: Option<String>,
}

/// Environment variable names, most preferred first: the standard names of alibabacloud-credentials
/// (`alibabacloud_credentials/utils/auth_util.py`), then the aliases of the CLI
/// (aliyun/aliyun-cli `config/profile.go`) and of Terraform (aliyun/terraform-provider-alicloud
/// `alicloud/provider.go`).
pub(crate) const ACCESS_KEY_ID_VARS: &[&str] = &[
    "ALIBABA_CLOUD_ACCESS_KEY_ID",
    "ALIBABACLOUD_ACCESS_KEY_ID",
    "ALICLOUD_ACCESS_KEY_ID",
    "ALICLOUD_ACCESS_KEY",
];
pub(crate) const ACCESS_KEY_SECRET_VARS: &[&str] = &[
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    "ALIBABACLOUD_ACCESS_KEY_SECRET",
    "ALICLOUD_ACCESS_KEY_SECRET",
    "ALICLOUD_SECRET_KEY",
];
pub(crate) const SECURITY_TOKEN_VARS: &[&str] = &[
    "ALIBABA_CLOUD_SECURITY_TOKEN",
    "ALIBABACLOUD_SECURITY_TOKEN",
    "ALICLOUD_SECURITY_TOKEN",
];
pub(crate) const REGION_VARS: &[&str] = &[
    "ALIBABA_CLOUD_REGION_ID",
    "ALIBABACLOUD_REGION_ID",
    "ALICLOUD_REGION_ID",
    "ALICLOUD_REGION",
];
const PROFILE_VAR: &str = "ALIBABA_CLOUD_PROFILE";
const PROFILE_DISABLED_VAR: &str = "ALIBABA_CLOUD_CLI_PROFILE_DISABLED";

/// Reads credentials and region from `env` (a variable lookup) and, when the environment holds no
/// AccessKey, from the CLI profile file `<home>/.aliyun/config.json` (as alibabacloud-credentials
/// `alibabacloud_credentials/provider/cli_profile.py` reads it).
///
/// Nothing found is not an error here (the builder may get credentials later); half a
/// configuration or one that contradicts itself is.
pub(crate) fn discover(
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> Result<Discovered> {
    let id = one_of(env, ACCESS_KEY_ID_VARS)?;
    let secret = one_of(env, ACCESS_KEY_SECRET_VARS)?;
    let token = one_of(env, SECURITY_TOKEN_VARS)?;
    let region = one_of(env, REGION_VARS)?;
    let credentials = match (id, secret) {
        (Some(id), Some(secret)) => {
            let key = AccessKey::new(id, secret);
            Some(match token {
                Some(token) => key.with_security_token(token),
                None => key,
            })
        }
        (Some(_), None) => {
            return Err(missing(
                ACCESS_KEY_SECRET_VARS[0],
                "is not set, but an AccessKey ID is",
            ))
        }
        (None, Some(_)) => {
            return Err(missing(
                ACCESS_KEY_ID_VARS[0],
                "is not set, but an AccessKey secret is",
            ))
        }
        (None, None) if token.is_some() => {
            return Err(missing(
                ACCESS_KEY_ID_VARS[0],
                "is not set, but a security token is",
            ))
        }
        (None, None) => None,
    };
    if credentials.is_some() {
        return Ok(Discovered {
            credentials,
            region,
        });
    }
    let disabled = env(PROFILE_DISABLED_VAR).is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let file = home.map(|home| home.join(".aliyun").join("config.json"));
    match file {
        Some(file) if !disabled && file.exists() => {
            let from_file = read_profile(&file, env(PROFILE_VAR).filter(|p| !p.is_empty()))?;
            Ok(Discovered {
                credentials: Some(from_file.credentials),
                region: region.or(from_file.region),
            })
        }
        _ if env(PROFILE_VAR).is_some_and(|p| !p.is_empty()) && !disabled => Err(missing(
            PROFILE_VAR,
            "names a profile, but there is no ~/.aliyun/config.json",
        )),
        _ => Ok(Discovered {
            credentials: None,
            region,
        }),
    }
}

/// The first variable of `names` that is set (and not empty). Two aliases set to different
/// values are a contradiction, not a silent choice.
fn one_of(env: &dyn Fn(&str) -> Option<String>, names: &[&str]) -> Result<Option<String>> {
    // Values may be secrets: the ones not kept (a duplicate alias) are wiped when dropped.
    let mut found: Option<(&str, Zeroizing<String>)> = None;
    for name in names {
        let Some(value) = env(name).filter(|v| !v.is_empty()).map(Zeroizing::new) else {
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
    Ok(found.map(|(_, mut value)| std::mem::take(&mut *value)))
}

fn missing(field: &str, reason: &str) -> Error {
    Error::invalid_input(field, format!("{field} {reason}"))
}

/// The CLI's profile file.
#[derive(Deserialize)]
struct CliConfig {
    #[serde(default)]
    current: Option<String>,
    #[serde(default)]
    profiles: Vec<CliProfile>,
}

#[derive(Deserialize)]
struct CliProfile {
    #[serde(default)]
    name: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    access_key_id: String,
    #[serde(default)]
    access_key_secret: String,
    #[serde(default)]
    sts_token: String,
    #[serde(default)]
    region_id: String,
}

impl Drop for CliProfile {
    fn drop(&mut self) {
        self.access_key_secret.zeroize();
        self.sts_token.zeroize();
    }
}

struct FromFile {
    credentials: AccessKey,
    region: Option<String>,
}

/// Reads one profile of `~/.aliyun/config.json`: the one named by `ALIBABA_CLOUD_PROFILE`, else
/// `current`, else `default`. Modes `AK` and `StsToken` (compared case-insensitively, as the CLI
/// does) are supported; the others need an identity service this library does not call.
fn read_profile(file: &Path, wanted: Option<String>) -> Result<FromFile> {
    let field = file.display().to_string();
    // The file holds secrets: its text and every profile read from it are wiped when dropped.
    let text = std::fs::read_to_string(file)
        .map(Zeroizing::new)
        .map_err(|e| {
            Error::invalid_input(
                field.clone(),
                format!("cannot read the CLI profile file: {e}"),
            )
        })?;
    let config: CliConfig = serde_json::from_str(&text).map_err(|e| {
        Error::invalid_input(field.clone(), format!("not a valid CLI profile file: {e}"))
    })?;
    let (name, named_by) = match wanted {
        Some(name) => (name, PROFILE_VAR.to_owned()),
        None => match config.current.filter(|c| !c.is_empty()) {
            Some(current) => (current, format!("{field} (current)")),
            None => ("default".to_owned(), field.clone()),
        },
    };
    let mut profile = config
        .profiles
        .into_iter()
        .find(|p| p.name == name)
        .ok_or_else(|| {
            Error::invalid_input(named_by, format!("there is no profile {name:?} in {field}"))
        })?;
    let at = |key: &str| format!("{field}: profile {name:?} {key}");
    let mode = profile.mode.to_ascii_lowercase();
    if mode != "ak" && mode != "ststoken" {
        return Err(Error::invalid_input(
            at("mode"),
            format!(
                "mode {:?} is not supported; use AK or StsToken",
                profile.mode
            ),
        ));
    }
    if profile.access_key_id.is_empty() {
        return Err(Error::invalid_input(at("access_key_id"), "is missing"));
    }
    if profile.access_key_secret.is_empty() {
        return Err(Error::invalid_input(at("access_key_secret"), "is missing"));
    }
    let mut credentials = AccessKey::new(
        std::mem::take(&mut profile.access_key_id),
        std::mem::take(&mut profile.access_key_secret),
    );
    if mode == "ststoken" {
        if profile.sts_token.is_empty() {
            return Err(Error::invalid_input(
                at("sts_token"),
                "is missing (mode StsToken)",
            ));
        }
        credentials = credentials.with_security_token(std::mem::take(&mut profile.sts_token));
    }
    let region = Some(std::mem::take(&mut profile.region_id)).filter(|r| !r.is_empty());
    Ok(FromFile {
        credentials,
        region,
    })
}

/// The user's home directory, where `~/.aliyun/config.json` lives.
pub(crate) fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    fn field(result: Result<Discovered>) -> String {
        match result {
            Err(Error::InvalidInput { field, .. }) => field,
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    fn temp_home(config: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "eip-alibaba-cred-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(dir.join(".aliyun")).unwrap();
        std::fs::write(dir.join(".aliyun").join("config.json"), config).unwrap();
        dir
    }

    #[test]
    fn standard_variables_and_aliases() {
        let found = discover(
            &env_of(&[
                ("ALIBABA_CLOUD_ACCESS_KEY_ID", "id1"),
                ("ALICLOUD_SECRET_KEY", "s1"),
                ("ALICLOUD_SECURITY_TOKEN", "t1"),
                ("ALICLOUD_REGION", "cn-beijing"),
            ]),
            None,
        )
        .unwrap();
        let key = found.credentials.unwrap();
        assert_eq!((key.id.as_str(), key.secret.expose()), ("id1", "s1"));
        assert_eq!(key.security_token.unwrap().expose(), "t1");
        assert_eq!(found.region.as_deref(), Some("cn-beijing"));
        let none = discover(&env_of(&[]), None).unwrap();
        assert_eq!(none, Discovered::default());
    }

    #[test]
    fn half_or_contradictory_configuration_is_refused() {
        assert_eq!(
            field(discover(&env_of(&[("ALICLOUD_ACCESS_KEY", "id")]), None)),
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
        );
        assert_eq!(
            field(discover(
                &env_of(&[("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "s")]),
                None
            )),
            "ALIBABA_CLOUD_ACCESS_KEY_ID"
        );
        assert_eq!(
            field(discover(
                &env_of(&[("ALIBABA_CLOUD_SECURITY_TOKEN", "t")]),
                None
            )),
            "ALIBABA_CLOUD_ACCESS_KEY_ID"
        );
        assert_eq!(
            field(discover(
                &env_of(&[
                    ("ALIBABA_CLOUD_REGION_ID", "cn-hangzhou"),
                    ("ALICLOUD_REGION", "cn-beijing")
                ]),
                None
            )),
            "ALIBABA_CLOUD_REGION_ID"
        );
        // The same value under two names is no contradiction.
        let same = discover(
            &env_of(&[
                ("ALIBABA_CLOUD_REGION_ID", "cn-hangzhou"),
                ("ALICLOUD_REGION", "cn-hangzhou"),
            ]),
            None,
        );
        assert_eq!(same.unwrap().region.as_deref(), Some("cn-hangzhou"));
    }

    #[test]
    fn two_aliases_with_different_values_name_both_and_show_neither() {
        let error = discover(
            &env_of(&[
                ("ALIBABA_CLOUD_ACCESS_KEY_ID", "id"),
                ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "first-secret"),
                ("ALICLOUD_SECRET_KEY", "second-secret"),
            ]),
            None,
        )
        .unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
                && text.contains("ALICLOUD_SECRET_KEY"),
            "{text}"
        );
        assert!(
            !text.contains("first-secret") && !text.contains("second-secret"),
            "{text}"
        );
        assert_eq!(error.kind_name(), "invalid_input");
    }

    #[test]
    fn the_cli_profile_file_is_read_when_the_environment_has_no_key() {
        let home = temp_home(
            r#"{"current":"sts","profiles":[
                {"name":"default","mode":"AK","access_key_id":"ak-id","access_key_secret":"ak-secret","region_id":"cn-hangzhou"},
                {"name":"sts","mode":"StsToken","access_key_id":"sts-id","access_key_secret":"sts-secret","sts_token":"tok","region_id":"cn-shanghai"},
                {"name":"role","mode":"RamRoleArn","access_key_id":"x","access_key_secret":"y"},
                {"name":"broken","mode":"ak","access_key_id":"x"}]}"#,
        );
        let current = discover(&env_of(&[]), Some(&home)).unwrap();
        let key = current.credentials.unwrap();
        assert_eq!(
            (key.id.as_str(), key.security_token.unwrap().expose()),
            ("sts-id", "tok")
        );
        assert_eq!(current.region.as_deref(), Some("cn-shanghai"));

        let named = discover(
            &env_of(&[
                ("ALIBABA_CLOUD_PROFILE", "default"),
                ("ALIBABA_CLOUD_REGION_ID", "eu-central-1"),
            ]),
            Some(&home),
        )
        .unwrap();
        assert_eq!(named.credentials.unwrap().id, "ak-id");
        assert_eq!(
            named.region.as_deref(),
            Some("eu-central-1"),
            "the environment's region wins"
        );

        let env_key = discover(
            &env_of(&[
                ("ALIBABA_CLOUD_ACCESS_KEY_ID", "e"),
                ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "s"),
            ]),
            Some(&home),
        )
        .unwrap();
        assert_eq!(
            env_key.credentials.unwrap().id,
            "e",
            "the environment's key wins"
        );

        assert!(field(discover(
            &env_of(&[("ALIBABA_CLOUD_PROFILE", "role")]),
            Some(&home)
        ))
        .ends_with("mode"));
        assert!(field(discover(
            &env_of(&[("ALIBABA_CLOUD_PROFILE", "broken")]),
            Some(&home)
        ))
        .ends_with("access_key_secret"));
        assert_eq!(
            field(discover(
                &env_of(&[("ALIBABA_CLOUD_PROFILE", "nope")]),
                Some(&home)
            )),
            "ALIBABA_CLOUD_PROFILE"
        );
        let disabled = discover(
            &env_of(&[("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true")]),
            Some(&home),
        )
        .unwrap();
        assert_eq!(disabled.credentials, None);
        std::fs::remove_dir_all(&home).unwrap();
    }

    #[test]
    fn a_malformed_profile_file_names_the_file() {
        let home = temp_home("{ not json");
        let f = field(discover(&env_of(&[]), Some(&home)));
        assert!(f.ends_with("config.json"), "{f}");
        std::fs::remove_dir_all(&home).unwrap();
    }
}
