//! What went wrong, from the package manager's own words: one pure function
//! from apt-get / yum / dnf output to a [`Diagnosis`]. The runner decides
//! the remedy; the TUI routes on the [`ErrorKind`] it maps to.
//!
//! The order of the checks matters. Real outputs carry several kinds of
//! lines at once: yum's generic "[Errno 256] No more mirrors to try" comes
//! with the line that says why (an HTTP 404, a certificate, a DNS failure),
//! so the specific causes are looked for first, and a generic "could not
//! download" counts only when nothing more specific was said:
//!
//! 1. the lock (another package manager is running),
//! 2. proxy authentication (HTTP 407; a 401 from the proxy's own address),
//! 3. TLS / CA trouble,
//! 4. a package in no enabled repository,
//! 5. the mirror answered, badly (HTTP 4xx/5xx, hash mismatch, damaged or
//!    truncated file, a transfer that broke off),
//! 6. the mirror or the proxy could not be reached (DNS, connect),
//! 7. a generic download failure with no reason given: treated as 5.
//!
//! The patterns come from apt 2.6 (observed here, see tests/e2e_packages.rs)
//! and from recorded yum and dnf outputs (tests/fixtures/package-errors/,
//! each with its source).

use crate::engine::{ErrorClass, ErrorKind};

/// The classified failure, with the line that shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Diagnosis {
    /// The mirror answered badly or served broken metadata: clean the
    /// metadata and retry.
    Mirror { evidence: String },
    /// Name resolution or the connection failed. `proxy`: it was the proxy
    /// that could not be reached.
    Unreachable { evidence: String, proxy: bool },
    /// The proxy wants (other) credentials.
    ProxyAuth { evidence: String },
    /// The certificate could not be verified.
    Tls { evidence: String },
    /// Packages in no enabled repository (names when the output gives them).
    NotFound {
        evidence: String,
        packages: Vec<String>,
    },
    /// Another package manager holds the lock.
    Locked { evidence: String },
    /// None of the above.
    Unknown,
}

impl Diagnosis {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Diagnosis::Mirror { .. } => ErrorKind::Mirror,
            Diagnosis::Unreachable { .. } => ErrorKind::Unreachable,
            Diagnosis::ProxyAuth { .. } => ErrorKind::ProxyAuth,
            Diagnosis::Tls { .. } => ErrorKind::Tls,
            Diagnosis::NotFound { .. } => ErrorKind::RepositoryMissing,
            Diagnosis::Locked { .. } => ErrorKind::LockHeld,
            Diagnosis::Unknown => ErrorKind::Other,
        }
    }

    /// What fixes it. Only what can pass by itself is retried: a mirror
    /// answering badly, a held lock, a connection that timed out. A name
    /// that does not resolve, a refused connection (to the proxy or the
    /// mirror), a 407, an untrusted certificate, a missing repository stay
    /// until the user changes something: retrying them only delays the
    /// message (apt-get update against a dead proxy was retried for 100 s).
    pub fn class(&self) -> ErrorClass {
        match self {
            Diagnosis::Mirror { .. } | Diagnosis::Locked { .. } => ErrorClass::Retryable,
            Diagnosis::Unreachable { evidence, .. } if timed_out(evidence) => ErrorClass::Retryable,
            Diagnosis::Unreachable { .. }
            | Diagnosis::ProxyAuth { .. }
            | Diagnosis::Tls { .. }
            | Diagnosis::NotFound { .. } => ErrorClass::NeedsUser,
            Diagnosis::Unknown => ErrorClass::Fatal,
        }
    }

    pub fn evidence(&self) -> &str {
        match self {
            Diagnosis::Mirror { evidence }
            | Diagnosis::Unreachable { evidence, .. }
            | Diagnosis::ProxyAuth { evidence }
            | Diagnosis::Tls { evidence }
            | Diagnosis::NotFound { evidence, .. }
            | Diagnosis::Locked { evidence } => evidence,
            Diagnosis::Unknown => "",
        }
    }
}

/// Where the proxy is, to tell "the proxy is unreachable" from "the mirror
/// is unreachable" and a 401 from the proxy from one from the mirror.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyEndpoint {
    pub host: String,
    pub port: u16,
}

impl ProxyEndpoint {
    pub fn from_url(url: &str) -> Option<ProxyEndpoint> {
        let parsed = url::Url::parse(url).ok()?;
        Some(ProxyEndpoint {
            host: parsed
                .host_str()?
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
            port: parsed.port_or_known_default()?,
        })
    }

