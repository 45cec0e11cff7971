use super::*;
use serde::{Deserialize, Serialize};

#[test]
fn hosts() {
    for ok in [
        "controller",
        "ctl-1.example.org",
        "10.0.0.11",
        "::1",
        "[fe80::1]",
    ] {
        assert_eq!(ok.parse::<Host>().unwrap().as_str(), ok);
    }
    for bad in ["", "-a", "a_b", "a..b", "300.1.1.1", "con troller"] {
        assert!(bad.parse::<Host>().is_err(), "{bad}");
    }
}

#[test]
fn ports() {
    assert_eq!(Port::try_from(3306).unwrap().get(), 3306);
    assert_eq!("65535".parse::<Port>().unwrap().get(), 65535);
    for bad in [0, -1, 65536, i64::MAX] {
        assert_eq!(Port::try_from(bad), Err(PortError::Range(bad)));
    }
    assert_eq!("x".parse::<Port>(), Err(PortError::NotANumber("x".into())));
}

/// Deserializing goes through the same rule as `FromStr`, with its
/// message.
#[test]
fn serde_parses_with_the_same_rule() {
    #[derive(Debug, Deserialize, Serialize)]
    struct T {
        host: Host,
        port: Port,
        format: DiskFormat,
    }
    let t: T = toml::from_str("host = \"ctl\"\nport = 3306\nformat = \"raw\"").unwrap();
    assert_eq!((t.host.as_str(), t.port.get()), ("ctl", 3306));
    assert_eq!(
        toml::to_string(&t).unwrap(),
        "host = \"ctl\"\nport = 3306\nformat = \"raw\"\n"
    );
    let e = toml::from_str::<T>("host = \"a b\"\nport = 1\nformat = \"raw\"").unwrap_err();
    assert!(
        e.message()
            .contains(&HostError::Characters("a b".into()).to_string())
    );
    let e = toml::from_str::<T>("host = \"a\"\nport = 0\nformat = \"raw\"").unwrap_err();
    assert_eq!(e.message(), PortError::Range(0).to_string());
    let e = toml::from_str::<T>("host = \"a\"\nport = 1\nformat = \"exe\"").unwrap_err();
    assert_eq!(e.message(), FormatError::Disk("exe".into()).to_string());
}

#[test]
fn defaults_on_a_host_are_valid() {
    let port = 9292;
    for host in ["ctl", "::1", "[fe80::1]", "10.0.0.1"] {
        let host: Host = host.parse().unwrap();
        let url = HttpUrl::on_host(&host, port);
        assert_eq!(url.parse::<HttpUrl>().as_ref(), Ok(&url));
        let server = MemcachedServer::on_host(&host, port);
        assert_eq!(server.parse::<MemcachedServer>().as_ref(), Ok(&server));
    }
}

#[test]
fn proxy_password_belongs_in_the_secrets_file() {
    let message = "http://gw:s3cr%40t@proxy:3128"
        .parse::<ProxyUrl>()
        .unwrap_err()
        .to_string();
    assert!(message.contains("proxy_password"), "{message}");
    assert!(!message.contains("s3cr"), "{message}");
    assert!("http://gw@proxy:3128".parse::<ProxyUrl>().is_ok());
    let message = "http://gw:s3cr%40t@proxy"
        .parse::<ProxyUrl>()
        .unwrap_err()
        .to_string();
    assert!(!message.contains("s3cr"), "{message}");
}

#[test]
fn proxies() {
    assert!("http://proxy:3128".parse::<ProxyUrl>().is_ok());
    assert_eq!(
        "\"http://proxy:3128\"".parse::<ProxyUrl>(),
        Err(ProxyUrlError::Quotes)
    );
    assert!(matches!(
        "10.0.0.0/8".parse::<NoProxyEntry>(),
        Err(NoProxyError::Cidr(_))
    ));
    assert!(".example.org".parse::<NoProxyEntry>().is_ok());
    assert!("mirror.lan:8080".parse::<NoProxyEntry>().is_ok());
}

#[test]
fn formats_come_from_the_one_list() {
    for f in DISK_FORMATS {
        assert_eq!(f.parse::<DiskFormat>().unwrap(), *f);
    }
    for f in CONTAINER_FORMATS {
        assert_eq!(f.parse::<ContainerFormat>().unwrap(), *f);
    }
    assert!("qcow2".parse::<ContainerFormat>().is_err());
}
