//! The inventory's cache of item reads (`service_kit::generational`): every write to items
//! or stock (create, update, delete, import, reservations) starts a new generation.

use service_kit::generational::GenerationalCache;

pub fn item_cache() -> GenerationalCache {
    GenerationalCache::open("inventory")
}

/// The key of one item.
pub fn item_key(id: i64) -> String {
    format!("item:{id}")
}
