//! Verification: upload the test image, wait until it is active, compare its
//! sha512 with the local file's, list images. Idempotent: an active image of
//! the same name and hash is reused; this wizard's unfinished uploads (a run
//! killed mid-upload) are deleted first.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha512};

use serde_json::Value;

use super::identity::{admin_token, catalog_url, direct_agent, issue_token_with_catalog};
use super::{Outputs, TaskContext, json_str};
use crate::answers::ImageSource;
use crate::engine::{Cause, TaskError};
use crate::plan::{VerifySpec, commands, hex};

/// Output key: the sha512 of the image uploaded.
const OUTPUT_SHA512: &str = "image_sha512";

fn sha512_file(path: &Path) -> std::io::Result<String> {
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
    crate::fsutil::private_dir(&dir)?;
    let target = dir.join(name);
    if downloaded_earlier(&target, ctx) {
        ctx.say(format!("using {} downloaded earlier", target.display()));
        return Ok(target);
    }
    // Through the answers' proxy unless the host is in no_proxy; never
    // through a proxy from the environment.
    let (agent, route) = crate::http::agent_for(&ctx.settings.proxy, url, Duration::from_secs(600))
        .map_err(TaskError::fatal)?;
    let shown = crate::mask::mask_url_password(url);
    ctx.say(format!("downloading {shown} {route}"));
    // Classed by what fixes it: a host that does not resolve or refuses, a
    // proxy that refuses or wants credentials, a 404 stop the run with the
    // field to change; a timeout or a 5xx is retried.
    let what = format!("the download of {shown} {route}");
    let field = "[test_image] source";
    let mut response = agent.get(url).call().map_err(|e| {
        crate::http::NetFault::of(&e, &route).task_error(
            &what,
            &e.to_string(),
            &shown,
            &route,
            field,
        )
    })?;
    let status = response.status().as_u16();
    if let Some(fault) = crate::http::NetFault::of_status(status) {
        return Err(fault.task_error(&what, &format!("HTTP {status}"), &shown, &route, field));
    }
    let mut partial = crate::fsutil::temp_beside(&target)?;
    std::io::copy(&mut response.body_mut().as_reader(), &mut partial)
        .map_err(|e| TaskError::transient(format!("download of {shown} broke off: {e}")))?;
    partial.as_file().sync_all()?;
    // The rename replaces whatever is at the name (a link too) without
    // following it.
    partial.persist(&target).map_err(|e| e.error)?;
    Ok(target)
}

/// Whether the file at `target` is the one an earlier run downloaded and
/// uploaded: a regular file (not a link) whose sha512 is the one the
/// journal recorded. Anything else there is not trusted: it is downloaded
/// again.
fn downloaded_earlier(target: &Path, ctx: &mut TaskContext<'_>) -> bool {
    let Some(recorded) = ctx.previous_outputs.get(OUTPUT_SHA512) else {
        return false;
    };
    let matches = crate::fsutil::open_regular(target)
        .and_then(|(file, _)| sha512_of(file))
        .is_ok_and(|hash| hash == *recorded);
    if !matches && std::fs::symlink_metadata(target).is_ok() {
        ctx.say(format!(
            "{} is not the image downloaded earlier: downloading it again",
            target.display()
        ));
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
        TaskError::fatal(format!(
            "the service catalog has no public image endpoint in region {region}"
        ))
        .with_cause(Cause::EndpointMissing)
    })
}

