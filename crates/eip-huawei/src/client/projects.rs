//! Enterprise projects: set at allocation (`enterprise_project_id` of CreatePublicip), read
//! from the publicip object, filtered by ListPublicips, and changed through Enterprise Project
//! Management (EPS), `POST /v1.0/enterprise-projects/{enterprise_project_id}/resources-migrate`
//! with `resource_type` `eip` (MigrateResource,
//! <https://support.huaweicloud.com/intl/en-us/api-em/MigrateResource.html>).

use std::sync::atomic::AtomicBool;

use eip_core::retry::{Attempt, Settled};
use eip_core::{validate, Error};
use reqwest::Method;

use super::{HuaweiProvider, Reads};
use crate::transport::{call_of, Api, VpcRequest};
use crate::wire::{self, MigrateRequest, Publicip};

impl HuaweiProvider {
    /// [`eip_core::EipProvider::move_resource_group`]: `group` is the target enterprise
    /// project's id (`0` is the default project).
    ///
    /// EPS is a global service: an AK/SK provider signs it with the account id
    /// ([`crate::HuaweiBuilder::with_domain_id`], an [`Error::InvalidInput`] on `domain_id`
    /// before sending when it is missing); a password provider sends its token, which the EPS
    /// reference asks to be scoped to the account (domain) rather than to a project, so an IAM
    /// that enforces it refuses the call (`Unauthenticated`); use an access key then.
    ///
    /// A lost answer is settled by reading the address back (in `group`: done; elsewhere: sent
    /// again), and a refusal after an attempt that may have landed is success when the address
    /// is already in `group`, as for the membership writes.
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
            // The reference does not say what a repeat does, so a lost answer is settled by
            // reading the address back, not by sending the migration again blindly.
            idempotent: false,
            resource: format!("eip {id}"),
            id: Some(id.to_owned()),
        };
        let in_group = |ip: &Publicip| ip.enterprise_project_id.as_deref() == Some(group);
        let reauthenticated = AtomicBool::new(false);
        let via = self.transport.on(Api::Eps);
        let (request, via, reauthenticated, in_group) =
            (&request, &via, &reauthenticated, &in_group);
        self.transport
            .write(
                &call_of(request),
                |attempt: Attempt| async move {
                    match via.send_once(request, reauthenticated).await {
                        Ok(_) => Ok(()),
                        // A refusal after an attempt that may have landed: done if the address
                        // is already in the target project.
                        Err(refusal) if attempt.earlier_maybe_processed => {
                            match self.show_raw(id, Reads::Once).await {
                                Ok(current) if in_group(&current) => Ok(()),
                                _ => Err(refusal),
                            }
                        }
                        Err(other) => Err(other),
                    }
                },
                || async {
                    Ok(if in_group(&self.show_raw(id, Reads::Once).await?) {
                        Settled::Applied(())
                    } else {
                        Settled::NotApplied
                    })
                },
            )
            .await
    }
}
