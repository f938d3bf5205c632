//! Outbound HTTP from guests: `allowed_outbound_hosts` is enforced, and requests to
//! `http://<component>.spin.internal/...` are served by that component in-process
//! (Spin's local service chaining), without a network hop.

use std::sync::Arc;

use http_body_util::BodyExt;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

use crate::app::{App, ComponentConfig, Entry};

const CHAINING_SUFFIX: &str = ".spin.internal";

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

impl WasiHttpHooks for OutboundHttp {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> SendFuture {
        let uri = request.uri();
        let scheme = uri.scheme_str().unwrap_or("https").to_string();
        let host = uri.host().unwrap_or_default().to_string();
        let port = uri
            .port_u16()
            .or_else(|| crate::outbound::default_port(&scheme))
            .unwrap_or(80);
        if !self.component.allowed_hosts.allows(&scheme, &host, port) {
            eprintln!(
                "component `{}` may not send a request to {scheme}://{host}:{port}: add it to allowed_outbound_hosts",
                self.component.id
            );
            // The guest may still be writing the request body; take it all before
            // refusing, so the guest sees the denial rather than a closed stream.
            return Box::new(async move {
                let _ = request.into_body().collect().await;
                Err(Error::HttpRequestDenied)
            });
        }

        if let Some(target) = host.strip_suffix(CHAINING_SUFFIX) {
            if !self.app.has_component(target) {
                return Box::new(async { Err(Error::DestinationNotFound) });
            }
            let app = self.app.clone();
            let target = target.to_string();
            return Box::new(async move {
                let response = app.handle(request, None, Entry::Chained(&target)).await;
                let done: Box<dyn Future<Output = Result<(), Error>> + Send> =
                    Box::new(async { Ok(()) });
                Ok((response.map(|b| b.boxed_unsync()), done))
            });
        }

        Box::new(async move {
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            let io: Box<dyn Future<Output = Result<(), Error>> + Send> = Box::new(io);
            Ok((response.map(BodyExt::boxed_unsync), io))
        })
    }
}
