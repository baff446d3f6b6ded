//! Enterprise projects: set at allocation (`enterprise_project_id` of CreatePublicip), read
//! from the publicip object, filtered by ListPublicips, and changed through Enterprise Project
//! Management (EPS), `POST /v1.0/enterprise-projects/{enterprise_project_id}/resources-migrate`
//! with `resource_type` `eip` (MigrateResource,
//! <https://support.huaweicloud.com/intl/en-us/api-em/MigrateResource.html>).

use eip_core::{validate, Error};
use reqwest::Method;

use super::HuaweiProvider;
use crate::transport::{Api, VpcRequest};
use crate::wire::{self, MigrateRequest};

impl HuaweiProvider {
    /// [`eip_core::EipProvider::move_resource_group`]: `group` is the target enterprise
    /// project's id (`0` is the default project).
    ///
    /// EPS is a global service: an AK/SK provider signs it with the account id
    /// ([`crate::HuaweiBuilder::with_domain_id`], an [`Error::InvalidInput`] on `domain_id`
    /// before sending when it is missing); a password provider sends its token, which the EPS
    /// reference asks to be scoped to the account (domain) rather than to a project, so an IAM
    /// that enforces it refuses the call (`Unauthenticated`); use an access key then.
    pub(super) async fn move_checked(&self, id: &str, group: &str) -> Result<(), Error> {
        validate::id("id", id)?;
        validate::id("resource_group", group)?;
        let request = VpcRequest {
            action: "MigrateResource",
            method: Method::POST,
            path: format!("enterprise-projects/{group}/resources-migrate"),
            query: Vec::new(),
            body: Some(wire::to_body(&MigrateRequest {
                project_id: self.transport.project_id().await?,
                resource_type: "eip",
                resource_id: id.to_owned(),
                associated: false,
            })?),
            // Moving an address into the project it is already in leaves it there, so a call
            // repeated after a lost answer ends in the same state: treated as idempotent.
            idempotent: true,
            resource: format!("eip {id}"),
            id: Some(id.to_owned()),
        };
        self.transport.on(Api::Eps).call(&request).await.map(drop)
    }
}
