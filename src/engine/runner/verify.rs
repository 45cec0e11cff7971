//! Verification: upload the test image, wait until it is active, compare its
//! sha512 with the local file's, list images. Idempotent: an active image of
//! the same name and hash is reused; this wizard's unfinished uploads (a run
//! killed mid-upload) are deleted first.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha512};

use super::{Outputs, TaskContext, json_str, openstack_json, openstack_plain};
use crate::answers::ImageSource;
use crate::engine::TaskError;
use crate::plan::{VerifySpec, commands, hex};

fn sha512_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
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

/// An image attribute: python-openstackclient 6 nests `os_hash_value` and
/// friends under `properties`, other versions put them at the top level.
fn image_attr<'v>(shown: &'v serde_json::Value, key: &str) -> &'v str {
    let top = json_str(shown, key);
    if top.is_empty() {
        shown.get("properties").map_or("", |p| json_str(p, key))
    } else {
        top
    }
}

fn download(url: &str, ctx: &mut TaskContext<'_>) -> Result<PathBuf, TaskError> {
    let name = url
        .rsplit('/')
        .next()
        .filter(|n| !n.is_empty())
        .unwrap_or("test-image");
    let dir = ctx.state_dir.join("images");
    std::fs::create_dir_all(&dir)?;
    let target = dir.join(name);
    if target.exists() {
        ctx.say(format!("using {} downloaded earlier", target.display()));
        return Ok(target);
    }
    // Through the answers' proxy unless the host is in no_proxy; never
    // through a proxy from the environment.
    let proxy_url = ctx.settings.proxy.proxy_for(url).map(str::to_string);
    let mut config = ureq::Agent::config_builder().timeout_global(Some(Duration::from_secs(600)));
    config = match &proxy_url {
        None => config.proxy(None),
        Some(p) => config.proxy(Some(ureq::Proxy::new(p).map_err(|e| {
            TaskError::fatal(format!(
                "proxy {}: {e}",
                crate::answers::masked_proxy_url(p)
            ))
        })?)),
    };
    let agent: ureq::Agent = config.build().into();
    match &proxy_url {
        Some(p) => ctx.say(format!(
            "downloading {url} through the proxy {}",
            crate::answers::masked_proxy_url(p)
        )),
        None => ctx.say(format!("downloading {url}")),
    }
    let mut response = agent
        .get(url)
        .call()
        .map_err(|e| TaskError::transient(format!("cannot download {url}: {e}")))?;
    let partial = dir.join(format!(".{name}.part"));
    let mut file = std::fs::File::create(&partial)?;
    std::io::copy(&mut response.body_mut().as_reader(), &mut file)
        .map_err(|e| TaskError::transient(format!("download of {url} broke off: {e}")))?;
    file.sync_all()?;
    std::fs::rename(&partial, &target)?;
    Ok(target)
}

/// The first call through glance-api after a restart: glance answers `GET /`
/// before its workers can serve authenticated requests, so a failure here
/// is retried for a while before it counts.
fn first_glance_call(
    ctx: &mut TaskContext<'_>,
    name: &str,
) -> Result<serde_json::Value, TaskError> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match openstack_json(ctx, commands::image_list_named(name)) {
            Ok(list) => return Ok(list),
            Err(e) if Instant::now() < deadline && !ctx.cancelled() => {
                ctx.say(format!(
                    "Glance is not serving yet ({}); trying again in 2 s",
                    e.message
                ));
                std::thread::sleep(Duration::from_secs(2));
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

    let mut image_id = None;
    let existing = first_glance_call(ctx, &spec.name)?;
    for image in existing.as_array().cloned().unwrap_or_default() {
        let id = json_str(&image, "ID").to_string();
        let shown = openstack_json(ctx, commands::image_show(&id))?;
        let status = json_str(&shown, "status");
        let ours = shown
            .get("properties")
            .and_then(|p| p.get("glance_wizard"))
            .and_then(|v| v.as_str())
            == Some("test-image");
        if status == "active" && image_attr(&shown, "os_hash_value") == local_hash {
            ctx.say(format!(
                "image {id} is active with the same sha512: reusing it"
            ));
            image_id = Some(id);
            break;
        }
        if ours {
            ctx.say(format!(
                "deleting this wizard's earlier image {id} (status {status})"
            ));
            openstack_plain(ctx, commands::image_delete(&id))?;
        }
    }
    let id = match image_id {
        Some(id) => id,
        None => {
            let created = openstack_json(
                ctx,
                commands::image_create(
                    &spec.name,
                    &file.display().to_string(),
                    &spec.disk_format,
                    &spec.container_format,
                ),
            )?;
            json_str(&created, "id").to_string()
        }
    };
    let deadline = Instant::now() + Duration::from_secs(180);
    let shown = loop {
        let shown = openstack_json(ctx, commands::image_show(&id))?;
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
                std::thread::sleep(Duration::from_secs(2));
            }
        }
    };
    let algo = image_attr(&shown, "os_hash_algo");
    if algo != "sha512" {
        return Err(TaskError::fatal(format!(
            "image {id} is active but Glance hashed it with `{algo}`, not sha512 ([DEFAULT] hashing_algorithm)"
        )));
    }
    let remote_hash = image_attr(&shown, "os_hash_value");
    if remote_hash != local_hash {
        return Err(TaskError::fatal(format!(
            "image {id} is active but its sha512 ({}) differs from the local file's ({})",
            remote_hash, local_hash
        )));
    }
    ctx.say(format!(
        "image {id} is active and its sha512 matches the local file"
    ));
    openstack_plain(ctx, commands::image_list())?;
    Ok(Outputs::from([
        ("image_id".to_string(), id),
        ("image_status".to_string(), "active".to_string()),
        ("image_sha512".to_string(), local_hash),
    ]))
}
