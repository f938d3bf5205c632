//! The wasmtime engine, configured as Spin configures its own (`spin-core`'s
//! `Config::default`, the same in Spin 3.6 and 4.0): the pooling allocator sized from
//! `SPIN_MAX_INSTANCE_COUNT`, every limit overridable by the same `SPIN_WASMTIME_*`
//! environment variables, and `SPIN_WASMTIME_POOLING=0|1` to force it off or on.
//!
//! The host takes Spin's settings rather than settings tuned for itself so that what it
//! measures predicts what `spin up` will do with the same components: a tuning that pays
//! only under other settings would be a promise Spin does not keep. In particular Spin
//! leaves wasmtime's `pagemap_scan` off, so each freed instance slot has its first 2 MiB
//! of linear memory zeroed with `memset` before the next instance uses it, and any
//! component that touches more memory per request pays for that on Spin.

use std::fmt;
use std::str::FromStr;

use anyhow::{Context, Result, bail};
use wasmtime::{Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

const MB: usize = 1 << 20;
const GB: usize = 1 << 30;

/// The settings the engine was built with, for the start-up line and the bench.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineSettings {
    /// Spin's pooling allocator with these sizes.
    Pooling(PoolSettings),
    /// Every instance allocated on demand (`SPIN_WASMTIME_POOLING=0`, or no room for a pool).
    OnDemand,
}

/// The pooling allocator's knobs that Spin sets, with Spin's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolSettings {
    pub component_instances: u32,
    pub memories: u32,
    pub tables: u32,
    pub stacks: u32,
    pub core_instances: u32,
    pub table_elements: usize,
    pub component_instance_size: usize,
    pub core_instance_size: usize,
    pub core_instances_per_component: u32,
    pub tables_per_component: u32,
    pub memories_per_component: u32,
    pub tables_per_module: u32,
    pub memories_per_module: u32,
    pub linear_memory_keep_resident: usize,
    pub table_keep_resident: usize,
}

impl PoolSettings {
    /// Spin's defaults, each replaced by its environment variable where `env` has one.
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Result<PoolSettings> {
        let get = |name: &str, default: usize| -> Result<usize> { parse_or(&env, name, default) };
        let max_instances = get("SPIN_MAX_INSTANCE_COUNT", 1_000)?;
        let count = |name: &str, default: usize| -> Result<u32> {
            let value = get(name, default)?;
            u32::try_from(value).with_context(|| format!("{name}={value} is too large"))
        };
        Ok(PoolSettings {
            component_instances: count("SPIN_WASMTIME_INSTANCE_COUNT", max_instances)?,
            memories: count("SPIN_WASMTIME_TOTAL_MEMORIES", max_instances)?,
            tables: count("SPIN_WASMTIME_TOTAL_TABLES", 2 * max_instances)?,
            stacks: count("SPIN_WASMTIME_TOTAL_STACKS", max_instances)?,
            core_instances: count("SPIN_WASMTIME_TOTAL_CORE_INSTANCES", 4 * max_instances)?,
            table_elements: get("SPIN_WASMTIME_INSTANCE_TABLE_ELEMENTS", 100_000)?,
            component_instance_size: get("SPIN_WASMTIME_INSTANCE_SIZE", 10 * MB)?,
            core_instance_size: get("SPIN_WASMTIME_CORE_INSTANCE_SIZE", 10 * MB)?,
            core_instances_per_component: count("SPIN_WASMTIME_CORE_INSTANCE_COUNT", 200)?,
            tables_per_component: count("SPIN_WASMTIME_INSTANCE_TABLES", 64)?,
            memories_per_component: count("SPIN_WASMTIME_INSTANCE_MEMORIES", 32)?,
            tables_per_module: count("SPIN_WASMTIME_MAX_TABLES_PER_MODULE", 2)?,
            memories_per_module: count("SPIN_WASMTIME_MAX_MEMORIES_PER_MODULE", 2)?,
            linear_memory_keep_resident: get("SPIN_WASMTIME_LINEAR_MEMORY_KEEP_RESIDENT", 2 * MB)?,
            table_keep_resident: get("SPIN_WASMTIME_TABLE_KEEP_RESIDENT", MB / 2)?,
        })
    }

    fn to_wasmtime(&self) -> PoolingAllocationConfig {
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(self.component_instances)
            .total_memories(self.memories)
            .total_tables(self.tables)
            .total_stacks(self.stacks)
            .total_core_instances(self.core_instances)
            .table_elements(self.table_elements)
            .max_component_instance_size(self.component_instance_size)
            .max_core_instance_size(self.core_instance_size)
            .max_core_instances_per_component(self.core_instances_per_component)
            .max_tables_per_component(self.tables_per_component)
            .max_memories_per_component(self.memories_per_component)
            .max_tables_per_module(self.tables_per_module)
            .max_memories_per_module(self.memories_per_module)
            // As in Spin: the instance's own memory limit (the store's limiter) is what
            // bounds a guest, not the pool.
            .max_memory_size(4 * GB)
            .linear_memory_keep_resident(self.linear_memory_keep_resident)
            .table_keep_resident(self.table_keep_resident);
        pool
    }
}

