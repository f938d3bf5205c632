//! Values that are valid by construction: a handler that holds an [`Email`], a
//! [`Password`] or a [`UserName`] knows it passed the rules, because parsing (including
//! deserializing a request body) is the only way to get one.

mod email;
mod name;
mod password;

pub use email::Email;
pub use name::UserName;
pub use password::Password;
