//! Compiled components, kept on disk and mapped from there.
//!
//! Compiling a component with Cranelift takes seconds, so each one is compiled once per
//! content and engine configuration into `<cache>/<hash>.cwasm`. The host then maps that
//! file rather than reading it into its heap: the machine code is demand-paged, so only the
//! pages that requests actually run are resident, and they are shared with the page cache
//! (and with every other host process serving the same build). Read into memory, all of
//! every component's code and metadata would count against the host, used or not.
//!
//! Under `SPIN_HOST_PERF_MAP=1` the files are read into memory instead: perf names the code
//! of a mapped file by that file's own symbols (a compiled component has none), not by the
//! perf map the host writes.
//!
//! The cache is `$SPIN_HOST_CACHE_DIR`, else `$XDG_CACHE_HOME/spin-host`, else
//! `~/.cache/spin-host`. Without any of them, or when the folder cannot be written, the
//! component is compiled in memory. Files unused for [`KEEP_UNUSED`] (and partial ones a
//! killed host left) are deleted at start.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use wasmtime::Engine;
use wasmtime::component::Component;

/// How long a compiled file stays when no host start uses it.
const KEEP_UNUSED: Duration = Duration::from_secs(7 * 24 * 3600);

pub struct CompiledCache {
    dir: Option<PathBuf>,
    /// Map the files (else read them into memory).
    map_files: bool,
}

impl CompiledCache {
    /// The cache folder from the environment (none when nothing names one).
    pub fn from_env(map_files: bool) -> CompiledCache {
        let dir = std::env::var_os("SPIN_HOST_CACHE_DIR")
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("spin-host"))
            })
            .or_else(|| {
                std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/spin-host"))
            });
        let dir = dir.filter(|dir| match std::fs::create_dir_all(dir) {
            Ok(()) => true,
            Err(e) => {
                eprintln!("compiled-component cache {} disabled: {e}", dir.display());
                false
            }
        });
        if let Some(dir) = &dir {
            prune(dir);
        }
        CompiledCache { dir, map_files }
    }

    /// The component in the Wasm file at `path`, compiled for `engine`.
    pub fn load(&self, engine: &Engine, path: &Path) -> Result<Component> {
        let wasm = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let Some(dir) = &self.dir else {
            return Ok(Component::new(engine, &wasm)?);
        };
        let file = dir.join(format!("{:016x}.cwasm", artifact_hash(engine, &wasm)));
        if !file.exists() {
            let compiled = engine.precompile_component(&wasm)?;
            if let Err(e) = write_whole(&file, &compiled) {
                eprintln!("caching {}: {e}", file.display());
                // SAFETY: `precompile_component`'s output of a moment ago, for this engine.
                return Ok(unsafe { Component::deserialize(engine, &compiled)? });
            }
        }
        // Marks the file as used, for `prune`.
        if let Err(e) = std::fs::File::open(&file).and_then(|f| f.set_modified(SystemTime::now())) {
            eprintln!("touching {}: {e}", file.display());
        }
        let read = if self.map_files {
            None
        } else {
            Some(std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?)
        };
        // SAFETY: the file holds `precompile_component`'s output for this engine's
        // configuration (its name is the hash of both). It appeared whole, by rename, and
        // nothing writes to it afterwards, so a mapping of it never changes under the host.
        // Deserializing still checks that the artifact suits this engine.
        let component = unsafe {
            match read {
                Some(bytes) => Component::deserialize(engine, bytes),
                None => Component::deserialize_file(engine, &file),
            }
        };
        Ok(component?)
    }
}

/// Names a compiled artifact by the component's bytes and what the engine compiles for.
fn artifact_hash(engine: &Engine, wasm: &[u8]) -> u64 {
    let mut hasher = DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    wasm.hash(&mut hasher);
    hasher.finish()
}

/// Writes to a temporary file and renames it into place, so a host starting at the same
/// moment maps either nothing or the whole file.
fn write_whole(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let partial = file.with_extension(format!("partial-{}", std::process::id()));
    std::fs::write(&partial, bytes)?;
    std::fs::rename(&partial, file)
}

/// Deletes the files no host start has used for [`KEEP_UNUSED`]. A host that still maps
/// one keeps its mapping: the file goes when the last mapping does.
fn prune(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let path = entry.path();
        let unused_for = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|modified| now.duration_since(modified).ok());
        if unused_for.is_some_and(|age| age > KEEP_UNUSED) {
            let _ = std::fs::remove_file(&path);
        }
    }
}
