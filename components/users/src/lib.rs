//! The users service: accounts, authentication, roles, admin management, analytics and
//! CSV import/export, under `/users`.

mod accounts;
mod client_addr;
mod domain;
mod passwords;
mod rate_limit;
mod routes;
mod store;
mod user;

use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;

#[http_component]
fn handle(req: Request) -> Response {
    routes::router().handle(req)
}
