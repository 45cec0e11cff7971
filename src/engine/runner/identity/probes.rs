//! The identity tasks' probes: is what the task would do done already?

use super::super::TaskContext;
use super::super::clients::{CatalogService, Endpoint, Keystone};
use crate::engine::TaskError;
use crate::engine::outputs::TaskOutputs;
use crate::i18n::Message;
use crate::plan::{EndpointSpec, EndpointsSpec, RoleSpec, ServiceEntitySpec, UserSpec};

/// The user task's probe: the glance user logs in to Keystone with the
/// answers' password, as glance-api will.
pub fn probe_user(spec: &UserSpec, keystone: &dyn Keystone) -> Result<Message, Message> {
    keystone.user_roles(&spec.login)?;
    Ok(Message::new("run_skip.user_login").arg("user", &spec.login.user))
}

/// The role task's probe: the glance user's token on the service project
/// carries the admin role.
pub fn probe_role(spec: &RoleSpec, keystone: &dyn Keystone) -> Result<Message, Message> {
    let login = &spec.login;
    let roles = keystone.user_roles(login).map_err(cannot_check)?;
    let what = Message::new("run_skip.role")
        .arg("user", &login.user)
        .arg("role", &spec.role)
        .arg("project", &login.project);
    if roles.contains(&spec.role) {
        Ok(what)
    } else {
        Err(Message::new("recheck.no_longer").msg("what", what))
    }
}

/// A probe that needs the glance user's view cannot tell without it.
fn cannot_check(e: Message) -> Message {
    Message::new("recheck.cannot_check").msg("error", e)
}

/// The services of a type in the catalog, read with the admin token: not
/// with the glance user's, whose password may be the one changing in this
/// run (the service and its endpoints do not depend on it).
fn catalog_services(
    catalog: &Result<Vec<CatalogService>, TaskError>,
    service_type: &str,
) -> Result<Vec<CatalogService>, Message> {
    let catalog = catalog.as_ref().map_err(|e| e.message.clone())?;
    Ok(catalog
        .iter()
        .filter(|s| s.service_type == service_type)
        .cloned()
        .collect())
}

/// The service task's probe: one service of type image in `catalog` (as
/// [`Keystone::catalog`] gave it), the one the task made or found.
pub fn probe_service(
    spec: &ServiceEntitySpec,
    ctx: &mut TaskContext<'_>,
    catalog: &Result<Vec<CatalogService>, TaskError>,
) -> Result<Message, Message> {
    let images = catalog_services(catalog, &spec.service_type)?;
    let recorded = match ctx.previous_outputs {
        Some(TaskOutputs::Service(o)) => Some(&o.id),
        _ => None,
    };
    match images.as_slice() {
        [one] if recorded.is_none_or(|r| *r == one.id) => {
            Ok(Message::new("run_skip.service").arg("id", &one.id))
        }
        [_] => Err(Message::new("recheck.service_not_recorded")),
        [] => Err(Message::new("recheck.no_service")),
        many => Err(Message::new("recheck.many_services").arg("count", many.len())),
    }
}

/// The endpoints task's probe: the image service's endpoints in `catalog`,
/// one per interface in the region, at the answers' URLs.
pub fn probe_endpoints_task(
    spec: &EndpointsSpec,
    catalog: &Result<Vec<CatalogService>, TaskError>,
) -> Result<Message, Message> {
    let region = &spec.region;
    let images = catalog_services(catalog, &spec.service_type)?;
    let [service] = images.as_slice() else {
        return Err(Message::new("recheck.many_services").arg("count", images.len()));
    };
    for EndpointSpec { interface, url } in &spec.endpoints {
        let found: Vec<&Endpoint> = service
            .endpoints
            .iter()
            .filter(|e| e.interface == interface.as_str() && e.region == *region)
            .collect();
        match found.as_slice() {
            [] => return Err(Message::new("recheck.endpoint_missing").arg("interface", interface)),
            // The same rule as the task's own probe: the URL as answered.
            [one] if one.url == *url => {}
            [_] => {
                return Err(Message::new("recheck.endpoint_elsewhere").arg("interface", interface));
            }
            many => {
                return Err(Message::new("recheck.many_endpoints")
                    .arg("region", region)
                    .arg("count", many.len())
                    .arg("interface", interface));
            }
        }
    }
    Ok(Message::new("run_skip.endpoints"))
}
