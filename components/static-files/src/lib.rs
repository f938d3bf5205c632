//! The web component: serves the built SPA (`web/dist`, mounted at `/` in the guest).
//!
//! Unknown paths without an extension get the app shell so client-side routes survive a
//! reload; hashed assets are cached for a year; every file carries a strong ETag; the
//! build's precompressed `.br` / `.gz` siblings are sent to clients that accept them.

mod rules;

use rules::{Encoding, PathError, Target};
use spin_sdk::http::{Method, Request, Response};
use spin_sdk::http_component;

/// The guest directory the `files` mount is preopened at.
const MOUNT: &str = "/";

#[http_component]
fn handle(req: Request) -> Response {
    let head = match req.method() {
        Method::Get => false,
        Method::Head => true,
        _ => {
            return Response::builder()
                .status(405)
                .header("allow", "GET, HEAD")
                .header("content-type", "application/json")
                .body(r#"{"detail":"Method Not Allowed"}"#)
                .build();
        }
    };
    let raw_path = req
        .header("spin-path-info")
        .and_then(|value| value.as_str())
        .unwrap_or_else(|| req.path());
    let path = match rules::resolve(raw_path) {
        Ok(Target::File(path)) => path,
        Ok(Target::Route(path)) if is_file(&path) => path,
        Ok(Target::Route(_)) => rules::INDEX.to_string(),
        Err(PathError::Malformed | PathError::Escapes) => {
            return error(400, "Bad Request");
        }
    };
    let header = |name: &str| req.header(name).and_then(|value| value.as_str());
    serve(
        &path,
        header("accept-encoding"),
        header("if-none-match"),
        head,
    )
}

fn serve(
    path: &str,
    accept_encoding: Option<&str>,
    if_none_match: Option<&str>,
    head: bool,
) -> Response {
    let variant = rules::accepted_encodings(accept_encoding.unwrap_or_default())
        .into_iter()
        .find_map(|encoding| {
            let compressed = format!("{path}{}", encoding.file_suffix());
            read(&compressed).map(|body| (Some(encoding), body))
        })
        .or_else(|| read(path).map(|body| (None, body)));
    let Some((encoding, body)) = variant else {
        return error(404, "Not Found");
    };

    let etag = rules::etag(&body);
    let mut response = Response::builder();
    response
        .header("etag", etag.as_str())
        .header("cache-control", rules::cache_control(path))
        .header("vary", "Accept-Encoding");
    if if_none_match.is_some_and(|tags| rules::none_match(tags, &etag)) {
        return response.status(304).build();
    }
    response
        .status(200)
        .header("content-type", rules::content_type(path))
        .header("x-content-type-options", "nosniff");
    if let Some(encoding) = encoding.map(Encoding::token) {
        response.header("content-encoding", encoding);
    }
    if head {
        response.header("content-length", body.len().to_string());
        return response.build();
    }
    response.body(body).build()
}

fn full_path(path: &str) -> String {
    format!("{MOUNT}{path}")
}

fn is_file(path: &str) -> bool {
    std::fs::metadata(full_path(path)).is_ok_and(|meta| meta.is_file())
}

fn read(path: &str) -> Option<Vec<u8>> {
    if !is_file(path) {
        return None;
    }
    std::fs::read(full_path(path)).ok()
}

fn error(status: u16, detail: &str) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("cache-control", "no-store")
        .body(format!(r#"{{"detail":"{detail}"}}"#))
        .build()
}
