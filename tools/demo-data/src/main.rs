//! `demo-data`: fill a running app with demo data through its public API.
//!
//! ```text
//! demo-data --url http://127.0.0.1:3000 --users 50 --items 200 --orders 2000
//! ```

use anyhow::Result;
use clap::Parser;

#[derive(Parser, Debug)]
#[command(
    about = "Fill a running app with users, a catalogue and 90 days of orders through its API",
    long_about = "Fill a running app with users, a catalogue (some SKUs low or out of stock) \
                  and orders over the last 90 days in every status, through the app's own \
                  public API. The same --seed gives the same data; running again reuses \
                  what exists and upserts the orders."
)]
struct Args {
    /// The app's base URL.
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    url: String,
    /// Users to register.
    #[arg(long, default_value_t = 50)]
    users: usize,
    /// How many of the users register through the API and can sign in with the demo
    /// password; the rest are created by the admin CSV import (much faster at scale).
    #[arg(long, default_value_t = 50)]
    register: usize,
    /// SKUs in the catalogue.
    #[arg(long, default_value_t = 200)]
    items: usize,
    /// Historical orders (imported with their past dates).
    #[arg(long, default_value_t = 2_000)]
    orders: usize,
    /// Orders placed live through POST /orders/ afterwards (these reserve stock).
    #[arg(long, default_value_t = 10)]
    live_orders: usize,
    /// Seed of the random choices.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Orders per CSV import request.
    #[arg(long, default_value_t = 1_000)]
    batch: usize,
    #[arg(long, default_value = "admin@test.com")]
    admin_email: String,
    #[arg(long, env = "DEMO_ADMIN_PASSWORD", default_value = "password123")]
    admin_password: String,
    /// Print nothing but the summary.
    #[arg(long, short)]
    quiet: bool,
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let options = demo_data::Options {
        url: args.url,
        users: args.users,
        register: args.register,
        items: args.items,
        orders: args.orders,
        live_orders: args.live_orders,
        seed: args.seed,
        concurrency: args.concurrency,
        batch: args.batch,
        admin_email: args.admin_email,
        admin_password: args.admin_password,
        verbose: !args.quiet,
    };
    demo_data::check(&options)?;
    let summary = demo_data::run(&options).await?;
    println!("{summary}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse() {
        let args = Args::try_parse_from([
            "demo-data",
            "--url",
            "http://127.0.0.1:3000",
            "--users",
            "10000",
            "--items",
            "5000",
            "--orders",
            "100000",
        ])
        .unwrap();
        assert_eq!(
            (args.users, args.items, args.orders),
            (10_000, 5_000, 100_000)
        );
        assert_eq!(args.seed, 42);
    }
}
