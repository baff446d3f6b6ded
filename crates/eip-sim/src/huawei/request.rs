//! Routing of Huawei paths to operations, and small readers of the request parts.

use http::request::Parts;
use http::{HeaderMap, Method};

/// A Huawei operation, with the ids its path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    CreateToken,
    ListProjects,
    CreatePublicip {
        project: String,
    },
    ListPublicips {
        project: String,
    },
    ShowPublicip {
        project: String,
        id: String,
    },
    UpdatePublicip {
        project: String,
        id: String,
    },
    DeletePublicip {
        project: String,
        id: String,
    },
    ListPorts {
        project: String,
    },
    ShowPort {
        project: String,
        id: String,
    },
    ListPortsV3 {
        project: String,
    },
    UpdateBandwidth {
        project: String,
        id: String,
    },
    TagAction {
        project: String,
        id: String,
    },
    CreateTag {
        project: String,
        id: String,
    },
    DeleteTag {
        project: String,
        id: String,
        key: String,
    },
    ShowTags {
        project: String,
        id: String,
    },
    ListProjectTags {
        project: String,
    },
    ListPublicipsByTags {
        project: String,
    },
    InsertIntoBandwidth {
        project: String,
        id: String,
    },
    RemoveFromBandwidth {
        project: String,
        id: String,
    },
    MigrateResource {
        enterprise_project: String,
    },
    MetadataToken,
    MetadataSecurityKey,
    MetadataInstance,
    CreateTokenWithIdToken,
    CreateTemporaryAccessKey,
    Unknown,
}

impl Route {
    /// Maps a method and a path (trailing `/` tolerated) to an operation.
    pub(crate) fn of(method: &Method, path: &str) -> Self {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let owned = |s: &str| s.to_owned();
        match (method.as_str(), segments.as_slice()) {
            ("POST", ["v3", "auth", "tokens"]) => Self::CreateToken,
            ("GET", ["v3", "projects"]) => Self::ListProjects,
            ("PUT", ["meta-data", "latest", "api", "token"]) => Self::MetadataToken,
            ("GET", ["openstack", "latest", "securitykey"]) => Self::MetadataSecurityKey,
            ("GET", ["openstack", "latest", "meta_data.json"]) => Self::MetadataInstance,
            ("POST", ["v3.0", "OS-AUTH", "id-token", "tokens"]) => Self::CreateTokenWithIdToken,
            ("POST", ["v3.0", "OS-CREDENTIAL", "securitytokens"]) => Self::CreateTemporaryAccessKey,
            ("POST", ["v1", p, "publicips"]) => Self::CreatePublicip { project: owned(p) },
            ("GET", ["v1", p, "publicips"]) => Self::ListPublicips { project: owned(p) },
            ("GET", ["v1", p, "publicips", id]) => Self::ShowPublicip {
                project: owned(p),
                id: owned(id),
            },
            ("PUT", ["v1", p, "publicips", id]) => Self::UpdatePublicip {
                project: owned(p),
                id: owned(id),
            },
            ("DELETE", ["v1", p, "publicips", id]) => Self::DeletePublicip {
                project: owned(p),
                id: owned(id),
            },
            ("GET", ["v1", p, "ports"]) => Self::ListPorts { project: owned(p) },
            ("GET", ["v1", p, "ports", id]) => Self::ShowPort {
                project: owned(p),
                id: owned(id),
            },
            ("GET", ["v3", p, "ports"]) => Self::ListPortsV3 { project: owned(p) },
            ("PUT", ["v1", p, "bandwidths", id]) => Self::UpdateBandwidth {
                project: owned(p),
                id: owned(id),
            },
            ("POST", ["v2.0", p, "publicips", "resource_instances", "action"]) => {
                Self::ListPublicipsByTags { project: owned(p) }
            }
            ("GET", ["v2.0", p, "publicips", "tags"]) => {
                Self::ListProjectTags { project: owned(p) }
            }
            ("POST", ["v2.0", p, "publicips", id, "tags", "action"]) => Self::TagAction {
                project: owned(p),
                id: owned(id),
            },
            ("POST", ["v2.0", p, "publicips", id, "tags"]) => Self::CreateTag {
                project: owned(p),
                id: owned(id),
            },
            ("GET", ["v2.0", p, "publicips", id, "tags"]) => Self::ShowTags {
                project: owned(p),
                id: owned(id),
            },
            ("DELETE", ["v2.0", p, "publicips", id, "tags", key]) => Self::DeleteTag {
                project: owned(p),
                id: owned(id),
                // A key is percent-encoded in the path (the SDKs encode path parameters); an
                // encoding that is not UTF-8 is kept as sent and matches no key.
                key: percent_encoding::percent_decode_str(key)
                    .decode_utf8()
                    .map_or_else(|_| owned(key), std::borrow::Cow::into_owned),
            },
            ("POST", ["v2.0", p, "bandwidths", id, "insert"]) => Self::InsertIntoBandwidth {
                project: owned(p),
                id: owned(id),
            },
            ("POST", ["v2.0", p, "bandwidths", id, "remove"]) => Self::RemoveFromBandwidth {
                project: owned(p),
                id: owned(id),
            },
            ("POST", ["v1.0", "enterprise-projects", ep, "resources-migrate"]) => {
                Self::MigrateResource {
                    enterprise_project: owned(ep),
                }
            }
            _ => Self::Unknown,
        }
    }

