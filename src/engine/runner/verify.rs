//! Verification: upload the test image, wait until it is active, compare its
//! sha512 with the local file's, list images. Idempotent: an active image of
//! the same name and hash is reused; this wizard's unfinished uploads (a run
//! killed mid-upload) are deleted first.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha512};

use serde_json::Value;

use super::clients::{Database, Glance, Image, ImageApi, Keystone};
use super::identity::{admin_token, catalog_url, direct_agent, issue_token_with_catalog};
use super::{TaskContext, fatal, json_str};
use crate::answers::ImageSource;
use crate::engine::outputs::{ImageOutputs, Origin, Replaced, ReplacedImage, TaskOutputs};
use crate::engine::{Cause, ErrorClass, TaskError};
use crate::i18n::Message;
use crate::plan::{VerifySpec, commands};
use crate::util::hex::hex;

/// The image an earlier run of this task recorded.
fn recorded_image<'o>(ctx: &TaskContext<'o>) -> Option<&'o ImageOutputs> {
    ctx.previous_outputs.and_then(TaskOutputs::image)
}

pub(crate) fn sha512_file(path: &Path) -> std::io::Result<String> {
    sha512_of(std::fs::File::open(path)?)
}

fn sha512_of(mut file: std::fs::File) -> std::io::Result<String> {
    let mut hasher = Sha512::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

fn download(url: &str, ctx: &mut TaskContext<'_>) -> Result<PathBuf, TaskError> {
    let name = url
        .rsplit('/')
        .next()
        .filter(|n| !n.is_empty())
        .unwrap_or("test-image");
    let dir = ctx.state_dir.join("images");
    crate::util::fs::private_dir(&dir)
        .map_err(|e| local_error(e, "failure.verify.cannot_create", &dir))?;
    let target = dir.join(name);
    if downloaded_earlier(&target, ctx) {
        ctx.tell(Message::new("narration.download_reused").arg("path", target.display()));
        return Ok(target);
    }
    let shown = crate::util::mask::mask_url_password(url);
    let mut response = fetch(url, &shown, ctx)?;
    save_as(&mut response, &target, &shown)?;
    Ok(target)
}

/// A local file or directory the download cannot make or write.
fn local_error(e: std::io::Error, key: &'static str, path: &Path) -> TaskError {
    fatal(
        Message::new(key)
            .arg("path", path.display())
            .arg("error", e),
    )
}

/// `GET url` (`shown`: with its password masked), answered with success.
fn fetch(
    url: &str,
    shown: &str,
    ctx: &mut TaskContext<'_>,
) -> Result<ureq::http::Response<ureq::Body>, TaskError> {
    // Through the answers' proxy unless the host is in no_proxy; never
    // through a proxy from the environment.
    let (agent, route) =
        crate::host::http::agent_for(&ctx.reach.proxy, url, Duration::from_secs(600))
            .map_err(fatal)?;
    ctx.tell(
        Message::new("narration.downloading")
            .arg("url", shown)
            .msg("route", route.msg()),
    );
    // Classed by what fixes it: a host that does not resolve or refuses, a
    // proxy that refuses or wants credentials, a 404 stop the run with the
    // field to change; a timeout or a 5xx is retried.
    let what = Message::new("failure.download")
        .arg("url", shown)
        .msg("route", route.msg());
    let field = "[test_image] source";
    let response = agent.get(url).call().map_err(|e| {
        crate::host::http::NetFault::of(&e, &route).task_error(
            what.clone(),
            &e.to_string(),
            shown,
            &route,
            field,
        )
    })?;
    let status = response.status().as_u16();
    if let Some(fault) = crate::host::http::NetFault::of_status(status) {
        return Err(fault.task_error(what, &format!("HTTP {status}"), shown, &route, field));
    }
    Ok(response)
}

/// Writes the body of `response` to `target`, through a file beside it
/// renamed once complete.
fn save_as(
    response: &mut ureq::http::Response<ureq::Body>,
    target: &Path,
    shown: &str,
) -> Result<(), TaskError> {
    let mut partial = crate::util::fs::temp_beside(target)
        .map_err(|e| local_error(e, "failure.verify.cannot_create_beside", target))?;
    std::io::copy(&mut response.body_mut().as_reader(), &mut partial).map_err(|e| {
        TaskError::new(
            ErrorClass::Retryable,
            Message::new("failure.verify.broke_off")
                .arg("url", shown)
                .arg("error", e),
        )
    })?;
    partial
        .as_file()
        .sync_all()
        .map_err(|e| local_error(e, "failure.unwritable", partial.path()))?;
    // The rename replaces whatever is at the name (a link too) without
    // following it.
    partial
        .persist(target)
        .map_err(|e| local_error(e.error, "failure.unwritable", target))?;
    Ok(())
}

/// Whether the file at `target` is the one an earlier run downloaded and
/// uploaded: a regular file (not a link) whose sha512 is the one the
/// journal recorded. Anything else there is not trusted: it is downloaded
/// again.
fn downloaded_earlier(target: &Path, ctx: &mut TaskContext<'_>) -> bool {
    let Some(recorded) = recorded_image(ctx).map(|i| &i.sha512) else {
        return false;
    };
    let matches = crate::util::fs::open_regular(target)
        .and_then(|(file, _)| sha512_of(file))
        .is_ok_and(|hash| hash == *recorded);
    if !matches && std::fs::symlink_metadata(target).is_ok() {
        ctx.tell(Message::new("narration.download_stale").arg("path", target.display()));
    }
    matches
}

/// Glance's image API, reached the way the `openstack` CLI reaches it: an
/// admin token, and the `image` endpoint of the token's catalog (so a wrong
/// endpoint fails here as it would for any client). Direct calls, not the
/// CLI: each `openstack` call costs 1.3-2 s and this task needs several.
struct GlanceApi {
    base: String,
    token: String,
    agent: ureq::Agent,
    /// Glance answered 401 or 5xx: what it needs of the database or of
    /// Keystone may be what is wrong ([`owner_of_refusal`]).
    refused: std::cell::Cell<bool>,
}

/// The public image endpoint in a catalog, or the error that names the
/// endpoints task as the one to repair.
fn public_image_url(catalog: &Value, region: &str) -> Result<String, TaskError> {
    catalog_url(catalog, "image", "public", region).ok_or_else(|| {
        fatal(Message::new("failure.verify.no_endpoint").arg("region", region))
            .with_cause(Cause::EndpointMissing)
    })
}

impl GlanceApi {
    fn connect(spec: &VerifySpec, ctx: &mut TaskContext<'_>) -> Result<Self, TaskError> {
        let admin = &ctx.reach.admin;
        // A new token, not the run's cached one: a token's catalog is
        // fixed when it is issued, before identity.endpoints made the
        // image endpoints.
        let (token, body) = issue_token_with_catalog(
            admin.auth_url(),
            admin.username(),
            admin.user_domain_name(),
            &admin.password,
            Some((admin.project_name(), admin.project_domain_name())),
        )
        .map_err(|e| e.task_error())?;
        let base = public_image_url(&body, &spec.region)?;
        ctx.tell(Message::new("narration.glance_endpoint").arg("url", &base));
        Ok(GlanceApi {
            base,
            token,
            agent: direct_agent(Duration::from_secs(600)),
            refused: Default::default(),
        })
    }

    /// For the probe: the public endpoint as answered (identity.endpoints'
    /// probe compares the catalog with the answers; when they differ that
    /// task runs again, and this one after it) and the run's admin token:
    /// no request to Keystone of its own, so it overlaps the other probes.
    fn connect_cached(spec: &VerifySpec, ctx: &TaskContext<'_>) -> Result<Self, TaskError> {
        Ok(GlanceApi {
            base: spec.public_url.trim_end_matches('/').to_string(),
            token: admin_token(&ctx.reach.admin).map_err(|e| e.task_error())?,
            agent: direct_agent(Duration::from_secs(10)),
            refused: Default::default(),
        })
    }

    fn v2_url(&self, path: &str) -> String {
        format!("{}/v2/{path}", self.base)
    }

    /// Reads a JSON answer; `expected` statuses are success.
    fn answer(
        &self,
        what: &str,
        response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
        expected: &[u16],
    ) -> Result<Value, TaskError> {
        let mut response = response.map_err(|e| {
            TaskError::new(
                ErrorClass::Retryable,
                Message::new("failure.verify.glance_unreachable")
                    .arg("request", what)
                    .arg("error", e),
            )
        })?;
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        if !expected.contains(&status) {
            if status == 401 || status >= 500 {
                self.refused.set(true);
            }
            // 5xx right after a restart: workers still starting.
            let class = if status >= 500 {
                ErrorClass::Retryable
            } else {
                ErrorClass::Fatal
            };
            return Err(TaskError::new(
                class,
                Message::new("failure.verify.glance_http")
                    .arg("request", what)
                    .arg("status", status)
                    .arg("body", text.trim()),
            ));
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    fn get_json(&self, path: &str) -> Result<Value, TaskError> {
        let url = self.v2_url(path);
        let response = self
            .agent
            .get(&url)
            .header("X-Auth-Token", &self.token)
            .call();
        self.answer(&format!("GET {url}"), response, &[200])
    }

    fn named_json(&self, name: &str) -> Result<Vec<Value>, TaskError> {
        let mut url = url::Url::parse(&self.v2_url("images")).map_err(|e| {
            fatal(
                Message::new("failure.verify.bad_url")
                    .arg("url", &self.base)
                    .arg("error", e),
            )
        })?;
        url.query_pairs_mut().append_pair("name", name);
        let response = self
            .agent
            .get(url.as_str())
            .header("X-Auth-Token", &self.token)
            .call();
        let listed = self.answer(&format!("GET {url}"), response, &[200])?;
        Ok(listed["images"].as_array().cloned().unwrap_or_default())
    }

    fn delete_image(&self, id: &str) -> Result<(), TaskError> {
        let url = self.v2_url(&format!("images/{id}"));
        let response = self
            .agent
            .delete(&url)
            .header("X-Auth-Token", &self.token)
            .call();
        self.answer(&format!("DELETE {url}"), response, &[204, 404])
            .map(|_| ())
    }

    fn create_json(&self, spec: &VerifySpec) -> Result<Value, TaskError> {
        let url = self.v2_url("images");
        let (mark_key, mark_value) = commands::IMAGE_MARK;
        let mut body = serde_json::json!({
            "name": spec.name,
            "disk_format": spec.disk_format,
            "container_format": spec.container_format,
            "visibility": "public",
        });
        body[mark_key] = Value::from(mark_value);
        let response = self
            .agent
            .post(&url)
            .header("X-Auth-Token", &self.token)
            .header("Content-Type", "application/json")
            .send(body.to_string());
        self.answer(&format!("POST {url}"), response, &[201])
    }

    fn upload_file(&self, id: &str, file: &Path) -> Result<(), TaskError> {
        let url = self.v2_url(&format!("images/{id}/file"));
        let mut reader = std::fs::File::open(file).map_err(|e| {
            fatal(
                Message::new("failure.verify.unreadable")
                    .arg("path", file.display())
                    .arg("error", e),
            )
        })?;
        let response = self
            .agent
            .put(&url)
            .header("X-Auth-Token", &self.token)
            .header("Content-Type", "application/octet-stream")
            .send(ureq::SendBody::from_reader(&mut reader));
        self.answer(&format!("PUT {url}"), response, &[204])
            .map(|_| ())
    }
}

/// An image of Glance's answer.
fn image_of(v: &Value) -> Image {
    let (mark_key, mark_value) = commands::IMAGE_MARK;
    Image {
        id: json_str(v, "id").to_string(),
        name: json_str(v, "name").to_string(),
        status: json_str(v, "status").to_string(),
        hash_algo: json_str(v, "os_hash_algo").to_string(),
        hash_value: json_str(v, "os_hash_value").to_string(),
        ours: json_str(v, mark_key) == mark_value,
    }
}

impl ImageApi for GlanceApi {
    fn url(&self, path: &str) -> String {
        self.v2_url(path)
    }

    fn named(&self, name: &str) -> Result<Vec<Image>, TaskError> {
        Ok(self.named_json(name)?.iter().map(image_of).collect())
    }

    fn get(&self, id: &str) -> Result<Image, TaskError> {
        Ok(image_of(&self.get_json(&format!("images/{id}"))?))
    }

    fn list(&self) -> Result<Vec<Image>, TaskError> {
        let listed = self.get_json("images")?;
        Ok(listed["images"]
            .as_array()
            .map(|all| all.iter().map(image_of).collect())
            .unwrap_or_default())
    }

    fn create(&self, spec: &VerifySpec) -> Result<String, TaskError> {
        Ok(json_str(&self.create_json(spec)?, "id").to_string())
    }

    fn upload(&self, id: &str, file: &Path) -> Result<(), TaskError> {
        self.upload_file(id, file)
    }

    fn delete(&self, id: &str) -> Result<(), TaskError> {
        self.delete_image(id)
    }

    fn refused(&self) -> bool {
        self.refused.get()
    }
}

/// Glance's image API over HTTP, as real runs reach it.
pub struct GlanceHttp;

impl Glance for GlanceHttp {
    fn connect(
        &self,
        ctx: &mut TaskContext<'_>,
        spec: &VerifySpec,
    ) -> Result<Box<dyn ImageApi + '_>, TaskError> {
        Ok(Box::new(GlanceApi::connect(spec, ctx)?))
    }

    fn connect_cached(
        &self,
        ctx: &TaskContext<'_>,
        spec: &VerifySpec,
    ) -> Result<Box<dyn ImageApi + '_>, TaskError> {
        Ok(Box::new(GlanceApi::connect_cached(spec, ctx)?))
    }
}

/// The clients the verify task works with: Glance, and the database and
/// Keystone, asked which task's work is broken when Glance refuses.
pub struct Verifiers<'c> {
    pub glance: &'c dyn Glance,
    pub database: &'c dyn Database,
    pub keystone: &'c dyn Keystone,
}

