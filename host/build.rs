//! Generates the host bindings for Spin's WIT interfaces from the `wit/` folder of the
//! `spin-sdk` crate the components are built with, so host and guests agree on every
//! type by construction and nothing is retyped here.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let wit = spin_sdk_wit_dir();
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed={}", wit.display());

    // `bindgen!` needs the path as a literal, so the invocation itself is generated.
    let bindings = format!(
        r#"wasmtime::component::bindgen!({{
    path: {path:?},
    inline: "
        package spin-host:platform;
        world host {{
            import fermyon:spin/variables@2.0.0;
            import fermyon:spin/key-value@2.0.0;
            import fermyon:spin/redis@2.0.0;
            import spin:postgres/postgres@4.0.0;
        }}
    ",
    world: "spin-host:platform/host",
    imports: {{ default: async | trappable }},
    with: {{
        "fermyon:spin/key-value.store": crate::key_value::StoreHandle,
        "fermyon:spin/redis.connection": crate::redis::RedisConnection,
        "spin:postgres/postgres.connection": crate::postgres::PgConnection,
    }},
}});
"#,
        path = wit.display().to_string()
    );
    // The export a Redis-triggered component implements.
    let redis_trigger = format!(
        r#"pub mod redis_trigger {{
    wasmtime::component::bindgen!({{
        path: {path:?},
        inline: "
            package spin-host:redis-trigger;
            world redis-trigger {{
                export fermyon:spin/inbound-redis;
            }}
        ",
        world: "spin-host:redis-trigger/redis-trigger",
        exports: {{ default: async }},
    }});
}}
"#,
        path = wit.display().to_string()
    );
    let bindings = format!("{bindings}\n{redis_trigger}");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("spin_bindings.rs");
    std::fs::write(out, bindings).expect("writing bindings");
}

/// Finds `spin-sdk`'s `wit/` folder through `cargo metadata` of this workspace.
fn spin_sdk_wit_dir() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline"])
        .current_dir(&manifest_dir)
        .output()
        .expect("running cargo metadata");
    assert!(
        output.status.success(),
        "cargo metadata failed (run `cargo fetch` first): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("cargo metadata JSON");
    let package = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == "spin-sdk")
        .expect("spin-sdk is a dependency of the workspace's components");
    let manifest = PathBuf::from(package["manifest_path"].as_str().unwrap());
    manifest.parent().unwrap().join("wit")
}
