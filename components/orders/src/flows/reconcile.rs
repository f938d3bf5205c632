//! Reconciliation of create sagas that died between the reservation and the insert (host
//! killed, PostgreSQL down, a compensation that failed too): their intents
//! (`store::intents`) outlive them. (Changes that died mid-saga leave their lease set
//! instead; the full run also settles those, see [`run`].) For each stale intent: if the order exists after all,
//! the intent is simply deleted; otherwise the reservation is released (idempotent in the
//! inventory) and then the intent is deleted. A release that fails leaves the intent for
//! the next run.
//!
//! Spin has no background work, so something triggers it: every create runs a small pass
//! first (one indexed statement when nothing is stale), and `POST
//! /orders/maintenance/reconcile` runs a full one (for the webhooks deliverer's periodic
//! wake, an operator's cron, or by hand).

use serde::Serialize;
use service_kit::{ApiResult, RequestContext};
use spin_sdk::pg4::Connection;

use crate::domain::OrderId;
use crate::flows::change;
use crate::remote::inventory::Inventory;
use crate::store::{intents, orders};

/// How old an intent must be before its saga counts as dead. A live saga holds its intent
/// for at most two outbound calls (5 s each: users, inventory) and two statements, so a
/// minute is far beyond any saga that is still running. (Even so, a saga that wakes up
/// after its intent was taken cannot record its order: the insert requires the intent.)
pub const STALE_AFTER_SECONDS: u32 = 60;

/// Intents settled by one pass of a create (keeps `POST /orders/` fast).
const OPPORTUNISTIC_BATCH: i64 = 3;
/// Intents per statement, and statements per call, of the maintenance endpoint.
const BATCH: i64 = 100;
const MAX_BATCHES: usize = 10;

/// What a run did, by order id.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Report {
    /// Stock given back: the saga died before recording the order.
    pub released: Vec<String>,
    /// The order exists after all; only the intent was deleted.
    pub already_ordered: Vec<String>,
    /// Orders whose change (cancel, reactivate, new items, delete) died between its stock
    /// move and its write: the inventory was made to hold what the order records.
    pub resynced: Vec<String>,
    /// Not settled (the inventory or the database failed, or the stock an order records
    /// is gone): left for the next run.
    pub failed: Vec<String>,
}

/// The small pass at the start of a create. Never fails the create: problems are logged
/// and the intents are left for the next run.
pub async fn opportunistic(ctx: &RequestContext, conn: &Connection) {
    match batch(ctx, conn, OPPORTUNISTIC_BATCH).await {
        Ok((report, _)) => log(ctx, &report),
        Err(e) => eprintln!(
            "request {}: reconciling order intents: {}",
            ctx.request_id, e.detail
        ),
    }
}

/// A full run: batches until no stale intent is left, one fails, or the call's share of
/// work is done; then the orders whose change was interrupted (their lease ran out
/// unreleased more than the threshold ago) are made to match in the inventory.
pub async fn run(ctx: &RequestContext, conn: &Connection) -> ApiResult<Report> {
    let mut report = Report::default();
    interrupted_changes(ctx, conn, &mut report).await?;
    for _ in 0..MAX_BATCHES {
        let (done, claimed) = batch(ctx, conn, BATCH).await?;
        let stop = claimed < BATCH as usize || !done.failed.is_empty();
        report.released.extend(done.released);
        report.already_ordered.extend(done.already_ordered);
        report.resynced.extend(done.resynced);
        report.failed.extend(done.failed);
        if stop {
            break;
        }
    }
    log(ctx, &report);
    Ok(report)
}

/// Orders whose change died mid-saga, taken over with a fresh lease: the inventory is made
/// to hold what each records, and the lease is ended. One that fails keeps the lease (it
/// runs out, and the next run or change tries again).
async fn interrupted_changes(
    ctx: &RequestContext,
    conn: &Connection,
    report: &mut Report,
) -> ApiResult<()> {
    let stale = STALE_AFTER_SECONDS - orders::LEASE_SECONDS;
    for lease in orders::lease_interrupted(conn, stale, BATCH)? {
        let id = lease.order.id.to_string();
        match change::resync(ctx, &lease).await {
            Ok(()) => {
                orders::unlease(conn, &lease);
                report.resynced.push(id);
            }
            Err(e) => {
                eprintln!(
                    "request {}: order {id}: its interrupted change could not be settled, \
                     left for the next run: {}",
                    ctx.request_id, e.detail
                );
                report.failed.push(id);
            }
        }
    }
    Ok(())
}

/// Takes up to `limit` stale intents and settles them; also returns how many it took.
async fn batch(ctx: &RequestContext, conn: &Connection, limit: i64) -> ApiResult<(Report, usize)> {
    let token = uuid::Uuid::new_v4().to_string();
    let claimed = intents::claim_stale(conn, &token, STALE_AFTER_SECONDS, limit)?;
    let mut report = Report::default();
    if claimed.is_empty() {
        return Ok((report, 0));
    }
    let count = claimed.len();
    let inventory = Inventory::connect(ctx)?;
    let mut down = false;
    for intent in claimed {
        let id = intent.order_id;
        // Once the inventory failed, the rest wait for the next run (their claim runs out)
        // instead of each waiting for its own time-out.
        let settled = !down && settle(conn, &inventory, &id, &token, &mut report).await;
        if !settled {
            down = true;
            eprintln!(
                "request {}: order intent {id} (user {}) not settled, left for the next run",
                ctx.request_id, intent.user_id
            );
            report.failed.push(id);
        }
    }
    Ok((report, count))
}

/// Settles one claimed intent; `false` when it must be left for the next run.
async fn settle(
    conn: &Connection,
    inventory: &Inventory,
    id: &str,
    token: &str,
    report: &mut Report,
) -> bool {
    match intents::order_exists(conn, id) {
        Ok(true) => {
            if intents::settle(conn, id, token).is_err() {
                return false;
            }
            report.already_ordered.push(id.to_string());
            return true;
        }
        Ok(false) => {}
        Err(_) => return false,
    }
    // Intents are only written for valid ids; a row that is not one holds no stock.
    if let Ok(order) = OrderId::try_from(id.to_string())
        && inventory.release(&order).await.is_err()
    {
        return false;
    }
    if intents::settle(conn, id, token).is_err() {
        return false;
    }
    report.released.push(id.to_string());
    true
}

fn log(ctx: &RequestContext, report: &Report) {
    if !report.released.is_empty()
        || !report.already_ordered.is_empty()
        || !report.resynced.is_empty()
    {
        eprintln!(
            "request {}: reconciled: released stock of {:?}, already ordered {:?}, \
             interrupted changes settled {:?}",
            ctx.request_id, report.released, report.already_ordered, report.resynced
        );
    }
}