/// The first call through glance-api after a restart: glance answers `GET /`
/// before its workers can serve authenticated requests, so a failure here
/// is retried for a while before it counts.
fn first_glance_call(
    ctx: &mut TaskContext<'_>,
    api: &dyn ImageApi,
    name: &str,
) -> Result<Vec<Image>, TaskError> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match api.named(name) {
            Ok(list) => return Ok(list),
            Err(e) if e.retryable() && Instant::now() < deadline && !ctx.cancelled() => {
                ctx.tell(Message::new("narration.glance_not_serving").msg("error", e.message));
                std::thread::sleep(Duration::from_millis(500));
            }
            Err(e) => return Err(e),
        }
    }
}

pub fn run(
    spec: &VerifySpec,
    ctx: &mut TaskContext<'_>,
    clients: &Verifiers<'_>,
) -> Result<TaskOutputs, TaskError> {
    let file = match &spec.source {
        ImageSource::Path(p) => p.clone(),
        ImageSource::Url(u) => download(u, ctx)?,
    };
    let local_hash = sha512_file(&file).map_err(|e| {
        fatal(
            Message::new("failure.verify.image_unreadable")
                .arg("path", file.display())
                .arg("error", e),
        )
    })?;
    ctx.tell(Message::new("narration.local_hash").arg("hash", &local_hash[..16]));

    let api = clients.glance.connect(ctx, spec)?;
    upload_and_check(spec, ctx, api.as_ref(), &file, local_hash).map_err(|e| {
        if api.refused() && e.cause.is_none() {
            owner_of_refusal(spec, e, ctx, clients)
        } else {
            e
        }
    })
}

