//! The HTTP/1.1 listener in front of the application.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::app::{App, Entry};

pub async fn serve(app: Arc<App>, listen: SocketAddr) -> Result<()> {
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let local = listener.local_addr()?;
    announce(&app, local);

    loop {
        let (stream, client_addr) = match listener.accept().await {
            Ok(conn) => conn,
            Err(e) => {
                eprintln!("accept failed: {e}");
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        tokio::spawn(async move {
            // A request Spin cannot hand to a component fails the service, and hyper then
            // closes the connection without an answer, as Spin's does.
            let service = service_fn(move |req| {
                let app = app.clone();
                async move {
                    app.handle(req, Entry::Public(client_addr))
                        .await
                        .inspect_err(|e| eprintln!("Error processing request: {e:#}"))
                }
            });
            if let Err(e) = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await
                && !e.is_incomplete_message()
            {
                eprintln!("connection from {client_addr}: {e}");
            }
        });
    }
}

/// Prints where the app is served, as `spin up` does. Tests wait for the first line.
fn announce(app: &App, local: SocketAddr) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "Serving http://{local}");
    let _ = writeln!(out, "Available Routes:");
    for route in app.router().routes() {
        let wildcard = if route.raw.ends_with("/...") {
            " (wildcard)"
        } else {
            ""
        };
        let path = route.raw.trim_end_matches("/...");
        let _ = writeln!(
            out,
            "  {}: http://{local}{}{wildcard}",
            route.component,
            if path.is_empty() { "/" } else { path }
        );
    }
    let _ = out.flush();
}