impl GlanceApi {
    fn connect(ctx: &mut TaskContext<'_>) -> Result<Self, TaskError> {
        let k = &ctx.settings.keystone;
        let admin = &k.admin;
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
        .map_err(TaskError::transient)?;
        let base = public_image_url(&body, &k.region)?;
        ctx.say(format!("Glance's public endpoint in the catalog: {base}"));
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
    fn connect_cached(ctx: &TaskContext<'_>) -> Result<Self, TaskError> {
        let k = &ctx.settings.keystone;
        Ok(GlanceApi {
            base: ctx
                .settings
                .endpoints
                .public
                .trim_end_matches('/')
                .to_string(),
            token: admin_token(&k.admin).map_err(TaskError::transient)?,
            agent: direct_agent(Duration::from_secs(10)),
            refused: Default::default(),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v2/{path}", self.base)
    }

    /// Reads a JSON answer; `expected` statuses are success.
    fn answer(
        &self,
        what: &str,
        response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
        expected: &[u16],
    ) -> Result<Value, TaskError> {
        let mut response = response
            .map_err(|e| TaskError::transient(format!("{what}: cannot reach Glance: {e}")))?;
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        if !expected.contains(&status) {
            if status == 401 || status >= 500 {
                self.refused.set(true);
            }
            let error = TaskError::fatal(format!(
                "{what}: Glance answered HTTP {status}: {}",
                text.trim()
            ));
            // 5xx right after a restart: workers still starting.
            return Err(if status >= 500 {
                TaskError::transient(error.message)
            } else {
                error
            });
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    fn get(&self, path: &str) -> Result<Value, TaskError> {
        let url = self.url(path);
        let response = self
            .agent
            .get(&url)
            .header("X-Auth-Token", &self.token)
            .call();
        self.answer(&format!("GET {url}"), response, &[200])
    }

    fn images_named(&self, name: &str) -> Result<Vec<Value>, TaskError> {
        let mut url = url::Url::parse(&self.url("images"))
            .map_err(|e| TaskError::fatal(format!("image endpoint {}: {e}", self.base)))?;
        url.query_pairs_mut().append_pair("name", name);
        let response = self
            .agent
            .get(url.as_str())
            .header("X-Auth-Token", &self.token)
            .call();
        let listed = self.answer(&format!("GET {url}"), response, &[200])?;
        Ok(listed["images"].as_array().cloned().unwrap_or_default())
    }

    fn delete(&self, id: &str) -> Result<(), TaskError> {
        let url = self.url(&format!("images/{id}"));
        let response = self
            .agent
            .delete(&url)
            .header("X-Auth-Token", &self.token)
            .call();
        self.answer(&format!("DELETE {url}"), response, &[204, 404])
            .map(|_| ())
    }

    fn create(&self, spec: &VerifySpec) -> Result<Value, TaskError> {
        let url = self.url("images");
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

    fn upload(&self, id: &str, file: &Path) -> Result<(), TaskError> {
        let url = self.url(&format!("images/{id}/file"));
        let mut reader = std::fs::File::open(file)
            .map_err(|e| TaskError::fatal(format!("cannot read {}: {e}", file.display())))?;
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

/// The first call through glance-api after a restart: glance answers `GET /`
/// before its workers can serve authenticated requests, so a failure here
/// is retried for a while before it counts.
fn first_glance_call(
    ctx: &mut TaskContext<'_>,
    api: &GlanceApi,
    name: &str,
) -> Result<Vec<Value>, TaskError> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match api.images_named(name) {
            Ok(list) => return Ok(list),
            Err(e) if e.retryable() && Instant::now() < deadline && !ctx.cancelled() => {
                ctx.say(format!(
                    "Glance is not serving yet ({}); trying again in 0.5 s",
                    e.message
                ));
                std::thread::sleep(Duration::from_millis(500));
            }
            Err(e) => return Err(e),
        }
    }
}

pub fn run(spec: &VerifySpec, ctx: &mut TaskContext<'_>) -> Result<Outputs, TaskError> {
    let file = match &spec.source {
        ImageSource::Path(p) => p.clone(),
        ImageSource::Url(u) => download(u, ctx)?,
    };
    let local_hash = sha512_file(&file).map_err(|e| {
        TaskError::fatal(format!(
            "cannot read the test image {}: {e}",
            file.display()
        ))
    })?;
    ctx.say(format!("local sha512 {}…", &local_hash[..16]));

    let api = GlanceApi::connect(ctx)?;
    upload_and_check(spec, ctx, &api, &file, local_hash).map_err(|e| {
        if api.refused.get() && e.cause.is_none() {
            owner_of_refusal(e, ctx)
        } else {
            e
        }
    })
}

/// Glance refused a request (401, 5xx): glance-api logs in to the database
/// and to Keystone with the answers' passwords. Either login, tried here,
/// that fails names the task whose work was changed behind the wizard's
/// back, so the engine repairs that task and retries this one.
fn owner_of_refusal(error: TaskError, ctx: &mut TaskContext<'_>) -> TaskError {
    let db = &ctx.settings.db;
    if let Err(e) =
        super::sql::account_login(&db.host, db.port.get(), &db.user, &db.password, &db.name)
    {
        ctx.say(format!("{} cannot log in to the database: {e}", db.user));
        return error.with_cause(Cause::DbAccessDenied);
    }
    if let Err(e) = super::identity::probe_user(ctx) {
        ctx.say(e);
        return error.with_cause(Cause::ServiceUserRefused);
    }
    error
}

/// The verify.image probe: the image the journal records, read through
/// Glance's API now, is active with the sha512 recorded, which is still the
/// local file's. The success message of a run that skips this task comes
/// from this check.
pub fn probe(spec: &VerifySpec, ctx: &mut TaskContext<'_>) -> Result<String, String> {
    let (Some(id), Some(recorded)) = (
        ctx.previous_outputs.get("image_id"),
        ctx.previous_outputs.get(OUTPUT_SHA512),
    ) else {
        return Err("the journal records no image".to_string());
    };
    if let ImageSource::Path(path) = &spec.source {
        let local =
            sha512_file(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if local != *recorded {
            return Err(format!("{} changed since it was uploaded", path.display()));
        }
    }
    let api = GlanceApi::connect_cached(ctx).map_err(|e| e.message)?;
    let shown = api.get(&format!("images/{id}")).map_err(|e| e.message)?;
    let status = json_str(&shown, "status");
    if status != "active" {
        return Err(format!("image {id} is {status}"));
    }
    if json_str(&shown, "os_hash_algo") != "sha512" || json_str(&shown, "os_hash_value") != recorded
    {
        return Err(format!("image {id}'s sha512 is not the local file's"));
    }
    Ok(format!(
        "image {id} is active and its sha512 matches the local file (GET {})",
        api.url(&format!("images/{id}"))
    ))
}

/// Finds or uploads the test image, waits until it is active, checks its
/// hash and lists the images.
fn upload_and_check(
    spec: &VerifySpec,
    ctx: &mut TaskContext<'_>,
    api: &GlanceApi,
    file: &Path,
    local_hash: String,
) -> Result<Outputs, TaskError> {
    let mut image_id = None;
    let existing = first_glance_call(ctx, api, &spec.name)?;
    let (mark_key, mark_value) = commands::IMAGE_MARK;
    for image in existing {
        let id = json_str(&image, "id").to_string();
        let status = json_str(&image, "status");
        let ours = json_str(&image, mark_key) == mark_value;
        if status == "active" && json_str(&image, "os_hash_value") == local_hash {
            ctx.say(format!(
                "image {id} is active with the same sha512: reusing it"
            ));
            image_id = Some(id);
            break;
        }
        if ours {
            ctx.say(format!(
                "deleting this wizard's earlier image {id} (status {status}): DELETE {}",
                api.url(&format!("images/{id}"))
            ));
            api.delete(&id)?;
        }
    }
    let id = match image_id {
        Some(id) => id,
        None => {
            ctx.say(format!(
                "creating the image {} ({}, {}, public): POST {}",
                spec.name,
                spec.disk_format,
                spec.container_format,
                api.url("images")
            ));
            let created = api.create(spec)?;
            let id = json_str(&created, "id").to_string();
            if id.is_empty() {
                return Err(TaskError::fatal("Glance created the image but gave no id"));
            }
            crate::engine::pause::point("during:verify.image");
            ctx.say(format!(
                "uploading {} to image {id}: PUT {}",
                file.display(),
                api.url(&format!("images/{id}/file"))
            ));
            api.upload(&id, file)?;
            id
        }
    };
    let deadline = Instant::now() + Duration::from_secs(180);
    let shown = loop {
        let shown = api.get(&format!("images/{id}"))?;
        match json_str(&shown, "status") {
            "active" => break shown,
            "killed" | "deleted" | "deactivated" => {
                return Err(TaskError::fatal(format!(
                    "image {id} ended {}; glance-api's log says why",
                    json_str(&shown, "status")
                )));
            }
            other if Instant::now() > deadline => {
                return Err(TaskError::fatal(format!(
                    "image {id} still {other} after 180 s"
                )));
            }
            _ if ctx.cancelled() => return Err(TaskError::fatal(super::STOPPED)),
            other => {
                ctx.say(format!("image {id} is {other}; waiting"));
                std::thread::sleep(Duration::from_millis(500));
            }
        }
    };
    let algo = json_str(&shown, "os_hash_algo");
    if algo != "sha512" {
        return Err(TaskError::fatal(format!(
            "image {id} is active but Glance hashed it with `{algo}`, not sha512 ([DEFAULT] hashing_algorithm)"
        )));
    }
    let remote_hash = json_str(&shown, "os_hash_value");
    if remote_hash != local_hash {
        return Err(TaskError::fatal(format!(
            "image {id} is active but its sha512 ({}) differs from the local file's ({})",
            remote_hash, local_hash
        )));
    }
    ctx.say(format!(
        "image {id} is active and its sha512 matches the local file"
    ));
    // The guide's last step: list the images.
    let listed = api.get("images")?;
    ctx.say(format!("GET {}:", api.url("images")));
    for image in listed["images"].as_array().cloned().unwrap_or_default() {
        ctx.say(format!(
            "  {}  {}  {}",
            json_str(&image, "id"),
            json_str(&image, "name"),
            json_str(&image, "status")
        ));
    }
    Ok(Outputs::from([
        ("image_id".to_string(), id),
        ("image_status".to_string(), "active".to_string()),
        (OUTPUT_SHA512.to_string(), local_hash),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::runner::Outputs;
    use crate::secret::Redactor;
    use std::io::Write;
    use std::sync::atomic::AtomicBool;

    /// An HTTP server on 127.0.0.1 that answers each request with `body`;
    /// the URL of `name` on it.
    fn serve(body: &'static [u8], name: &str) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let mut stream = stream.unwrap();
                let mut request = Vec::new();
                let mut byte = [0u8; 1];
                while !request.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap() == 1 {
                    request.push(byte[0]);
                }
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                stream.write_all(head.as_bytes()).unwrap();
                stream.write_all(body).unwrap();
            }
        });
        format!("http://127.0.0.1:{port}/{name}")
    }

    fn download_with(state: &Path, url: &str, previous: &Outputs) -> (PathBuf, Vec<String>) {
        let (settings, profile) = crate::engine::runner::tests::settings();
        let (redactor, cancel) = (Redactor::new(), AtomicBool::new(false));
        let mut said = Vec::new();
        let mut log = |line: &str| said.push(line.to_string());
        let mut ctx = TaskContext {
            settings: &settings,
            profile: &profile,
            state_dir: state,
            redactor: &redactor,
            cancel: &cancel,
            previous_outputs: previous,
            lock: None,
            recheck: false,
            log: &mut log,
        };
        let path = download(url, &mut ctx).unwrap();
        (path, said)
    }

    /// A file or a link already at the download path is not uploaded as the
    /// test image: only the file whose sha512 the journal recorded is.
    #[test]
    fn a_file_at_the_download_path_is_not_trusted() {
        let state = tempfile::tempdir().unwrap();
        let url = serve(b"the real image", "test.img");
        let images = state.path().join("images");
        std::fs::create_dir(&images).unwrap();
        std::fs::write(images.join("test.img"), "planted").unwrap();
        let (path, _) = download_with(state.path(), &url, &Outputs::new());
        assert_eq!(std::fs::read(&path).unwrap(), b"the real image");

        let victim = state.path().join("victim");
        std::fs::write(&victim, "secret").unwrap();
        std::fs::remove_file(&path).unwrap();
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        let recorded = sha512_file(&victim).unwrap();
        let previous = Outputs::from([(OUTPUT_SHA512.to_string(), recorded)]);
        let (path, said) = download_with(state.path(), &url, &previous);
        assert_eq!(std::fs::read(&path).unwrap(), b"the real image");
        assert!(
            said.iter().any(|l| l.contains("downloading it again")),
            "{said:?}"
        );
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "secret");

        // The image the journal recorded is used again, not downloaded.
        let recorded = sha512_file(&path).unwrap();
        let previous = Outputs::from([(OUTPUT_SHA512.to_string(), recorded)]);
        let (_, said) = download_with(state.path(), "http://127.0.0.1:1/test.img", &previous);
        assert!(said[0].contains("downloaded earlier"), "{said:?}");
    }
}