/// Glance refused a request (401, 5xx): glance-api logs in to the database
/// and to Keystone with the answers' passwords. Either login, tried here,
/// that fails names the task whose work was changed behind the wizard's
/// back, so the engine repairs that task and retries this one.
fn owner_of_refusal(
    spec: &VerifySpec,
    error: TaskError,
    ctx: &mut TaskContext<'_>,
    clients: &Verifiers<'_>,
) -> TaskError {
    let db = &spec.account;
    if let Err(e) = super::sql::account_login(clients.database, db) {
        ctx.tell(
            Message::new("narration.db_login_refused")
                .arg("user", &db.user)
                .arg("error", e),
        );
        return error.with_cause(Cause::DbAccessDenied);
    }
    if let Err(e) = clients.keystone.user_roles(&spec.login) {
        ctx.tell(e);
        return error.with_cause(Cause::ServiceUserRefused);
    }
    ctx.tell(Message::new("narration.both_log_in"));
    error.with_cause(Cause::GlanceStale)
}

/// The verify.image probe: the image the journal records, read through
/// Glance's API now, is active with the sha512 recorded, which is still the
/// local file's. The success message of a run that skips this task comes
/// from this check.
pub fn probe(
    spec: &VerifySpec,
    ctx: &mut TaskContext<'_>,
    glance: &dyn Glance,
) -> Result<Message, Message> {
    let Some(ImageOutputs {
        id,
        sha512: recorded,
        ..
    }) = recorded_image(ctx)
    else {
        return Err(Message::new("recheck.no_image"));
    };
    if let ImageSource::Path(path) = &spec.source {
        let local = sha512_file(path).map_err(|e| {
            Message::new("recheck.unreadable")
                .arg("path", path.display())
                .arg("error", e)
        })?;
        if local != *recorded {
            return Err(Message::new("recheck.file_changed").arg("path", path.display()));
        }
    }
    let api = glance.connect_cached(ctx, spec).map_err(|e| e.message)?;
    let shown = api.get(id).map_err(|e| e.message)?;
    if shown.status != "active" {
        return Err(Message::new("recheck.image_status")
            .arg("id", id)
            .arg("status", &shown.status));
    }
    if shown.hash_algo != "sha512" || shown.hash_value != *recorded {
        return Err(Message::new("recheck.image_hash").arg("id", id));
    }
    Ok(Message::new("run_skip.image")
        .arg("id", id)
        .arg("url", api.url(&format!("images/{id}"))))
}

