//! `--component-id` (`spin up -c`, repeatable): run only some of the app's components, as
//! Spin does (`src/commands/up.rs`, `crates/app/src/lib.rs` `retain_components`,
//! `crates/factor-outbound-networking/src/allowed_hosts.rs`
//! `validate_service_chaining_for_components`; the same at v3.6.3 and v4.0.2).
//!
//! Every named component must exist. The app keeps only the triggers (HTTP and Redis) of
//! the named components, and only the components those triggers run: the other routes
//! are gone (404, or whatever route still matches), the other channels unsubscribed, and a
//! request chained to a component left out traps its caller as one to an unknown
//! component does. A named component may not list a left-out component, or
//! `*.spin.internal`, in `allowed_outbound_hosts`; templated entries are not checked (Spin
//! checks them before their variables are resolved).

use anyhow::{Context, Result, bail};

use crate::manifest::Manifest;
use crate::outbound_http::chaining_target;

/// Keeps only the components in `selected` (all of them when it is empty).
pub fn retain_components(manifest: &mut Manifest, selected: &[String]) -> Result<()> {
    if !selected.is_empty() {
        retain(manifest, selected).context(
            "failed to resolve application with only components selected with --component",
        )?;
    }
    if manifest.trigger.http.is_empty() && manifest.trigger.redis.is_empty() {
        bail!("No triggers in app");
    }
    Ok(())
}

fn retain(manifest: &mut Manifest, selected: &[String]) -> Result<()> {
    if let Some(unknown) = selected
        .iter()
        .find(|id| !manifest.component.contains_key(*id))
    {
        bail!("Specified component \"{unknown}\" not found in application");
    }
    let is_selected = |id: &str| selected.iter().any(|s| s == id);
    let triggered = manifest
        .trigger
        .http
        .iter()
        .map(|t| &t.component)
        .chain(manifest.trigger.redis.iter().map(|t| &t.component))
        .filter(|id| is_selected(id));
    for id in triggered {
        for entry in &manifest.component[id].allowed_outbound_hosts {
            let Ok(uri) = entry.parse::<http::Uri>() else {
                continue;
            };
            match uri
                .authority()
                .and_then(|a| chaining_target(a.host().trim()))
            {
                Some("*") => bail!(
                    "Selected component '{id}' cannot use wildcard service chaining: allowed_outbound_hosts = [\"http://*.spin.internal\"]"
                ),
                Some(target) if !is_selected(target) => bail!(
                    "Selected component '{id}' cannot use service chaining to unselected component: allowed_outbound_hosts = [\"http://{target}.spin.internal\"]"
                ),
                _ => {}
            }
        }
    }
    manifest.trigger.http.retain(|t| is_selected(&t.component));
    manifest.trigger.redis.retain(|t| is_selected(&t.component));
    let triggers = &manifest.trigger;
    manifest.component.retain(|id, _| {
        triggers.http.iter().any(|t| t.component == *id)
            || triggers.redis.iter().any(|t| t.component == *id)
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const APP: &str = r#"
spin_manifest_version = 2
[application]
name = "t"
[application.trigger.redis]
address = "redis://127.0.0.1:6379"
[[trigger.http]]
route = "/a/..."
component = "a"
[[trigger.http]]
route = { private = true }
component = "b"
[[trigger.redis]]
channel = "c"
component = "c"
[component.a]
source = "a.wasm"
allowed_outbound_hosts = ["http://b.spin.internal", "{{ url }}", "redis://127.0.0.1:6379"]
[component.b]
source = "b.wasm"
[component.c]
source = "c.wasm"
allowed_outbound_hosts = ["http://*.spin.internal"]
[component.unused]
source = "u.wasm"
"#;

    fn select(ids: &[&str]) -> Result<Manifest> {
        let mut manifest = Manifest::parse(APP).unwrap();
        let ids: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
        retain_components(&mut manifest, &ids).map(|()| manifest)
    }

    fn error(ids: &[&str]) -> String {
        format!("{:#}", select(ids).unwrap_err())
    }

    #[test]
    fn keeps_the_selected_components_and_their_triggers_only() {
        let manifest = select(&["b"]).unwrap();
        assert_eq!(manifest.component.keys().collect::<Vec<_>>(), ["b"]);
        assert_eq!(manifest.trigger.http.len(), 1);
        assert!(manifest.trigger.redis.is_empty());

        let manifest = select(&["a", "b"]).unwrap();
        assert_eq!(manifest.component.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(manifest.trigger.http.len(), 2);

        let all = select(&[]).unwrap();
        assert_eq!(all.component.len(), 4, "no selection keeps everything");
    }

    #[test]
    fn refuses_unknown_ids_and_chaining_to_left_out_components() {
        assert!(error(&["nope"]).contains("Specified component \"nope\" not found"));
        assert!(
            error(&["a"]).contains(
                "Selected component 'a' cannot use service chaining to unselected component"
            ),
            "{}",
            error(&["a"])
        );
        assert!(error(&["c"]).contains("cannot use wildcard service chaining"));
        assert!(error(&["unused"]).contains("No triggers in app"));
    }
}
