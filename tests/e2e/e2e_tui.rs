//! End-to-end: the interactive wizard in a real terminal (tmux), typed
//! through with send-keys, installing Glance on the real lab; checked
//! independently with the openstack CLI. And a wizard killed during the run,
//! started again and resumed from the welcome screen.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::tmux::Tmux;
use common::*;

const DB_PASSWORD: &str = "Db'p@ss/w$rd%#;\"x\\";

fn image_is_active_with_hash(name: &str, image: &Path) {
    let images = openstack(&["image", "list", "--name", name]);
    let images = images.as_array().unwrap();
    assert_eq!(images.len(), 1, "{images:?}");
    assert_eq!(images[0]["Status"], "active");
    let id = images[0]["ID"].as_str().unwrap();
    let shown = openstack(&["image", "show", id]);
    let local = Command::new("sha512sum").arg(image).output().unwrap();
    let local = String::from_utf8_lossy(&local.stdout);
    let remote = shown["os_hash_value"]
        .as_str()
        .or(shown["properties"]["os_hash_value"].as_str());
    assert_eq!(remote, local.split_whitespace().next());
}

/// Welcome → database → identity → images → proxy → prechecks → review,
/// typing the lab's answers. `lang` picks the words waited for.
fn type_answers(t: &Tmux, zh: bool, image: &Path, image_name: &str, db_password: Option<&str>) {
    let w = |en: &'static str, zh_text: &'static str| if zh { zh_text } else { en };
    t.wait_for(
        w("Detected target", "检测到的目标"),
        Duration::from_secs(30),
    );
    t.keys(&["Enter"]);
    t.wait_for(w("Controller host", "控制节点主机"), Duration::from_secs(5));
    t.keys(&["Tab"]);
    t.type_text("127.0.0.1");
    for _ in 0..8 {
        t.keys(&["Tab"]);
    }
    match db_password {
        Some(p) => {
            t.type_text(p);
            t.keys(&["Tab"]);
            t.type_text(p);
        }
        None => t.keys(&["F5"]),
    }
    t.keys(&["PageDown"]);
    t.wait_for(
        w("Glance user password", "glance 用户密码"),
        Duration::from_secs(5),
    );
    // The admin-openrc is read and shown, password masked.
    t.wait_for("OS_PASSWORD=********", Duration::from_secs(10));
    t.keys(&["Tab", "Tab", "F5", "PageDown"]);
    t.wait_for(w("Test image name", "测试镜像名称"), Duration::from_secs(5));
    t.keys(&["Tab", "Tab", "Tab", "Tab", "C-u"]);
    t.type_text(image.to_str().unwrap());
    t.keys(&["Tab", "C-u"]);
    t.type_text(image_name);
    t.keys(&["PageDown"]);
    t.wait_for("no_proxy", Duration::from_secs(5));
    t.keys(&["PageDown"]);
    t.wait_for(
        w("Every check passed", "所有检查均已通过"),
        Duration::from_secs(60),
    );
    t.keys(&["Enter"]);
    t.wait_for("[sql.database]", Duration::from_secs(30));
}