/// Finds or uploads the test image, waits until it is active, checks its
/// hash and lists the images.
fn upload_and_check(
    spec: &VerifySpec,
    ctx: &mut TaskContext<'_>,
    api: &dyn ImageApi,
    file: &Path,
    local_hash: String,
) -> Result<TaskOutputs, TaskError> {
    let (id, origin) = match reusable_image(spec, ctx, api, &local_hash)? {
        Some(found) => found,
        None => (upload(spec, ctx, api, file)?, Origin::Created),
    };
    let shown = wait_until_active(ctx, api, &id)?;
    let algo = &shown.hash_algo;
    if algo != "sha512" {
        return Err(fatal(
            Message::new("failure.verify.hash_algo")
                .arg("id", &id)
                .arg("algo", algo),
        ));
    }
    let remote_hash = &shown.hash_value;
    if *remote_hash != local_hash {
        return Err(fatal(
            Message::new("failure.verify.hash_differs")
                .arg("id", &id)
                .arg("remote", remote_hash)
                .arg("local", &local_hash),
        ));
    }
    ctx.tell(Message::new("narration.image_verified").arg("id", &id));
    let replaced = replaced_images(spec, ctx, api)?;
    list_images(ctx, api)?;
    Ok(TaskOutputs::Image(ImageOutputs {
        id,
        origin,
        status: "active".to_string(),
        sha512: local_hash,
        name: Some(spec.name.clone()),
        replaced,
    }))
}