impl EngineSettings {
    /// What Spin would choose on this machine with this environment.
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Result<EngineSettings> {
        let pooling = match env("SPIN_WASMTIME_POOLING").as_deref() {
            Some("1") => true,
            Some("0") => false,
            Some(other) => bail!("SPIN_WASMTIME_POOLING={other} not supported, only 1/0 supported"),
            None => address_space_fits_pool(),
        };
        Ok(if pooling {
            EngineSettings::Pooling(PoolSettings::from_env(env)?)
        } else {
            EngineSettings::OnDemand
        })
    }
}

impl fmt::Display for EngineSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineSettings::OnDemand => write!(f, "Spin's engine settings: on-demand allocation"),
            EngineSettings::Pooling(p) => write!(
                f,
                "Spin's engine settings: pooling allocator, {} instances, linear memory keep-resident {} KiB, table keep-resident {} KiB",
                p.component_instances,
                p.linear_memory_keep_resident >> 10,
                p.table_keep_resident >> 10
            ),
        }
    }
}

/// Builds the engine Spin would build with `settings`, with epoch interruption for the
/// request time limit (Spin's is on too).
pub fn build(settings: &EngineSettings, perf_map: bool) -> Result<Engine> {
    let mut config = wasmtime::Config::new();
    config.epoch_interruption(true);
    if perf_map {
        config.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    if let EngineSettings::Pooling(pool) = settings {
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool.to_wasmtime()));
    }
    Ok(Engine::new(&config)?)
}

fn parse_or<T>(env: &impl Fn(&str) -> Option<String>, name: &str, default: T) -> Result<T>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    match env(name) {
        // Spin panics on a value it cannot parse; the host refuses to start instead.
        Some(value) => value
            .parse()
            .map_err(|e| anyhow::anyhow!("failed to parse env var `{name}={value}`: {e}")),
        None => Ok(default),
    }
}

/// Spin's probe for the pool's virtual memory (about 42 bits for 1,000 memories): a
/// machine whose address space is smaller gets on-demand allocation instead.
fn address_space_fits_pool() -> bool {
    const BITS: u32 = 42;
    let mut config = wasmtime::Config::new();
    config.wasm_memory64(true);
    config.memory_reservation(1 << BITS);
    let Ok(engine) = Engine::new(&config) else {
        return false;
    };
    let mut store = wasmtime::Store::new(&engine, ());
    let ty = wasmtime::MemoryType::new64(0, Some(1 << (BITS - 16)));
    wasmtime::Memory::new(&mut store, ty).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn spins_defaults_without_environment() {
        let settings = PoolSettings::from_env(env_of(&[])).unwrap();
        assert_eq!(settings.component_instances, 1_000);
        assert_eq!(settings.memories, 1_000);
        assert_eq!(settings.tables, 2_000);
        assert_eq!(settings.core_instances, 4_000);
        assert_eq!(settings.linear_memory_keep_resident, 2 << 20);
        assert_eq!(settings.table_keep_resident, 512 << 10);
    }

    #[test]
    fn instance_count_scales_the_totals_and_each_knob_overrides() {
        let settings = PoolSettings::from_env(env_of(&[
            ("SPIN_MAX_INSTANCE_COUNT", "10"),
            ("SPIN_WASMTIME_TOTAL_TABLES", "7"),
            ("SPIN_WASMTIME_LINEAR_MEMORY_KEEP_RESIDENT", "0"),
        ]))
        .unwrap();
        assert_eq!(settings.component_instances, 10);
        assert_eq!(settings.core_instances, 40);
        assert_eq!(settings.tables, 7);
        assert_eq!(settings.linear_memory_keep_resident, 0);
    }

    #[test]
    fn unparsable_values_and_pooling_switches_are_refused() {
        let err = PoolSettings::from_env(env_of(&[("SPIN_MAX_INSTANCE_COUNT", "many")]));
        assert!(
            err.unwrap_err()
                .to_string()
                .contains("SPIN_MAX_INSTANCE_COUNT=many")
        );
        let err = EngineSettings::from_env(env_of(&[("SPIN_WASMTIME_POOLING", "yes")]));
        assert!(err.unwrap_err().to_string().contains("only 1/0 supported"));
        assert_eq!(
            EngineSettings::from_env(env_of(&[("SPIN_WASMTIME_POOLING", "0")])).unwrap(),
            EngineSettings::OnDemand
        );
    }

    #[test]
    fn the_engine_builds_with_spins_pool() {
        let settings = EngineSettings::from_env(env_of(&[("SPIN_WASMTIME_POOLING", "1")])).unwrap();
        build(&settings, false).expect("an engine with Spin's pool");
    }
}
