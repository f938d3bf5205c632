//! The loaded application: compiled components, routes, configuration, and the
//! handling of one request by a fresh component instance.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use wasmtime::component::{HasSelf, Linker, ResourceTable};
use wasmtime::{Engine, Store, StoreLimitsBuilder};
use wasmtime_wasi::{FsPerms, WasiCtx};
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpView};

use crate::bindings;
use crate::bindings::redis_trigger::RedisTriggerPre;
use crate::compiled::CompiledCache;
use crate::incoming;
use crate::key_value::KeyValueStores;
use crate::manifest::{FileMount, Manifest, RouteDecl, SourceDecl};
use crate::outbound::AllowedHosts;
use crate::outbound_http::OutboundHttp;
use crate::routing::{Route, RouteMatch, Router};
use crate::runtime_config::RuntimeConfig;
use crate::state::{InstanceState, Services};
use crate::variables::{AppVariables, ComponentVariables, process_env};

/// The largest linear memory one instance may grow to. Spin sets none unless its runtime
/// configuration says `max_instance_memory`; the host is stricter on purpose, so a guest
/// that leaks fails here first.
const MAX_INSTANCE_MEMORY: usize = 256 << 20;
/// How often running guests are interrupted so a request's time limit can be enforced.
const EPOCH_TICK: Duration = Duration::from_millis(10);

/// What the host was asked to run.
pub struct AppOptions {
    pub manifest: PathBuf,
    pub runtime_config: Option<PathBuf>,
    pub variables: Vec<(String, String)>,
    /// `--component-id`: the components to run (empty: all).
    pub components: Vec<String>,
    pub request_timeout: Duration,
    /// How many requests from the network run at once (`None`: no limit).
    pub max_concurrent_requests: Option<usize>,
    /// The wasmtime engine's settings: Spin's (see `engine`).
    pub engine: crate::engine::EngineSettings,
}

/// A component's configuration, shared by all its instances.
pub struct ComponentConfig {
    pub id: String,
    pub variables: ComponentVariables,
    pub allowed_hosts: AllowedHosts,
    pub key_value_stores: Vec<String>,
    files: Vec<(PathBuf, String)>,
    environment: Vec<(String, String)>,
}

struct LoadedComponent {
    /// Set when the component has an HTTP trigger (a route, or a private one).
    http: Option<ProxyPre<InstanceState>>,
    /// Set when the component exports `fermyon:spin/inbound-redis`.
    redis: Option<RedisTriggerPre<InstanceState>>,
    config: Arc<ComponentConfig>,
}

/// How a request reached the application.
pub enum Entry<'a> {
    /// From the network (this client), routed by the HTTP trigger.
    Public(SocketAddr),
    /// Chained from another component to this one.
    Chained(&'a str),
}

pub struct App {
    engine: Engine,
    router: Router,
    components: HashMap<String, LoadedComponent>,
    services: Arc<Services>,
    request_timeout: Duration,
    /// Admits requests from the network. Every running instance holds a slot of the
    /// instance pool and the memory it touched, and on a few cores more requests at once
    /// only queue for the CPU inside the host: waiting here instead bounds the pool's
    /// memory. Chained requests are not admitted again: they run inside a request that
    /// holds a permit, and waiting for another permit could deadlock.
    admission: Option<Arc<Semaphore>>,
}

impl App {
    pub fn load(options: &AppOptions) -> Result<Arc<App>> {
        let manifest_path = if options.manifest.is_dir() {
            options.manifest.join("spin.toml")
        } else {
            options.manifest.clone()
        };
        let mut manifest = Manifest::load(&manifest_path)?;
        crate::select::retain_components(&mut manifest, &options.components)?;
        let app_dir = manifest_path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let app_dir = if app_dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            app_dir
        };

        let variables =
            AppVariables::resolve(&manifest.variables, &options.variables, process_env)?;
        let runtime_config = match &options.runtime_config {
            Some(path) => RuntimeConfig::load(path)?,
            None => RuntimeConfig::default(),
        };
        let services = Arc::new(Services {
            pg: Default::default(),
            redis: Default::default(),
            key_value: KeyValueStores::new(
                &runtime_config.key_value_store,
                &app_dir,
                options.runtime_config.as_deref(),
            )?,
        });

        let engine = crate::engine::build(&options.engine, perf_map_requested())?;
        let linker = build_linker(&engine)?;

