//! Routing a component's requests with `spin_sdk::http::Router`, each endpoint run inside
//! [`crate::serve`] (request id, error rendering, log line).
//!
//! Paths are matched on the whole request path, each route under the component's base
//! path (`/users`). That path is the same whether a client reached the component through
//! its `spin.toml` route, another component chained to it (`http://users.spin.internal/users/1`),
//! or it runs in an app of its own (`users_url` a real URL); Spin's `spin-path-info` is
//! not: a chained request is routed as if the component were mounted at `/...`, so the
//! path info is the whole path there. `/users` and `/users/` both reach the base route (the
//! router ignores trailing slashes). Unknown paths answer 404 and known paths with another
//! method 405, both in the contract's `{"detail": ...}` shape.

use spin_sdk::http::{Method, Params, Request, Response, Router};

use crate::error::{ApiError, ApiResult};
use crate::serve::RequestContext;

/// A route handler: gets the request context and the path's `:params`.
pub type Endpoint = fn(&Request, &RequestContext, &Params) -> ApiResult<Response>;

/// The full path of `path` (`/:id`, or `/` for the base itself) under `base` (`/users`).
pub fn under(base: &str, path: &str) -> String {
    format!("{base}{}", path.trim_end_matches('/'))
}

pub struct Routes {
    service: &'static str,
    base: &'static str,
    router: Router,
}

impl Routes {
    /// Routes for the component of `service` (the name in its log lines), mounted at
    /// `base` (its `spin.toml` route without the `/...`).
    pub fn new(service: &'static str, base: &'static str) -> Self {
        Routes {
            service,
            base,
            router: Router::new(),
        }
    }

    /// Registers the handlers of one path (relative to the base), and 405 for its other
    /// methods.
    pub fn at(mut self, path: &str, handlers: &[(Method, Endpoint)]) -> Self {
        let path = under(self.base, path);
        for (method, handler) in handlers {
            let endpoint = self.endpoint(*handler);
            self.router.add(&path, method.clone(), endpoint);
        }
        let not_allowed = self.endpoint(|_, _, _| Err(ApiError::new(405, "Method Not Allowed")));
        self.router.any(&path, not_allowed);
        self
    }

    /// The endpoints every service answers besides its own: `healthz`, `readyz`, its
    /// OpenAPI document (built by `document`) and the page that renders it.
    pub fn service_endpoints(mut self, document: fn() -> serde_json::Value) -> Self {
        self = self
            .at(
                "/healthz",
                &[(Method::Get, |_, _, _| Ok(crate::health::healthz()))],
            )
            .at(
                "/readyz",
                &[(Method::Get, |_, _, _| Ok(crate::health::readyz()))],
            );
        let service = self.service;
        let (openapi, docs) = (under(self.base, "/openapi.json"), under(self.base, "/docs"));
        self.router.get(&openapi, move |req: Request, _: Params| {
            crate::serve(service, req, |_, _| {
                Ok(crate::openapi::json_response(&document()))
            })
        });
        self.router.get(&docs, move |req: Request, _: Params| {
            let title = format!("{service} API");
            let spec = format!("/{service}/openapi.json");
            crate::serve(service, req, |_, _| {
                Ok(crate::openapi::docs_page(&title, &spec))
            })
        });
        for path in [openapi, docs] {
            let not_allowed =
                self.endpoint(|_, _, _| Err(ApiError::new(405, "Method Not Allowed")));
            self.router.any(&path, not_allowed);
        }
        self
    }

    /// The finished router, answering 404 for every other path, under the base or not.
    pub fn build(mut self) -> Router {
        let not_found = self.endpoint(|_, _, _| Err(ApiError::not_found("Not Found")));
        self.router.any("/*", not_found);
        self.router
    }

    fn endpoint(&self, handler: Endpoint) -> impl Fn(Request, Params) -> Response + 'static {
        let service = self.service;
        move |req, params| crate::serve(service, req, |req, ctx| handler(req, ctx, &params))
    }
}

#[cfg(test)]
mod tests {
    use super::under;

    #[test]
    fn paths_join_under_the_base() {
        assert_eq!(under("/users", "/"), "/users");
        assert_eq!(
            under("/users", "/:id/reset_password"),
            "/users/:id/reset_password"
        );
        assert_eq!(under("/orders/webhooks", "/wake"), "/orders/webhooks/wake");
    }
}
