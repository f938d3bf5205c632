//! The entry point every service component calls for each request.

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::time::Instant;

use futures::StreamExt;
use futures::stream::LocalBoxStream;
use serde_json::json;
use spin_sdk::http::{OutgoingBody, OutgoingResponse, Request, Response, ResponseOutparam};
use wasi::io::streams::{OutputStream, StreamError};

use crate::auth::{self, Caller};
use crate::error::{ApiError, ApiResult, FieldError};

/// Per-request facts handlers need: the request id (to pass on to other services) and,
/// once known, the user the request is for (to log).
pub struct RequestContext {
    pub request_id: String,
    user_id: Cell<Option<i64>>,
}

impl RequestContext {
    /// The authenticated user of the request (401 otherwise), remembered for the log line.
    pub fn authenticate(&self, req: &Request) -> ApiResult<Caller> {
        let secret = crate::config::get("jwt_secret")?;
        let caller = auth::authenticate(req, &secret)?;
        self.user_id.set(Some(caller.id));
        Ok(caller)
    }

    /// Requires the service credential (`service_token` variable).
    pub fn require_service(&self, req: &Request) -> ApiResult<()> {
        let token = crate::config::get("service_token")?;
        auth::require_service(req, &token)
    }
}

/// Runs `handler` for one request: assigns the request id, renders errors, sets
/// `X-Request-Id` on the response and logs one JSON line.
pub fn serve(
    service: &str,
    req: Request,
    handler: impl FnOnce(&Request, &RequestContext) -> ApiResult<Response>,
) -> Response {
    let started = Instant::now();
    let ctx = RequestContext::of(&req);
    let result = reject_nul_in_query(&req).and_then(|()| handler(&req, &ctx));
    finish(service, &req, &ctx, started, result)
}

/// [`serve`] for handlers that await (outbound HTTP to another service). The handler owns
/// the request, so it can hand it to `spin_sdk::http::Router`, and shares the context with
/// whatever the router calls.
pub async fn serve_async<F, Fut>(service: &str, req: Request, handler: F) -> Response
where
    F: FnOnce(Request, Rc<RequestContext>) -> Fut,
    Fut: Future<Output = ApiResult<Response>>,
{
    let handled = run_owning(req, handler).await;
    finish(
        service,
        &handled.head,
        &handled.ctx,
        handled.started,
        handled.result,
    )
}

/// A handler that owned its request, ran: what the log line needs, and its result.
struct Handled<T> {
    started: Instant,
    ctx: Rc<RequestContext>,
    /// The request's method and path (the handler consumed the request).
    head: Request,
    result: ApiResult<T>,
}

/// Runs `handler` on `req` (a NUL in the query is refused first) with a fresh context.
async fn run_owning<F, Fut, T>(req: Request, handler: F) -> Handled<T>
where
    F: FnOnce(Request, Rc<RequestContext>) -> Fut,
    Fut: Future<Output = ApiResult<T>>,
{
    let started = Instant::now();
    let ctx = Rc::new(RequestContext::of(&req));
    let head = Request::builder()
        .method(req.method().clone())
        .uri(req.uri())
        .build();
    let result = match reject_nul_in_query(&req) {
        Ok(()) => handler(req, ctx.clone()).await,
        Err(e) => Err(e),
    };
    Handled {
        started,
        ctx,
        head,
        result,
    }
}

/// A response whose body is written piece by piece after its head, so that neither the
/// component nor the host ever holds all of it (the orders CSV export).
pub struct Streamed {
    /// Status and headers; its body is not sent.
    pub head: Response,
    /// The body's parts. An error ends the body unfinished: the status is sent already,
    /// and the client sees a broken transfer instead of a short file.
    pub body: LocalBoxStream<'static, ApiResult<Vec<u8>>>,
}

