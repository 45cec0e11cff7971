use super::*;
use std::io::{BufRead, Write};

type Head = std::io::BufReader<std::net::TcpStream>;

fn read_head(reader: &mut Head) -> String {
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line == "\r\n" || line.is_empty() {
            break;
        }
    }
    first.trim().to_string()
}

/// A one-connection HTTP proxy on loopback that records the request
/// lines it sees. ureq tunnels through CONNECT even for http:// URLs
/// (as the image download does), so it answers CONNECT, then the
/// tunnelled request.
fn fake_proxy() -> (String, std::thread::JoinHandle<Vec<String>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
        let mut seen = vec![read_head(&mut reader)];
        if seen[0].starts_with("CONNECT ") {
            stream
                .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                .unwrap();
            seen.push(read_head(&mut reader));
        }
        stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            .unwrap();
        seen
    });
    (format!("http://{addr}"), handle)
}

#[test]
fn details_quoting_a_server_are_redacted() {
    let redactor = crate::util::secret::Redactor::new();
    redactor.add(&crate::util::secret::Secret::new("adm\"in-pw中"));
    let mut checks = vec![check(
        "keystone admin",
        None,
        Err(Message::new("precheck.keystone_fail").arg("origin", "admin-openrc").arg(
            "error",
            r#"Keystone answered HTTP 400: {"error": {"message": "Invalid input for field 'password': 'adm\"in-pw\u4e2d' is too long"}}"#,
        )),
    )];
    redact_details(&mut checks, &redactor);
    assert!(
        !checks[0].detail.english().contains("in-pw"),
        "{}",
        checks[0].detail.english()
    );
    assert!(
        checks[0]
            .detail
            .english()
            .contains("'********' is too long"),
        "{}",
        checks[0].detail.english()
    );
}

#[test]
fn proxy_fetch_goes_through_the_proxy() {
    let (proxy_url, handle) = fake_proxy();
    let proxy = crate::answers::ProxySettings {
        http_proxy: proxy_url.clone(),
        no_proxy: vec!["controller".into()],
        ..Default::default()
    };
    let said = proxy_fetch(
        &proxy,
        "http://mirror.invalid/debian/dists/bookworm/Release",
    )
    .unwrap()
    .english();
    assert!(
        said.contains(&format!("through the proxy {proxy_url}")),
        "{said}"
    );
    assert!(said.contains("HTTP 200"), "{said}");
    assert_eq!(
        handle.join().unwrap(),
        [
            "CONNECT mirror.invalid:80 HTTP/1.1",
            "GET /debian/dists/bookworm/Release HTTP/1.1"
        ]
    );
}

#[test]
fn proxy_fetch_never_shows_the_proxy_password() {
    let (proxy_url, handle) = fake_proxy();
    let with_user = proxy_url.replace("http://", "http://gw@");
    let proxy = crate::answers::ProxySettings {
        http_proxy: with_user.clone(),
        password: Some(crate::util::secret::Secret::new("s3cret-pw")),
        ..Default::default()
    };
    let said = proxy_fetch(&proxy, "http://mirror.invalid/x")
        .unwrap()
        .english();
    let requests = handle.join().unwrap();
    assert!(!said.contains("s3cret-pw"), "{said}");
    assert!(
        said.contains("through the proxy http://gw:********@127.0.0.1"),
        "{said}"
    );
    // The proxy got the password all the same (ureq sends it as Basic).
    assert!(!requests.is_empty());
}
