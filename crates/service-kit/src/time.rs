//! Timestamps: RFC 3339 UTC on the wire, `timestamp` columns holding UTC in the database.
//!
//! No `timestamptz` crosses Spin's PostgreSQL API (it cannot: docs/spin-compatibility.md,
//! "Time values and Postgres"): times are read as `timestamp` values and written as their
//! text, for a `::timestamp` placeholder.

use chrono::{DateTime, NaiveDate, Utc};
use spin_sdk::pg4::DbValue;

/// Formats a `timestamp` column holding UTC as `2026-11-25T10:00:00Z`.
pub fn from_db(value: &DbValue) -> Option<String> {
    match value {
        DbValue::Datetime((y, mo, d, h, mi, s, ns)) => {
            let date = NaiveDate::from_ymd_opt(*y, u32::from(*mo), u32::from(*d))?;
            let time = date.and_hms_nano_opt(u32::from(*h), u32::from(*mi), u32::from(*s), *ns)?;
            Some(format_utc(&time.and_utc()))
        }
        DbValue::Timestamp(secs) => DateTime::from_timestamp(*secs, 0).map(|t| format_utc(&t)),
        _ => None,
    }
}

pub fn format_utc(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// An instant as the text of a UTC `timestamp` (`2026-11-25 10:00:00.250`), to bind to a
/// `$n::text::timestamp` placeholder. No zone in the text: PostgreSQL would ignore it.
pub fn to_db_text(t: &DateTime<Utc>) -> String {
    t.naive_utc().format("%Y-%m-%d %H:%M:%S%.f").to_string()
}

/// Formats a `date` column as `2026-11-25`.
pub fn date_from_db(value: &DbValue) -> Option<String> {
    match value {
        DbValue::Date((y, m, d)) => {
            NaiveDate::from_ymd_opt(*y, u32::from(*m), u32::from(*d)).map(|d| d.to_string())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn db_text_is_the_utc_wall_clock_time() {
        let t = DateTime::parse_from_rfc3339("2026-11-25T10:00:00.25+05:45").unwrap();
        assert_eq!(to_db_text(&t.to_utc()), "2026-11-25 04:15:00.250");
        let t = DateTime::parse_from_rfc3339("2026-11-25T23:30:00-09:30").unwrap();
        assert_eq!(to_db_text(&t.to_utc()), "2026-11-26 09:00:00");
    }

    #[test]
    fn a_timestamp_column_reads_as_utc() {
        let value = DbValue::Datetime((2026, 11, 26, 9, 0, 0, 500_000_000));
        assert_eq!(from_db(&value).as_deref(), Some("2026-11-26T09:00:00Z"));
    }
}
