//! Every SQL statement of the users service. Each write is a single statement, because
//! Spin's PostgreSQL API has no transactions.

use std::collections::HashSet;

use serde_json::Value;
use service_kit::conditions::contains_pattern;
use service_kit::db::{self, Guarded, UNIQUE_VIOLATION};
use service_kit::query::Page;
use service_kit::{ApiError, ApiResult, Conditions, Role};
use spin_sdk::pg4::{Connection, Decode, ParameterValue, PgError, RowSet};

use crate::user::{COLUMNS, User};

pub struct Store {
    conn: Connection,
}

/// A new account, validated.
pub struct NewUser<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
}

/// The fields an update sets; `None` keeps the stored value.
#[derive(Default)]
pub struct Changes {
    pub name: Option<String>,
    pub email: Option<String>,
    pub role: Option<Role>,
    pub is_active: Option<bool>,
    pub password_hash: Option<String>,
}

/// List filters; `None` means "any".
pub struct ListFilter {
    pub search: Option<String>,
    pub role: Option<Role>,
    pub is_active: Option<bool>,
    /// `ORDER BY` terms, from [`SORTS`].
    pub order_by: String,
}

/// The columns a list sorts by (`sort=`), each served by an index (migrations/users).
pub const SORTS: &[(&str, &str)] = &[
    ("created_at", "created_at"),
    ("name", "name"),
    ("email", "lower(email)"),
];

pub struct Stats {
    pub total: i64,
    pub active: i64,
    pub recent_signups_7d: i64,
    pub role_breakdown: Value,
}

/// One validated row of a CSV import. `password_hash` is `None` for rows whose email
/// already had an account when the import was checked.
pub struct ImportRow {
    pub name: String,
    pub email: String,
    pub role: Role,
    pub is_active: bool,
    pub password_hash: Option<String>,
}

/// What the import did to one email.
pub struct Imported {
    pub id: i64,
    pub email: String,
    pub created: bool,
}

/// A password hash that matches no password: stands in when a row the import expected
/// to update turns out to be new (its account was deleted meanwhile); an admin resets it.
const UNUSABLE_HASH: &str = "!";

impl Store {
    pub fn open() -> ApiResult<Store> {
        Ok(Store {
            conn: db::connect()?,
        })
    }

    /// Runs a statement; see [`email_taken_or_error`] for its errors.
    fn query(&self, sql: &str, params: &[ParameterValue]) -> ApiResult<RowSet> {
        self.conn.query(sql, params).map_err(email_taken_or_error)
    }

    fn users(&self, sql: &str, params: &[ParameterValue]) -> ApiResult<Vec<User>> {
        let rows = self.query(sql, params)?;
        rows.rows.iter().map(|row| User::from_row(row)).collect()
    }

    fn user(&self, sql: &str, params: &[ParameterValue]) -> ApiResult<Option<User>> {
        Ok(self.users(sql, params)?.into_iter().next())
    }

    pub fn find(&self, id: i64) -> ApiResult<Option<User>> {
        self.user(
            &format!("SELECT {COLUMNS} FROM users WHERE id = $1"),
            &[id.into()],
        )
    }

    /// The account of an email with its password hash, for logging in.
    pub fn find_with_hash(&self, email: &str) -> ApiResult<Option<(User, String)>> {
        let rows = self.query(
            &format!("SELECT {COLUMNS}, password_hash FROM users WHERE lower(email) = lower($1)"),
            &[email.to_string().into()],
        )?;
        rows.rows
            .first()
            .map(|row| Ok((User::from_row(row)?, String::decode(&row[7])?)))
            .transpose()
    }

    /// Creates an account; an email that exists already (also one inserted by a
    /// concurrent request a moment ago, which the insert waits for) → 409. No row back
    /// is the conflict: an error would not say so on every Spin version
    /// (`service_kit::db::sqlstate`).
    pub fn insert(&self, new: &NewUser) -> ApiResult<User> {
        self.user(
            &format!(
                "INSERT INTO users (name, email, password_hash, role) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT ((lower(email))) DO NOTHING RETURNING {COLUMNS}"
            ),
            &[
                new.name.to_string().into(),
                new.email.to_string().into(),
                new.password_hash.to_string().into(),
                new.role.as_str().to_string().into(),
            ],
        )?
        .ok_or_else(email_taken)
    }

