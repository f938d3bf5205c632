//! The web component: the SPA fallback, caching headers, ETags, precompressed variants
//! and paths that try to leave the files mount. Needs `web/dist` (`make build-web`).

use std::path::PathBuf;

use e2e::{Response, TestApp};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn dist() -> PathBuf {
    let dist = e2e::repo_root().join("web/dist");
    assert!(
        dist.join("index.html").is_file(),
        "web/dist is missing: build the SPA first (make build-web)"
    );
    dist
}

/// The name of one hashed JavaScript asset of the build, e.g. `index-AbC123.js`.
fn some_script() -> String {
    std::fs::read_dir(dist().join("assets"))
        .expect("web/dist/assets")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .find(|name| name.ends_with(".js"))
        .expect("a .js asset in web/dist/assets")
}

async fn get(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> Response {
    let mut request = app.client.get(app.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("request failed")
}

fn header<'a>(response: &'a Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
}

/// Sends the path byte for byte: HTTP clients normalise `..` and `%2e%2e` away, and
/// these tests need the server to see them.
async fn raw_get(app: &TestApp, path: &str) -> (u16, String) {
    let address = app.base_url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("read");
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {response:?}"));
    (status, response)
}

#[tokio::test]
async fn the_root_and_spa_routes_get_the_app_shell() {
    let index = std::fs::read(dist().join("index.html")).unwrap();
    let app = TestApp::spawn().await;

    let root = get(&app, "/", &[]).await;
    assert_eq!(root.status(), 200);
    assert_eq!(header(&root, "content-type"), "text/html; charset=utf-8");
    assert_eq!(header(&root, "cache-control"), "no-cache");
    let etag = header(&root, "etag").to_string();
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "strong etag: {etag}"
    );
    assert_eq!(root.bytes().await.unwrap(), index);

    // Client-side routes, with or without a trailing slash or a query, reload to the shell.
    for path in [
        "/app",
        "/app/orders/ord-123",
        "/app/users/",
        "/login?next=x",
        "/index.html",
    ] {
        let response = get(&app, path, &[]).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(
            header(&response, "content-type"),
            "text/html; charset=utf-8"
        );
        assert_eq!(header(&response, "cache-control"), "no-cache", "{path}");
        assert_eq!(header(&response, "etag"), etag, "{path}");
        assert_eq!(response.bytes().await.unwrap(), index, "{path}");
    }

    // The API keeps its own paths: the shell never answers for them.
    let health = get(&app, "/users/healthz", &[]).await;
    assert!(header(&health, "content-type").starts_with("application/json"));
}

#[tokio::test]
async fn hashed_assets_are_immutable_and_missing_files_are_404() {
    let script = some_script();
    let app = TestApp::spawn().await;

    let response = get(&app, &format!("/assets/{script}"), &[]).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "content-type"),
        "text/javascript; charset=utf-8"
    );
    assert_eq!(
        header(&response, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(
        response.bytes().await.unwrap(),
        std::fs::read(dist().join("assets").join(&script)).unwrap()
    );

    let favicon = get(&app, "/favicon.svg", &[]).await;
    assert_eq!(favicon.status(), 200);
    assert_eq!(header(&favicon, "content-type"), "image/svg+xml");
    assert_eq!(header(&favicon, "cache-control"), "no-cache");

    // A file name with an extension that does not exist is a 404, never the shell; so is
    // anything under /assets/.
    for path in [
        "/assets/index-doesnotexist.js",
        "/missing.png",
        "/assets/nothing",
    ] {
        let response = get(&app, path, &[]).await;
        assert_eq!(response.status(), 404, "{path}");
        assert_ne!(
            header(&response, "content-type"),
            "text/html; charset=utf-8",
            "{path}"
        );
    }

    let post = app
        .client
        .post(app.url("/app/orders"))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 405);
    assert_eq!(header(&post, "allow"), "GET, HEAD");
}

