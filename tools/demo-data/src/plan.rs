//! What to create, decided up front from a seed: the same seed and sizes give the same
//! users, catalogue and orders (order dates are relative to the run's `now`). No I/O here.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// The password every demo user gets (printed at the end, documented as demo-only).
pub const USER_PASSWORD: &str = "demo-password-123";
/// Orders are spread over this many days before `now`.
pub const HISTORY_DAYS: i64 = 90;
/// The inventory's default low-stock threshold: items below it count as low.
pub const LOW_STOCK_THRESHOLD: i64 = 20;
/// Every status the order state machine has.
pub const STATUSES: [&str; 5] = ["pending", "processing", "shipped", "delivered", "cancelled"];

const FIRST_NAMES: [&str; 24] = [
    "Ada", "Bruno", "Chloe", "Dmitri", "Elena", "Farah", "Gabriel", "Hana", "Ivan", "Jade",
    "Kenji", "Lena", "Mateo", "Nadia", "Omar", "Priya", "Quentin", "Rosa", "Sven", "Tariq", "Uma",
    "Victor", "Wen", "Yusuf",
];
const LAST_NAMES: [&str; 20] = [
    "Andersen", "Baker", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito",
    "Jensen", "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Petrov", "Rossi", "Silva",
    "Tanaka", "Weber",
];
/// A catalogue section: SKU prefix, name, product nouns, price range in cents.
type Category = (&'static str, &'static str, [&'static str; 6], (i64, i64));
const CATEGORIES: [Category; 6] = [
    (
        "KIT",
        "Kitchen",
        [
            "Chef Knife",
            "Skillet",
            "Kettle",
            "Cutting Board",
            "Mixing Bowl",
            "Grater",
        ],
        (499, 12_999),
    ),
    (
        "OFF",
        "Office",
        [
            "Notebook",
            "Desk Lamp",
            "Stapler",
            "Monitor Arm",
            "Pen Set",
            "Organizer",
        ],
        (199, 24_999),
    ),
    (
        "ELE",
        "Electronics",
        [
            "USB-C Cable",
            "Headphones",
            "Power Bank",
            "Keyboard",
            "Webcam",
            "Charger",
        ],
        (999, 49_999),
    ),
    (
        "OUT",
        "Outdoor",
        [
            "Water Bottle",
            "Backpack",
            "Headlamp",
            "Tent Stakes",
            "Camp Stool",
            "Rain Jacket",
        ],
        (799, 29_999),
    ),
    (
        "HOM",
        "Home",
        [
            "Throw Pillow",
            "Candle",
            "Picture Frame",
            "Towel Set",
            "Vase",
            "Doormat",
        ],
        (299, 8_999),
    ),
    (
        "TOY",
        "Toys",
        [
            "Puzzle",
            "Building Set",
            "Plush Bear",
            "Board Game",
            "Kite",
            "Yo-Yo",
        ],
        (299, 5_999),
    ),
];
const ADJECTIVES: [&str; 10] = [
    "Classic",
    "Compact",
    "Deluxe",
    "Eco",
    "Heavy-Duty",
    "Mini",
    "Pro",
    "Travel",
    "Vintage",
    "Smart",
];

/// Sizes and seed of a plan.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub users: usize,
    pub items: usize,
    pub orders: usize,
    pub seed: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedUser {
    pub name: String,
    pub email: String,
}

/// How an item's stock was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockLevel {
    Out,
    Low,
    Plenty,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedItem {
    pub sku: String,
    pub name: String,
    pub price_cents: i64,
    pub qty: i64,
    pub level: StockLevel,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    pub sku: String,
    pub quantity: i64,
    /// A decimal string with two places, as the API returns money.
    pub price: String,
    #[serde(skip)]
    pub price_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedOrder {
    pub id: String,
    /// Index into the plan's users (the API id is known only once they exist).
    pub user: usize,
    pub lines: Vec<Line>,
    pub total_cents: i64,
    pub status: &'static str,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub users: Vec<PlannedUser>,
    pub items: Vec<PlannedItem>,
    pub orders: Vec<PlannedOrder>,
}

/// Formats cents as the API's money: `"12.30"`.
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

impl Plan {
    pub fn new(sizes: Sizes, now: DateTime<Utc>) -> Plan {
        // ChaCha8 is specified bit for bit, so a seed means the same data everywhere.
        let mut rng = ChaCha8Rng::seed_from_u64(sizes.seed);
        let users = (0..sizes.users).map(|i| plan_user(&mut rng, i)).collect();
        let items = (0..sizes.items).map(|i| plan_item(&mut rng, i)).collect();
        let mut plan = Plan {
            users,
            items,
            orders: Vec::new(),
        };
        if !plan.users.is_empty() && !plan.items.is_empty() {
            plan.orders = (0..sizes.orders)
                .map(|i| plan.plan_order(&mut rng, i, now))
                .collect();
        }
        plan
    }

    fn plan_order(&self, rng: &mut ChaCha8Rng, i: usize, now: DateTime<Utc>) -> PlannedOrder {
        let age = order_age(rng);
        let created_at = now - age;
        // The first orders take each status once, so every status shows up even in a tiny
        // plan; the rest follow from their age as a real shop's would.
        let status = match STATUSES.get(i) {
            Some(status) => status,
            None => status_for_age(rng, age),
        };
        let count = rng.random_range(1..=4usize).min(self.items.len());
        let mut lines: Vec<Line> = self
            .items
            .choose_multiple(rng, count)
            .map(|item| Line {
                sku: item.sku.clone(),
                quantity: *[1, 1, 1, 2, 2, 3, 5].choose(rng).unwrap_or(&1),
                price: money(item.price_cents),
                price_cents: item.price_cents,
            })
            .collect();
        lines.sort_by(|a, b| a.sku.cmp(&b.sku));
        let total_cents = lines.iter().map(|l| l.quantity * l.price_cents).sum();
        PlannedOrder {
            id: format!("demo-{i:06}"),
            user: rng.random_range(0..self.users.len()),
            lines,
            total_cents,
            status,
            created_at,
        }
    }

    /// Orders per status.
    pub fn status_counts(&self) -> Vec<(&'static str, usize)> {
        STATUSES
            .iter()
            .map(|s| (*s, self.orders.iter().filter(|o| o.status == *s).count()))
            .collect()
    }

    pub fn count_level(&self, level: StockLevel) -> usize {
        self.items.iter().filter(|i| i.level == level).count()
    }
}

fn plan_user(rng: &mut ChaCha8Rng, i: usize) -> PlannedUser {
    let first = FIRST_NAMES.choose(rng).unwrap_or(&"Demo");
    let last = LAST_NAMES.choose(rng).unwrap_or(&"User");
    PlannedUser {
        name: format!("{first} {last}"),
        // The index keeps emails unique however the names fall.
        email: format!(
            "{}.{}.{i}@demo.example.com",
            first.to_lowercase(),
            last.to_lowercase()
        ),
    }
}

fn plan_item(rng: &mut ChaCha8Rng, i: usize) -> PlannedItem {
    let (prefix, category, nouns, (low, high)) = &CATEGORIES[i % CATEGORIES.len()];
    let noun = nouns.choose(rng).unwrap_or(&"Thing");
    let adjective = ADJECTIVES.choose(rng).unwrap_or(&"Plain");
    // Prices end in .99, .49 or .00 like a shop's.
    let base = rng.random_range(*low / 100..=*high / 100) * 100;
    let price_cents = base + [99, 49, 0].choose(rng).copied().unwrap_or(0);
    // Items 0 and 1 are out of stock and low, so a small catalogue shows both.
    let level = match i {
        0 => StockLevel::Out,
        1 => StockLevel::Low,
        _ => match rng.random_range(0..100) {
            0..8 => StockLevel::Out,
            8..23 => StockLevel::Low,
            _ => StockLevel::Plenty,
        },
    };
    let qty = match level {
        StockLevel::Out => 0,
        StockLevel::Low => rng.random_range(1..LOW_STOCK_THRESHOLD),
        StockLevel::Plenty => rng.random_range(LOW_STOCK_THRESHOLD..=1_000),
    };
    PlannedItem {
        sku: format!("{prefix}-{:05}", i + 1),
        name: format!("{adjective} {noun} ({category})"),
        price_cents,
        qty,
        level,
    }
}

/// How long ago an order was placed: within the last [`HISTORY_DAYS`], more of them
/// recently (a growing shop) and fewer at weekends, so charts and the forecast have a
/// trend and a weekly pattern to show.
fn order_age(rng: &mut ChaCha8Rng) -> Duration {
    loop {
        let days = rng.random_range(0..HISTORY_DAYS);
        let growth = 0.45 + 0.55 * (HISTORY_DAYS - days) as f64 / HISTORY_DAYS as f64;
        let weekend = matches!(days % 7, 1 | 2);
        let weight = if weekend { growth * 0.6 } else { growth };
        if rng.random_bool(weight.clamp(0.0, 1.0)) {
            let seconds = rng.random_range(0..86_400);
            return Duration::days(days) + Duration::seconds(seconds);
        }
    }
}

fn status_for_age(rng: &mut ChaCha8Rng, age: Duration) -> &'static str {
    let roll = rng.random_range(0..100);
    if roll < 7 {
        return "cancelled";
    }
    match age.num_days() {
        0 => ["pending", "pending", "processing"][rng.random_range(0..3)],
        1..=2 => ["pending", "processing", "processing", "shipped"][rng.random_range(0..4)],
        3..=6 => ["processing", "shipped", "shipped", "delivered"][rng.random_range(0..4)],
        _ => {
            if roll < 12 {
                "shipped"
            } else {
                "delivered"
            }
        }
    }
}

/// The orders as the admin CSV import takes them:
/// `id,user_id,total,status,items_json,created_at`.
pub fn orders_csv(orders: &[PlannedOrder], user_ids: &[i64]) -> String {
    let mut out = String::from("id,user_id,total,status,items_json,created_at\n");
    for order in orders {
        let items = serde_json::to_string(&order.lines).unwrap_or_else(|_| "[]".into());
        out.push_str(&format!(
            "{},{},{},{},{},{}\n",
            order.id,
            user_ids[order.user],
            money(order.total_cents),
            order.status,
            csv_quote(&items),
            order.created_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        ));
    }
    out
}

/// Users as the admin CSV import takes them: `name,email,role,is_active`.
pub fn users_csv(users: &[PlannedUser]) -> String {
    let mut out = String::from("name,email,role,is_active\n");
    for user in users {
        out.push_str(&format!(
            "{},{},user,true\n",
            csv_quote(&user.name),
            csv_quote(&user.email)
        ));
    }
    out
}

/// RFC 4180 quoting.
fn csv_quote(cell: &str) -> String {
    format!("\"{}\"", cell.replace('"', "\"\""))
}

/// Shuffles indexes reproducibly (used to pick who places the live orders).
pub fn shuffled(len: usize, seed: u64) -> Vec<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let mut indexes: Vec<usize> = (0..len).collect();
    indexes.shuffle(&mut rng);
    indexes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-05-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn sizes(users: usize, items: usize, orders: usize) -> Sizes {
        Sizes {
            users,
            items,
            orders,
            seed: 42,
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_plan() {
        let a = Plan::new(sizes(20, 30, 200), now());
        let b = Plan::new(sizes(20, 30, 200), now());
        assert_eq!(a.users, b.users);
        assert_eq!(a.items, b.items);
        assert_eq!(a.orders, b.orders);
        let c = Plan::new(
            Sizes {
                seed: 7,
                ..sizes(20, 30, 200)
            },
            now(),
        );
        assert_ne!(a.orders, c.orders);
    }

    #[test]
    fn every_status_and_stock_level_appears_even_when_small() {
        let plan = Plan::new(sizes(2, 3, 5), now());
        assert!(plan.status_counts().iter().all(|(_, n)| *n == 1));
        assert_eq!(plan.count_level(StockLevel::Out), 1);
        assert_eq!(plan.count_level(StockLevel::Low), 1);
    }

    #[test]
    fn orders_are_valid_for_the_api() {
        let plan = Plan::new(sizes(10, 50, 2_000), now());
        let mut ids = std::collections::HashSet::new();
        for order in &plan.orders {
            assert!(ids.insert(order.id.clone()));
            assert!((1..=100).contains(&order.lines.len()));
            let skus: std::collections::HashSet<_> = order.lines.iter().map(|l| &l.sku).collect();
            assert_eq!(skus.len(), order.lines.len(), "no duplicate SKUs");
            let age = now() - order.created_at;
            assert!(age >= Duration::zero() && age < Duration::days(HISTORY_DAYS));
            assert!(order.user < plan.users.len());
        }
        let recent = plan
            .orders
            .iter()
            .filter(|o| now() - o.created_at < Duration::days(30))
            .count();
        let oldest = plan
            .orders
            .iter()
            .filter(|o| now() - o.created_at >= Duration::days(60))
            .count();
        assert!(recent > oldest, "the shop grows: {recent} vs {oldest}");
    }

    #[test]
    fn catalogue_has_realistic_stock_levels() {
        let plan = Plan::new(sizes(1, 1_000, 0), now());
        let out = plan.count_level(StockLevel::Out);
        let low = plan.count_level(StockLevel::Low);
        assert!((40..150).contains(&out), "{out}");
        assert!((100..230).contains(&low), "{low}");
        for item in &plan.items {
            match item.level {
                StockLevel::Out => assert_eq!(item.qty, 0),
                StockLevel::Low => assert!((1..LOW_STOCK_THRESHOLD).contains(&item.qty)),
                StockLevel::Plenty => assert!(item.qty >= LOW_STOCK_THRESHOLD),
            }
            assert!(item.sku.len() <= 64 && item.price_cents > 0);
        }
    }

    #[test]
    fn csv_rows_quote_the_items() {
        let plan = Plan::new(sizes(2, 3, 2), now());
        let csv = orders_csv(&plan.orders, &[11, 12]);
        let mut lines = csv.lines();
        assert_eq!(
            lines.next(),
            Some("id,user_id,total,status,items_json,created_at")
        );
        let row = lines.next().unwrap();
        assert!(row.starts_with("demo-000000,1"), "{row}");
        assert!(row.contains(",\"[{\"\"sku\"\":"), "{row}");
        assert!(row.ends_with('Z'), "{row}");
    }

    #[test]
    fn money_has_two_places() {
        assert_eq!(money(1230), "12.30");
        assert_eq!(money(5), "0.05");
        assert_eq!(money(0), "0.00");
    }
}
