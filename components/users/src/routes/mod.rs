//! The routes of `/users/...`, one module per group. Paths are matched on what follows
//! `/users` (Spin's `spin-path-info`), where `""` and `"/"` are both the collection.

mod analytics;
mod auth;
mod csv;
mod me;
mod users;

use service_kit::{ApiError, ApiResult, RequestContext};
use spin_sdk::http::{Method, Params, Request, Response, Router};

/// A route handler: runs inside [`service_kit::serve`], which gives it the request
/// context and renders its errors.
type Endpoint = fn(&Request, &RequestContext, &Params) -> ApiResult<Response>;

pub fn router() -> Router {
    let mut routes = Routes(Router::suffix());
    routes
        .at(
            "/healthz",
            &[(Method::Get, |_, _, _| Ok(service_kit::health::healthz()))],
        )
        .at(
            "/readyz",
            &[(Method::Get, |_, _, _| Ok(service_kit::health::readyz()))],
        )
        .at("/register", &[(Method::Post, auth::register)])
        .at("/login", &[(Method::Post, auth::login)])
        .at("/me", &[(Method::Get, me::get)])
        .at(
            "/me/preferences",
            &[
                (Method::Get, me::get_preferences),
                (Method::Put, me::put_preferences),
            ],
        )
        .at(
            "/",
            &[(Method::Get, users::list), (Method::Post, users::create)],
        )
        .at(
            "/:id",
            &[
                (Method::Get, users::get),
                (Method::Put, users::update),
                (Method::Delete, users::delete),
            ],
        )
        .at(
            "/:id/reset_password",
            &[(Method::Post, users::reset_password)],
        )
        .at("/analytics", &[(Method::Get, analytics::summary)])
        .at(
            "/analytics/timeseries",
            &[(Method::Get, analytics::timeseries)],
        )
        .at("/export/csv", &[(Method::Get, csv::export)])
        .at("/import/csv", &[(Method::Post, csv::import)]);
    routes.0.any(
        "/*",
        endpoint(|_, _, _| Err(ApiError::not_found("Not Found"))),
    );
    routes.0
}

struct Routes(Router);

impl Routes {
    /// Registers the handlers of one path, and 405 for its other methods.
    fn at(&mut self, path: &str, handlers: &[(Method, Endpoint)]) -> &mut Self {
        for (method, handler) in handlers {
            self.0.add(path, method.clone(), endpoint(*handler));
        }
        self.0.any(
            path,
            endpoint(|_, _, _| Err(ApiError::new(405, "Method Not Allowed"))),
        );
        self
    }
}

fn endpoint(handler: Endpoint) -> impl Fn(Request, Params) -> Response {
    move |req, params| service_kit::serve("users", req, |req, ctx| handler(req, ctx, &params))
}

/// The `:id` of a path; one that is not a user id names no user (404).
fn user_id(params: &Params) -> ApiResult<i64> {
    params
        .get("id")
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| ApiError::not_found("user not found"))
}