#[test]
fn e2e_tui_types_through_the_screens_and_installs() {
    let Some(_lab) = lab() else { return };
    reset_glance(true);
    let dir = scratch("tui");
    let image = make_test_image(&dir);
    let state = dir.join("state");
    let started = Instant::now();
    let t = Tmux::start(
        "tui-install",
        &dir,
        &["--lang", "en", "--state-dir", state.to_str().unwrap()],
    );
    let watch = t.watch();
    type_answers(&t, false, &image, "e2e-tui", Some(DB_PASSWORD));
    // Save the answers for `apply`, then install.
    t.keys(&["s"]);
    t.wait_for("Save answers to:", Duration::from_secs(5));
    t.keys(&["C-u"]);
    let saved = dir.join("answers.toml");
    t.type_text(saved.to_str().unwrap());
    t.keys(&["Enter"]);
    t.wait_for("Replay with", Duration::from_secs(5));
    t.keys(&["Enter"]);
    // The run screen shows the tasks and the log as they go.
    t.wait_for("▶", Duration::from_secs(30));
    let done = t.wait_for("Glance works.", Duration::from_secs(300));
    assert!(done.contains("Test image"), "{done}");
    assert!(!done.contains("Db'p@ss"), "{done}");
    t.keys(&["Enter"]);
    assert_eq!(t.wait_exit(Duration::from_secs(10)), "0");
    eprintln!("TUI install took {:?}", started.elapsed());
    watch.finish(&dir, &[DB_PASSWORD]);

    // Independently: the image is active with the local file's hash.
    image_is_active_with_hash("e2e-tui", &image);

    // The saved answers replay with `apply`: nothing left to do.
    let secrets = std::fs::read_to_string(dir.join("answers.secrets.toml")).unwrap();
    assert!(secrets.contains("glance_service_password"));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.join("answers.secrets.toml"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let out = run(wizard()
        .arg("apply")
        .arg("--answers")
        .arg(&saved)
        .arg("--state-dir")
        .arg(&state));
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("[skip] verify.image"), "{said}");
    assert!(!said.contains("Db'p@ss"), "{said}");
    // No secret in the journal or the logs either.
    for entry in walk(&state) {
        let content = std::fs::read(&entry).unwrap();
        let content = String::from_utf8_lossy(&content);
        if entry.ends_with("wizard-answers.secrets.toml") {
            continue;
        }
        assert!(!content.contains("Db'p@ss"), "{}", entry.display());
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            for e in std::fs::read_dir(&p).unwrap() {
                stack.push(e.unwrap().path());
            }
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn e2e_tui_killed_during_the_run_resumes_from_the_welcome_screen() {
    let Some(_lab) = lab() else { return };
    reset_glance(false);
    let dir = scratch("tui-resume");
    let image = make_test_image(&dir);
    let state = dir.join("state");
    let started = Instant::now();
    let args = ["--lang", "zh-CN", "--state-dir", state.to_str().unwrap()];
    {
        let t = Tmux::start("tui-killed", &dir, &args);
        let watch = t.watch();
        type_answers(&t, true, &image, "e2e-tui-resume", None);
        t.keys(&["Enter"]);
        // Kill it once the Keystone tasks are done, mid-run.
        t.wait_for("✓ identity.endpoints", Duration::from_secs(120));
        let pid = std::fs::read_to_string(dir.join("pid")).unwrap();
        let out = run(Command::new("kill").args(["-KILL", pid.trim()]));
        assert!(out.status.success(), "{}", text(&out));
        t.wait_exit(Duration::from_secs(10));
        watch.finish(&dir, &[]);
    }
    // Tasks run concurrently: verification may have started, not ended.
    let journal: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(state.join("journal.json")).unwrap())
            .unwrap();
    assert_ne!(
        journal["tasks"]["verify.image"]["status"], "done",
        "killed before the end: {journal}"
    );

    // Again: the welcome screen offers to resume, with what was done.
    let t = Tmux::start("tui-resumed", &dir, &args);
    let watch = t.watch();
    let welcome = t.wait_for("用上次的应答继续安装", Duration::from_secs(30));
    assert!(welcome.contains("上次安装已中断"), "{welcome}");
    t.keys(&["Enter"]);
    let done = t.wait_for("Glance 工作正常", Duration::from_secs(300));
    assert!(done.contains("↷") || done.contains("测试镜像"), "{done}");
    t.keys(&["Enter"]);
    assert_eq!(t.wait_exit(Duration::from_secs(10)), "0");
    eprintln!("kill and resume took {:?}", started.elapsed());
    watch.finish(&dir, &[]);
    image_is_active_with_hash("e2e-tui-resume", &image);
    // Exactly one glance user and one image service: nothing created twice.
    let services = openstack(&["service", "list"]);
    let image_services = services
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["Type"] == "image")
        .count();
    assert_eq!(image_services, 1, "{services}");
}
