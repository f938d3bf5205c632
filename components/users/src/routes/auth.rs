//! `POST /users/register` and `POST /users/login`.

use serde::{Deserialize, Serialize};
use service_kit::auth::{self, TOKEN_TTL_SECS};
use service_kit::{ApiError, ApiResult, RequestContext, Role, json};
use spin_sdk::http::{Params, Request, Response};
use utoipa::ToSchema;

use crate::client_addr;
use crate::domain::{Email, Password, UserName};
use crate::passwords;
use crate::rate_limit::LoginLimiter;
use crate::store::{NewUser, Store};
use crate::user::User;

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"name": "Ann Lee", "email": "ann@example.com", "password": "correct-horse-battery"}))]
pub(super) struct Registration {
    name: UserName,
    email: Email,
    password: Password,
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"email": "admin@test.com", "password": "password123"}))]
pub(super) struct Credentials {
    email: String,
    password: String,
}

#[derive(Serialize, ToSchema)]
pub(super) struct TokenResponse {
    /// A JWT (HS256) to send as `Authorization: Bearer <token>`.
    access_token: String,
    #[schema(value_type = String, pattern = "^bearer$")]
    token_type: &'static str,
    /// Seconds until the token expires.
    expires_in: i64,
}

fn token_for(user: &User) -> ApiResult<TokenResponse> {
    let secret = service_kit::config::get("jwt_secret")?;
    Ok(TokenResponse {
        access_token: auth::issue_token(&secret, user.id, &user.email, user.role)?,
        token_type: "bearer",
        expires_in: TOKEN_TTL_SECS,
    })
}

/// Creates an account with role `user` and logs it in.
#[utoipa::path(post, path = "/users/register", tag = "auth", security(()),
    request_body = Registration,
    responses(
        (status = 201, description = "Registered and signed in", body = TokenResponse),
        (status = 409, description = "The email is taken", body = service_kit::openapi::ErrorBody),
    ))]
pub fn register(req: &Request, _ctx: &RequestContext, _: &Params) -> ApiResult<Response> {
    let body: Registration = json::parse_body(req)?;
    let password_hash = passwords::hash(body.password.expose())?;
    let user = Store::open()?.insert(&NewUser {
        name: body.name.as_str(),
        email: body.email.as_str(),
        password_hash: &password_hash,
        role: Role::User,
    })?;
    Ok(json::created(&token_for(&user)?))
}

/// Wrong email and wrong password get the same 401, in about the same time; a correct
/// password of a deactivated account gets 403.
#[utoipa::path(post, path = "/users/login", tag = "auth", security(()),
    request_body = Credentials,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Wrong email or password (the same answer for both)",
            body = service_kit::openapi::ErrorBody,
            headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "The account is deactivated", body = service_kit::openapi::ErrorBody),
        (status = 429, description = "Too many failed attempts for this email or client",
            body = service_kit::openapi::ErrorBody,
            headers(("Retry-After" = i64, description = "Seconds to wait"))),
    ))]
pub fn login(req: &Request, _ctx: &RequestContext, _: &Params) -> ApiResult<Response> {
    let body: Credentials = json::parse_body(req)?;
    let email = body.email.trim().to_lowercase();
    let limiter = LoginLimiter::new(&email, client_addr::of(req)?);
    limiter.check()?;

    let account = Store::open()?.find_with_hash(&email)?;
    let verified = match &account {
        Some((_, hash)) => passwords::verify(&body.password, hash),
        None => passwords::verify_nobody(&body.password),
    };
    let user = match account {
        Some((user, _)) if verified => user,
        _ => {
            limiter.record_failure();
            return Err(ApiError::unauthorized("Incorrect email or password"));
        }
    };
    limiter.record_success();
    if !user.is_active {
        return Err(ApiError::forbidden("this account is deactivated"));
    }
    Ok(json::ok(&token_for(&user)?))
}
