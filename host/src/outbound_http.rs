//! Outbound HTTP from guests: `allowed_outbound_hosts` is enforced, and requests to
//! `http://<component>.spin.internal/...` are served by that component in-process
//! (Spin's local service chaining), without a network hop.
//!
//! As in Spin (`crates/factor-outbound-http/src/wasi.rs` and
//! `crates/trigger-http/src/outbound_http.rs`, v3.6.3 and v4.0.2): the allowed-hosts check
//! comes first (a denied request gets `HttpRequestDenied`); an allowed request to
//! `<id>.spin.internal` goes to component `<id>` as if it were mounted at `/...`; and when
//! `<id>` has no HTTP trigger (no such component, or one not selected with
//! `--component-id`), the calling instance traps ("unknown routing destination").

use std::sync::Arc;

use http::uri::Authority;
use http_body_util::BodyExt;
use wasmtime::component::Linker;
use wasmtime_wasi_http::p2::bindings::http::outgoing_handler;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::types::HostOutgoingRequest;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks, WasiHttpView};

use crate::app::{App, ComponentConfig, Entry};
use crate::state::InstanceState;

/// Spin's service-chaining domain: `<component>.spin.internal`.
const CHAINING_DOMAIN: &str = "spin.internal";

pub struct OutboundHttp {
    pub app: Arc<App>,
    pub component: Arc<ComponentConfig>,
}

type SendFuture = Box<
    dyn Future<
            Output = Result<
                (
                    http::Response<WasiBody>,
                    Box<dyn Future<Output = Result<(), Error>> + Send>,
                ),
                Error,
            >,
        > + Send,
>;

/// The component a host name chains to: `inventory` for `inventory.spin.internal`. Like
/// Spin, only the first label counts: `a.b.spin.internal` is an ordinary host.
pub fn chaining_target(host: &str) -> Option<&str> {
    let (first, rest) = host.split_once('.')?;
    (rest == CHAINING_DOMAIN).then_some(first)
}

/// Whether `component` may send a request to `scheme://host:port`; logs a refusal.
fn allowed(component: &ComponentConfig, scheme: &str, host: &str, port: Option<u16>) -> bool {
    let port = port
        .or_else(|| crate::outbound::default_port(scheme))
        .unwrap_or(80);
    let allowed = component.allowed_hosts.allows(scheme, host, port);
    if !allowed {
        eprintln!(
            "component `{}` may not send a request to {scheme}://{host}:{port}: add it to allowed_outbound_hosts",
            component.id
        );
    }
    allowed
}

impl WasiHttpHooks for OutboundHttp {
    fn send_request(
        &mut self,
        mut request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> SendFuture {
        let uri = request.uri();
        let scheme = uri.scheme_str().unwrap_or("https").to_string();
        let host = uri.host().unwrap_or_default().to_string();
        if !allowed(&self.component, &scheme, &host, uri.port_u16()) {
            // The guest may still be writing the request body; take it all before
            // refusing, so the guest sees the denial rather than a closed stream.
            return Box::new(async move {
                let _ = request.into_body().collect().await;
                Err(Error::HttpRequestDenied)
            });
        }

        if let Some(target) = chaining_target(&host) {
            let app = self.app.clone();
            let target = target.to_string();
            // Spin drops the `Host` header of every outbound request before it decides
            // where the request goes, so a chained request reaches its component without
            // one (and `spin-full-url` names `localhost`).
            request.headers_mut().remove(http::header::HOST);
            return Box::new(async move {
                let response = app
                    .handle(request, Entry::Chained(&target))
                    .await
                    // Spin traps the caller here. The only failure a chained request can
                    // meet, an unknown destination, already trapped in `handle` below.
                    .map_err(|e| Error::InternalError(Some(format!("{e:#}"))))?;
                let done: Box<dyn Future<Output = Result<(), Error>> + Send> =
                    Box::new(async { Ok(()) });
                Ok((response.map(|b| b.boxed_unsync()), done))
            });
        }

        Box::new(async move {
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options)
                .await
                .map_err(spin_connect_error)?;
            let io: Box<dyn Future<Output = Result<(), Error>> + Send> = Box::new(io);
            Ok((response.map(BodyExt::boxed_unsync), io))
        })
    }
}

/// `wasi:http/outgoing-handler` as wasmtime-wasi-http links it.
const OUTGOING_HANDLER: &str = "wasi:http/outgoing-handler@0.2.12";

/// Replaces `wasi:http/outgoing-handler#handle` (linked by wasmtime-wasi-http) with one
/// that first makes the check that must trap the caller rather than fail its request, as
/// Spin does for a chained request to a component without an HTTP trigger: the hooks above
/// can only hand the guest an error code.
pub fn guard_chaining(linker: &mut Linker<InstanceState>) -> anyhow::Result<()> {
    linker.allow_shadowing(true);
    linker
        .instance(OUTGOING_HANDLER)?
        .func_wrap("handle", |mut store, (request, options)| {
            let state: &mut InstanceState = store.data_mut();
            if let Some(target) = unknown_destination(state, state.table.get(&request)?) {
                eprintln!(
                    "component `{}`: chained request to `{target}`, which has no HTTP trigger here",
                    state.component.id
                );
                wasmtime::bail!("unknown routing destination '{target}'");
            }
            match outgoing_handler::Host::handle(&mut state.http(), request, options) {
                Ok(response) => Ok((Ok(response),)),
                Err(e) => Ok((Err(e.downcast()?),)),
            }
        })?;
    linker.allow_shadowing(false);
    Ok(())
}

/// The component an allowed request chains to when that component serves no chained
/// requests (it has no HTTP trigger, or is not running).
fn unknown_destination(state: &InstanceState, request: &HostOutgoingRequest) -> Option<String> {
    let authority: Authority = request.authority.as_deref()?.parse().ok()?;
    let target = chaining_target(authority.host())?;
    let scheme = match &request.scheme {
        Some(Scheme::Http) => "http",
        Some(Scheme::Https) | None => "https",
        Some(Scheme::Other(other)) => other,
    };
    let routed = !allowed(
        &state.component,
        scheme,
        authority.host(),
        authority.port_u16(),
    ) || state.outbound_http.app.serves_http(target);
    (!routed).then(|| target.to_string())
}

/// Spin reports a failed name lookup as `dns-error` "address not available" with info
/// code 0, where wasmtime leaves the code out; other connect failures are
/// `connection-refused` in both.
fn spin_connect_error(e: Error) -> Error {
    match e {
        Error::Connect(io)
            if io.kind() == std::io::ErrorKind::AddrNotAvailable
                || io
                    .to_string()
                    .starts_with("failed to lookup address information") =>
        {
            Error::DnsError {
                rcode: Some("address not available".into()),
                info_code: Some(0),
            }
        }
        e => e,
    }
}
