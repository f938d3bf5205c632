//! The serving rules, free of I/O so they can be tested natively: which file a request
//! path names, its media type, which precompressed variant to send, caching and ETags.

/// What a request path resolves to inside the files mount.
#[derive(Debug, PartialEq, Eq)]
pub enum Target {
    /// A file path relative to the mount root (no leading slash, no `.` or `..`).
    File(String),
    /// The path names no file and has no extension: an SPA route, answered with the app
    /// shell (`index.html`) when the file itself does not exist.
    Route(String),
}

/// Why a request path was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum PathError {
    /// Bad percent-encoding, invalid UTF-8, a NUL, or a backslash.
    Malformed,
    /// A `..` segment or an encoded slash: an attempt to leave the mount.
    Escapes,
}

/// The app shell served for SPA routes.
pub const INDEX: &str = "index.html";

/// Where Vite puts content-hashed build output.
pub const ASSETS_DIR: &str = "assets/";

/// Turns the raw (still percent-encoded) request path into a path inside the mount.
pub fn resolve(raw_path: &str) -> Result<Target, PathError> {
    let mut segments: Vec<String> = Vec::new();
    for raw_segment in raw_path.split('/') {
        let segment = decode_segment(raw_segment)?;
        match segment.as_str() {
            "" | "." => {}
            ".." => return Err(PathError::Escapes),
            _ => segments.push(segment),
        }
    }
    if segments.is_empty() {
        return Ok(Target::File(INDEX.to_string()));
    }
    let path = segments.join("/");
    let last = segments.last().map(String::as_str).unwrap_or_default();
    if has_extension(last) || path.starts_with(ASSETS_DIR) {
        Ok(Target::File(path))
    } else {
        Ok(Target::Route(path))
    }
}

fn has_extension(name: &str) -> bool {
    name.rfind('.')
        .is_some_and(|dot| dot > 0 && dot + 1 < name.len())
}

/// Percent-decodes one path segment; a decoded `/` or `\` would re-split the path, and a
/// NUL would truncate it, so they are refused rather than decoded.
fn decode_segment(segment: &str) -> Result<String, PathError> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let byte = match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).ok_or(PathError::Malformed)?;
                let hex = std::str::from_utf8(hex).map_err(|_| PathError::Malformed)?;
                let value = u8::from_str_radix(hex, 16).map_err(|_| PathError::Malformed)?;
                i += 3;
                match value {
                    b'/' | b'\\' => return Err(PathError::Escapes),
                    _ => value,
                }
            }
            other => {
                i += 1;
                other
            }
        };
        if byte == 0 || byte == b'\\' {
            return Err(PathError::Malformed);
        }
        out.push(byte);
    }
    String::from_utf8(out).map_err(|_| PathError::Malformed)
}

/// The `Content-Type` for a file name, by extension.
pub fn content_type(path: &str) -> &'static str {
    let extension = path
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "txt" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "wasm" => "application/wasm",
        "pdf" => "application/pdf",
        "gz" => "application/gzip",
        "br" => "application/x-brotli",
        _ => "application/octet-stream",
    }
}

/// A precompressed variant the build writes next to a file (`app.js.br`, `app.js.gz`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Brotli,
    Gzip,
}

impl Encoding {
    /// Best first: the order variants are tried in when the client accepts both equally.
    pub const PREFERENCE: [Encoding; 2] = [Encoding::Brotli, Encoding::Gzip];

    pub fn token(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Gzip => "gzip",
        }
    }

    pub fn file_suffix(self) -> &'static str {
        match self {
            Encoding::Brotli => ".br",
            Encoding::Gzip => ".gz",
        }
    }
}

/// The encodings an `Accept-Encoding` header allows, best first (by q-value, then by
/// [`Encoding::PREFERENCE`]). `q=0` excludes an encoding; `*` stands for any not named.
pub fn accepted_encodings(accept_encoding: &str) -> Vec<Encoding> {
    let mut wildcard: Option<f32> = None;
    let mut named: Vec<(Encoding, f32)> = Vec::new();
    for item in accept_encoding.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|param| {
                let (name, value) = param.split_once('=')?;
                (name.trim().eq_ignore_ascii_case("q")).then(|| value.trim().parse::<f32>().ok())?
            })
            .next()
            .unwrap_or(1.0);
        match coding.as_str() {
            "br" => named.push((Encoding::Brotli, q)),
            "gzip" | "x-gzip" => named.push((Encoding::Gzip, q)),
            "*" => wildcard = Some(q),
            _ => {}
        }
    }
    let mut ranked: Vec<(Encoding, f32)> = Encoding::PREFERENCE
        .iter()
        .filter_map(|&encoding| {
            let q = named
                .iter()
                .find(|(e, _)| *e == encoding)
                .map(|&(_, q)| q)
                .or(wildcard)?;
            (q > 0.0).then_some((encoding, q))
        })
        .collect();
    // A stable sort keeps the preference order among equal q-values.
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    ranked.into_iter().map(|(encoding, _)| encoding).collect()
}

/// `Cache-Control` for a file: content-hashed build output never changes under its name,
/// everything else (the app shell above all) is revalidated on every use.
pub fn cache_control(path: &str) -> &'static str {
    if path.starts_with(ASSETS_DIR) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

/// A strong ETag derived from the exact bytes sent (64-bit XXH3 plus the length), so each
/// encoded variant has its own tag. XXH3 reads eight bytes and more at a time: hashing the
/// main bundle on every request costs microseconds.
pub fn etag(body: &[u8]) -> String {
    let hash = xxhash_rust::xxh3::xxh3_64(body);
    format!("\"{:x}-{hash:016x}\"", body.len())
}