        // perf reads a mapped file's own symbols, not the perf map: profiled code is
        // loaded into memory instead.
        let compiled = CompiledCache::from_env(!perf_map_requested());
        let mut components = HashMap::new();
        for (id, decl) in &manifest.component {
            let path = match &decl.source {
                SourceDecl::Local(path) => app_dir.join(path),
                SourceDecl::Remote { url, .. } => {
                    bail!("component `{id}`: remote sources ({url}) are not supported by this host")
                }
            };
            if !path.exists() {
                bail!(
                    "component `{id}`: {} does not exist. Build the application first (`make build`, or `spin build`)",
                    path.display()
                );
            }
            let component = compiled
                .load(&engine, &path)
                .with_context(|| format!("component `{id}`: compiling {}", path.display()))?;
            let instance_pre = linker
                .instantiate_pre(&component)
                .map_err(anyhow::Error::from)
                .with_context(|| format!("component `{id}`: unsatisfied imports"))?;
            let http = if manifest.trigger.http.iter().any(|t| t.component == *id) {
                Some(ProxyPre::new(instance_pre.clone()).map_err(|_| {
                    anyhow::anyhow!(
                        "component `{id}` has an HTTP trigger but does not export wasi:http/incoming-handler"
                    )
                })?)
            } else {
                None
            };
            let redis = RedisTriggerPre::new(instance_pre).ok();
            if redis.is_none() && manifest.trigger.redis.iter().any(|t| t.component == *id) {
                bail!(
                    "component `{id}` has a Redis trigger but does not export fermyon:spin/inbound-redis"
                );
            }

            services
                .key_value
                .check_labels(id, &decl.key_value_stores)?;
            let component_variables = ComponentVariables::resolve(&variables, &decl.variables)
                .with_context(|| format!("component `{id}`"))?;
            // Spin expands these templates against the application's variables, not the
            // component's.
            let allowed = decl
                .allowed_outbound_hosts
                .iter()
                .map(|entry| variables.expand(entry))
                .collect::<Result<Vec<_>>>()
                .with_context(|| format!("component `{id}`: allowed_outbound_hosts"))?;
            let component_ids: Vec<String> = manifest.component.keys().cloned().collect();
            let allowed_hosts = AllowedHosts::parse(&allowed, &component_ids)
                .with_context(|| format!("component `{id}`"))?;
            let files = decl
                .files
                .iter()
                .map(|mount| file_mount(&app_dir, mount))
                .collect::<Result<Vec<_>>>()
                .with_context(|| format!("component `{id}`: files"))?;
            let config = ComponentConfig {
                id: id.clone(),
                variables: component_variables,
                allowed_hosts,
                key_value_stores: decl.key_value_stores.clone(),
                files,
                environment: decl
                    .environment
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            };
            components.insert(
                id.clone(),
                LoadedComponent {
                    http,
                    redis,
                    config: Arc::new(config),
                },
            );
        }

        let routes = manifest
            .trigger
            .http
            .iter()
            .filter_map(|t| match &t.route {
                RouteDecl::Path(route) => Some(Route::parse(route, &t.component)),
                RouteDecl::Private { .. } => None,
            })
            .collect::<Result<Vec<_>>>()?;
        let router = Router::new(routes)?;

        let subscriptions = crate::redis_trigger::subscriptions(&manifest, &variables)?;

