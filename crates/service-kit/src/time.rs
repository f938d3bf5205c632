//! Timestamps: RFC 3339 UTC on the wire.

use chrono::{DateTime, NaiveDate, Utc};
use spin_sdk::pg4::DbValue;

/// Formats a `timestamptz` / `timestamp` column as `2026-11-25T10:00:00Z`.
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

/// Formats a `date` column as `2026-11-25`.
pub fn date_from_db(value: &DbValue) -> Option<String> {
    match value {
        DbValue::Date((y, m, d)) => {
            NaiveDate::from_ymd_opt(*y, u32::from(*m), u32::from(*d)).map(|d| d.to_string())
        }
        _ => None,
    }
}
