//! The routes of `/users/...`, one module per group.

mod analytics;
mod auth;
mod csv;
mod me;
mod users;

use service_kit::routing::Routes;
use service_kit::{ApiError, ApiResult};
use spin_sdk::http::{Method, Params, Router};

pub fn router() -> Router {
    Routes::new("users")
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
        .at("/import/csv", &[(Method::Post, csv::import)])
        .build()
}

/// The `:id` of a path; one that is not a user id names no user (404).
fn user_id(params: &Params) -> ApiResult<i64> {
    params
        .get("id")
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| ApiError::not_found("user not found"))
}
