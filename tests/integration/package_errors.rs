//! The package-failure classifier on recorded real outputs of yum and dnf
//! (no yum or dnf runs on this Debian machine: these recordings are the
//! test double, each citing the public report it comes from). apt's outputs
//! are produced for real by tests/e2e/e2e_packages.rs.
//!
//! Each file in tests/fixtures/package-errors/ starts with `#` lines:
//! `# source: URL`, `# tool: ...`, optionally `# proxy: URL` (the proxy the
//! machine was configured with), and `# expect: KIND [PACKAGE...]`.

use std::path::Path;

use glance_wizard::engine::runner::packages::classify::{Diagnosis, ProxyEndpoint, classify};
use glance_wizard::engine::runner::packages::error_for;
use glance_wizard::host::target::PackageManager;

struct Fixture {
    name: String,
    source: String,
    tool: String,
    proxy: Option<String>,
    expect: Vec<String>,
    output: String,
}

fn load(path: &Path) -> Fixture {
    let text = std::fs::read_to_string(path).unwrap();
    let header = |key: &str| {
        text.lines()
            .take_while(|l| l.starts_with('#'))
            .find_map(|l| l.strip_prefix(&format!("# {key}: ")))
            .map(|v| v.split(" (").next().unwrap().trim().to_string())
    };
    Fixture {
        name: path.file_name().unwrap().to_string_lossy().into_owned(),
        source: header("source").unwrap_or_default(),
        tool: header("tool").unwrap_or_default(),
        proxy: header("proxy"),
        expect: header("expect")
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_string)
            .collect(),
        output: text
            .lines()
            .skip_while(|l| l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

fn fixtures() -> Vec<Fixture> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/package-errors");
    let mut all: Vec<Fixture> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| load(&e.unwrap().path()))
        .collect();
    all.sort_by(|a, b| a.name.cmp(&b.name));
    all
}

#[test]
fn recorded_yum_and_dnf_outputs_are_classified() {
    let all = fixtures();
    assert!(all.len() >= 12, "{} fixtures", all.len());
    let mut failures = Vec::new();
    for f in &all {
        assert!(
            f.source.starts_with("https://github.com/"),
            "{}: no source URL",
            f.name
        );
        assert!(
            f.tool.starts_with("yum") || f.tool.starts_with("dnf"),
            "{}: tool {:?}",
            f.name,
            f.tool
        );
        let endpoint = f.proxy.as_deref().and_then(ProxyEndpoint::from_url);
        let diagnosis = classify(&f.output, endpoint.as_ref());
        let got = match &diagnosis {
            Diagnosis::Unreachable { proxy: true, .. } => "unreachable-proxy".to_string(),
            d => d.kind().name().to_string(),
        };
        if got != f.expect[0] {
            failures.push(format!(
                "{}: expected {}, got {got} ({:?})",
                f.name, f.expect[0], diagnosis
            ));
        }
        if let Diagnosis::NotFound { packages, .. } = &diagnosis
            && packages[..] != f.expect[1..]
        {
            failures.push(format!(
                "{}: expected packages {:?}, got {packages:?}",
                f.name,
                &f.expect[1..]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for tool in ["yum", "dnf"] {
        for kind in ["mirror", "unreachable", "tls", "repository-missing"] {
            assert!(
                all.iter()
                    .any(|f| f.tool.starts_with(tool) && f.expect[0].starts_with(kind)),
                "no {tool} fixture for {kind}"
            );
        }
    }
}

/// The messages name the fix: the repository for a missing package, the
/// [proxy] keys for network trouble, the CA store for TLS.
#[test]
fn messages_say_what_to_do() {
    let repository = glance_wizard::i18n::Message::verbatim(
        "the RDO release package: dnf install centos-release-openstack-epoxy",
    );
    for f in fixtures() {
        let manager = if f.tool.starts_with("yum") {
            PackageManager::Yum
        } else {
            PackageManager::Dnf
        };
        let endpoint = f.proxy.as_deref().and_then(ProxyEndpoint::from_url);
        let diagnosis = classify(&f.output, endpoint.as_ref());
        let error = error_for(&diagnosis, manager, f.proxy.as_deref(), &repository, "?");
        let m = &error.message.english();
        match f.expect[0].as_str() {
            "repository-missing" => {
                assert!(m.contains("centos-release-openstack-epoxy"), "{m}");
                assert!(m.contains(&f.expect[1]), "{m}");
                assert!(!error.retryable());
            }
            "tls" => {
                assert!(
                    m.contains("update-ca-trust") && m.contains("[proxy] https_proxy"),
                    "{m}"
                );
                assert!(!error.retryable());
            }
            "unreachable" => {
                assert!(m.contains("[proxy] http_proxy"), "{m}");
                // Only a timeout can pass by itself; a refused connection
                // or a name that does not resolve needs the user.
                let timed_out = ["timed out", "Timeout was reached", "(28)", "curl#28"]
                    .iter()
                    .any(|t| diagnosis.evidence().contains(t));
                assert_eq!(error.retryable(), timed_out, "{m}");
            }
            "unreachable-proxy" => {
                assert!(m.contains("cannot reach the proxy"), "{m}");
            }
            "mirror" => {
                assert!(m.contains("/etc/yum.repos.d/") && error.retryable(), "{m}");
            }
            "lock-held" => assert!(error.retryable(), "{m}"),
            other => panic!("{}: unknown expectation {other}", f.name),
        }
        assert_eq!(error.kind, diagnosis.kind());
    }
}