    /// One page of the filtered list, in the filter's order, and the filtered total, in one
    /// statement so both describe the same snapshot.
    pub fn list(&self, filter: &ListFilter, page: Page) -> ApiResult<(Vec<User>, i64)> {
        let mut conditions = Conditions::default();
        if let Some(search) = &filter.search {
            let pattern = conditions.bind(contains_pattern(search));
            conditions.and(format!("(name ILIKE {pattern} OR email ILIKE {pattern})"));
        }
        if let Some(role) = filter.role {
            conditions.and_eq("role", role.as_str().to_string());
        }
        if let Some(is_active) = filter.is_active {
            conditions.and_eq("is_active", is_active);
        }
        let page = conditions.page(page);
        let (rows, total) = db::page_with_total(
            &self.conn,
            &format!("FROM users WHERE {}", conditions.sql()),
            COLUMNS,
            &format!("ORDER BY {} {page}", filter.order_by),
            &conditions.params,
        )?;
        let users = rows
            .iter()
            .map(|row| User::from_row(row))
            .collect::<ApiResult<Vec<User>>>()?;
        Ok((users, total))
    }

    /// Applies `changes`; `None` when there is no such user, 409 when another account
    /// has the new email.
    pub fn update(&self, id: i64, changes: Changes) -> ApiResult<Option<User>> {
        let outcome = db::update_unless_taken(
            &self.conn,
            "UPDATE users SET \
               name = COALESCE($2::text, name), \
               email = COALESCE($3::text, email), \
               role = COALESCE($4::text, role), \
               is_active = COALESCE($5::boolean, is_active), \
               password_hash = COALESCE($6::text, password_hash), \
               updated_at = utc_now() \
             WHERE id = $1",
            "EXISTS (SELECT 1 FROM users WHERE lower(email) = lower($3::text) AND id <> $1)",
            COLUMNS,
            &[
                id.into(),
                changes.name.into(),
                changes.email.into(),
                changes.role.map(|r| r.as_str().to_string()).into(),
                changes.is_active.into(),
                changes.password_hash.into(),
            ],
            email_taken_or_error,
        )?;
        match outcome {
            Guarded::Taken => Err(email_taken()),
            Guarded::Missing => Ok(None),
            Guarded::Changed(row) => User::from_row(&row).map(Some),
        }
    }

    pub fn set_preferences(&self, id: i64, preferences: &Value) -> ApiResult<Option<User>> {
        let json = spin_sdk::pg4::jsonb(preferences).map_err(ApiError::internal)?;
        self.user(
            &format!(
                "UPDATE users SET preferences = $2, updated_at = utc_now() \
                 WHERE id = $1 RETURNING {COLUMNS}"
            ),
            &[id.into(), json],
        )
    }

    /// Whether a user was deleted.
    pub fn delete(&self, id: i64) -> ApiResult<bool> {
        let deleted = self
            .conn
            .execute("DELETE FROM users WHERE id = $1", &[id.into()])?;
        Ok(deleted > 0)
    }

    pub fn stats(&self) -> ApiResult<Stats> {
        let rows = self.query(
            "SELECT count(*), \
                    count(*) FILTER (WHERE is_active), \
                    count(*) FILTER (WHERE created_at >= utc_now() - interval '7 days'), \
                    COALESCE((SELECT jsonb_object_agg(role, n) \
                              FROM (SELECT role, count(*) AS n FROM users GROUP BY role) r), \
                             '{}'::jsonb) \
             FROM users",
            &[],
        )?;
        let row = rows
            .rows
            .first()
            .ok_or_else(|| ApiError::internal("aggregate returned no row"))?;
        Ok(Stats {
            total: i64::decode(&row[0])?,
            active: i64::decode(&row[1])?,
            recent_signups_7d: i64::decode(&row[2])?,
            role_breakdown: Value::decode(&row[3])?,
        })
    }

