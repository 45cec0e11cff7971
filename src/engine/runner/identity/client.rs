//! Keystone's REST API with the run's admin token: the probes' listings and
//! the changes the CLI cannot make without a secret in argv.

use std::time::Duration;

use serde_json::Value;

use super::super::clients::Removal;
use super::super::{fatal, json_str};
use super::token::admin_token;
use crate::answers::AdminCredentials;
use crate::engine::{ErrorClass, TaskError};
use crate::i18n::Message;

/// Keystone did not answer at `url` (a restart passes by itself).
fn unreachable_at(url: &str, error: impl std::fmt::Display) -> TaskError {
    TaskError::new(
        ErrorClass::Retryable,
        Message::new("failure.keystone_unreachable")
            .arg("url", url)
            .arg("error", error),
    )
}

/// Keystone's answer to `url` cannot be read or parsed.
fn bad_answer(url: &str, error: impl std::fmt::Display) -> Message {
    Message::new("failure.identity.answer")
        .arg("url", url)
        .arg("error", error)
}

/// Keystone answered an error status to `method url`, with its body.
fn answered(status: u16, method: &str, url: &str, body: &str) -> Message {
    Message::new("failure.identity.http")
        .arg("status", status)
        .arg("method", method)
        .arg("url", url)
        .arg("body", body.trim())
}

/// An HTTP agent that never uses a proxy: Keystone and Glance are on the
/// controller.
pub fn direct_agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .proxy(None)
        .http_status_as_error(false)
        // Glance answers `GET /` with 300 Multiple Choices and no Location:
        // that is the answer we want, not a redirect to follow.
        .max_redirects(0)
        .timeout_global(Some(timeout))
        .build()
        .into()
}

pub(super) fn v3_base(auth_url: &str) -> String {
    let base = auth_url.trim_end_matches('/');
    if base.ends_with("/v3") {
        base.to_string()
    } else {
        format!("{base}/v3")
    }
}

/// Keystone's API with an admin token, for the probes: one listing per
/// resource type, filtered by Keystone, costs a few milliseconds where an
/// `openstack` call costs 1.3-2 s. Changes still go through the CLI.
pub struct KeystoneApi {
    pub(super) base: String,
    pub(super) token: String,
    agent: ureq::Agent,
}

impl KeystoneApi {
    pub fn connect(admin: &AdminCredentials) -> Result<Self, TaskError> {
        let token = admin_token(admin).map_err(|e| e.task_error())?;
        Ok(KeystoneApi {
            base: v3_base(admin.auth_url()),
            token,
            agent: direct_agent(Duration::from_secs(30)),
        })
    }

    /// The service catalog as Keystone has it now (`GET /v3/auth/catalog`
    /// with the run's admin token: no password check).
    pub(super) fn catalog(&self) -> Result<Vec<Value>, TaskError> {
        let body = self.get("auth/catalog", &[])?.unwrap_or(Value::Null);
        Ok(body["catalog"].as_array().cloned().unwrap_or_default())
    }

    /// `GET /v3/<path>?<query>`; `None` on 404.
    pub(super) fn get(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<Option<Value>, TaskError> {
        let mut url = url::Url::parse(&format!("{}/{path}", self.base)).map_err(|e| {
            fatal(
                Message::new("failure.identity.bad_url")
                    .arg("url", &self.base)
                    .arg("error", e),
            )
        })?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let mut response = self
            .agent
            .get(url.as_str())
            .header("X-Auth-Token", &self.token)
            .call()
            .map_err(|e| unreachable_at(url.as_str(), e))?;
        match response.status().as_u16() {
            200 => {
                let text = response.body_mut().read_to_string().map_err(|e| {
                    TaskError::new(ErrorClass::Retryable, bad_answer(url.as_str(), e))
                })?;
                serde_json::from_str(&text)
                    .map(Some)
                    .map_err(|e| fatal(bad_answer(url.as_str(), e)))
            }
            404 => Ok(None),
            status => {
                let text = response.body_mut().read_to_string().unwrap_or_default();
                Err(fatal(answered(status, "GET", url.as_str(), &text)))
            }
        }
    }

    /// The members of a listing (`{"users": [...]}` → the users).
    pub(super) fn list(
        &self,
        collection: &str,
        query: &[(&str, &str)],
    ) -> Result<Vec<Value>, TaskError> {
        let body = self.get(collection, query)?.unwrap_or(Value::Null);
        Ok(body
            .get(collection)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default())
    }

    /// A domain's id from its id or its name (guides write `default`, the
    /// id, where Keystone's name is `Default`; the CLI accepts both).
    pub fn domain_id(&self, id_or_name: &str) -> Result<String, TaskError> {
        if let Some(found) = self.get(&format!("domains/{id_or_name}"), &[])? {
            return Ok(json_str(&found["domain"], "id").to_string());
        }
        let named = self.list("domains", &[("name", id_or_name)])?;
        match named.as_slice() {
            [one] => Ok(json_str(one, "id").to_string()),
            _ => Err(fatal(
                Message::new("failure.identity.no_domain").arg("name", id_or_name),
            )),
        }
    }

    /// The one object of `collection` named `name` (in `domain_id` when
    /// given); `None` when there is none, an error when there are several.
    pub(super) fn one_named(
        &self,
        collection: &str,
        name: &str,
        domain_id: Option<&str>,
    ) -> Result<Option<String>, TaskError> {
        let mut query = vec![("name", name)];
        if let Some(d) = domain_id {
            query.push(("domain_id", d));
        }
        let found = self.list(collection, &query)?;
        match found.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(json_str(one, "id").to_string())),
            many => Err(fatal(
                Message::new("failure.identity.same_name")
                    .arg("count", many.len())
                    .arg("collection", collection)
                    .arg("name", name),
            )),
        }
    }

    pub fn user_id(&self, name: &str, domain_id: &str) -> Result<Option<String>, TaskError> {
        self.one_named("users", name, Some(domain_id))
    }

    /// `DELETE /v3/<path>`, or `PATCH` with `body`: `AlreadyGone` on 404.
    pub(super) fn change(&self, path: &str, patch: Option<Value>) -> Result<Removal, TaskError> {
        let url = format!("{}/{path}", self.base);
        let (method, response) = match patch {
            None => (
                "DELETE",
                self.agent
                    .delete(&url)
                    .header("X-Auth-Token", &self.token)
                    .call(),
            ),
            Some(body) => (
                "PATCH",
                self.agent
                    .patch(&url)
                    .header("X-Auth-Token", &self.token)
                    .header("Content-Type", "application/json")
                    .send(body.to_string()),
            ),
        };
        let mut response = response.map_err(|e| unreachable_at(url.as_str(), e))?;
        match response.status().as_u16() {
            200 | 204 => Ok(Removal::Done),
            404 => Ok(Removal::AlreadyGone),
            status => {
                let text = response.body_mut().read_to_string().unwrap_or_default();
                let class = if status >= 500 {
                    ErrorClass::Retryable
                } else {
                    ErrorClass::Fatal
                };
                Err(TaskError::new(class, answered(status, method, &url, &text)))
            }
        }
    }

    /// The ids of the services of a type (`image`).
    pub fn services_of_type(&self, service_type: &str) -> Result<Vec<String>, TaskError> {
        Ok(self
            .list("services", &[("type", service_type)])?
            .iter()
            .map(|s| json_str(s, "id").to_string())
            .collect())
    }
}