    /// The action name used by fault rules and the request log.
    pub(crate) fn action(&self) -> &'static str {
        match self {
            Self::CreateToken => "KeystoneCreateToken",
            Self::ListProjects => "KeystoneListProjects",
            Self::CreatePublicip { .. } => "CreatePublicip",
            Self::ListPublicips { .. } => "ListPublicips",
            Self::ShowPublicip { .. } => "ShowPublicip",
            Self::UpdatePublicip { .. } => "UpdatePublicip",
            Self::DeletePublicip { .. } => "DeletePublicip",
            Self::ListPorts { .. } => "ListPorts",
            Self::ShowPort { .. } => "ShowPort",
            Self::ListPortsV3 { .. } => "ListPortsV3",
            Self::UpdateBandwidth { .. } => "UpdateBandwidth",
            // Create or delete: told apart by the body, in `HuaweiSim::action`.
            Self::TagAction { .. } => "BatchCreatePublicipTags",
            Self::CreateTag { .. } => "CreatePublicipTag",
            Self::DeleteTag { .. } => "DeletePublicipTag",
            Self::ShowTags { .. } => "ShowPublicipTags",
            Self::ListProjectTags { .. } => "ListPublicipTags",
            Self::ListPublicipsByTags { .. } => "ListPublicipsByTags",
            Self::InsertIntoBandwidth { .. } => "AddPublicipsIntoSharedBandwidth",
            Self::RemoveFromBandwidth { .. } => "RemovePublicipsFromSharedBandwidth",
            Self::MigrateResource { .. } => "MigrateResource",
            Self::MetadataToken => "MetadataToken",
            Self::MetadataSecurityKey => "MetadataSecurityKey",
            Self::MetadataInstance => "MetadataInstance",
            Self::CreateTokenWithIdToken => "CreateTokenWithIdToken",
            Self::CreateTemporaryAccessKey => "CreateTemporaryAccessKey",
            Self::Unknown => "Unknown",
        }
    }

    /// The project id the path names, for VPC routes.
    pub(crate) fn project(&self) -> Option<&str> {
        match self {
            Self::CreatePublicip { project }
            | Self::ListPublicips { project }
            | Self::ShowPublicip { project, .. }
            | Self::UpdatePublicip { project, .. }
            | Self::DeletePublicip { project, .. }
            | Self::ListPorts { project }
            | Self::ShowPort { project, .. }
            | Self::ListPortsV3 { project }
            | Self::UpdateBandwidth { project, .. }
            | Self::TagAction { project, .. }
            | Self::CreateTag { project, .. }
            | Self::DeleteTag { project, .. }
            | Self::ShowTags { project, .. }
            | Self::ListProjectTags { project }
            | Self::ListPublicipsByTags { project }
            | Self::InsertIntoBandwidth { project, .. }
            | Self::RemoveFromBandwidth { project, .. } => Some(project),
            Self::CreateToken
            | Self::ListProjects
            | Self::MigrateResource { .. }
            | Self::MetadataToken
            | Self::MetadataSecurityKey
            | Self::MetadataInstance
            | Self::CreateTokenWithIdToken
            | Self::CreateTemporaryAccessKey
            | Self::Unknown => None,
        }
    }
}

/// The decoded query parameters, in the order received (repeated keys kept).
pub(crate) fn query_pairs(parts: &Parts) -> Vec<(String, String)> {
    let query = parts.uri.query().unwrap_or("");
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Every value of the query parameter `key`.
pub(crate) fn values<'a>(pairs: &'a [(String, String)], key: &str) -> Vec<&'a str> {
    pairs
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// The first value of the query parameter `key`.
pub(crate) fn first<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// A header's value as text, trimmed; `None` when absent or not text.
pub(crate) fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(
            Route::of(&Method::POST, "/v3/auth/tokens"),
            Route::CreateToken
        );
        assert_eq!(Route::of(&Method::GET, "/v3/projects"), Route::ListProjects);
        assert_eq!(
            Route::of(&Method::GET, "/v1/p/publicips/"),
            Route::ListPublicips {
                project: "p".into()
            }
        );
        assert_eq!(
            Route::of(&Method::DELETE, "/v1/p/publicips/x"),
            Route::DeletePublicip {
                project: "p".into(),
                id: "x".into()
            }
        );
        assert_eq!(
            Route::of(&Method::PATCH, "/v1/p/publicips/x"),
            Route::Unknown
        );
        assert_eq!(Route::of(&Method::GET, "/v1/p/other"), Route::Unknown);
        assert_eq!(Route::of(&Method::GET, "/v1/p/ports").action(), "ListPorts");
        assert_eq!(
            Route::of(
                &Method::DELETE,
                "/v2.0/p/publicips/x/tags/%E5%9B%A2%E9%98%9F%2Da"
            ),
            Route::DeleteTag {
                project: "p".into(),
                id: "x".into(),
                key: "团队-a".into()
            }
        );
    }
}
