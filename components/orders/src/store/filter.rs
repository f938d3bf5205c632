//! The orders a caller may see and the list filters of the contract, as [`Conditions`].

use crate::domain::Status;
use chrono::{DateTime, NaiveDate, Utc};
use service_kit::query::Query;
use service_kit::{ApiError, ApiResult, Caller, Conditions, FieldError};

/// The orders a caller may see: its own, or all for an admin. Always excludes deleted
/// orders. Columns are of `orders o`.
pub fn visible_to(caller: &Caller) -> Conditions {
    let mut conditions = Conditions::default();
    conditions.and("o.deleted_at IS NULL".to_string());
    if !caller.is_admin() {
        conditions.and_eq("o.user_id", caller.id);
    }
    conditions
}

/// The list filters (`status`, `user_id`, `q`, `from`, `to`) on top of what the caller
/// may see. A plain user asking for another user's orders gets 403.
pub fn listing(caller: &Caller, query: &Query) -> ApiResult<Conditions> {
    let mut conditions = visible_to(caller);
    if let Some(status) = query.str("status") {
        let status: Status = status
            .parse()
            .map_err(|msg| ApiError::invalid_field(FieldError::query("status", msg, "enum")))?;
        conditions.and_eq("o.status", status.as_str().to_string());
    }
    if let Some(user_id) = query.int("user_id")? {
        if !caller.can_access(user_id) {
            return Err(ApiError::forbidden(
                "only an admin may list other users' orders",
            ));
        }
        conditions.and_eq("o.user_id", user_id);
    }
    if let Some(q) = query.str("q") {
        // PostgreSQL text cannot hold NUL (it would fail the statement), and no id or
        // SKU contains one.
        if q.contains('\0') {
            return Err(ApiError::invalid_field(FieldError::query(
                "q",
                "must not contain NUL characters",
                "string_pattern_mismatch",
            )));
        }
        // Order id or any SKU of the order contains `q`, case-insensitively.
        let p = conditions.bind(q.to_lowercase());
        conditions.and(format!(
            "(strpos(lower(o.id), {p}) > 0 OR EXISTS (SELECT 1 FROM jsonb_array_elements(o.items) AS line \
             WHERE strpos(lower(line->>'sku'), {p}) > 0))"
        ));
    }
    if let Some(from) = instant(query, "from", Bound::Start)? {
        let p = conditions.bind(from);
        conditions.and(format!("o.created_at >= {p}::text::timestamp"));
    }
    if let Some(to) = instant(query, "to", Bound::End)? {
        let p = conditions.bind(to);
        conditions.and(format!("o.created_at < {p}::text::timestamp"));
    }
    Ok(conditions)
}

#[derive(Clone, Copy)]
enum Bound {
    Start,
    End,
}

/// `from` / `to` as an RFC 3339 instant or a date. A date as `to` includes the whole day,
/// so `from=2026-01-01&to=2026-01-31` is all of January.
fn instant(query: &Query, name: &str, bound: Bound) -> ApiResult<Option<String>> {
    let Some(value) = query.str(name) else {
        return Ok(None);
    };
    let parsed = if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        Some(t.with_timezone(&Utc))
    } else if let Ok(date) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        let day = match bound {
            Bound::Start => Some(date),
            Bound::End => date.succ_opt(),
        };
        day.and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc())
    } else {
        None
    };
    let instant = parsed.ok_or_else(|| {
        ApiError::invalid_field(FieldError::query(
            name,
            "must be a date (2026-11-25) or an RFC 3339 timestamp",
            "datetime_parsing",
        ))
    })?;
    Ok(Some(service_kit::time::to_db_text(&instant)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use service_kit::Role;
    use spin_sdk::pg4::ParameterValue;

    fn user() -> Caller {
        Caller {
            id: 7,
            email: "u@x.io".into(),
            role: Role::User,
        }
    }

    #[test]
    fn plain_users_see_only_their_own() {
        let c = visible_to(&user());
        assert_eq!(c.sql(), "o.deleted_at IS NULL AND o.user_id = $1");
        let admin = Caller {
            role: Role::Admin,
            ..user()
        };
        assert_eq!(visible_to(&admin).sql(), "o.deleted_at IS NULL");
    }

    #[test]
    fn filters_are_numbered_in_order() {
        let q = Query::parse("status=shipped&q=AbC&from=2026-01-01&to=2026-01-31");
        let c = listing(&user(), &q).unwrap();
        assert_eq!(c.params.len(), 5);
        assert!(c.sql().contains("o.status = $2"));
        assert!(c.sql().contains("o.created_at < $5::text::timestamp"));
        assert!(matches!(&c.params[4], ParameterValue::Str(s) if s == "2026-02-01 00:00:00"));
        assert!(matches!(&c.params[2], ParameterValue::Str(s) if s == "abc"));
        // An instant with an offset is bound as its UTC wall-clock time.
        let q = Query::parse("from=2026-01-01T02:00:00%2B05:45");
        let c = listing(&user(), &q).unwrap();
        assert!(matches!(&c.params[1], ParameterValue::Str(s) if s == "2025-12-31 20:15:00"));
    }

    #[test]
    fn bad_filters_are_422_and_foreign_user_403() {
        assert_eq!(
            listing(&user(), &Query::parse("status=paid"))
                .err()
                .unwrap()
                .status,
            422
        );
        assert_eq!(
            listing(&user(), &Query::parse("from=yesterday"))
                .err()
                .unwrap()
                .status,
            422
        );
        assert_eq!(
            listing(&user(), &Query::parse("user_id=8"))
                .err()
                .unwrap()
                .status,
            403
        );
        assert!(listing(&user(), &Query::parse("user_id=7")).is_ok());
        assert_eq!(
            listing(&user(), &Query::parse("q=a%00b"))
                .err()
                .unwrap()
                .status,
            422
        );
    }
}
