//! The orders' cache of expensive reads (`service_kit::generational`): an admin's list
//! pages and the analytics aggregate every order, so they are kept until the next change.
//! Every change that succeeds starts a new generation (`lib.rs`).

use service_kit::Caller;
use service_kit::generational::GenerationalCache;

pub fn orders_cache() -> GenerationalCache {
    GenerationalCache::open("orders")
}

/// Whose orders a cached read covers: everyone's for an admin, else the caller's own.
pub fn scope(caller: &Caller) -> String {
    if caller.is_admin() {
        "all".into()
    } else {
        format!("user:{}", caller.id)
    }
}
