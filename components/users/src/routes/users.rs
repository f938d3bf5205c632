//! The collection and its members: `/users/`, `/users/{id}`, `/users/{id}/reset_password`.

use serde::{Deserialize, Serialize};
use service_kit::openapi::{ErrorBody, Pagination};
use service_kit::query::Query;
use service_kit::{ApiError, ApiResult, FieldError, RequestContext, Role, json};
use spin_sdk::http::{Params, Request, Response};
use utoipa::ToSchema;

use super::user_id;
use crate::accounts::Accounts;
use crate::domain::{Email, Password, UserName};
use crate::passwords;
use crate::store::{Changes, ListFilter, NewUser, SORTS};
use crate::user::User;

/// Admin: the filtered, paginated list, newest first unless `sort` says otherwise.
#[utoipa::path(get, path = "/users/", tag = "users",
    params(
        ("q" = Option<String>, Query, description = "Part of the name or email"),
        ("role" = Option<Role>, Query, description = "Only users with this role"),
        ("is_active" = Option<bool>, Query, description = "Only active (or inactive) users"),
        ("sort" = Option<String>, Query, pattern = "^-?(created_at|name|email)$",
            description = "`created_at`, `name` or `email`; a leading `-` for descending (default `-created_at`)"),
        Pagination,
    ),
    responses((status = 200, description = "One page of users", body = Vec<User>,
        headers(("X-Total-Count" = i64, description = "How many users match the filters")))))]
pub fn list(req: &Request, ctx: &RequestContext, _: &Params) -> ApiResult<Response> {
    let accounts = Accounts::open();
    accounts.admin(req, ctx)?;
    let query = Query::of(req);
    let role = query
        .str("role")
        .map(|r| {
            Role::parse(r).ok_or_else(|| {
                ApiError::invalid_field(FieldError::query(
                    "role",
                    "Input should be 'user' or 'admin'",
                    "enum",
                ))
            })
        })
        .transpose()?;
    let filter = ListFilter {
        search: query.str("q").map(str::to_string),
        role,
        is_active: query.bool("is_active")?,
        order_by: query.order_by(SORTS, "-created_at")?,
    };
    let (users, total) = accounts.store()?.list(&filter, query.page()?)?;
    Ok(json::list(&users, total))
}

#[derive(Deserialize, ToSchema)]
pub(super) struct NewAccount {
    name: UserName,
    email: Email,
    /// Without one, a random temporary password is set and returned once.
    password: Option<Password>,
    /// `user` when absent.
    role: Option<Role>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct Created {
    #[serde(flatten)]
    user: User,
    /// Shown once, only when the server chose the password.
    #[serde(skip_serializing_if = "Option::is_none")]
    temp_password: Option<String>,
}

/// Admin: creates an account; without a password a temporary one is set and returned.
#[utoipa::path(post, path = "/users/", tag = "users",
    request_body = NewAccount,
    responses(
        (status = 201, description = "Created", body = Created),
        (status = 409, description = "The email is taken", body = ErrorBody),
    ))]
pub fn create(req: &Request, ctx: &RequestContext, _: &Params) -> ApiResult<Response> {
    let accounts = Accounts::open();
    accounts.admin(req, ctx)?;
    let body: NewAccount = json::parse_body(req)?;
    let (password_hash, temp_password) = match &body.password {
        Some(password) => (passwords::hash(password.expose())?, None),
        None => {
            let temp = passwords::temporary()?;
            (passwords::hash_generated(&temp)?, Some(temp))
        }
    };
    let user = accounts.store()?.insert(&NewUser {
        name: body.name.as_str(),
        email: body.email.as_str(),
        password_hash: &password_hash,
        role: body.role.unwrap_or(Role::User),
    })?;
    Ok(json::created(&Created {
        user,
        temp_password,
    }))
}

/// Self or admin; also the orders service's lookup, with the service credential.
#[utoipa::path(get, path = "/users/{id}", tag = "users",
    params(("id" = i64, Path, example = 1, description = "The user's id")),
    responses((status = 200, description = "The user", body = User)))]
