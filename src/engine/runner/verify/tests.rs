use super::*;
use crate::util::secret::Redactor;
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

/// What a run that uploaded a file of sha512 `recorded` left.
fn recorded_with(recorded: String) -> TaskOutputs {
    TaskOutputs::Image(ImageOutputs {
        id: "img".into(),
        origin: Origin::Created,
        status: "active".into(),
        sha512: recorded,
        name: None,
        replaced: Vec::new(),
    })
}

fn download_with(
    state: &Path,
    url: &str,
    previous: Option<&TaskOutputs>,
) -> (PathBuf, Vec<String>) {
    let (settings, _) = crate::engine::runner::tests::settings();
    let reach = crate::engine::runner::Reach::of(&settings);
    let (redactor, cancel) = (Redactor::new(), AtomicBool::new(false));
    let mut said = Vec::new();
    let mut log = |line: super::super::Said<'_>| said.push(line.english());
    let mut ctx = TaskContext {
        reach: &reach,
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
    let (path, _) = download_with(state.path(), &url, None);
    assert_eq!(std::fs::read(&path).unwrap(), b"the real image");

    let victim = state.path().join("victim");
    std::fs::write(&victim, "secret").unwrap();
    std::fs::remove_file(&path).unwrap();
    std::os::unix::fs::symlink(&victim, &path).unwrap();
    let recorded = sha512_file(&victim).unwrap();
    let previous = recorded_with(recorded);
    let (path, said) = download_with(state.path(), &url, Some(&previous));
    assert_eq!(std::fs::read(&path).unwrap(), b"the real image");
    assert!(
        said.iter().any(|l| l.contains("downloading it again")),
        "{said:?}"
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "secret");

    // The image the journal recorded is used again, not downloaded.
    let recorded = sha512_file(&path).unwrap();
    let previous = recorded_with(recorded);
    let (_, said) = download_with(state.path(), "http://127.0.0.1:1/test.img", Some(&previous));
    assert!(said[0].contains("downloaded earlier"), "{said:?}");
}