    /// Does this line name the proxy (`host:port`, apt's `[IP: a port]`, or
    /// curl's "proxy")?
    fn named_in(&self, line: &str) -> bool {
        let lower = line.to_ascii_lowercase();
        lower.contains(&format!("{}:{}", self.host.to_ascii_lowercase(), self.port))
            || lower.contains(&format!(" {}]", self.port)) && lower.contains("[ip:")
            || lower.contains(&format!("'{}'", self.host.to_ascii_lowercase()))
            || lower.contains("resolve proxy")
            || lower.contains("connect to proxy")
    }
}

/// Lines of another package manager holding the lock.
const LOCKED: &[&str] = &[
    // apt
    "Could not get lock",
    "Unable to acquire the dpkg frontend lock",
    "Unable to lock the administration directory",
    "is another process using it?",
    // yum
    "Another app is currently holding the yum lock",
    "Existing lock /var/run/yum.pid",
    "yum lockfile is held by another process",
    // dnf 4 waits and says so; dnf 5 stops
    "Waiting for process with pid",
    "Failed to obtain rpm transaction lock",
];

/// The proxy asks for credentials.
const PROXY_AUTH: &[&str] = &[
    "407 Proxy Authentication Required",
    "HTTP Error 407",
    "Received HTTP code 407 from proxy",
    "Status code: 407",
    "Proxy Authentication Required",
];

/// The certificate could not be verified.
const TLS: &[&str] = &[
    // apt (GnuTLS)
    "Certificate verification failed",
    "The certificate is NOT trusted",
    "Could not handshake",
    // curl through yum / dnf
    "curl#60",
    "curl#77",
    "curl#35",
    "Curl error (60)",
    "Curl error (77)",
    "Curl error (35)",
    "Peer's Certificate issuer is not recognized",
    "Peer certificate cannot be authenticated",
    "SSL certificate problem",
    "SSL peer certificate or SSH remote key was not OK",
    "Peer cert cannot be verified",
    "certificate has expired",
    "self-signed certificate",
    "self signed certificate",
];

/// The mirror answered, and what it served is wrong or missing.
const MIRROR: &[&str] = &[
    // apt
    "Hash Sum mismatch",
    "File has unexpected size",
    "Mirror sync in progress",
    "Connection failed",
    "Undetermined Error",
    "Clearsigned file isn't valid",
    "Splitting up",
    // apt's status lines: "  503  Service Unavailable [IP: ...]"
    "  500  ",
    "  502  ",
    "  503  ",
    "  504  ",
    "  404  ",
    "  403  ",
    "Bad Gateway",
    "Service Unavailable",
    "Gateway Time-out",
    "Internal Server Error",
    // yum
    "HTTP Error 4",
    "HTTP Error 5",
    "HTTPS Error 4",
    "HTTPS Error 5",
    "PYCURL ERROR 22",
    "curl#22",
    "Damaged repomd.xml",
    "Metadata file does not match checksum",
    "checksum doesn't match",
    "[Errno -1]",
    // dnf
    "Status code: 4",
    "Status code: 5",
    "Curl error (18)",
    "Curl error (23)",
    "Curl error (56)",
    "Curl error (92)",
    "Downloading successful, but checksum doesn't match",
    "Interrupted by header callback",
];

/// Name resolution or the connection failed: nothing answered.
const UNREACHABLE: &[&str] = &[
    // apt
    "Temporary failure resolving",
    "Could not resolve",
    "Could not connect to",
    "Connection refused",
    "No route to host",
    "Network is unreachable",
    "connection timed out",
    // yum (pycurl) and dnf (libcurl)
    "curl#5 ",
    "curl#6 ",
    "curl#7 ",
    "PYCURL ERROR 6",
    "PYCURL ERROR 7",
    "Couldn't resolve host",
    "Could not resolve host",
    "Couldn't connect to server",
    "Failed to connect to",
    "connect() timed out",
    "Curl error (5)",
    "Curl error (6)",
    "Curl error (7)",
    "Curl error (28)",
    "Timeout was reached",
    "Connection timed out after",
];

/// Of the [`UNREACHABLE`] lines, those where nothing answered in time:
/// a busy or distant server may answer the next time.
const TIMED_OUT: &[&str] = &[
    "connection timed out",
    "connect() timed out",
    "Curl error (28)",
    "curl#28",
    "Timeout was reached",
    "Operation timed out",
];