pub fn get(req: &Request, ctx: &RequestContext, params: &Params) -> ApiResult<Response> {
    let accounts = Accounts::open();
    let id = user_id(params)?;
    let service_token = service_kit::config::get("service_token")?;
    if !service_kit::auth::is_service_call(req, &service_token) {
        let caller = accounts.caller(req, ctx)?;
        visible_to(&caller, id)?;
    }
    let user = accounts
        .find(id)?
        .ok_or_else(|| ApiError::not_found("user not found"))?;
    Ok(json::ok(&user))
}

/// Another user's account is "not found" for a non-admin, as the contract asks for
/// other users' private objects: it does not even confirm the id exists.
fn visible_to(caller: &User, id: i64) -> ApiResult<()> {
    if caller.role == Role::Admin || caller.id == id {
        Ok(())
    } else {
        Err(ApiError::not_found("user not found"))
    }
}

/// Only the fields present change.
#[derive(Deserialize, ToSchema)]
pub(super) struct Update {
    name: Option<UserName>,
    email: Option<Email>,
    password: Option<Password>,
    /// Admin only.
    role: Option<Role>,
    /// Admin only.
    is_active: Option<bool>,
}

/// Self or admin; only an admin may change `role` or `is_active`.
#[utoipa::path(put, path = "/users/{id}", tag = "users",
    params(("id" = i64, Path, example = 1, description = "The user's id")),
    request_body = Update,
    responses(
        (status = 200, description = "The updated user", body = User),
        (status = 409, description = "The email is taken", body = ErrorBody),
    ))]
pub fn update(req: &Request, ctx: &RequestContext, params: &Params) -> ApiResult<Response> {
    let accounts = Accounts::open();
    let caller = accounts.caller(req, ctx)?;
    let id = user_id(params)?;
    visible_to(&caller, id)?;
    let body: Update = json::parse_body(req)?;
    if caller.role != Role::Admin && (body.role.is_some() || body.is_active.is_some()) {
        return Err(ApiError::forbidden(
            "only an admin may change role or is_active",
        ));
    }
    let changes = Changes {
        name: body.name.map(String::from),
        email: body.email.map(String::from),
        role: body.role,
        is_active: body.is_active,
        password_hash: body
            .password
            .map(|p| passwords::hash(p.expose()))
            .transpose()?,
    };
    let user = accounts
        .store()?
        .update(id, changes)?
        .ok_or_else(|| ApiError::not_found("user not found"))?;
    accounts.forget(id);
    Ok(json::ok(&user))
}

/// Admin, not on itself (that would leave the caller locked out mid-session, and could
/// remove the last admin).
#[utoipa::path(delete, path = "/users/{id}", tag = "users",
    params(("id" = i64, Path, example = 1, description = "The user's id")),
    responses((status = 204, description = "Deleted")))]
pub fn delete(req: &Request, ctx: &RequestContext, params: &Params) -> ApiResult<Response> {
    let accounts = Accounts::open();
    let caller = accounts.admin(req, ctx)?;
    let id = user_id(params)?;
    if id == caller.id {
        return Err(ApiError::forbidden("an admin cannot delete itself"));
    }
    if !accounts.store()?.delete(id)? {
        return Err(ApiError::not_found("user not found"));
    }
    accounts.forget(id);
    Ok(json::no_content())
}

/// Admin: sets a new random temporary password and returns it.
#[utoipa::path(post, path = "/users/{id}/reset_password", tag = "users",
    params(("id" = i64, Path, example = 1, description = "The user's id")),
    responses((status = 200, description = "The new password, shown once", body = TempPassword)))]
pub fn reset_password(req: &Request, ctx: &RequestContext, params: &Params) -> ApiResult<Response> {
    let accounts = Accounts::open();
    accounts.admin(req, ctx)?;
    let id = user_id(params)?;
    let temp_password = passwords::temporary()?;
    let changes = Changes {
        password_hash: Some(passwords::hash_generated(&temp_password)?),
        ..Changes::default()
    };
    if accounts.store()?.update(id, changes)?.is_none() {
        return Err(ApiError::not_found("user not found"));
    }
    accounts.forget(id);
    Ok(json::ok(&TempPassword { temp_password }))
}

#[derive(Serialize, ToSchema)]
pub(super) struct TempPassword {
    /// A random password of at least 12 characters.
    temp_password: String,
}
