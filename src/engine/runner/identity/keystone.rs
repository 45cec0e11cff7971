//! [`Keystone`] as the real runs reach it.

use std::time::Duration;

use serde_json::Value;

use super::super::clients::{
    CatalogService, Endpoint, EndpointChange, Keystone, KeystoneObject, Removal,
};
use super::super::{
    TaskContext, fatal, json_str, openstack_batch, openstack_json, openstack_plain,
};
use super::client::{KeystoneApi, direct_agent, v3_base};
use super::glance_view::glance_user_view;
use super::token::issue_token;
use crate::answers::AdminCredentials;
use crate::engine::{ErrorClass, TaskError};
use crate::i18n::Message;
use crate::plan::{ServiceLogin, commands};
use crate::util::secret::Secret;

/// Keystone as the real runs reach it: listings through [`KeystoneApi`]
/// (connected on first use, with the run's admin token), changes through
/// the `openstack` CLI, the password through the API.
pub struct RealKeystone<'a> {
    admin: &'a AdminCredentials,
    api: std::cell::OnceCell<KeystoneApi>,
}

impl<'a> RealKeystone<'a> {
    pub fn new(admin: &'a AdminCredentials) -> Self {
        RealKeystone {
            admin,
            api: std::cell::OnceCell::new(),
        }
    }

    fn api(&self) -> Result<&KeystoneApi, TaskError> {
        if let Some(api) = self.api.get() {
            return Ok(api);
        }
        let api = KeystoneApi::connect(self.admin)?;
        Ok(self.api.get_or_init(|| api))
    }
}

/// An endpoint of a listing or of the catalog (which names the region
/// `region_id` or `region`).
fn endpoint_of(e: &Value) -> Endpoint {
    let region = match json_str(e, "region_id") {
        "" => json_str(e, "region"),
        id => id,
    };
    Endpoint {
        id: json_str(e, "id").to_string(),
        interface: json_str(e, "interface").to_string(),
        region: region.to_string(),
        url: json_str(e, "url").to_string(),
    }
}