    /// Sign-ups per UTC day for the last `days` days up to today, oldest first, with
    /// days without sign-ups as 0.
    pub fn signups_per_day(&self, days: i64) -> ApiResult<Vec<(String, i64)>> {
        let rows = self.query(
            "WITH days AS ( \
               SELECT utc_now()::date - i AS day \
               FROM generate_series(0, $1::int - 1) AS i) \
             SELECT d.day, count(u.id) FROM days d \
             LEFT JOIN users u \
               ON u.created_at >= d.day::timestamp \
              AND u.created_at < (d.day + 1)::timestamp \
             GROUP BY d.day ORDER BY d.day",
            // An `int4` parameter: `date - n` needs an integer, and PostgreSQL clients
            // refuse to bind a 64-bit value to an `int4` placeholder.
            &[i32::try_from(days).map_err(ApiError::internal)?.into()],
        )?;
        rows.rows
            .iter()
            .map(|row| {
                let day = service_kit::time::date_from_db(&row[0])
                    .ok_or_else(|| ApiError::internal("day is not a date"))?;
                Ok((day, i64::decode(&row[1])?))
            })
            .collect()
    }

    /// Every user, oldest first, for the CSV export.
    pub fn all(&self) -> ApiResult<Vec<User>> {
        self.users(&format!("SELECT {COLUMNS} FROM users ORDER BY id"), &[])
    }

    /// Which of `emails` (lower-cased) have accounts.
    pub fn existing_emails(&self, emails: &[String]) -> ApiResult<HashSet<String>> {
        let rows = self.query(
            "SELECT lower(email) FROM users WHERE lower(email) = ANY($1::text[])",
            &[text_array(emails.iter().cloned())],
        )?;
        rows.rows
            .iter()
            .map(|row| Ok(String::decode(&row[0])?))
            .collect()
    }

    /// Inserts or updates (by email) every row in one statement: all rows are written or,
    /// if the statement fails, none. Existing accounts keep their password.
    pub fn upsert(&self, rows: &[ImportRow]) -> ApiResult<Vec<Imported>> {
        let result = self.query(
            "INSERT INTO users (name, email, role, is_active, password_hash) \
             SELECT name, email, role, is_active::boolean, COALESCE(password_hash, $6) \
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) \
                  AS input(name, email, role, is_active, password_hash) \
             ON CONFLICT ((lower(email))) DO UPDATE SET \
               name = excluded.name, role = excluded.role, is_active = excluded.is_active, \
               updated_at = utc_now() \
             RETURNING id, email, (xmax = 0) AS created",
            &[
                text_array(rows.iter().map(|r| r.name.clone())),
                text_array(rows.iter().map(|r| r.email.clone())),
                text_array(rows.iter().map(|r| r.role.as_str().to_string())),
                text_array(rows.iter().map(|r| r.is_active.to_string())),
                ParameterValue::ArrayStr(rows.iter().map(|r| r.password_hash.clone()).collect()),
                UNUSABLE_HASH.to_string().into(),
            ],
        )?;
        result
            .rows
            .iter()
            .map(|row| {
                Ok(Imported {
                    id: i64::decode(&row[0])?,
                    email: String::decode(&row[1])?,
                    created: bool::decode(&row[2])?,
                })
            })
            .collect()
    }
}

fn email_taken() -> ApiError {
    ApiError::conflict("a user with this email already exists")
}

/// A unique violation is always a taken email: the only other unique key is the id, which
/// comes from an identity column. Only where Spin reports its code, so the statements
/// that can take an email check for it themselves; this covers the rare race.
fn email_taken_or_error(err: PgError) -> ApiError {
    match db::sqlstate(&err) {
        Some(UNIQUE_VIOLATION) => email_taken(),
        _ => db::db_error(err),
    }
}

fn text_array(values: impl Iterator<Item = String>) -> ParameterValue {
    ParameterValue::ArrayStr(values.map(Some).collect())
}
