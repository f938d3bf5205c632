//! Application variables and the templates that use them.
//!
//! An application variable's value comes from, in order: `--variable name=value`, the
//! environment (`SPIN_VARIABLE_NAME`), its `default`. A component sees only its own
//! `[component.x.variables]`, whose values are templates over application variables
//! (`"{{ db_url }}"`), and `allowed_outbound_hosts` templates expand against application
//! variables, as in Spin's `expressions` and `factor-variables` crates (v3.6.3, v4.0.2).
//!
//! Spin resolves a value at each `get`; the host resolves every value once, at start,
//! from the same sources, so a guest sees the same values and the same errors. One
//! exception is stricter: a `SPIN_VARIABLE_*` that is not UTF-8 fails the start, where
//! Spin starts and fails each `get` of it with `Provider("failed to resolve env var ...")`.
//! Spin also reads a `.env` file and variable providers from `runtime-config.toml`; the
//! host does not.

use std::collections::{BTreeMap, HashMap};
use std::env::VarError;

use anyhow::{Result, anyhow, bail};

use crate::bindings::fermyon::spin2_0_0::variables::Error as GuestError;
use crate::manifest::{VariableDecl, is_valid_variable_name};

/// The resolved value of every application variable.
#[derive(Debug, Clone, Default)]
pub struct AppVariables(HashMap<String, String>);

impl AppVariables {
    /// Resolves every declared variable, failing on a required variable without a value,
    /// a `--variable` the manifest does not declare, or an environment variable `env` cannot
    /// read.
    pub fn resolve(
        declared: &BTreeMap<String, VariableDecl>,
        cli: &[(String, String)],
        env: impl Fn(&str) -> Result<Option<String>>,
    ) -> Result<AppVariables> {
        for (name, _) in cli {
            if !declared.contains_key(name) {
                bail!("--variable {name}: the manifest declares no variable `{name}`");
            }
        }
        let mut values = HashMap::new();
        for (name, decl) in declared {
            if decl.required == decl.default.is_some() {
                bail!("variable `{name}`: must be `required` OR have a `default`");
            }
            let from_cli = cli
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone());
            let value = match from_cli {
                Some(value) => Some(value),
                None => env(&format!("SPIN_VARIABLE_{}", name.to_ascii_uppercase()))?,
            }
            .or_else(|| decl.default.clone());
            match value {
                Some(value) => {
                    values.insert(name.clone(), value);
                }
                None => bail!(
                    "variable `{name}` is required but has no value: pass --variable {name}=... or set SPIN_VARIABLE_{}",
                    name.to_ascii_uppercase()
                ),
            }
        }
        Ok(AppVariables(values))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// Expands `{{ name }}` references to application variables.
    pub fn expand(&self, template: &str) -> Result<String> {
        expand(template, |name| self.get(name).map(str::to_string))
    }
}

/// The value of the process's environment variable `key`, if set; an error with Spin's
/// text if it is not UTF-8.
pub fn process_env(key: &str) -> Result<Option<String>> {
    match std::env::var(key) {
        Ok(value) => Ok(Some(value)),
        Err(VarError::NotPresent) => Ok(None),
        Err(e) => Err(anyhow!("failed to resolve env var {key}: {e}")),
    }
}

/// The variables of one component, already expanded.
#[derive(Debug, Clone, Default)]
pub struct ComponentVariables(HashMap<String, String>);