impl Keystone for RealKeystone<'_> {
    fn domain_id(&self, id_or_name: &str) -> Result<String, TaskError> {
        self.api()?.domain_id(id_or_name)
    }

    fn user_id(&self, name: &str, domain_id: &str) -> Result<Option<String>, TaskError> {
        self.api()?.user_id(name, domain_id)
    }

    fn project_id(&self, name: &str, domain_id: &str) -> Result<Option<String>, TaskError> {
        self.api()?.one_named("projects", name, Some(domain_id))
    }

    fn role_id(&self, name: &str) -> Result<Option<String>, TaskError> {
        self.api()?.one_named("roles", name, None)
    }

    fn role_assigned(&self, user: &str, project: &str, role: &str) -> Result<bool, TaskError> {
        let assigned = self.api()?.list(
            "role_assignments",
            &[
                ("user.id", user),
                ("scope.project.id", project),
                ("role.id", role),
            ],
        )?;
        Ok(!assigned.is_empty())
    }

    fn services_of_type(&self, service_type: &str) -> Result<Vec<String>, TaskError> {
        self.api()?.services_of_type(service_type)
    }

    fn endpoints(&self, service_id: &str, region: &str) -> Result<Vec<Endpoint>, TaskError> {
        let all = self.api()?.list(
            "endpoints",
            &[("service_id", service_id), ("region_id", region)],
        )?;
        Ok(all.iter().map(endpoint_of).collect())
    }

    fn endpoint(&self, id: &str) -> Result<Option<Endpoint>, TaskError> {
        let found = self.api()?.get(&format!("endpoints/{id}"), &[])?;
        Ok(found.map(|body| endpoint_of(&body["endpoint"])))
    }

    fn user_name(&self, id: &str) -> Result<Option<String>, TaskError> {
        let found = self.api()?.get(&format!("users/{id}"), &[])?;
        Ok(found.map(|body| json_str(&body["user"], "name").to_string()))
    }

    fn catalog(&self) -> Result<Vec<CatalogService>, TaskError> {
        Ok(self
            .api()?
            .catalog()?
            .iter()
            .map(|s| CatalogService {
                id: json_str(s, "id").to_string(),
                service_type: json_str(s, "type").to_string(),
                endpoints: s["endpoints"]
                    .as_array()
                    .map(|e| e.iter().map(endpoint_of).collect())
                    .unwrap_or_default(),
            })
            .collect())
    }

    fn create_user(
        &self,
        ctx: &mut TaskContext<'_>,
        domain: &str,
        name: &str,
    ) -> Result<String, TaskError> {
        // --or-show: a user created meanwhile by someone else is found,
        // not duplicated.
        let created = openstack_json(ctx, commands::user_create(domain, name))?;
        Ok(json_str(&created, "id").to_string())
    }

    fn add_role(
        &self,
        ctx: &mut TaskContext<'_>,
        project: &str,
        user: &str,
        role: &str,
    ) -> Result<(), TaskError> {
        openstack_plain(ctx, commands::role_add(project, user, role))
    }

    fn create_service(
        &self,
        ctx: &mut TaskContext<'_>,
        name: &str,
        description: &str,
        service_type: &str,
    ) -> Result<String, TaskError> {
        let created = openstack_json(
            ctx,
            commands::service_create(name, description, service_type),
        )?;
        Ok(json_str(&created, "id").to_string())
    }

    fn fix_endpoints(
        &self,
        ctx: &mut TaskContext<'_>,
        region: &str,
        service_type: &str,
        changes: &[EndpointChange],
    ) -> Result<String, TaskError> {
        let commands: Vec<Vec<String>> = changes
            .iter()
            .map(|change| match change {
                EndpointChange::Create { interface, url } => {
                    commands::endpoint_create(region, service_type, interface.as_str(), url)
                }
                EndpointChange::SetUrl { id, url } => commands::endpoint_set_url(id, url),
            })
            .collect();
        Ok(openstack_batch(ctx, &commands)?.tail(3))
    }

    fn set_password(
        &self,
        ctx: &mut TaskContext<'_>,
        auth_url: &str,
        user_id: &str,
        password: &Secret,
    ) -> Result<(), TaskError> {
        let url = format!("{}/users/{user_id}", v3_base(auth_url));
        ctx.tell(Message::new("narration.setting_password").arg("url", &url));
        let body = serde_json::json!({"user": {"password": password.expose()}}).to_string();
        let mut response = direct_agent(Duration::from_secs(30))
            .patch(&url)
            .header("Content-Type", "application/json")
            .header("X-Auth-Token", &self.api()?.token)
            .send(body)
            .map_err(|e| {
                TaskError::new(
                    ErrorClass::Retryable,
                    Message::new("failure.identity.unreachable").arg("error", e),
                )
            })?;
        let status = response.status().as_u16();
        if status != 200 {
            let text = response.body_mut().read_to_string().unwrap_or_default();
            return Err(fatal(
                Message::new("failure.identity.password_refused")
                    .arg("status", status)
                    .arg("body", ctx.redactor.redact(text.trim())),
            ));
        }
        Ok(())
    }

    fn delete(
        &self,
        ctx: &mut TaskContext<'_>,
        object: KeystoneObject<'_>,
    ) -> Result<Removal, TaskError> {
        let path = match object {
            KeystoneObject::User(id) => format!("users/{id}"),
            KeystoneObject::Service(id) => format!("services/{id}"),
            KeystoneObject::Endpoint(id) => format!("endpoints/{id}"),
            KeystoneObject::RoleAssignment {
                project,
                user,
                role,
            } => format!("projects/{project}/users/{user}/roles/{role}"),
        };
        let api = self.api()?;
        ctx.trace(format!("DELETE {}/{path}", api.base));
        api.change(&path, None)
    }

    fn set_endpoint(
        &self,
        ctx: &mut TaskContext<'_>,
        id: &str,
        url: &str,
        region: Option<&str>,
    ) -> Result<Removal, TaskError> {
        let api = self.api()?;
        // `region` (not `region_id`): Keystone creates the region when it
        // does not exist, as `openstack endpoint create --region` does.
        let body = match region {
            None => serde_json::json!({"endpoint": {"url": url}}),
            Some(region) => serde_json::json!({"endpoint": {"url": url, "region": region}}),
        };
        ctx.trace(format!("PATCH {}/endpoints/{id} {body}", api.base));
        api.change(&format!("endpoints/{id}"), Some(body))
    }

    fn rename_user(
        &self,
        ctx: &mut TaskContext<'_>,
        id: &str,
        name: &str,
    ) -> Result<Removal, TaskError> {
        let api = self.api()?;
        let body = serde_json::json!({"user": {"name": name}});
        ctx.trace(format!("PATCH {}/users/{id} {body}", api.base));
        api.change(&format!("users/{id}"), Some(body))
    }

    fn password_login(&self, login: &ServiceLogin) -> Result<(), Message> {
        issue_token(
            &login.auth_url,
            &login.user,
            &login.domain,
            &login.password,
            None,
        )
        .map(|_| ())
        .map_err(|e| e.msg())
    }

    fn user_roles(&self, login: &ServiceLogin) -> Result<Vec<String>, Message> {
        let view = glance_user_view(login)?;
        Ok(view["token"]["roles"]
            .as_array()
            .map(|roles| {
                roles
                    .iter()
                    .map(|r| json_str(r, "name").to_string())
                    .collect()
            })
            .unwrap_or_default())
    }
}
