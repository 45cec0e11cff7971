//! The admin token's environment and the login failures' classes.

use super::token::{LoginError, issue_token, token_env};
use crate::answers::AdminCredentials;
use crate::util::secret::Secret;

/// An `openstack` child gets the token and the project, never the
/// admin's name or password.
#[test]
fn openstack_children_get_the_token_not_the_password() {
    let admin = AdminCredentials {
        vars: [
            ("OS_AUTH_URL", "http://controller:5000/v3"),
            ("OS_USERNAME", "admin"),
            ("OS_USER_DOMAIN_NAME", "Default"),
            ("OS_PROJECT_NAME", "admin"),
            ("OS_PROJECT_DOMAIN_NAME", "Default"),
            ("OS_IDENTITY_API_VERSION", "3"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        password: Secret::new("admin-pass"),
        origin: crate::i18n::Message::verbatim("test"),
    };
    let env = token_env(&admin, "gAAAA-token".into());
    let get = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    assert_eq!(get("OS_AUTH_TYPE"), Some("v3token"));
    assert_eq!(get("OS_TOKEN"), Some("gAAAA-token"));
    assert_eq!(get("OS_PROJECT_NAME"), Some("admin"));
    assert_eq!(get("OS_AUTH_URL"), Some("http://controller:5000/v3"));
    for gone in ["OS_USERNAME", "OS_USER_DOMAIN_NAME", "OS_PASSWORD"] {
        assert_eq!(get(gone), None, "{gone}");
    }
    assert!(!env.iter().any(|(_, v)| v.contains("admin-pass")));
}

/// A password login's failure is classed by what fixes it: Keystone not
/// answering may pass; its refusal of the password will not.
#[test]
fn login_failures_are_classed() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for (stream, status) in listener.incoming().zip(["401 Unauthorized", "503 Busy"]) {
            let mut stream = stream.unwrap();
            let mut request = Vec::new();
            let mut byte = [0u8; 1];
            while !request.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap() == 1 {
                request.push(byte[0]);
            }
            let head =
                format!("HTTP/1.1 {status}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}");
            stream.write_all(head.as_bytes()).unwrap();
        }
    });
    let login = |url: &str| issue_token(url, "glance", "Default", &Secret::new("pw"), None);
    let url = format!("http://127.0.0.1:{port}/v3");
    let refused = login(&url).unwrap_err();
    assert!(
        matches!(refused, LoginError::Refused { status: 401, .. }),
        "{refused:?}"
    );
    assert_eq!(refused.task_error().class, crate::engine::ErrorClass::Fatal);
    let busy = login(&url).unwrap_err();
    assert_eq!(
        busy.task_error().class,
        crate::engine::ErrorClass::Retryable
    );
    // Nothing listens on port 1.
    let unreachable = login("http://127.0.0.1:1/v3").unwrap_err();
    assert!(
        matches!(unreachable, LoginError::Unreachable { .. }),
        "{unreachable:?}"
    );
    assert_eq!(
        unreachable.task_error().class,
        crate::engine::ErrorClass::Retryable
    );
}
