//! The order sagas: each calls the other services first, then writes the order in one
//! statement, and undoes the calls when the write fails.

pub mod change;
pub mod create;
pub mod reconcile;