/// The test images earlier runs uploaded under other names that Glance
/// still has: they stay, recorded, until the admin confirms
/// `undo --replaced` ([`Replaced`]).
fn replaced_images(
    spec: &VerifySpec,
    ctx: &mut TaskContext<'_>,
    api: &dyn ImageApi,
) -> Result<Vec<ReplacedImage>, TaskError> {
    let recorded = recorded_image(ctx).map_or_else(Vec::new, |r| r.replaced_by(&spec.name));
    let mut kept = Vec::new();
    for image in recorded {
        if api.named(&image.name)?.iter().any(|i| i.id == image.id) {
            ctx.tell(Replaced::Image(image.clone()).msg());
            kept.push(image);
        }
    }
    Ok(kept)
}

/// An active image of the test image's name with the local file's hash,
/// reused (created by this wizard when it carries [`commands::IMAGE_MARK`]);
/// this wizard's other images of that name (an upload a killed run left)
/// are deleted.
fn reusable_image(
    spec: &VerifySpec,
    ctx: &mut TaskContext<'_>,
    api: &dyn ImageApi,
    local_hash: &str,
) -> Result<Option<(String, Origin)>, TaskError> {
    for image in first_glance_call(ctx, api, &spec.name)? {
        let Image { id, status, .. } = &image;
        if status == "active" && image.hash_value == local_hash {
            ctx.tell(Message::new("narration.image_reused").arg("id", id));
            return Ok(Some((id.clone(), Origin::of(image.ours))));
        }
        if image.ours {
            ctx.tell(
                Message::new("narration.image_deleting")
                    .arg("id", id)
                    .arg("status", status)
                    .arg("url", api.url(&format!("images/{id}"))),
            );
            api.delete(id)?;
        }
    }
    Ok(None)
}