#[tokio::test]
async fn if_none_match_gives_304() {
    let script = some_script();
    let app = TestApp::spawn().await;

    for path in ["/", "/app/dashboard", &format!("/assets/{script}")] {
        let first = get(&app, path, &[]).await;
        let etag = header(&first, "etag").to_string();
        assert!(!etag.is_empty(), "{path}");

        let again = get(&app, path, &[("if-none-match", &etag)]).await;
        assert_eq!(again.status(), 304, "{path}");
        assert_eq!(header(&again, "etag"), etag);
        assert_eq!(
            header(&again, "cache-control"),
            header(&first, "cache-control")
        );
        assert!(again.bytes().await.unwrap().is_empty());

        let listed = get(
            &app,
            path,
            &[("if-none-match", &format!("\"x\", W/{etag}"))],
        )
        .await;
        assert_eq!(listed.status(), 304, "{path}: weak comparison in a list");

        let stale = get(&app, path, &[("if-none-match", "\"stale\"")]).await;
        assert_eq!(stale.status(), 200, "{path}");
    }
}

#[tokio::test]
async fn precompressed_variants_follow_accept_encoding() {
    let script = some_script();
    let path = format!("/assets/{script}");
    let on_disk = |suffix: &str| {
        std::fs::read(dist().join("assets").join(format!("{script}{suffix}")))
            .unwrap_or_else(|_| panic!("the build wrote {script}{suffix}"))
    };
    let app = TestApp::spawn().await;

    let brotli = get(&app, &path, &[("accept-encoding", "gzip, deflate, br")]).await;
    assert_eq!(brotli.status(), 200);
    assert_eq!(header(&brotli, "content-encoding"), "br");
    assert_eq!(header(&brotli, "vary"), "Accept-Encoding");
    assert_eq!(
        header(&brotli, "content-type"),
        "text/javascript; charset=utf-8"
    );
    let brotli_etag = header(&brotli, "etag").to_string();
    assert_eq!(brotli.bytes().await.unwrap(), on_disk(".br"));

    let gzip = get(&app, &path, &[("accept-encoding", "gzip")]).await;
    assert_eq!(header(&gzip, "content-encoding"), "gzip");
    let gzip_etag = header(&gzip, "etag").to_string();
    assert_eq!(gzip.bytes().await.unwrap(), on_disk(".gz"));

    let preferred = get(&app, &path, &[("accept-encoding", "br;q=0.1, gzip;q=0.9")]).await;
    assert_eq!(header(&preferred, "content-encoding"), "gzip");

    let plain = get(&app, &path, &[("accept-encoding", "identity")]).await;
    assert_eq!(header(&plain, "content-encoding"), "");
    assert_eq!(header(&plain, "vary"), "Accept-Encoding");
    let plain_etag = header(&plain, "etag").to_string();
    assert_eq!(plain.bytes().await.unwrap(), on_disk(""));

    // Each representation has its own strong ETag, and revalidates against it.
    assert_ne!(brotli_etag, gzip_etag);
    assert_ne!(gzip_etag, plain_etag);
    let revalidated = get(
        &app,
        &path,
        &[("accept-encoding", "br"), ("if-none-match", &brotli_etag)],
    )
    .await;
    assert_eq!(revalidated.status(), 304);

    // The app shell is compressed too.
    let shell = get(&app, "/app/orders", &[("accept-encoding", "br")]).await;
    assert_eq!(header(&shell, "content-encoding"), "br");
    assert_eq!(header(&shell, "content-type"), "text/html; charset=utf-8");
}

#[tokio::test]
async fn paths_cannot_leave_the_mount() {
    dist();
    let app = TestApp::spawn().await;
    let outside = std::fs::read_to_string(e2e::repo_root().join("web/package.json")).unwrap();

    for path in [
        "/../package.json",
        "/assets/../../package.json",
        "/%2e%2e/package.json",
        "/.%2E/.%2e/package.json",
        "/assets%2f..%2f..%2fpackage.json",
        "/assets%2F..%2F..%2Fpackage.json",
        "/..%5c..%5cpackage.json",
        "/index.html%00.js",
        "/a%zz.js",
    ] {
        let (status, response) = raw_get(&app, path).await;
        assert!(
            status == 400 || status == 404,
            "{path} answered {status}: {response}"
        );
        assert!(!response.contains("spin-shop-web"), "{path} leaked a file");
        assert!(
            !response.contains("<div id=\"root\">"),
            "{path} got the shell"
        );
    }
    assert!(outside.contains("spin-shop-web"));
}
