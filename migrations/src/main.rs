//! `migrate`: create the service databases and bring them up to date.

use anyhow::Result;
use clap::Parser;

#[derive(Parser)]
#[command(about = "Create the service databases (if missing) and apply their migrations")]
struct Args {
    /// Server URL used to create databases (its database part is ignored).
    #[arg(
        long,
        env = "DATABASE_SERVER_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    server_url: String,
    /// Prefix for the database names (`<prefix>users`, ...), e.g. for test runs.
    #[arg(long, default_value = "")]
    prefix: String,
    /// Only these services (default: all).
    #[arg(value_parser = clap::builder::PossibleValuesParser::new(migrate::SERVICES))]
    services: Vec<String>,
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let services: Vec<String> = if args.services.is_empty() {
        migrate::SERVICES.iter().map(|s| s.to_string()).collect()
    } else {
        args.services
    };
    for service in services {
        let name = format!("{}{service}", args.prefix);
        migrate::create_database(&args.server_url, &name).await?;
        let applied =
            migrate::migrate(&migrate::database_url(&args.server_url, &name), &service).await?;
        println!("{name}: {applied} migration(s) applied");
    }
    Ok(())
}