/// Creates the image and uploads the file; its id.
fn upload(
    spec: &VerifySpec,
    ctx: &mut TaskContext<'_>,
    api: &dyn ImageApi,
    file: &Path,
) -> Result<String, TaskError> {
    ctx.tell(
        Message::new("narration.image_creating")
            .arg("name", &spec.name)
            .arg("disk", &spec.disk_format)
            .arg("container", &spec.container_format)
            .arg("url", api.url("images")),
    );
    let id = api.create(spec)?;
    if id.is_empty() {
        return Err(fatal(Message::new("failure.verify.no_id")));
    }
    crate::engine::pause::point("during:verify.image");
    ctx.tell(
        Message::new("narration.image_uploading")
            .arg("path", file.display())
            .arg("id", &id)
            .arg("url", api.url(&format!("images/{id}/file"))),
    );
    api.upload(&id, file)?;
    Ok(id)
}

/// How long an uploaded image gets to become active.
const ACTIVE_TIMEOUT: Duration = Duration::from_secs(180);

/// Polls the image until it is active; its record then.
fn wait_until_active(
    ctx: &mut TaskContext<'_>,
    api: &dyn ImageApi,
    id: &str,
) -> Result<Image, TaskError> {
    let deadline = Instant::now() + ACTIVE_TIMEOUT;
    loop {
        let shown = api.get(id)?;
        match shown.status.as_str() {
            "active" => return Ok(shown),
            "killed" | "deleted" | "deactivated" => {
                return Err(fatal(
                    Message::new("failure.verify.image_ended")
                        .arg("id", id)
                        .arg("status", &shown.status),
                ));
            }
            other if Instant::now() > deadline => {
                return Err(fatal(
                    Message::new("failure.verify.not_active")
                        .arg("id", id)
                        .arg("status", other)
                        .arg("seconds", ACTIVE_TIMEOUT.as_secs()),
                ));
            }
            _ if ctx.cancelled() => return Err(super::stopped()),
            other => {
                ctx.tell(
                    Message::new("narration.image_waiting")
                        .arg("id", id)
                        .arg("status", other),
                );
                std::thread::sleep(Duration::from_millis(500));
            }
        }
    }
}

/// The guide's last step: list the images.
fn list_images(ctx: &mut TaskContext<'_>, api: &dyn ImageApi) -> Result<(), TaskError> {
    let listed = api.list()?;
    ctx.trace(format!("GET {}:", api.url("images")));
    for image in listed {
        // Any project's public image is listed: its name is shown with its
        // control characters escaped (no line break, no terminal sequence).
        let name = image.name.escape_debug();
        ctx.trace(format!("  {}  {name}  {}", image.id, image.status));
    }
    Ok(())
}

#[cfg(test)]
mod tests;

/// The verify runner against test doubles of Glance, the database and
/// Keystone (the lab's Glance is tests/e2e_apply.rs's).
#[cfg(test)]
pub(crate) mod runner_tests;
