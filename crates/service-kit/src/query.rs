//! Query-string parameters and pagination.

use std::collections::HashMap;

use spin_sdk::http::Request;

use crate::error::{ApiError, ApiResult, FieldError};

pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 1000;

/// The decoded query string of a request (last value wins for repeated keys).
#[derive(Debug, Default, Clone)]
pub struct Query(HashMap<String, String>);

impl Query {
    pub fn of(req: &Request) -> Self {
        Self::parse(req.query())
    }

    pub fn parse(query: &str) -> Self {
        Query(
            form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
        )
    }

    /// A non-empty string parameter.
    pub fn str(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// An integer parameter; present but not an integer → 422.
    pub fn int(&self, name: &str) -> ApiResult<Option<i64>> {
        self.str(name)
            .map(|v| {
                v.trim().parse::<i64>().map_err(|_| {
                    ApiError::invalid_field(FieldError::query(
                        name,
                        "Input should be a valid integer",
                        "int_parsing",
                    ))
                })
            })
            .transpose()
    }

    /// A boolean parameter (`true/false/1/0/yes/no`); anything else → 422.
    pub fn bool(&self, name: &str) -> ApiResult<Option<bool>> {
        self.str(name)
            .map(|v| match v.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Ok(true),
                "false" | "0" | "no" | "off" => Ok(false),
                _ => Err(ApiError::invalid_field(FieldError::query(
                    name,
                    "Input should be a valid boolean",
                    "bool_parsing",
                ))),
            })
            .transpose()
    }

    pub fn page(&self) -> ApiResult<Page> {
        let skip = self.int("skip")?.unwrap_or(0);
        let limit = self.int("limit")?.unwrap_or(DEFAULT_LIMIT);
        if skip < 0 {
            return Err(ApiError::invalid_field(FieldError::query(
                "skip",
                "must be 0 or more",
                "greater_than_equal",
            )));
        }
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::invalid_field(FieldError::query(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
                "less_than_equal",
            )));
        }
        Ok(Page { skip, limit })
    }

    /// `days` for time series: default `default`, clamped to `1..=max`.
    pub fn days(&self, default: i64, max: i64) -> ApiResult<i64> {
        Ok(self.int("days")?.unwrap_or(default).clamp(1, max))
    }
}

/// `skip` / `limit` of a list request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub skip: i64,
    pub limit: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_defaults_and_bounds() {
        assert_eq!(
            Query::parse("").page().unwrap(),
            Page {
                skip: 0,
                limit: 100
            }
        );
        assert_eq!(
            Query::parse("skip=5&limit=1000").page().unwrap(),
            Page {
                skip: 5,
                limit: 1000
            }
        );
        assert_eq!(Query::parse("limit=1001").page().unwrap_err().status, 422);
        assert_eq!(Query::parse("skip=-1").page().unwrap_err().status, 422);
        assert_eq!(Query::parse("limit=abc").page().unwrap_err().status, 422);
    }

    #[test]
    fn days_are_clamped() {
        assert_eq!(Query::parse("days=0").days(30, 180).unwrap(), 1);
        assert_eq!(Query::parse("days=999").days(30, 180).unwrap(), 180);
        assert_eq!(Query::parse("").days(30, 180).unwrap(), 30);
    }
}
