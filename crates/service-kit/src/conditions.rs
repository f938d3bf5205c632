//! WHERE clauses with numbered parameters, holding only the filters a request gave.
//!
//! The obvious way to write an optional filter, `($1::text IS NULL OR sku LIKE $1)`, keeps
//! one statement for every combination of filters, and that is its cost: the host prepares
//! and caches statements, and after five runs PostgreSQL may switch a cached statement to
//! its generic plan. That plan cannot drop the conditions whose parameter is NULL, estimates
//! that one row matches, and so reads a list page with a sequential scan and a sort of the
//! whole table instead of walking the index in order (about twice the time for 5,000 items,
//! and it grows with the table). Leaving absent filters out of the SQL gives each
//! combination its own statement, and every one of them a plan that fits it.

use spin_sdk::pg4::ParameterValue;

use crate::query::Page;

/// A statement's conditions and the parameters they refer to (`$1`, `$2`, ...).
#[derive(Default, Clone)]
pub struct Conditions {
    clauses: Vec<String>,
    pub params: Vec<ParameterValue>,
}

impl Conditions {
    /// Adds a parameter and returns its placeholder.
    pub fn bind(&mut self, value: impl Into<ParameterValue>) -> String {
        self.params.push(value.into());
        format!("${}", self.params.len())
    }

    /// Adds a clause; one with `OR` brings its own parentheses.
    pub fn and(&mut self, clause: String) {
        self.clauses.push(clause);
    }

    /// Adds `column = value`.
    pub fn and_eq(&mut self, column: &str, value: impl Into<ParameterValue>) {
        let value = self.bind(value);
        self.and(format!("{column} = {value}"));
    }

    /// Binds a page and returns its `OFFSET … LIMIT …`, to follow `ORDER BY`.
    pub fn page(&mut self, page: Page) -> String {
        let offset = self.bind(page.skip);
        let limit = self.bind(page.limit);
        format!("OFFSET {offset} LIMIT {limit}")
    }

    /// `cond AND cond ...` (`TRUE` when there are none), to follow `WHERE` or `ON`.
    pub fn sql(&self) -> String {
        if self.clauses.is_empty() {
            "TRUE".to_string()
        } else {
            self.clauses.join(" AND ")
        }
    }
}

/// `%q%` for `LIKE` and `ILIKE`: matches `q` anywhere, its `%`, `_` and `\\` literally.
pub fn contains_pattern(q: &str) -> String {
    let mut pattern = String::with_capacity(q.len() + 2);
    pattern.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contains_pattern_matches_wildcards_literally() {
        assert_eq!(contains_pattern("AB"), "%AB%");
        assert_eq!(contains_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }

    #[test]
    fn no_filter_is_true_and_binds_nothing() {
        let conditions = Conditions::default();
        assert_eq!(conditions.sql(), "TRUE");
        assert!(conditions.params.is_empty());
    }

    #[test]
    fn placeholders_follow_the_order_of_binding() {
        let mut conditions = Conditions::default();
        let sku = conditions.bind("%ab%".to_string());
        conditions.and(format!("lower(sku) LIKE {sku}"));
        let below = conditions.bind(10_i64);
        conditions.and(format!("qty > 0 AND qty < {below}"));
        assert_eq!(
            conditions.sql(),
            "lower(sku) LIKE $1 AND qty > 0 AND qty < $2"
        );
        assert_eq!(conditions.params.len(), 2);
        assert!(matches!(&conditions.params[1], ParameterValue::Int64(10)));
        conditions.and_eq("role", "admin".to_string());
        assert_eq!(
            conditions.page(Page {
                skip: 20,
                limit: 10
            }),
            "OFFSET $4 LIMIT $5"
        );
        assert!(conditions.sql().ends_with(" AND role = $3"));
        assert_eq!(conditions.params.len(), 5);
    }
}
