//! `GET /users/export/csv` and `POST /users/import/csv` (admin).

use std::collections::HashMap;

use serde::Serialize;
use service_kit::csv::{Table, row_error};
use service_kit::openapi::CsvUpload;
use service_kit::{ApiError, ApiResult, FieldError, RequestContext, Role, json};
use spin_sdk::http::{Params, Request, Response};
use utoipa::ToSchema;

use crate::accounts::Accounts;
use crate::domain::{Email, UserName};
use crate::passwords;
use crate::store::ImportRow;

const COLUMNS: [&str; 6] = ["id", "name", "email", "role", "is_active", "created_at"];

#[utoipa::path(get, path = "/users/export/csv", tag = "csv",
    responses((status = 200, description = "Every user as `id,name,email,role,is_active,created_at`",
        body = String, content_type = "text/csv",
        headers(("Content-Disposition" = String, description = "`attachment; filename=\"users.csv\"`")))))]
pub fn export(req: &Request, ctx: &RequestContext, _: &Params) -> ApiResult<Response> {
    let accounts = Accounts::open();
    accounts.admin(req, ctx)?;
    let users = accounts.store()?.all()?;
    let rows = users.into_iter().map(|u| {
        [
            u.id.to_string(),
            u.name,
            u.email,
            u.role.as_str().to_string(),
            u.is_active.to_string(),
            u.created_at,
        ]
    });
    service_kit::csv::export("users.csv", &COLUMNS, rows)
}

#[derive(Serialize, ToSchema)]
#[schema(as = ImportedPassword)]
pub(super) struct TempPassword {
    email: String,
    temp_password: String,
}

#[derive(Serialize, ToSchema)]
#[schema(as = UsersImportReport)]
pub(super) struct ImportReport {
    created_count: usize,
    updated_count: usize,
    total: usize,
    /// The temporary password of every account the import created, shown once.
    temp_passwords: Vec<TempPassword>,
}

/// Upserts users by email: every row is checked first and any invalid row fails the
/// whole import (422 listing the rows); a valid file is written in one statement. `id`
/// and `created_at` columns (as in an export) are ignored; `role` defaults to `user`,
/// `is_active` to true.
#[utoipa::path(post, path = "/users/import/csv", tag = "csv",
    request_body(description = "Columns `name`, `email` and optionally `role`, `is_active`: a multipart form's `file` field or a raw CSV body",
        content((CsvUpload = "multipart/form-data"), (String = "text/csv"))),
    responses(
        (status = 200, description = "Imported (all rows or none)", body = ImportReport),
        (status = 415, description = "Neither multipart/form-data nor text/csv", body = service_kit::openapi::ErrorBody),
    ))]
pub fn import(req: &Request, ctx: &RequestContext, _: &Params) -> ApiResult<Response> {
    let accounts = Accounts::open();
    accounts.admin(req, ctx)?;
    let table = Table::parse(&service_kit::csv::upload(req)?)?;
    table.require_columns(&["name", "email"])?;
    let mut rows = validate(&table).map_err(ApiError::validation)?;

    let store = accounts.store()?;
    let emails: Vec<String> = rows.iter().map(|r| r.email.clone()).collect();
    let existing = store.existing_emails(&emails)?;
    let mut temp_passwords = HashMap::new();
    for row in rows.iter_mut().filter(|r| !existing.contains(&r.email)) {
        let temp = passwords::temporary()?;
        row.password_hash = Some(passwords::hash_generated(&temp)?);
        temp_passwords.insert(row.email.clone(), temp);
    }

    let imported = store.upsert(&rows)?;
    for user in &imported {
        accounts.forget(user.id);
    }
    let created: Vec<TempPassword> = imported
        .iter()
        .filter(|u| u.created)
        .filter_map(|u| {
            // No entry: the account was deleted between the check and the write and got
            // an unusable password; an admin's reset_password gives it one.
            let temp_password = temp_passwords.remove(&u.email)?;
            Some(TempPassword {
                email: u.email.clone(),
                temp_password,
            })
        })
        .collect();
    let created_count = imported.iter().filter(|u| u.created).count();
    Ok(json::ok(&ImportReport {
        created_count,
        updated_count: imported.len() - created_count,
        total: imported.len(),
        temp_passwords: created,
    }))
}

/// Every row as an [`ImportRow`], or every problem of every row.
fn validate(table: &Table) -> Result<Vec<ImportRow>, Vec<FieldError>> {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut first_row_of: HashMap<String, u64> = HashMap::new();
    for row in table.rows() {
        let name = UserName::parse(table.cell(row, "name").unwrap_or("")).map_err(|e| ("name", e));
        let email = Email::parse(table.cell(row, "email").unwrap_or(""))
            .map_err(|e| ("email", e))
            .and_then(
                |email| match first_row_of.insert(email.to_string(), row.number) {
                    Some(first) => Err(("email", format!("{email} is also in row {first}"))),
                    None => Ok(email),
                },
            );
        let role = table.cell(row, "role").map_or(Ok(Role::User), |r| {
            Role::parse(&r.to_ascii_lowercase())
                .ok_or_else(|| ("role", format!("role must be user or admin, not `{r}`")))
        });
        let is_active = table.cell(row, "is_active").map_or(Ok(true), |v| {
            parse_bool(v).ok_or_else(|| ("is_active", format!("`{v}` is not true or false")))
        });
        match (name, email, role, is_active) {
            (Ok(name), Ok(email), Ok(role), Ok(is_active)) => rows.push(ImportRow {
                name: name.into(),
                email: email.into(),
                role,
                is_active,
                password_hash: None,
            }),
            (name, email, role, is_active) => errors.extend(
                [name.err(), email.err(), role.err(), is_active.err()]
                    .into_iter()
                    .flatten()
                    .map(|(column, msg)| row_error(row.number, column, msg)),
            ),
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "y" => Some(true),
        "false" | "0" | "no" | "n" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(csv: &str) -> Table {
        Table::parse(csv.as_bytes()).unwrap()
    }

    #[test]
    fn valid_rows_get_defaults() {
        let Ok(rows) = validate(&table(
            "id,name,email,role,is_active,created_at\n\
             1,Ann,ANN@x.io,admin,false,2026-01-01T00:00:00Z\n\
             ,Bob,bob@x.io,,,\n",
        )) else {
            panic!("valid rows rejected")
        };
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].email, "ann@x.io");
        assert_eq!(rows[0].role, Role::Admin);
        assert!(!rows[0].is_active);
        assert_eq!(rows[1].role, Role::User);
        assert!(rows[1].is_active);
    }

    #[test]
    fn every_bad_row_is_reported_with_its_number() {
        let Err(errors) = validate(&table(
            "name,email,role,is_active\n\
             Ann,ann@x.io,user,true\n\
             ,not-an-email,boss,maybe\n\
             Ann2,ann@x.io,,\n",
        )) else {
            panic!("invalid rows accepted")
        };
        let msgs: Vec<&str> = errors.iter().map(|e| e.msg.as_str()).collect();
        assert_eq!(errors.len(), 5, "{msgs:?}");
        assert!(
            msgs[..4].iter().all(|m| m.starts_with("row 3:")),
            "{msgs:?}"
        );
        assert!(
            msgs[4].starts_with("row 4:") && msgs[4].contains("row 2"),
            "{msgs:?}"
        );
    }
}
