//! End-to-end: the plan's outside dependencies (the proxy, the test image
//! source) are checked before anything changes, and the same faults
//! appearing mid-run stop the task in seconds with the message that names
//! the fix, instead of being retried for minutes.
//!
//! - A proxy nothing listens on (127.0.0.1:9, the discard port: closed
//!   here) and an image URL that cannot resolve (`.invalid`, RFC 6761):
//!   `check` and `apply` exit 4 in under 5 s, and `apply` leaves no
//!   journal (no task started).
//! - Mid-run: the test image is served by an HTTP server in this file that
//!   answers the precheck's HEAD, then closes: the download in
//!   verify.image is refused. The run must stop within 10 s of
//!   verify.image starting, naming `[test_image] source`.

use crate::common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use common::*;

const DB_PASSWORD: &str = "prechecks-db-password-1";
const SERVICE_PASSWORD: &str = "prechecks-service-password-1";

/// The scenario's answers with `extra` appended and the test image source
/// replaced by `source` (when given).
fn rewrite_answers(s: &Scenario, source: Option<&str>, extra: &str) {
    let mut text = std::fs::read_to_string(&s.answers).unwrap();
    if let Some(source) = source {
        let path = format!("source = \"{}\"", s.image.display());
        assert!(text.contains(&path));
        text = text.replace(&path, &format!("source = \"{source}\""));
    }
    text.push_str(extra);
    std::fs::write(&s.answers, text).unwrap();
}

/// Runs `check` then `apply`; each must exit 4 with a FAIL line for
/// `check_name` that says `expected` (every part); `apply` must start no
/// task. How long they take is printed; the under-5-s figure is measured by
/// scripts/bench-faults.sh, not asserted here.
fn prechecks_refuse(s: &Scenario, check_name: &str, expected: &[&str]) {
    for command in ["check", "apply"] {
        let mut cmd = wizard();
        cmd.arg(command).arg("--answers").arg(&s.answers);
        if command == "apply" {
            cmd.arg("--state-dir").arg(&s.state_dir);
        }
        let started = Instant::now();
        let out = run(cmd.env_remove("OS_PASSWORD"));
        let took = started.elapsed();
        let said = text(&out);
        eprintln!(
            "{command} with a bad {check_name}: exit {:?} in {:.2} s",
            out.status.code(),
            took.as_secs_f64()
        );
        assert_eq!(out.status.code(), Some(4), "{command}:\n{said}");
        let line = said
            .lines()
            .find(|l| l.contains("[FAIL]") && l.contains(check_name))
            .unwrap_or_else(|| panic!("no FAIL line for {check_name}:\n{said}"));
        for part in expected {
            assert!(line.contains(part), "{part:?} missing in: {line}");
        }
    }
    assert!(
        !s.state_dir.join("journal.json").exists(),
        "apply refused by the prechecks must start no task"
    );
}

#[test]
fn e2e_unreachable_proxy_and_unresolvable_image_fail_the_prechecks() {
    let Some(_lab) = lab() else { return };
    // Nothing on the lab is changed here: only the scratch directory.
    let s = scenario("prechecks-proxy", DB_PASSWORD, SERVICE_PASSWORD);
    assert!(
        std::net::TcpStream::connect("127.0.0.1:9").is_err(),
        "something listens on 127.0.0.1:9"
    );
    rewrite_answers(&s, None, "\n[proxy]\nhttp_proxy = \"http://127.0.0.1:9\"\n");
    prechecks_refuse(
        &s,
        "proxy",
        &[
            "nothing answers at the proxy http://127.0.0.1:9",
            "[proxy] http_proxy / https_proxy",
        ],
    );

    let s = scenario("prechecks-image", DB_PASSWORD, SERVICE_PASSWORD);
    rewrite_answers(&s, Some("http://no-such-host.invalid/cirros.img"), "");
    prechecks_refuse(
        &s,
        "test image",
        &[
            "no-such-host.invalid:80 does not resolve",
            "[test_image] source",
        ],
    );
}

/// Serves `image` on 127.0.0.1 for one request (the precheck's HEAD),
/// then closes: every later connection is refused. Returns the URL.
fn serve_once(image: &Path) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let size = std::fs::metadata(image).unwrap().len();
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        assert!(line.starts_with("HEAD "), "{line}");
        while line != "\r\n" && !line.is_empty() {
            line.clear();
            reader.read_line(&mut line).unwrap();
        }
        write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        // The listener is dropped here: the port refuses from now on.
    });
    format!("http://127.0.0.1:{port}/test-image.qcow2")
}

/// A failed assertion must not leave the run retrying behind the test.
struct KillOnDrop(RunHandle);

impl Drop for KillOnDrop {
    /// Best effort: the run may have ended already.
    fn drop(&mut self) {
        let _ = self.0.child.kill();
        let _ = self.0.child.wait();
    }
}

#[test]
fn e2e_image_source_failing_mid_run_stops_in_seconds() {
    let Some(_lab) = lab() else { return };
    reset_glance(false);
    let s = scenario("prechecks-midrun", DB_PASSWORD, SERVICE_PASSWORD);
    let url = serve_once(&s.image);
    rewrite_answers(&s, Some(&url), "");
    let mut handle = KillOnDrop(s.spawn(1, &[]));
    let handle = &mut handle.0;
    let mut verify_started = None;
    let status = loop {
        if let Some(status) = handle.child.try_wait().unwrap() {
            break status;
        }
        if verify_started.is_none() && handle.output().contains("] verify.image: ") {
            verify_started = Some(Instant::now());
        }
        if let Some(at) = verify_started {
            assert!(
                at.elapsed() < Duration::from_secs(60),
                "still running 60 s after verify.image started:\n{}",
                handle.output()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let said = handle.output();
    let started = verify_started.unwrap_or_else(|| panic!("verify.image never started:\n{said}"));
    let took = started.elapsed();
    eprintln!(
        "verify.image with its source gone: stopped {:.2} s after it started (exit {:?})",
        took.as_secs_f64(),
        status.code()
    );
    assert_eq!(status.code(), Some(6), "{said}");
    // No back-off: at most the one recheck, after 2 s (the time is measured
    // by scripts/bench-faults.sh).
    let retries: Vec<&str> = said
        .lines()
        .filter(|l| l.starts_with("[retry] verify.image:"))
        .collect();
    assert!(
        retries.len() <= 1 && retries.iter().all(|l| l.ends_with("retrying in 2s")),
        "retried with back-off: {retries:?}"
    );
    let failure = said
        .lines()
        .find(|l| l.starts_with("Task verify.image failed:"))
        .unwrap_or_else(|| panic!("no failure line:\n{said}"));
    assert!(
        failure.contains("connection refused") && failure.contains("[test_image] source"),
        "{failure}"
    );
    assert!(!failure.contains("gave up after"), "{failure}");
}
