//! The routes of `/users/...`, one module per group.

mod analytics;
mod auth;
mod csv;
mod me;
mod users;

use service_kit::openapi;
use service_kit::routing::Routes;
use service_kit::{ApiError, ApiResult};
use spin_sdk::http::{Method, Params, Router};
use utoipa::OpenApi;

pub fn router() -> Router {
    Routes::new("users", "/users")
        .service_endpoints(document)
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

/// The service's OpenAPI document, from the handlers' `#[utoipa::path]` attributes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "users",
        description = "Accounts, sign-in (JWT), roles, admin management, analytics and CSV. \
            Errors are `{\"detail\": \"...\"}`, or 422 with a list of invalid fields.",
    ),
    paths(
        auth::register,
        auth::login,
        me::get,
        me::get_preferences,
        me::put_preferences,
        users::list,
        users::create,
        users::get,
        users::update,
        users::delete,
        users::reset_password,
        analytics::summary,
        analytics::timeseries,
        csv::export,
        csv::import,
    ),
    tags(
        (name = "auth", description = "Registration and sign-in: no token needed"),
        (name = "me", description = "The caller's own account"),
        (name = "users", description = "User management: admins, or a user for itself"),
        (name = "analytics", description = "Admin analytics"),
        (name = "csv", description = "Admin export and import"),
        (name = "meta", description = "Health and this documentation"),
    )
)]
struct ApiDoc;

pub fn document() -> serde_json::Value {
    openapi::document("/users", ApiDoc::openapi())
}

/// The `:id` of a path; one that is not a user id names no user (404).
fn user_id(params: &Params) -> ApiResult<i64> {
    params
        .get("id")
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| ApiError::not_found("user not found"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_document_lists_every_route() {
        let doc = super::document();
        let paths = doc["paths"].as_object().unwrap();
        for path in [
            "/users/register",
            "/users/login",
            "/users/me",
            "/users/me/preferences",
            "/users/",
            "/users/{id}",
            "/users/{id}/reset_password",
            "/users/analytics",
            "/users/analytics/timeseries",
            "/users/export/csv",
            "/users/import/csv",
            "/users/healthz",
            "/users/readyz",
            "/users/openapi.json",
            "/users/docs",
        ] {
            assert!(paths.contains_key(path), "{path} is not documented");
        }
        if let Ok(out) = std::env::var("OPENAPI_OUT") {
            std::fs::write(out, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
        }
    }
}
