//! HTTP trigger routing, as Spin 3 does it.
//!
//! A route is exact (`/users/me`) or a wildcard (`/users/...`, which also matches
//! `/users` itself); segments may be parameters (`/users/:id`). An exact route beats a
//! wildcard; among the rest the one with the longest literal prefix wins.

use anyhow::{Result, bail};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
}

#[derive(Debug, Clone)]
pub struct Route {
    /// The route as the manifest spells it.
    pub raw: String,
    segments: Vec<Segment>,
    wildcard: bool,
    pub component: String,
}

/// The outcome of routing one request path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMatch {
    pub component: String,
    /// `spin-raw-component-route` / `spin-matched-route`: the route as declared.
    pub raw_route: String,
    /// `spin-component-route`: the route without its trailing `/...`.
    pub component_route: String,
    /// `spin-path-info`: the part of the path after the matched route.
    pub path_info: String,
    /// `spin-path-match-<name>` values.
    pub params: Vec<(String, String)>,
}

impl RouteMatch {
    /// The match of a request chained to `component` (`http://<component>.spin.internal`),
    /// as Spin makes it (`RouteMatch::synthetic`): whatever the component's own routes,
    /// it is reached as if mounted at `/...`, so `spin-path-info` is the whole path.
    pub fn synthetic(component: &str, path: &str) -> RouteMatch {
        RouteMatch {
            component: component.to_string(),
            raw_route: "/...".to_string(),
            component_route: String::new(),
            path_info: path.to_string(),
            params: Vec::new(),
        }
    }
}

impl Route {
    pub fn parse(raw: &str, component: &str) -> Result<Route> {
        if !raw.starts_with('/') {
            bail!("route {raw:?} must start with `/`");
        }
        let (base, wildcard) = match raw.strip_suffix("/...") {
            Some(base) => (base, true),
            None => (raw, false),
        };
        if base.contains("...") {
            bail!("route {raw:?}: `...` is only allowed as the last segment");
        }
        let segments = base
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| match s.strip_prefix(':') {
                Some("") => bail!("route {raw:?}: parameter without a name"),
                Some(name) => Ok(Segment::Param(name.to_string())),
                None => Ok(Segment::Literal(s.to_string())),
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Route {
            raw: raw.to_string(),
            segments,
            wildcard,
            component: component.to_string(),
        })
    }

    /// The number of leading literal segments: the "prefix length" used to rank routes.
    fn literal_prefix(&self) -> usize {
        self.segments
            .iter()
            .take_while(|s| matches!(s, Segment::Literal(_)))
            .count()
    }

    fn base(&self) -> String {
        let base = self.raw.strip_suffix("/...").unwrap_or(&self.raw);
        if self.wildcard && base == "/" {
            String::new()
        } else {
            base.to_string()
        }
    }

    fn matches(&self, path: &str) -> Option<RouteMatch> {
        let mut params = Vec::new();
        let mut rest = path;
        for segment in &self.segments {
            let trimmed = rest.strip_prefix('/')?;
            let (head, tail) = match trimmed.find('/') {
                Some(i) => (&trimmed[..i], &trimmed[i..]),
                None => (trimmed, ""),
            };
            match segment {
                Segment::Literal(lit) if lit == head => {}
                Segment::Param(name) if !head.is_empty() => {
                    params.push((name.clone(), head.to_string()))
                }
                _ => return None,
            }
            rest = tail;
        }
        let path_info = if self.wildcard {
            rest.to_string()
        } else if rest.is_empty() || (rest == "/" && !self.segments.is_empty()) {
            String::new()
        } else {
            return None;
        };
        Some(RouteMatch {
            component: self.component.clone(),
            raw_route: self.raw.clone(),
            component_route: self.base(),
            path_info,
            params,
        })
    }
}

/// Every public route of the application.
#[derive(Debug, Default, Clone)]
pub struct Router {
    routes: Vec<Route>,
}

