//! `Idempotency-Key` records, in PostgreSQL so they hold across instances and restarts.
//!
//! The first request with a key claims it, with a hash of its body and the id of the order
//! it is about to create, before it calls any other service. A repeat then finds the
//! claim: same body and the order exists → the first result; other body → 422; the order
//! not written yet → 409 (the first request is still running). A failed request gives its
//! claim up, so the client can retry with the same key; a claim left by a request that died
//! half-way may be taken again after [`ABANDONED_AFTER`].

use service_kit::{ApiError, ApiResult, Caller, FieldError};
use spin_sdk::pg4::{Connection, DbValue, ParameterValue};

use crate::domain::OrderId;

const ABANDONED_AFTER: &str = "5 minutes";
const MAX_KEY_LEN: usize = 255;

/// A validated `Idempotency-Key` of one caller.
pub struct Key {
    user_id: i64,
    key: String,
}

impl Key {
    /// The request's key, if it has one: 1–255 visible ASCII characters, else 422.
    pub fn of(req: &spin_sdk::http::Request, caller: &Caller) -> ApiResult<Option<Key>> {
        let Some(value) = req.header("idempotency-key") else {
            return Ok(None);
        };
        let key = value.as_str().unwrap_or("").trim();
        if key.is_empty() || key.len() > MAX_KEY_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ApiError::invalid_field(FieldError {
                loc: vec!["header".into(), "idempotency-key".into()],
                msg: format!("must be 1-{MAX_KEY_LEN} visible ASCII characters"),
                kind: "value_error".into(),
            }));
        }
        Ok(Some(Key {
            user_id: caller.id,
            key: key.to_string(),
        }))
    }
}

pub enum Claim {
    /// This request owns the key and creates the order.
    Claimed,
    /// An earlier request with the same body created this order.
    Replay(OrderId),
}

/// Claims `key` for creating order `order_id` from `body`.
pub fn claim(conn: &Connection, key: &Key, body: &[u8], order_id: &OrderId) -> ApiResult<Claim> {
    let params: [ParameterValue; 4] = [
        key.user_id.into(),
        key.key.clone().into(),
        body.to_vec().into(),
        order_id.as_str().to_string().into(),
    ];
    let claimed = conn.query(
        &format!(
            "INSERT INTO idempotency_keys AS k (user_id, key, request_hash, order_id) \
             VALUES ($1, $2, sha256($3::bytea), $4) \
             ON CONFLICT (user_id, key) DO UPDATE \
                SET request_hash = EXCLUDED.request_hash, order_id = EXCLUDED.order_id, created_at = utc_now() \
              WHERE k.created_at < utc_now() - interval '{ABANDONED_AFTER}' \
                AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = k.order_id) \
             RETURNING 1"
        ),
        &params,
    )?;
    if !claimed.rows.is_empty() {
        return Ok(Claim::Claimed);
    }
    let existing = conn.query(
        "SELECT k.request_hash = sha256($3::bytea), k.order_id, \
                EXISTS (SELECT 1 FROM orders o WHERE o.id = k.order_id) \
           FROM idempotency_keys k WHERE k.user_id = $1 AND k.key = $2",
        &params[..3],
    )?;
    let Some(row) = existing.rows.first() else {
        // The claim was given up between our two statements: the first request failed.
        return Err(in_progress());
    };
    match (&row[0], &row[2]) {
        (DbValue::Boolean(false), _) => Err(ApiError::unprocessable(
            "this Idempotency-Key was used with a different request body",
        )),
        (_, DbValue::Boolean(true)) => {
            let id = super::text(&row[1])?;
            Ok(Claim::Replay(
                OrderId::try_from(id).map_err(ApiError::internal)?,
            ))
        }
        _ => Err(in_progress()),
    }
}

fn in_progress() -> ApiError {
    ApiError::conflict("a request with this Idempotency-Key is still in progress; try again")
}

/// Gives up the claim of a request that failed, so a retry with the key starts afresh.
pub fn release(conn: &Connection, key: &Key, order_id: &OrderId) {
    let result = conn.execute(
        "DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND order_id = $3",
        &[
            key.user_id.into(),
            key.key.clone().into(),
            order_id.as_str().to_string().into(),
        ],
    );
    if let Err(e) = result {
        eprintln!("giving up an idempotency claim: {e:?}");
    }
}