impl ComponentVariables {
    pub fn resolve(
        app: &AppVariables,
        templates: &BTreeMap<String, String>,
    ) -> Result<ComponentVariables> {
        let mut values = HashMap::new();
        for (name, template) in templates {
            let value = app
                .expand(template)
                .map_err(|e| anyhow!("component variable `{name}`: {e}"))?;
            values.insert(name.clone(), value);
        }
        Ok(ComponentVariables(values))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// What `spin:variables/get` answers component `component`, with Spin's error texts.
    pub fn get_for_guest(&self, component: &str, name: &str) -> Result<String, GuestError> {
        if let Some(problem) = name_problem(name) {
            return Err(GuestError::InvalidName(format!("{name:?}: {problem}")));
        }
        self.get(name)
            .map(str::to_string)
            .ok_or_else(|| GuestError::Undefined(format!("no variable for {component:?}.{name:?}")))
    }
}

/// Why Spin refuses a variable name, if it does.
pub fn name_problem(name: &str) -> Option<String> {
    let Some(first) = name.bytes().next() else {
        return Some("must not be empty".into());
    };
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_'))
    {
        return Some(format!(
            "invalid character {c:?}. Variable names may contain only lower-case letters, numbers, and underscores."
        ));
    }
    if !first.is_ascii_lowercase() {
        return Some("must start with a lowercase ASCII letter".into());
    }
    if !name.ends_with(|c: char| c.is_ascii_alphanumeric()) {
        return Some("must end with a lowercase ASCII letter or digit".into());
    }
    if name.contains("__") {
        return Some("must not contain multiple consecutive underscores".into());
    }
    None
}

/// Expands a template: literal text with `{{ name }}` references.
pub fn expand(template: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| anyhow!("unterminated `{{{{` in template {template:?}"))?;
        let name = after[..end].trim();
        if !is_valid_variable_name(name) {
            bail!("invalid variable reference `{{{{ {name} }}}}` in template {template:?}");
        }
        let value = lookup(name)
            .ok_or_else(|| anyhow!("template {template:?} uses unknown variable `{name}`"))?;
        out.push_str(&value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decl(default: Option<&str>, required: bool) -> VariableDecl {
        VariableDecl {
            default: default.map(str::to_string),
            required,
            ..Default::default()
        }
    }

    #[test]
    fn precedence_is_cli_then_env_then_default() {
        let declared = BTreeMap::from([
            ("a".to_string(), decl(Some("default-a"), false)),
            ("b".to_string(), decl(Some("default-b"), false)),
            ("c".to_string(), decl(Some("default-c"), false)),
        ]);
        let env = |key: &str| match key {
            "SPIN_VARIABLE_A" | "SPIN_VARIABLE_B" => Ok(Some("env".to_string())),
            _ => Ok(None),
        };
        let vars = AppVariables::resolve(&declared, &[("a".into(), "cli".into())], env).unwrap();
        assert_eq!(vars.get("a"), Some("cli"));
        assert_eq!(vars.get("b"), Some("env"));
        assert_eq!(vars.get("c"), Some("default-c"));
    }

    #[test]
    fn required_without_value_and_unknown_cli_variable_fail() {
        let declared = BTreeMap::from([("token".to_string(), decl(None, true))]);
        let err = AppVariables::resolve(&declared, &[], |_| Ok(None))
            .unwrap_err()
            .to_string();
        assert!(err.contains("`token` is required"), "{err}");
        let err = AppVariables::resolve(&declared, &[("nope".into(), "x".into())], |_| Ok(None))
            .unwrap_err()
            .to_string();
        assert!(err.contains("no variable `nope`"), "{err}");
    }

    #[test]
    fn a_variable_is_required_or_has_a_default() {
        for decl in [decl(None, false), decl(Some("x"), true)] {
            let declared = BTreeMap::from([("v".to_string(), decl)]);
            let err = AppVariables::resolve(&declared, &[], |_| Ok(Some("env".into())))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("must be `required` OR have a `default`"),
                "{err}"
            );
        }
    }

    #[test]
    fn an_environment_value_that_is_not_utf8_fails_the_start() {
        use std::os::unix::ffi::OsStrExt;
        let key = "SPIN_VARIABLE_HOST_UNIT_TEST_NOT_UTF8";
        // SAFETY: no other test reads or writes this variable.
        unsafe { std::env::set_var(key, std::ffi::OsStr::from_bytes(b"caf\xe9")) };
        let declared = BTreeMap::from([(
            "host_unit_test_not_utf8".to_string(),
            decl(Some("default"), false),
        )]);
        let err = AppVariables::resolve(&declared, &[], process_env)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            format!(
                "failed to resolve env var {key}: environment variable was not valid unicode: \"caf\\xE9\""
            )
        );
        // A `--variable` comes first: the environment is not read.
        let cli = [("host_unit_test_not_utf8".to_string(), "cli".to_string())];
        let vars = AppVariables::resolve(&declared, &cli, process_env).unwrap();
        assert_eq!(vars.get("host_unit_test_not_utf8"), Some("cli"));
    }

    #[test]
    fn guest_errors_are_spins() {
        let app = AppVariables::resolve(
            &BTreeMap::from([("a".to_string(), decl(Some("1"), false))]),
            &[],
            |_| Ok(None),
        )
        .unwrap();
        let vars =
            ComponentVariables::resolve(&app, &BTreeMap::from([("x".into(), "{{ a }}".into())]))
                .unwrap();
        assert_eq!(vars.get_for_guest("c", "x").unwrap(), "1");
        let undefined = vars.get_for_guest("c", "nope").unwrap_err();
        assert!(
            matches!(&undefined, GuestError::Undefined(m) if m == r#"no variable for "c"."nope""#),
            "{undefined:?}"
        );
        for (name, problem) in [
            ("", "must not be empty"),
            ("Bad", "invalid character 'B'"),
            ("1a", "must start with a lowercase ASCII letter"),
            ("a_", "must end with a lowercase ASCII letter or digit"),
            ("a__b", "must not contain multiple consecutive underscores"),
        ] {
            let err = vars.get_for_guest("c", name).unwrap_err();
            assert!(
                matches!(&err, GuestError::InvalidName(m) if m.starts_with(&format!("{name:?}: {problem}"))),
                "{err:?}"
            );
        }
    }

    #[test]
    fn templates_expand() {
        let lookup = |n: &str| (n == "host").then(|| "db:5432".to_string());
        assert_eq!(
            expand("postgres://{{ host }}/x", lookup).unwrap(),
            "postgres://db:5432/x"
        );
        assert_eq!(
            expand("{{host}}{{ host }}", lookup).unwrap(),
            "db:5432db:5432"
        );
        assert!(
            expand("{{ missing }}", lookup)
                .unwrap_err()
                .to_string()
                .contains("unknown variable `missing`")
        );
        assert!(expand("{{ host", lookup).is_err());
    }
}