fn timed_out(line: &str) -> bool {
    first_line(&[line], TIMED_OUT).is_some()
}

/// A download failed, without saying why (yum and dnf print these on top
/// of the specific lines above; apt prints "Failed to fetch" with a reason).
const GENERIC: &[&str] = &[
    "Failed to fetch",
    "Some index files failed to download",
    "Unable to fetch some archives",
    "[Errno 256] No more mirrors to try",
    "Cannot find a valid baseurl",
    "Cannot retrieve repository metadata",
    "Cannot retrieve metalink",
    "Could not retrieve mirrorlist",
    "Failed to download metadata for repo",
    "Errors during downloading metadata for repository",
    "Cannot download repomd.xml",
    "All mirrors were tried",
    "Librepo error",
    "Yum repo downloading error",
    "Error downloading packages",
    "Failed to synchronize cache for repo",
];

fn first_line<'a>(lines: &[&'a str], needles: &[&str]) -> Option<&'a str> {
    lines.iter().copied().find(|line| {
        needles
            .iter()
            .any(|n| line.to_ascii_lowercase().contains(&n.to_ascii_lowercase()))
    })
}

/// A line fit for a message: trimmed, at most 240 characters.
fn evidence(line: &str) -> String {
    let line = line.trim();
    match line.char_indices().nth(240) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_string(),
    }
}

/// Package names from "not found" lines, in the words of each manager.
fn missing_packages(lines: &[&str]) -> Vec<String> {
    let mut names = Vec::new();
    let mut push = |name: &str| {
        let name = name
            .trim()
            .trim_matches(|c| c == '\'' || c == '"' || c == '.')
            .to_string();
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
    };
    for line in lines {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("E: Unable to locate package ") {
            push(rest);
        } else if let Some(rest) = line.strip_prefix("E: Package '") {
            push(rest.split('\'').next().unwrap_or(""));
        } else if let Some(rest) = line.strip_prefix("No match for argument: ") {
            push(rest);
        } else if let Some(rest) = line
            .strip_prefix("Error: Unable to find a match: ")
            .or_else(|| line.strip_prefix("Unable to find a match: "))
        {
            rest.split_whitespace().for_each(&mut push);
        } else if let Some(rest) = line.strip_prefix("No package ")
            && let Some(name) = rest.strip_suffix(" available.")
        {
            push(name);
        }
    }
    names
}

const NOT_FOUND: &[&str] = &[
    "Unable to locate package",
    "has no installation candidate",
    "No match for argument",
    "Unable to find a match",
];

/// Classifies a package manager's output. `proxy` is where the configured
/// proxy is, if any.
pub fn classify(output: &str, proxy: Option<&ProxyEndpoint>) -> Diagnosis {
    let lines: Vec<&str> = output.lines().collect();
    access_trouble(&lines, proxy)
        .or_else(|| not_found(&lines))
        .or_else(|| network_trouble(&lines, proxy))
        .unwrap_or(Diagnosis::Unknown)
}

/// A held lock, a proxy that wants credentials, or a TLS problem: the
/// first [`classify`] looks for.
fn access_trouble(lines: &[&str], proxy: Option<&ProxyEndpoint>) -> Option<Diagnosis> {
    let diag = |line: &str| evidence(line);
    if let Some(line) = first_line(lines, LOCKED) {
        return Some(Diagnosis::Locked {
            evidence: diag(line),
        });
    }
    if let Some(line) = first_line(lines, PROXY_AUTH) {
        return Some(Diagnosis::ProxyAuth {
            evidence: diag(line),
        });
    }
    if let Some(p) = proxy
        && let Some(line) = lines
            .iter()
            .find(|l| (l.contains(" 401 ") || l.contains("401 Unauthorized")) && p.named_in(l))
    {
        return Some(Diagnosis::ProxyAuth {
            evidence: diag(line),
        });
    }
    first_line(lines, TLS).map(|line| Diagnosis::Tls {
        evidence: diag(line),
    })
}

/// Packages in no enabled repository.
fn not_found(lines: &[&str]) -> Option<Diagnosis> {
    let yum_missing = lines.iter().find(|l| {
        let l = l.trim();
        l.starts_with("No package ") && l.ends_with(" available.")
    });
    first_line(lines, NOT_FOUND)
        .or(yum_missing.copied())
        .map(|line| Diagnosis::NotFound {
            evidence: evidence(line),
            packages: missing_packages(lines),
        })
}

