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

    /// The `ORDER BY` terms for the `sort` parameter of a list: the public name of one of
    /// `columns` (paired with the SQL that sorts by it), `-` in front for descending,
    /// `default` when absent; anything else → 422. The id breaks ties in the same
    /// direction, so consecutive pages neither overlap nor skip rows.
    pub fn order_by(&self, columns: &[(&str, &str)], default: &str) -> ApiResult<String> {
        let sort = self.str("sort").unwrap_or(default);
        let (name, direction) = match sort.strip_prefix('-') {
            Some(name) => (name, "DESC"),
            None => (sort, "ASC"),
        };
        match columns.iter().find(|(public, _)| *public == name) {
            Some((_, sql)) => Ok(format!("{sql} {direction}, id {direction}")),
            None => {
                let names: Vec<&str> = columns.iter().map(|(public, _)| *public).collect();
                Err(ApiError::invalid_field(FieldError::query(
                    "sort",
                    format!(
                        "must be one of {}, each optionally with a leading -",
                        names.join(", ")
                    ),
                    "enum",
                )))
            }
        }
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
    fn sort_names_a_column_and_a_direction() {
        let columns = [("name", "name"), ("email", "lower(email)")];
        let order = |query: &str| Query::parse(query).order_by(&columns, "-name");
        assert_eq!(order("").unwrap(), "name DESC, id DESC");
        assert_eq!(order("sort=email").unwrap(), "lower(email) ASC, id ASC");
        assert_eq!(order("sort=-email").unwrap(), "lower(email) DESC, id DESC");
        for bad in [
            "sort=role",
            "sort=--name",
            "sort=name;DROP",
            "sort=lower(email)",
        ] {
            let error = order(bad).unwrap_err();
            assert_eq!(error.status, 422, "{bad}");
        }
    }

    #[test]
    fn days_are_clamped() {
        assert_eq!(Query::parse("days=0").days(30, 180).unwrap(), 1);
        assert_eq!(Query::parse("days=999").days(30, 180).unwrap(), 180);
        assert_eq!(Query::parse("").days(30, 180).unwrap(), 30);
    }
}