        spawn_epoch_ticker(&engine);
        let app = Arc::new(App {
            engine,
            router,
            components,
            services,
            request_timeout: options.request_timeout,
            admission: options
                .max_concurrent_requests
                .map(|n| Arc::new(Semaphore::new(n))),
        });
        crate::redis_trigger::start(app.clone(), subscriptions);
        Ok(app)
    }

    /// Whether requests can be chained to component `id`: Spin routes them only to a
    /// component with an HTTP trigger.
    pub fn serves_http(&self, id: &str) -> bool {
        self.components.get(id).is_some_and(|c| c.http.is_some())
    }

    pub fn router(&self) -> &Router {
        &self.router
    }

    /// Handles one request as Spin's HTTP trigger does: routes it (a chained request goes
    /// to its component as if mounted at `/...`), prepares it (`crate::incoming`), and runs
    /// a fresh instance of the component.
    ///
    /// An error is a request Spin answers with nothing (its `handle_trigger_route` fails):
    /// it drops a client's connection and traps a chaining caller.
    pub async fn handle<B>(
        self: &Arc<Self>,
        mut req: Request<B>,
        entry: Entry<'_>,
    ) -> Result<Response<HyperOutgoingBody>>
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let path = req.uri().path();
        let (matched, client_addr) = match entry {
            Entry::Public(client_addr) => match self.router.route(path) {
                Some(m) => (m, client_addr),
                None => return Ok(empty_response(StatusCode::NOT_FOUND)),
            },
            Entry::Chained(component) => (
                RouteMatch::synthetic(component, path),
                incoming::CHAINED_CLIENT_ADDR,
            ),
        };
        incoming::set_absolute_uri(&mut req)?;
        let (component, pre) = self
            .components
            .get(&matched.component)
            .and_then(|c| c.http.as_ref().map(|pre| (c, pre)))
            .with_context(|| format!("unknown routing destination '{}'", matched.component))?;
        if let Err(e) = incoming::check_header_values(&req) {
            eprintln!("Error processing request: {e:#}");
            return Ok(empty_response(StatusCode::INTERNAL_SERVER_ERROR));
        }
        incoming::add_spin_headers(&mut req, &matched, client_addr);
        let permit = match (&entry, &self.admission) {
            (Entry::Public(_), Some(admission)) => Some(
                admission
                    .clone()
                    .acquire_owned()
                    .await
                    .expect("the admission semaphore is never closed"),
            ),
            _ => None,
        };
        Ok(match self.run(component, pre, req, permit).await {
            Ok(response) => response,
            Err(failure) => failure.into_response(&component.config.id),
        })
    }

    async fn run<B>(
        self: &Arc<Self>,
        component: &LoadedComponent,
        pre: &ProxyPre<InstanceState>,
        req: Request<B>,
        permit: Option<OwnedSemaphorePermit>,
    ) -> Result<Response<HyperOutgoingBody>, Failure>
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let mut store = self
            .new_store(component)
            .map_err(|e| Failure::Setup(wasmtime::Error::from_anyhow(e)))?;
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let req = store
            .data_mut()
            .http()
            .new_incoming_request(Scheme::Http, req)
            .map_err(Failure::Setup)?;
        let out = store
            .data_mut()
            .http()
            .new_response_outparam(sender)
            .map_err(Failure::Setup)?;
        let pre = pre.clone();
        let timeout = self.request_timeout;

        // The guest runs in its own task: it may keep streaming the body after it has
        // sent the response head, and the time limit covers all of it.
        let task = tokio::spawn(async move {
            let outcome = tokio::time::timeout(timeout, async {
                let proxy = pre.instantiate_async(&mut store).await?;
                proxy
                    .wasi_http_incoming_handler()
                    .call_handle(&mut store, req, out)
                    .await
            })
            .await;
            // The instance's pool slot is free once the store is gone; only then may the
            // next request be admitted.
            drop(store);
            drop(permit);
            outcome
        });

        match receiver.await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(code)) => Err(Failure::Guest(format!(
                "the component answered with an error: {code:?}"
            ))),
            // The store (and with it the sender) is gone: the task ended without a response.
            Err(_) => match task.await {
                Ok(Ok(Ok(()))) => Err(Failure::Guest(
                    "the component did not send a response".into(),
                )),
                Ok(Ok(Err(trap))) => Err(Failure::Trap(trap)),
                Ok(Err(_elapsed)) => Err(Failure::Timeout(timeout)),
                Err(join) => Err(Failure::Guest(format!(
                    "the component's task failed: {join}"
                ))),
            },
        }
    }

    /// Handles one message of a Redis channel with a fresh instance of `component`.
    pub async fn handle_redis_message(
        self: &Arc<Self>,
        component: &str,
        payload: Vec<u8>,
    ) -> Result<()> {
        let loaded = self
            .components
            .get(component)
            .with_context(|| format!("no component `{component}`"))?;
        let pre = loaded
            .redis
            .clone()
            .with_context(|| format!("component `{component}` handles no Redis messages"))?;
        let mut store = self.new_store(loaded)?;
        let run = async move {
            let instance = pre.instantiate_async(&mut store).await?;
            instance
                .fermyon_spin_inbound_redis()
                .call_handle_message(&mut store, &payload)
                .await
        };
        match tokio::time::timeout(self.request_timeout, run).await {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(e))) => bail!("component `{component}` failed to handle the message: {e:?}"),
            Ok(Err(trap)) => bail!("component `{component}` trapped: {trap:?}"),
            Err(_) => bail!(
                "component `{component}` exceeded the time limit of {:?}",
                self.request_timeout
            ),
        }
    }

    fn new_store(self: &Arc<Self>, component: &LoadedComponent) -> Result<Store<InstanceState>> {
        let config = &component.config;
        let mut wasi = WasiCtx::builder();
        wasi.inherit_stdout()
            .inherit_stderr()
            .envs(&config.environment);
        for (host, guest) in &config.files {
            wasi.preopened_dir(host, guest, FsPerms::ReadOnly)
                .map_err(anyhow::Error::from)
                .with_context(|| format!("mounting {}", host.display()))?;
        }
        let state = InstanceState {
            wasi: wasi.build(),
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            outbound_http: OutboundHttp {
                app: self.clone(),
                component: config.clone(),
            },
            component: config.clone(),
            services: self.services.clone(),
            limits: StoreLimitsBuilder::new()
                .memory_size(MAX_INSTANCE_MEMORY)
                .build(),
            pg_connections: Default::default(),
            redis_connections: Default::default(),
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.limits);
        // Yield to the runtime at every epoch tick, so a busy guest neither starves
        // other requests nor escapes its time limit.
        store.set_epoch_deadline(1);
        store.epoch_deadline_async_yield_and_update(1);
        Ok(store)
    }
}

