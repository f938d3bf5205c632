//! Aggregates over the orders a caller may see. Revenue counts every order that is not
//! cancelled (a cancelled order's money was never taken).

use std::collections::BTreeMap;

use service_kit::money::Money;
use service_kit::{ApiResult, Conditions};
use spin_sdk::pg4::Connection;

use super::{int, text};

pub struct Summary {
    pub total_orders: i64,
    pub total_revenue: Money,
    pub recent_orders_7d: i64,
    pub status_breakdown: BTreeMap<String, i64>,
}

pub fn summary(conn: &Connection, visible: &Conditions) -> ApiResult<Summary> {
    let filter = visible.sql();
    let totals = conn.query(
        &format!(
            "SELECT count(*), \
                    coalesce(sum(o.total) FILTER (WHERE o.status <> 'cancelled'), 0)::text, \
                    count(*) FILTER (WHERE o.created_at >= utc_now() - interval '7 days') \
               FROM orders o WHERE {filter}"
        ),
        &visible.params,
    )?;
    let row = totals
        .rows
        .first()
        .ok_or_else(|| service_kit::ApiError::internal("aggregate returned no row"))?;
    let by_status = conn.query(
        &format!("SELECT o.status, count(*) FROM orders o WHERE {filter} GROUP BY o.status"),
        &visible.params,
    )?;
    let mut status_breakdown: BTreeMap<String, i64> = crate::domain::Status::ALL
        .iter()
        .map(|s| (s.to_string(), 0))
        .collect();
    for row in &by_status.rows {
        status_breakdown.insert(text(&row[0])?, int(&row[1])?);
    }
    Ok(Summary {
        total_orders: int(&row[0])?,
        total_revenue: parse_money(&row[1])?,
        recent_orders_7d: int(&row[2])?,
        status_breakdown,
    })
}

/// One day of the series.
pub struct Day {
    pub date: String,
    pub orders: i64,
    pub revenue: Money,
}

/// The last `days` days (UTC) up to today, oldest first, days without orders included.
pub fn daily(conn: &Connection, mut visible: Conditions, days: i64) -> ApiResult<Vec<Day>> {
    let back = visible.bind(days - 1);
    let filter = visible.sql();
    let rows = conn.query(
        &format!(
            "WITH today AS (SELECT utc_now()::date AS d) \
             SELECT day::date::text, count(o.id), \
                    coalesce(sum(o.total) FILTER (WHERE o.status <> 'cancelled'), 0)::text \
               FROM today, generate_series((today.d - {back}::bigint::int)::timestamp, today.d::timestamp, interval '1 day') AS day \
               LEFT JOIN orders o \
                 ON o.created_at >= day \
                AND o.created_at < day + interval '1 day' \
                AND {filter} \
              GROUP BY day ORDER BY day"
        ),
        &visible.params,
    )?;
    rows.rows
        .iter()
        .map(|row| {
            Ok(Day {
                date: text(&row[0])?,
                orders: int(&row[1])?,
                revenue: parse_money(&row[2])?,
            })
        })
        .collect()
}

fn parse_money(value: &spin_sdk::pg4::DbValue) -> ApiResult<Money> {
    text(value)?
        .parse()
        .map_err(|e| service_kit::ApiError::internal(format!("revenue: {e}")))
}
