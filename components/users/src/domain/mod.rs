//! Values that are valid by construction: a handler that holds an [`Email`], a
//! [`Password`] or a [`UserName`] knows it passed the rules, because parsing (including
//! deserializing a request body) is the only way to get one.

mod email;
mod name;
mod password;

pub use email::Email;
pub use name::UserName;
pub use password::Password;

service_kit::schema!(
    Email,
    string(
        "An email address; stored trimmed and lower-cased",
        Some(3),
        Some(254),
        Some(r"^\S+@\S+\.[A-Za-z]{2,}$"),
    )
    .examples([serde_json::json!("ann@example.com")])
);
service_kit::schema!(
    UserName,
    string(
        "A display name: 1–100 characters (trimmed), no control characters",
        Some(1),
        Some(name::MAX_CHARS),
        None,
    )
);
service_kit::schema!(
    Password,
    string(
        "A password of 8–128 characters",
        Some(password::MIN_CHARS),
        Some(password::MAX_CHARS),
        None,
    )
);