impl Router {
    pub fn new(routes: Vec<Route>) -> Result<Router> {
        for (i, route) in routes.iter().enumerate() {
            if let Some(other) = routes[..i].iter().find(|r| r.raw == route.raw) {
                bail!(
                    "route {:?} is declared twice (components `{}` and `{}`)",
                    route.raw,
                    other.component,
                    route.component
                );
            }
        }
        Ok(Router { routes })
    }

    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// The route a request path goes to, if any.
    pub fn route(&self, path: &str) -> Option<RouteMatch> {
        self.routes
            .iter()
            .filter_map(|route| route.matches(path).map(|m| (route, m)))
            .max_by_key(|(route, _)| {
                (
                    !route.wildcard,
                    route.literal_prefix(),
                    route.segments.len(),
                )
            })
            .map(|(_, m)| m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router(routes: &[(&str, &str)]) -> Router {
        Router::new(
            routes
                .iter()
                .map(|(r, c)| Route::parse(r, c).unwrap())
                .collect(),
        )
        .unwrap()
    }

    fn component(router: &Router, path: &str) -> Option<String> {
        router.route(path).map(|m| m.component.to_string())
    }

    #[test]
    fn exact_beats_wildcard_and_longest_prefix_wins() {
        let r = router(&[
            ("/...", "web"),
            ("/users/...", "users"),
            ("/users/me", "me"),
            ("/users/admin/...", "admin"),
        ]);
        assert_eq!(component(&r, "/users/me").as_deref(), Some("me"));
        assert_eq!(component(&r, "/users/42").as_deref(), Some("users"));
        assert_eq!(component(&r, "/users/admin/x").as_deref(), Some("admin"));
        assert_eq!(component(&r, "/anything").as_deref(), Some("web"));
        assert_eq!(component(&r, "/").as_deref(), Some("web"));
    }

    #[test]
    fn wildcard_matches_its_base() {
        let r = router(&[("/users/...", "users")]);
        let m = r.route("/users").unwrap();
        assert_eq!(m.path_info, "");
        assert_eq!(m.component_route, "/users");
        assert_eq!(r.route("/users/").unwrap().path_info, "/");
        assert_eq!(r.route("/users/1/x").unwrap().path_info, "/1/x");
        assert!(r.route("/usersx").is_none());
    }

    #[test]
    fn no_match_is_none() {
        let r = router(&[("/a", "a")]);
        assert!(r.route("/b").is_none());
        assert!(r.route("/a/b").is_none());
    }

    #[test]
    fn params_are_captured() {
        let r = router(&[("/items/:id/parts/...", "items"), ("/items/:id", "item")]);
        let m = r.route("/items/7").unwrap();
        assert_eq!(m.component, "item");
        assert_eq!(m.params, vec![("id".to_string(), "7".to_string())]);
        let m = r.route("/items/7/parts/9").unwrap();
        assert_eq!(m.component, "items");
        assert_eq!(m.path_info, "/9");
    }

    #[test]
    fn root_wildcard_has_empty_component_route() {
        let r = router(&[("/...", "web")]);
        let m = r.route("/app/x").unwrap();
        assert_eq!(m.component_route, "");
        assert_eq!(m.path_info, "/app/x");
    }

    #[test]
    fn a_chained_request_is_matched_as_if_mounted_at_the_root() {
        let m = RouteMatch::synthetic("inventory", "/inventory/reservations");
        assert_eq!(m.component, "inventory");
        assert_eq!(m.raw_route, "/...");
        assert_eq!(m.component_route, "");
        assert_eq!(m.path_info, "/inventory/reservations");
        assert!(m.params.is_empty());
    }

    #[test]
    fn duplicate_routes_are_rejected() {
        let routes = vec![
            Route::parse("/a", "x").unwrap(),
            Route::parse("/a", "y").unwrap(),
        ];
        assert!(Router::new(routes).is_err());
        assert!(Route::parse("a", "x").is_err());
        assert!(Route::parse("/a/.../b", "x").is_err());
    }
}