/// A bad answer from the mirror, or a mirror (or proxy) not reached.
fn network_trouble(lines: &[&str], proxy: Option<&ProxyEndpoint>) -> Option<Diagnosis> {
    let diag = |line: &str| evidence(line);
    // A bad answer from the mirror, unless the line is about a connection
    // that never happened (apt prints "Could not connect ... connection
    // timed out" and "Connection failed" for different things).
    let unreachable_line = first_line(lines, UNREACHABLE);
    let mirror_line = lines
        .iter()
        .copied()
        .find(|l| first_line(&[l], MIRROR).is_some() && first_line(&[l], UNREACHABLE).is_none());
    if let Some(line) = mirror_line {
        return Some(Diagnosis::Mirror {
            evidence: diag(line),
        });
    }
    if let Some(line) = unreachable_line {
        let via_proxy = proxy.is_some_and(|p| {
            lines
                .iter()
                .filter(|l| first_line(&[l], UNREACHABLE).is_some())
                .any(|l| p.named_in(l))
        });
        return Some(Diagnosis::Unreachable {
            evidence: diag(line),
            proxy: via_proxy,
        });
    }
    first_line(lines, GENERIC).map(|line| Diagnosis::Mirror {
        evidence: diag(line),
    })
}

/// Whether a refresh's output shows trouble even though it exited 0: apt
/// turns most download failures of `apt-get update` into warnings ("W:
/// Failed to fetch ..., Some index files failed to download") and exits 0;
/// dnf skips a repository with `skip_if_unavailable`.
pub fn refresh_had_trouble(output: &str) -> bool {
    output.lines().any(|l| {
        let l = l.trim_start();
        l.starts_with("E: ")
            || l.starts_with("Err:")
            || (l.starts_with("W: ")
                && (l.contains("Failed to fetch") || l.contains("index files failed")))
            || l.contains("Errors during downloading metadata for repository")
            || l.starts_with("Ignoring repositories:")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxy() -> ProxyEndpoint {
        ProxyEndpoint::from_url("http://127.0.0.1:18098").unwrap()
    }

    // Outputs of apt 2.6 seen on Debian bookworm against a local mirror
    // (the e2e test reproduces each one for real).
    #[test]
    fn apt_outputs() {
        let cases: &[(&str, ErrorKind)] = &[
            (
                "Err:3 http://127.0.0.1:18081 ./ Packages\n  503  Service Unavailable [IP: 127.0.0.1 18081]\nE: Failed to fetch http://127.0.0.1:18081/./Packages  503  Service Unavailable [IP: 127.0.0.1 18081]\nE: Some index files failed to download. They have been ignored, or old ones used instead.",
                ErrorKind::Mirror,
            ),
            (
                "E: Failed to fetch http://127.0.0.1:18081/./Packages  Hash Sum mismatch\n   Hashes of expected file:",
                ErrorKind::Mirror,
            ),
            (
                "E: Failed to fetch http://127.0.0.1:18081/./gw-probe_1.0_all.deb  404  Not Found [IP: 127.0.0.1 18081]\nE: Unable to fetch some archives, maybe run apt-get update or try with --fix-missing?",
                ErrorKind::Mirror,
            ),
            (
                "Err:1 http://127.0.0.1:18081 ./ InRelease\n  Connection failed [IP: 127.0.0.1 18081]\nW: Failed to fetch http://127.0.0.1:18081/./InRelease  Connection failed [IP: 127.0.0.1 18081]",
                ErrorKind::Mirror,
            ),
            (
                "W: Failed to fetch http://127.0.0.1:18099/./InRelease  Could not connect to 127.0.0.1:18099 (127.0.0.1). - connect (111: Connection refused)",
                ErrorKind::Unreachable,
            ),
            (
                "W: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Temporary failure resolving 'deb.debian.org'",
                ErrorKind::Unreachable,
            ),
            (
                "E: Failed to fetch http://127.0.0.1:18081/./Packages  407  Proxy Authentication Required [IP: 127.0.0.1 18888]",
                ErrorKind::ProxyAuth,
            ),
            (
                "W: Failed to fetch https://127.0.0.1:18443/./InRelease  Certificate verification failed: The certificate is NOT trusted. The certificate issuer is unknown.  Could not handshake: Error in the certificate verification. [IP: 127.0.0.1 18443]",
                ErrorKind::Tls,
            ),
            (
                "E: Unable to locate package nosuchpkg",
                ErrorKind::RepositoryMissing,
            ),
            (
                "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (python3)\nE: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?",
                ErrorKind::LockHeld,
            ),
            (
                "E: Sub-process /usr/bin/dpkg returned an error code (1)",
                ErrorKind::Other,
            ),
        ];
        for (output, kind) in cases {
            assert_eq!(classify(output, None).kind(), *kind, "{output}");
        }
    }

    /// Refused and unresolvable (mirror or proxy), 407, TLS and a missing
    /// package need the user; a timeout, a mirror's 5xx and a held lock
    /// can pass by themselves.
    #[test]
    fn classes() {
        let cases: &[(&str, ErrorClass)] = &[
            (
                "W: Failed to fetch http://127.0.0.1:18081/./InRelease  Could not connect to 127.0.0.1:18098 (127.0.0.1). - connect (111: Connection refused)",
                ErrorClass::NeedsUser,
            ),
            (
                "W: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Temporary failure resolving 'deb.debian.org'",
                ErrorClass::NeedsUser,
            ),
            (
                "E: Failed to fetch http://127.0.0.1:18081/./Packages  407  Proxy Authentication Required [IP: 127.0.0.1 18888]",
                ErrorClass::NeedsUser,
            ),
            (
                "W: Failed to fetch https://127.0.0.1:18443/./InRelease  Certificate verification failed: The certificate is NOT trusted.",
                ErrorClass::NeedsUser,
            ),
            (
                "E: Unable to locate package nosuchpkg",
                ErrorClass::NeedsUser,
            ),
            (
                "W: Failed to fetch http://10.9.9.9/debian/dists/bookworm/InRelease  Could not connect to 10.9.9.9:80 (10.9.9.9), connection timed out",
                ErrorClass::Retryable,
            ),
            (
                "Curl error (28): Timeout was reached for http://mirror/repodata/repomd.xml",
                ErrorClass::Retryable,
            ),
            (
                "Err:3 http://127.0.0.1:18081 ./ Packages\n  503  Service Unavailable [IP: 127.0.0.1 18081]",
                ErrorClass::Retryable,
            ),
            (
                "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (python3)",
                ErrorClass::Retryable,
            ),
            (
                "E: Sub-process /usr/bin/dpkg returned an error code (1)",
                ErrorClass::Fatal,
            ),
        ];
        for (output, class) in cases {
            assert_eq!(classify(output, Some(&proxy())).class(), *class, "{output}");
        }
    }

    #[test]
    fn names_the_missing_packages() {
        let d = classify(
            "E: Unable to locate package glance-api\nE: Unable to locate package glance-registry",
            None,
        );
        assert_eq!(
            d,
            Diagnosis::NotFound {
                evidence: "E: Unable to locate package glance-api".into(),
                packages: vec!["glance-api".into(), "glance-registry".into()],
            }
        );
    }

    #[test]
    fn tells_the_proxy_from_the_mirror() {
        let down = "W: Failed to fetch http://127.0.0.1:18081/./InRelease  Could not connect to 127.0.0.1:18098 (127.0.0.1). - connect (111: Connection refused)";
        assert_eq!(
            classify(down, Some(&proxy())),
            Diagnosis::Unreachable {
                evidence: down.into(),
                proxy: true
            }
        );
        let mirror_down = "W: Failed to fetch http://127.0.0.1:18081/./InRelease  Could not connect to 127.0.0.1:18081 (127.0.0.1). - connect (111: Connection refused)";
        assert!(matches!(
            classify(mirror_down, Some(&proxy())),
            Diagnosis::Unreachable { proxy: false, .. }
        ));
        // tinyproxy answers a wrong password with 401, from its own port.
        let wrong = "E: Failed to fetch http://127.0.0.1:18081/./Packages  401  Unauthorized [IP: 127.0.0.1 18098]";
        assert_eq!(classify(wrong, Some(&proxy())).kind(), ErrorKind::ProxyAuth);
        assert_ne!(classify(wrong, None).kind(), ErrorKind::ProxyAuth);
    }

    #[test]
    fn refresh_trouble_despite_exit_0() {
        assert!(refresh_had_trouble(
            "W: Failed to fetch http://x/./InRelease  Could not resolve 'x'\nW: Some index files failed to download. They have been ignored, or old ones used instead."
        ));
        assert!(!refresh_had_trouble(
            "Hit:1 http://deb.debian.org/debian bookworm InRelease\nReading package lists..."
        ));
    }
}