/// [`serve_async`] for a handler that streams its answer: whatever it refuses before the
/// head (a bad token, a bad filter, the database down) is answered whole as usual.
pub async fn serve_streamed<F, Fut>(service: &str, req: Request, out: ResponseOutparam, handler: F)
where
    F: FnOnce(Request, Rc<RequestContext>) -> Fut,
    Fut: Future<Output = ApiResult<Streamed>>,
{
    let Handled {
        started,
        ctx,
        head,
        result,
    } = run_owning(req, handler).await;
    let Streamed {
        head: mut response,
        mut body,
    } = match result {
        Ok(streamed) => streamed,
        Err(e) => return respond(out, finish(service, &head, &ctx, started, Err(e))).await,
    };
    response.set_header("x-request-id", ctx.request_id.clone());
    let status = *response.status();
    let outgoing = match OutgoingResponse::try_from(response) {
        Ok(outgoing) => outgoing,
        Err(e) => {
            let error = ApiError::internal(format!("response head: {e}"));
            return respond(out, finish(service, &head, &ctx, started, Err(error))).await;
        }
    };
    let body_handle = outgoing.body().expect("a new response's body is there");
    let stream = body_handle.write().expect("a new body is writable");
    out.set(outgoing);
    let mut cut_short = None;
    while let Some(part) = body.next().await {
        let written = match part {
            Ok(bytes) => write_all(&stream, &bytes).map_err(|e| format!("client gone: {e}")),
            Err(e) => Err(e.detail.to_string()),
        };
        if let Err(why) = written {
            cut_short = Some(why);
            break;
        }
    }
    drop(stream);
    match &cut_short {
        // Dropped without `finish`, the body ends the transfer with an error (spin-sdk's
        // own body writer would finish it, which would look like a complete file).
        Some(why) => {
            eprintln!("request {}: response body cut short: {why}", ctx.request_id);
            drop(body_handle);
        }
        None => {
            if let Err(e) = OutgoingBody::finish(body_handle, None) {
                eprintln!(
                    "request {}: finishing the response body: {e}",
                    ctx.request_id
                );
            }
        }
    }
    log_line(service, &head, &ctx, started, status, cut_short.is_some());
}

/// Writes all of `bytes` and waits until they are flushed. Blocks the component, whose only
/// task this is, while the client is slower than the body.
fn write_all(stream: &OutputStream, mut bytes: &[u8]) -> Result<(), StreamError> {
    while !bytes.is_empty() {
        let room = stream.check_write()?;
        if room == 0 {
            stream.subscribe().block();
            continue;
        }
        let n = usize::try_from(room).unwrap_or(usize::MAX).min(bytes.len());
        stream.write(&bytes[..n])?;
        bytes = &bytes[n..];
    }
    stream.flush()?;
    // The flush is done once the stream takes writes again.
    while stream.check_write()? == 0 {
        stream.subscribe().block();
    }
    Ok(())
}

/// Sends a whole response through Spin's response parameter (what `#[http_component]`
/// does for a handler that returns one).
pub async fn respond(out: ResponseOutparam, mut response: Response) {
    let body = std::mem::take(response.body_mut());
    match OutgoingResponse::try_from(response) {
        Ok(outgoing) => {
            if let Err(e) = out.set_with_body(outgoing, body).await {
                eprintln!("sending the response: {e}");
            }
        }
        Err(e) => eprintln!("sending the response: {e}"),
    }
}

/// PostgreSQL text cannot hold U+0000, so a NUL anywhere in the query string is refused
/// up front with a 422 instead of failing deep in a query.
fn reject_nul_in_query(req: &Request) -> ApiResult<()> {
    let has_nul = form_urlencoded::parse(req.query().as_bytes())
        .any(|(k, v)| k.contains('\0') || v.contains('\0'));
    if has_nul {
        return Err(ApiError::invalid_field(FieldError {
            loc: vec![json!("query")],
            msg: "must not contain NUL characters".into(),
            kind: "string_type".into(),
        }));
    }
    Ok(())
}

impl RequestContext {
    fn of(req: &Request) -> Self {
        RequestContext {
            request_id: request_id(req),
            user_id: Cell::new(None),
        }
    }
}

/// Renders the result, sets `X-Request-Id` and writes the request's log line.
fn finish(
    service: &str,
    req: &Request,
    ctx: &RequestContext,
    started: Instant,
    result: ApiResult<Response>,
) -> Response {
    let mut response = result.unwrap_or_else(ApiError::into_response);
    response.set_header("x-request-id", ctx.request_id.clone());
    log_line(service, req, ctx, started, *response.status(), false);
    response
}

/// The request's one JSON log line; `cut_short` marks a streamed body that did not finish.
fn log_line(
    service: &str,
    req: &Request,
    ctx: &RequestContext,
    started: Instant,
    status: u16,
    cut_short: bool,
) {
    let mut line = json!({
        "time": crate::time::format_utc(&chrono::Utc::now()),
        "service": service,
        "request_id": ctx.request_id,
        "method": req.method().to_string(),
        "path": req.path(),
        "status": status,
        "duration_ms": started.elapsed().as_secs_f64() * 1000.0,
        "user_id": ctx.user_id.get(),
    });
    if cut_short {
        line["body_cut_short"] = json!(true);
    }
    println!("{line}");
}

/// The caller's `X-Request-Id` when it is a sane token, else a new UUID.
fn request_id(req: &Request) -> String {
    req.header("x-request-id")
        .and_then(|v| v.as_str())
        .map(str::trim)
        .filter(|id| !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}
