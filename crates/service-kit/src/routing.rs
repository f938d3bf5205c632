//! Routing a component's requests with `spin_sdk::http::Router`, each endpoint run inside
//! [`crate::serve`] (request id, error rendering, log line).
//!
//! Paths are matched on what follows the component's route (Spin's `spin-path-info`), so
//! `/users` and `/users/` both reach the route `/` (the router ignores trailing slashes).
//! Unknown paths answer 404 and known paths with another method 405, both in the
//! contract's `{"detail": ...}` shape.

use spin_sdk::http::{Method, Params, Request, Response, Router};

use crate::error::{ApiError, ApiResult};
use crate::serve::RequestContext;

/// A route handler: gets the request context and the path's `:params`.
pub type Endpoint = fn(&Request, &RequestContext, &Params) -> ApiResult<Response>;

pub struct Routes {
    service: &'static str,
    router: Router,
}

impl Routes {
    /// Routes for the component of `service` (the name in its log lines).
    pub fn new(service: &'static str) -> Self {
        Routes {
            service,
            router: Router::suffix(),
        }
    }

    /// Registers the handlers of one path, and 405 for its other methods.
    pub fn at(mut self, path: &str, handlers: &[(Method, Endpoint)]) -> Self {
        for (method, handler) in handlers {
            let endpoint = self.endpoint(*handler);
            self.router.add(path, method.clone(), endpoint);
        }
        let not_allowed = self.endpoint(|_, _, _| Err(ApiError::new(405, "Method Not Allowed")));
        self.router.any(path, not_allowed);
        self
    }

    /// The finished router, answering 404 for every other path.
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
