//! The users service's cache of user records (the `User` object of the API), which the
//! orders service reads as well.
//!
//! The users service owns the entries: it stores a user when it reads one from its
//! database and deletes the entry after every write of that user
//! (`components/users/src/accounts.rs`), so an entry is as fresh as the users service's
//! own view, which also decides at once that a deactivated account is locked out. The
//! orders service checks an order's user here first and asks the users service only on a
//! miss; that call stores the record for the next order.

use crate::cache::Cache;

/// The cache the records live in (the users service's part of the key-value store).
pub fn cache() -> Cache {
    Cache::open("users")
}

/// The key of user `id`'s record.
pub fn key(id: i64) -> String {
    format!("user:{id}")
}