/// Why a request got no response from its component.
enum Failure {
    Setup(wasmtime::Error),
    Trap(wasmtime::Error),
    Timeout(Duration),
    Guest(String),
}

impl Failure {
    /// Spin answers a request its component could not handle with an empty 500 and logs
    /// "Error processing request"; the time limit is the host's own, with its own answer.
    fn into_response(self, component: &str) -> Response<HyperOutgoingBody> {
        match self {
            Failure::Setup(e) => {
                eprintln!(
                    "Error processing request: component `{component}`: could not start an instance: {e:#}"
                );
            }
            Failure::Trap(trap) => {
                eprintln!("Error processing request: component `{component}` trapped: {trap:?}");
            }
            Failure::Timeout(limit) => {
                eprintln!("component `{component}` exceeded the time limit of {limit:?}");
                return text_response(
                    StatusCode::GATEWAY_TIMEOUT,
                    "Gateway Timeout: the component took too long",
                );
            }
            Failure::Guest(msg) => {
                eprintln!("Error processing request: component `{component}`: {msg}");
            }
        }
        empty_response(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// Spin's own answers (no route, a request it cannot hand over) have no body.
fn empty_response(status: StatusCode) -> Response<HyperOutgoingBody> {
    let body = http_body_util::Empty::new()
        .map_err(|never| match never {})
        .boxed_unsync();
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response
}

pub fn text_response(status: StatusCode, text: &'static str) -> Response<HyperOutgoingBody> {
    let body = Full::new(Bytes::from_static(text.as_bytes()))
        .map_err(|never| match never {})
        .boxed_unsync();
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn file_mount(app_dir: &Path, mount: &FileMount) -> Result<(PathBuf, String)> {
    let (source, destination) = match mount {
        FileMount::Placement {
            source,
            destination,
        } => (app_dir.join(source), destination.display().to_string()),
        // A pattern mounts its directory at the same relative path. Globs below a
        // directory (`static/**`) mount the whole directory.
        FileMount::Pattern(pattern) => {
            let dir = pattern
                .trim_end_matches("/**")
                .trim_end_matches("/*")
                .trim_end_matches("/**/*");
            if dir.contains('*') {
                bail!(
                    "file pattern {pattern:?}: only `dir`, `dir/*` and `dir/**` patterns are supported by this host"
                );
            }
            (
                app_dir.join(dir),
                format!("/{}", dir.trim_start_matches("./")),
            )
        }
    };
    if !source.is_dir() {
        bail!("{} is not a directory (build it first?)", source.display());
    }
    Ok((source, destination))
}

/// `SPIN_HOST_PERF_MAP=1` names the guests' compiled functions for `perf` (in
/// /tmp/perf-<pid>.map), so a profile of the host shows where guest time goes.
fn perf_map_requested() -> bool {
    std::env::var_os("SPIN_HOST_PERF_MAP").is_some_and(|v| v == "1")
}

fn build_linker(engine: &Engine) -> Result<Linker<InstanceState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    crate::outbound_http::guard_chaining(&mut linker)?;
    bindings::fermyon::spin2_0_0::variables::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?;
    bindings::fermyon::spin2_0_0::key_value::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?;
    bindings::fermyon::spin2_0_0::redis::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?;
    bindings::spin::postgres4_0_0::postgres::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?;
    Ok(linker)
}

fn spawn_epoch_ticker(engine: &Engine) {
    let engine = engine.weak();
    std::thread::spawn(move || {
        while let Some(engine) = engine.upgrade() {
            engine.increment_epoch();
            drop(engine);
            std::thread::sleep(EPOCH_TICK);
        }
    });
}
