//! Database set-up for the three services: create each database if it is missing, then
//! apply its numbered migrations (`<service>/V<n>__<name>.sql`) in order. Applied
//! migrations are recorded in `schema_migrations`, so running again is a no-op.

use anyhow::{Context, Result, bail};
use tokio_postgres::{Client, NoTls};

mod embedded {
    pub mod users {
        refinery::embed_migrations!("users");
    }
    pub mod inventory {
        refinery::embed_migrations!("inventory");
    }
    pub mod orders {
        refinery::embed_migrations!("orders");
    }
}

/// The services that own a database.
pub const SERVICES: [&str; 3] = ["users", "inventory", "orders"];

fn runner(service: &str) -> Result<refinery::Runner> {
    let runner = match service {
        "users" => embedded::users::migrations::runner(),
        "inventory" => embedded::inventory::migrations::runner(),
        "orders" => embedded::orders::migrations::runner(),
        other => bail!("unknown service `{other}` (expected one of {SERVICES:?})"),
    };
    Ok(runner)
}

async fn connect(url: &str) -> Result<Client> {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .with_context(|| format!("connecting to {}", redact(url)))?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            eprintln!("postgres connection error: {e}");
        }
    });
    Ok(client)
}

/// Creates database `name` on the server at `server_url` (a URL whose database is
/// `postgres`) unless it exists.
pub async fn create_database(server_url: &str, name: &str) -> Result<()> {
    let client = connect(server_url).await?;
    let exists = client
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .await?
        .is_some();
    if !exists {
        let ident = name.replace('"', "\"\"");
        match client
            .batch_execute(&format!("CREATE DATABASE \"{ident}\""))
            .await
        {
            Ok(()) => {}
            // Another process created it between our check and our CREATE.
            Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::DUPLICATE_DATABASE) => {}
            Err(e) => return Err(e).with_context(|| format!("creating database {name}")),
        }
    }
    Ok(())
}

/// Drops database `name` if it exists, closing its other connections first.
pub async fn drop_database(server_url: &str, name: &str) -> Result<()> {
    let client = connect(server_url).await?;
    let ident = name.replace('"', "\"\"");
    client
        .batch_execute(&format!("DROP DATABASE IF EXISTS \"{ident}\" WITH (FORCE)"))
        .await?;
    Ok(())
}

/// Applies the migrations of `service` to the database at `db_url`; returns how many ran.
pub async fn migrate(db_url: &str, service: &str) -> Result<usize> {
    run(db_url, service, refinery::Target::Latest).await
}

/// Applies the migrations of `service` up to and including `version` only: how a test
/// builds a database as an older release left it, to check what a newer migration does
/// to its rows.
pub async fn migrate_to(db_url: &str, service: &str, version: i32) -> Result<usize> {
    run(db_url, service, refinery::Target::Version(version)).await
}

async fn run(db_url: &str, service: &str, target: refinery::Target) -> Result<usize> {
    let mut client = connect(db_url).await?;
    let report = runner(service)?
        .set_target(target)
        .set_migration_table_name("schema_migrations")
        .run_async(&mut client)
        .await
        .with_context(|| format!("migrating {service}"))?;
    Ok(report.applied_migrations().len())
}

/// The URL of database `name` on the server at `server_url`.
pub fn database_url(server_url: &str, name: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (server_url, String::new()),
    };
    let root = match base.rfind('/') {
        Some(i) if base[..i].ends_with('/') => base.to_string(), // no path: postgres://host
        Some(i) if i > "postgres://".len() => base[..i].to_string(),
        _ => base.to_string(),
    };
    format!("{}/{name}{query}", root.trim_end_matches('/'))
}

fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***{}", &url[..s], &url[at..]),
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_replaces_the_path() {
        assert_eq!(
            database_url(
                "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
                "users"
            ),
            "postgres://postgres@127.0.0.1:5432/users?sslmode=disable"
        );
        assert_eq!(
            database_url("postgres://postgres@127.0.0.1:5432", "orders"),
            "postgres://postgres@127.0.0.1:5432/orders"
        );
    }
}
