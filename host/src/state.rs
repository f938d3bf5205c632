//! What one component instance (one request) carries in its wasmtime `Store`.

use std::sync::Arc;

use wasmtime::StoreLimits;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::app::ComponentConfig;
use crate::bindings::fermyon::spin2_0_0::variables;
use crate::key_value::KeyValueStores;
use crate::outbound_http::OutboundHttp;
use crate::postgres::PgPools;
use crate::redis_pool::RedisPool;

/// Connections and stores shared by every instance of every component.
pub struct Services {
    pub pg: PgPools,
    pub redis: RedisPool,
    pub key_value: KeyValueStores,
}

pub struct InstanceState {
    pub wasi: WasiCtx,
    pub http: WasiHttpCtx,
    pub table: ResourceTable,
    pub outbound_http: OutboundHttp,
    pub component: Arc<ComponentConfig>,
    pub services: Arc<Services>,
    pub limits: StoreLimits,
    /// The guest's open `spin:postgres` connections.
    pub pg_connections: ConnectionSlots,
    /// The guest's open `fermyon:spin/redis` connections.
    pub redis_connections: ConnectionSlots,
}

/// Spin keeps an instance's open connections of each interface in a table of 1,024 entries
/// (`spin_resource_table::Table` in `factor-outbound-pg` and `factor-outbound-redis`, v3.6.3
/// and v4.0.2): an `open` beyond that fails, after connecting, until one is dropped.
#[derive(Default)]
pub struct ConnectionSlots {
    open: u32,
}

impl ConnectionSlots {
    pub const CAPACITY: u32 = 1024;

    /// Takes a slot for a new connection; false when all are taken.
    pub fn take(&mut self) -> bool {
        let free = self.open < Self::CAPACITY;
        self.open += u32::from(free);
        free
    }

    /// Gives back the slot of a dropped connection.
    pub fn give_back(&mut self) {
        self.open = self.open.saturating_sub(1);
    }
}

impl WasiView for InstanceState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for InstanceState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.outbound_http,
        }
    }
}

impl variables::Host for InstanceState {
    async fn get(&mut self, name: String) -> wasmtime::Result<Result<String, variables::Error>> {
        Ok(self
            .component
            .variables
            .get_for_guest(&self.component.id, &name))
    }
}
