//! Users by id through the cache (cache-aside over the key-value store), and the caller
//! of a request resolved to its current account.
//!
//! Every request that needs "who is this" reads the account by id: the orders service on
//! each order, and every authenticated request here (so a deleted or deactivated
//! account, or a changed role, takes effect at once rather than when its token expires).
//! Those reads hit the cache; every write of a user calls [`Accounts::forget`]. The
//! orders service reads the same entries (`service_kit::user_records`).

use std::cell::OnceCell;

use service_kit::cache::Cache;
use service_kit::user_records;
use service_kit::{ApiError, ApiResult, RequestContext, Role};
use spin_sdk::http::Request;

use crate::store::Store;
use crate::user::User;

pub struct Accounts {
    cache: Cache,
    // Opened on first use: a request answered from the cache needs no connection.
    store: OnceCell<Store>,
}

impl Accounts {
    pub fn open() -> Accounts {
        Accounts {
            cache: user_records::cache(),
            store: OnceCell::new(),
        }
    }

    pub fn store(&self) -> ApiResult<&Store> {
        match self.store.get() {
            Some(store) => Ok(store),
            None => {
                let store = Store::open()?;
                Ok(self.store.get_or_init(|| store))
            }
        }
    }

    /// The user with this id. Only found users are cached, so a user created after a
    /// miss is seen at once.
    pub fn find(&self, id: i64) -> ApiResult<Option<User>> {
        if let Some(user) = self.cache.get(&user_records::key(id)) {
            return Ok(Some(user));
        }
        let user = self.store()?.find(id)?;
        if let Some(user) = &user {
            self.cache.set(&user_records::key(id), user);
        }
        Ok(user)
    }

    /// Drops a user's cache entry; called after every write of that user.
    pub fn forget(&self, id: i64) {
        self.cache.delete(&user_records::key(id));
    }

    /// The account behind the request's bearer token: 401 without a valid token or when
    /// the account no longer exists, 403 when it is deactivated.
    pub fn caller(&self, req: &Request, ctx: &RequestContext) -> ApiResult<User> {
        let claims = ctx.authenticate(req)?;
        let user = self
            .find(claims.id)?
            .ok_or_else(|| ApiError::unauthorized("this account no longer exists"))?;
        if !user.is_active {
            return Err(ApiError::forbidden("this account is deactivated"));
        }
        Ok(user)
    }

    /// [`Accounts::caller`], who must be an admin (403 otherwise).
    pub fn admin(&self, req: &Request, ctx: &RequestContext) -> ApiResult<User> {
        let user = self.caller(req, ctx)?;
        if user.role == Role::Admin {
            Ok(user)
        } else {
            Err(ApiError::forbidden("admin role required"))
        }
    }
}
