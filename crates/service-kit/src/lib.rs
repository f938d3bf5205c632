//! The parts every service component needs and none should write twice.
//!
//! A component's entry point is one call to [`serve`], which gives each request an id,
//! turns an [`ApiError`] into the contract's `{"detail": ...}` response, and writes one
//! structured log line per request.

pub mod auth;
pub mod cache;
pub mod conditions;
pub mod config;
pub mod csv;
pub mod db;
pub mod deadline;
pub mod error;
pub mod generational;
pub mod health;
pub mod json;
pub mod money;
pub mod openapi;
pub mod query;
pub mod redis;
pub mod routing;
mod serve;
pub mod sku;
pub mod time;
pub mod user_records;

pub use auth::{Caller, Role};
pub use conditions::Conditions;
pub use error::{ApiError, ApiResult, FieldError};
pub use serve::{RequestContext, Streamed, respond, serve, serve_async, serve_streamed};