/// Whether an `If-None-Match` header matches `etag` (weak comparison, as RFC 9110 asks
/// for this header).
pub fn none_match(if_none_match: &str, etag: &str) -> bool {
    let etag = etag.trim_start_matches("W/");
    if_none_match
        .split(',')
        .map(str::trim)
        .any(|candidate| candidate == "*" || candidate.trim_start_matches("W/") == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str) -> Result<Target, PathError> {
        Ok(Target::File(path.to_string()))
    }

    fn route(path: &str) -> Result<Target, PathError> {
        Ok(Target::Route(path.to_string()))
    }

    #[test]
    fn root_and_empty_paths_are_the_app_shell() {
        assert_eq!(resolve("/"), file("index.html"));
        assert_eq!(resolve(""), file("index.html"));
        assert_eq!(resolve("//./"), file("index.html"));
    }

    #[test]
    fn files_and_routes_are_told_apart_by_extension() {
        assert_eq!(
            resolve("/assets/index-abc123.js"),
            file("assets/index-abc123.js")
        );
        assert_eq!(resolve("/favicon.svg"), file("favicon.svg"));
        assert_eq!(resolve("/app/orders/42"), route("app/orders/42"));
        assert_eq!(resolve("/app/users/"), route("app/users"));
        assert_eq!(resolve("/.hidden"), route(".hidden"));
        assert_eq!(resolve("/trailing."), route("trailing."));
    }

    #[test]
    fn nothing_under_assets_falls_back() {
        assert_eq!(resolve("/assets/missing"), file("assets/missing"));
    }

    #[test]
    fn percent_escapes_are_decoded() {
        assert_eq!(resolve("/a%20b.txt"), file("a b.txt"));
        assert_eq!(resolve("/caf%C3%A9.png"), file("café.png"));
        assert_eq!(resolve("/%2E/x.js"), file("x.js"));
    }

    #[test]
    fn escaping_the_mount_is_refused() {
        assert_eq!(resolve("/../etc/passwd"), Err(PathError::Escapes));
        assert_eq!(resolve("/assets/../../secret.txt"), Err(PathError::Escapes));
        assert_eq!(resolve("/%2e%2e/secret.txt"), Err(PathError::Escapes));
        assert_eq!(resolve("/.%2E/secret.txt"), Err(PathError::Escapes));
        assert_eq!(resolve("/assets%2f..%2fx.js"), Err(PathError::Escapes));
        assert_eq!(resolve("/assets%2F..%2Fx.js"), Err(PathError::Escapes));
        assert_eq!(resolve("/..%5c..%5cx.js"), Err(PathError::Escapes));
    }

    #[test]
    fn malformed_paths_are_refused() {
        assert_eq!(resolve("/a%00.js"), Err(PathError::Malformed));
        assert_eq!(resolve("/a\0.js"), Err(PathError::Malformed));
        assert_eq!(resolve("/a\\b.js"), Err(PathError::Malformed));
        assert_eq!(resolve("/a%zz.js"), Err(PathError::Malformed));
        assert_eq!(resolve("/a%2"), Err(PathError::Malformed));
        assert_eq!(resolve("/%ff.js"), Err(PathError::Malformed));
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(
            content_type("assets/a.JS"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type("assets/a.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("favicon.svg"), "image/svg+xml");
        assert_eq!(content_type("font.woff2"), "font/woff2");
        assert_eq!(content_type("noext"), "application/octet-stream");
        assert_eq!(content_type("x.unknown"), "application/octet-stream");
    }

    #[test]
    fn encodings_follow_accept_encoding() {
        use Encoding::{Brotli, Gzip};
        assert_eq!(accepted_encodings("gzip, deflate, br"), vec![Brotli, Gzip]);
        assert_eq!(accepted_encodings("gzip"), vec![Gzip]);
        assert_eq!(
            accepted_encodings("br;q=0.5, gzip;q=0.8"),
            vec![Gzip, Brotli]
        );
        assert_eq!(accepted_encodings("br;q=0, gzip"), vec![Gzip]);
        assert_eq!(accepted_encodings("*"), vec![Brotli, Gzip]);
        assert_eq!(accepted_encodings("*;q=0, gzip"), vec![Gzip]);
        assert_eq!(accepted_encodings("identity"), Vec::<Encoding>::new());
        assert_eq!(accepted_encodings(""), Vec::<Encoding>::new());
        assert_eq!(accepted_encodings("GZIP ; Q=1"), vec![Gzip]);
    }

    #[test]
    fn cache_policy() {
        assert_eq!(
            cache_control("assets/index-abc.js"),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(cache_control("index.html"), "no-cache");
        assert_eq!(cache_control("favicon.svg"), "no-cache");
    }

    #[test]
    fn etags_are_strong_and_content_derived() {
        let a = etag(b"hello");
        assert!(a.starts_with('"') && a.ends_with('"'));
        assert_eq!(a, etag(b"hello"));
        assert_ne!(a, etag(b"hellp"));
        assert_ne!(etag(b""), etag(b"\0"));
    }

    #[test]
    fn if_none_match_comparison() {
        let tag = etag(b"x");
        assert!(none_match(&tag, &tag));
        assert!(none_match(&format!("\"other\", {tag}"), &tag));
        assert!(none_match(&format!("W/{tag}"), &tag));
        assert!(none_match("*", &tag));
        assert!(!none_match("\"other\"", &tag));
        assert!(!none_match("", &tag));
    }
}
