//! The end-to-end harness: every test starts the real application on the local host,
//! with its own freshly migrated databases and its own Redis key namespace, and talks to
//! it over real HTTP.

pub mod bench;
pub mod load;
mod redis_server;
pub mod responses;
pub mod scaled;
pub mod webhooks;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub use redis_server::RedisServer;
pub use reqwest::{Client, Response, StatusCode};

/// The PostgreSQL server the tests create their databases on.
pub const PG_SERVER: &str = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable";
pub const SERVICE_TOKEN: &str = "e2e-service-token";
pub const JWT_SECRET: &str = "e2e-jwt-secret-0123456789abcdef0123456789";
pub const ADMIN_EMAIL: &str = "admin@test.com";
pub const ADMIN_PASSWORD: &str = "password123";

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// The host binary `make test` builds before the tests run.
pub fn host_binary() -> PathBuf {
    std::env::var_os("SPIN_HOST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/release/spin-host"))
}

/// Options for [`TestApp::spawn_with`].
#[derive(Default, Clone)]
pub struct AppOptions {
    /// `name=value` Spin variables on top of the test defaults.
    pub variables: Vec<(String, String)>,
    /// Another manifest than the repository's `spin.toml`. Such an app gets no databases
    /// and no default variables: only what `variables` says.
    pub manifest: Option<PathBuf>,
    /// Keep the `default` key-value store in Redis (the default) or in an embedded file.
    pub embedded_kv: bool,
    /// More runtime configuration (TOML) after the `default` store.
    pub extra_runtime_config: String,
    /// More arguments for `spin-host up`.
    pub host_args: Vec<String>,
    /// Environment variables for the host process.
    pub env: Vec<(String, String)>,
    /// Also run the webhook deliverer (`webhook-deliverer.toml`, on the same databases,
    /// namespace and variables) under its supervisor, `scripts/deliverer.sh`, as `make run`
    /// does. Only with the repository's `spin.toml`.
    pub deliverer: bool,
    /// How often the deliverer's supervisor also wakes it while it runs (`make run`: every
    /// 30 s). Zero, the default here, wakes it only after each start: then a change whose
    /// own wake-up goes missing fails its test instead of going out at the next tick.
    pub deliverer_wake_every: Duration,
    /// The Redis (`host:port`) of the app's variables and key-value store, instead of the
    /// shared one on 127.0.0.1:6379.
    pub redis: Option<String>,
}

/// A running application with its own databases. Its requests go through [`Api`].
pub struct TestApp {
    api: Api,
    child: Child,
    output: Output,
    deliverer: Option<Supervised>,
    _databases: Databases,
    launch: Launch,
    _tmp: TempDir,
}

/// Requests to an application under test, and its databases, wherever it runs (one host,
/// or the scaled-out topology of [`scaled`]).
pub struct Api {
    pub base_url: String,
    pub client: Client,
    /// The namespace of its Redis keys and the prefix of its databases.
    pub id: String,
}

impl std::ops::Deref for TestApp {
    type Target = Api;
    fn deref(&self) -> &Api {
        &self.api
    }
}

/// The databases of one test, migrated; dropped with it.
pub struct Databases(Vec<String>);

impl Databases {
    /// Creates and migrates `<id>_<service>` for every service; returns them with the
    /// `<service>_db_url` variables that name them.
    pub async fn create(id: &str) -> Result<(Databases, Vec<(String, String)>)> {
        let (mut names, mut variables) = (Vec::new(), Vec::new());
        for service in migrate::SERVICES {
            let name = format!("{id}_{service}");
            migrate::create_database(PG_SERVER, &name).await?;
            let url = migrate::database_url(PG_SERVER, &name);
            migrate::migrate(&url, service).await?;
            variables.push((format!("{service}_db_url"), url));
            names.push(name);
        }
        Ok((Databases(names), variables))
    }
}

impl Drop for Databases {
    fn drop(&mut self) {
        let databases = std::mem::take(&mut self.0);
        // Drop runs inside the test's runtime; the databases are dropped from a thread of
        // our own so no runtime is blocked on.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                for name in databases {
                    let _ = migrate::drop_database(PG_SERVER, &name).await;
                }
            });
        })
        .join();
    }
}

/// The variables every test app gets: its Redis (`host:port`, or the shared one), its key
/// namespace `id`, and the test secrets.
pub fn test_variables(id: &str, redis: Option<&str>) -> Vec<(String, String)> {
    let mut variables: Vec<(String, String)> = Vec::new();
    if let Some(redis) = redis {
        variables.push(("redis_host".into(), redis.into()));
        variables.push(("redis_url".into(), format!("redis://{redis}")));
    }
    variables.push(("redis_namespace".into(), id.into()));
    variables.push(("jwt_secret".into(), JWT_SECRET.into()));
    variables.push(("service_token".into(), SERVICE_TOKEN.into()));
    variables
}

/// A fresh test id: the Redis namespace and the database prefix of one app.
pub fn new_id() -> String {
    format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

/// The runtime configuration of a test app: the `default` key-value store in `redis`
/// (`host:port`, default the shared one), then `extra`.
pub fn runtime_config_toml(redis: Option<&str>, extra: &str) -> String {
    let redis = redis.unwrap_or("127.0.0.1:6379");
    format!("[key_value_store.default]\ntype = \"redis\"\nurl = \"redis://{redis}\"\n{extra}\n")
}

/// The lines a process printed on stdout so far (they are also forwarded to the test's
/// output).
#[derive(Clone, Default)]
pub struct Output(Arc<Mutex<Vec<String>>>);

impl Output {
    pub fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }

    /// Prints `line` (after `prefix`) to the test's output and keeps it, unless
    /// [`forward_only`] said not to.
    fn keep(&self, prefix: &str, line: String) {
        println!("{prefix}{line}");
        if KEEP_OUTPUT.load(std::sync::atomic::Ordering::Relaxed) {
            self.0.lock().unwrap().push(line);
        }
    }

    pub fn count(&self, pattern: &str) -> usize {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains(pattern))
            .count()
    }
}

static KEEP_OUTPUT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

/// From now on the processes' lines are only forwarded, not kept: for a launcher that runs
/// for hours (`target/release/scaled`), where every request's log line would stay in memory.
pub fn forward_only() {
    KEEP_OUTPUT.store(false, std::sync::atomic::Ordering::Relaxed);
}

/// The deliverer's supervisor, in a process group of its own so that stopping it stops
/// the deliverer it runs too.
pub(crate) struct Supervised {
    child: Child,
    pub(crate) output: Output,
}

impl Supervised {
    /// Kills the supervisor and what it runs (SIGKILL), and waits for the supervisor.
    pub(crate) async fn kill(mut self) {
        self.kill_group();
        let _ = self.child.wait().await;
    }

    fn kill_group(&self) {
        if let Some(pid) = self.child.id() {
            // SAFETY: a plain system call; the group is the supervisor's own.
            unsafe { libc::killpg(pid as libc::pid_t, libc::SIGKILL) };
        }
    }
}

impl Drop for Supervised {
    fn drop(&mut self) {
        self.kill_group();
    }
}

/// How the host was started, so [`TestApp::restart_host`] can start it again the same way.
struct Launch {
    manifest: PathBuf,
    runtime_config: PathBuf,
    variables: Vec<(String, String)>,
    options: AppOptions,
}

pub(crate) struct TempDir(pub(crate) PathBuf);

impl TempDir {
    pub(crate) fn create(id: &str) -> Result<TempDir> {
        let dir = TempDir(std::env::temp_dir().join(format!("spin-shop-{id}")));
        std::fs::create_dir_all(&dir.0)?;
        Ok(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(AppOptions::default()).await
    }

    pub async fn spawn_with(options: AppOptions) -> TestApp {
        Self::try_spawn(options)
            .await
            .expect("starting the application")
    }

    async fn try_spawn(options: AppOptions) -> Result<TestApp> {
        let id = new_id();
        let tmp = TempDir::create(&id)?;

        let (mut variables, databases) = match options.manifest {
            Some(_) => (Vec::new(), Databases(Vec::new())),
            None => {
                let (databases, urls) = Databases::create(&id).await?;
                let mut variables = test_variables(&id, options.redis.as_deref());
                variables.extend(urls);
                (variables, databases)
            }
        };
        variables.extend(options.variables.iter().cloned());

        let runtime_config = tmp.0.join("runtime-config.toml");
        let config = match options.embedded_kv {
            true => format!(
                "[key_value_store.default]\ntype = \"spin\"\npath = \"{}\"\n{}\n",
                tmp.0.join("kv.db").display(),
                options.extra_runtime_config
            ),
            false => runtime_config_toml(options.redis.as_deref(), &options.extra_runtime_config),
        };
        std::fs::write(&runtime_config, config)?;

        let manifest = options
            .manifest
            .clone()
            .unwrap_or_else(|| repo_root().join("spin.toml"));
        let launch = Launch {
            manifest,
            runtime_config,
            variables,
            options,
        };
        let (child, base_url, output) = launch.start().await?;
        let deliverer = match launch.options.deliverer {
            true => Some(launch.start_deliverer(&id, &base_url).await?),
            false => None,
        };

        let client = Client::builder().timeout(Duration::from_secs(60)).build()?;
        Ok(TestApp {
            api: Api {
                base_url,
                client,
                id,
            },
            child,
            output,
            deliverer,
            _databases: databases,
            launch,
            _tmp: tmp,
        })
    }

    /// What the host printed on stdout so far.
    pub fn output(&self) -> &Output {
        &self.output
    }

    /// What the deliverer's supervisor and the deliverer printed on stdout so far.
    pub fn deliverer_output(&self) -> &Output {
        &self.deliverer.as_ref().expect("no deliverer").output
    }

    /// Waits up to `limit` for the host to exit by itself; its status, or `None`.
    pub async fn host_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        tokio::time::timeout(limit, self.child.wait())
            .await
            .ok()
            .map(|status| status.expect("waiting for the host"))
    }

    /// The host's process id (while it runs).
    pub fn host_pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Kills the host with SIGKILL, as a crash would, and waits until it is gone. The
    /// databases stay.
    pub async fn kill_host(&mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }

    /// Kills the host (if it still runs), and the deliverer if there is one, and starts them
    /// again on the same databases, Redis namespace and variables. The host listens on a new
    /// port: `base_url` is updated.
    pub async fn restart_host(&mut self) {
        self.kill_host().await;
        let had_deliverer = self.deliverer.take().is_some();
        let (child, base_url, output) = self.launch.start().await.expect("restarting the host");
        self.child = child;
        self.api.base_url = base_url;
        self.output = output;
        if had_deliverer {
            let deliverer = self.launch.start_deliverer(&self.id, &self.base_url).await;
            self.deliverer = Some(deliverer.expect("restarting the deliverer"));
        }
    }

    /// Runs the host with `options` expecting it to refuse to start; returns what it
    /// printed on stderr.
    pub async fn start_failure(options: AppOptions) -> String {
        let output = Self::run_until_exit(options).await;
        assert!(
            !output.status.success(),
            "the host was expected to fail to start"
        );
        String::from_utf8_lossy(&output.stderr).into_owned()
    }

    /// Runs the host with `options` until it exits by itself (at most two minutes).
    pub async fn run_until_exit(options: AppOptions) -> std::process::Output {
        let runtime_config = std::env::temp_dir().join(format!(
            "spin-shop-rc-{}.toml",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::write(&runtime_config, &options.extra_runtime_config).unwrap();
        let manifest = options
            .manifest
            .clone()
            .unwrap_or_else(|| repo_root().join("spin.toml"));
        let mut command = host_command(
            &manifest,
            &runtime_config,
            &options.variables,
            &options,
            Some(ANY_PORT),
        );
        command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let output = tokio::time::timeout(Duration::from_secs(120), command.output())
            .await
            .expect("the host should exit")
            .expect("running the host");
        let _ = std::fs::remove_file(&runtime_config);
        output
    }
}

impl Api {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// A direct connection to one service's database, to check what a request left behind.
    pub async fn db(&self, service: &str) -> tokio_postgres::Client {
        let url = migrate::database_url(PG_SERVER, &format!("{}_{service}", self.id));
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .expect("db connect");
        tokio::spawn(connection);
        client
    }

    /// The stock of `sku` straight from the inventory's database.
    pub async fn stock(&self, sku: &str) -> i64 {
        self.db("inventory")
            .await
            .query_one("SELECT qty FROM items WHERE sku = $1", &[&sku])
            .await
            .unwrap()
            .get(0)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.request(reqwest::Method::GET, path, token, None).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Response {
        self.request(reqwest::Method::DELETE, path, token, None)
            .await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request(reqwest::Method::POST, path, token, Some(body))
            .await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request(reqwest::Method::PUT, path, token, Some(body))
            .await
    }

    pub async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Response {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("request failed")
    }

    /// Logs in and returns the access token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let response = self
            .post(
                "/users/login",
                None,
                &json!({ "email": email, "password": password }),
            )
            .await;
        assert_eq!(response.status(), 200, "login as {email}");
        let body: Value = response.json().await.unwrap();
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }

    pub async fn admin_token(&self) -> String {
        self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    /// Registers a new user with a unique email; returns it with its token and id.
    pub async fn register_user(&self) -> TestUser {
        let email = format!(
            "user-{}@example.com",
            &uuid::Uuid::new_v4().simple().to_string()[..10]
        );
        let password = "correct-horse-battery".to_string();
        let response = self
            .post(
                "/users/register",
                None,
                &json!({ "name": "Test User", "email": email, "password": password }),
            )
            .await;
        assert_eq!(response.status(), 201, "register {email}");
        let token = response.json::<Value>().await.unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        let me: Value = self
            .get("/users/me", Some(&token))
            .await
            .json()
            .await
            .unwrap();
        TestUser {
            id: me["id"].as_i64().expect("user id"),
            email,
            password,
            token,
        }
    }
}

impl Launch {
    /// Starts the host; returns it once it serves, with its base URL.
    async fn start(&self) -> Result<(Child, String, Output)> {
        let manifest_variables = match self.options.deliverer {
            true => for_manifest(&self.variables, &self.manifest, &deliverer_manifest())?,
            false => self.variables.clone(),
        };
        let mut command = host_command(
            &self.manifest,
            &self.runtime_config,
            &manifest_variables,
            &self.options,
            Some(ANY_PORT),
        );
        command.kill_on_drop(true);
        // The host prints `Serving http://ADDR` once it listens.
        let (child, url, output) = start_and_wait(command, "the host", "", |line| {
            line.strip_prefix("Serving ")
                .map(|url| url.trim().to_string())
        })
        .await?;
        Ok((child, url, output))
    }

    /// Starts the deliverer under `scripts/deliverer.sh`, which wakes it through the app at
    /// `base_url`; returns once it has subscribed to the namespace `id`'s channel.
    async fn start_deliverer(&self, id: &str, base_url: &str) -> Result<Supervised> {
        let manifest = deliverer_manifest();
        let variables = for_manifest(&self.variables, &manifest, &self.manifest)?;
        let host = host_command(
            &manifest,
            &self.runtime_config,
            &variables,
            &self.options,
            None,
        );
        let wake_url = format!("{base_url}/orders/webhooks/wake");
        let wake_every = Some(self.options.deliverer_wake_every);
        let command = supervised_deliverer(&wake_url, wake_every, &host, SERVICE_TOKEN);
        Supervised::start(command, id, "the deliverer", "").await
    }
}

/// `host` (the deliverer) under `scripts/deliverer.sh`, which wakes it through `wake_url`
/// with the service token `token` after each start and then every `wake_every` (`None`:
/// as `make run` does), in a process group of its own.
pub(crate) fn supervised_deliverer(
    wake_url: &str,
    wake_every: Option<Duration>,
    host: &Command,
    token: &str,
) -> Command {
    let host = host.as_std();
    let mut command = Command::new(repo_root().join("scripts/deliverer.sh"));
    command
        .arg(wake_url)
        .arg("--")
        .arg(host.get_program())
        .args(host.get_args())
        .envs(host.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .env("SERVICE_TOKEN", token)
        // Quick restarts: a test waits for them.
        .env("DELIVERER_MAX_BACKOFF", "2")
        .process_group(0);
    if let Some(every) = wake_every {
        command.env("DELIVERER_WAKE_EVERY", every.as_secs().to_string());
    }
    command
}

impl Supervised {
    /// Starts `command` (a supervised deliverer); returns once the deliverer has subscribed
    /// to the namespace `id`'s channel.
    pub(crate) async fn start(
        command: Command,
        id: &str,
        what: &str,
        prefix: &str,
    ) -> Result<Supervised> {
        // Spin prints `<server>/<channel>: [<components>]` once it has subscribed.
        let subscribed = format!("/{id}:webhooks: [webhooks]");
        let (child, _, output) = start_and_wait(command, what, prefix, |line| {
            line.ends_with(&subscribed).then_some(())
        })
        .await?;
        Ok(Supervised { child, output })
    }
}

/// The deliverer's manifest, next to `spin.toml`.
pub(crate) fn deliverer_manifest() -> PathBuf {
    repo_root().join("webhook-deliverer.toml")
}

/// The variables `manifest` declares, and those no manifest declares (which the host then
/// refuses, as for one app), of the variables given for `manifest` and `other`.
pub(crate) fn for_manifest(
    variables: &[(String, String)],
    manifest: &Path,
    other: &Path,
) -> Result<Vec<(String, String)>> {
    let (mine, theirs) = (declared(manifest)?, declared(other)?);
    Ok(variables
        .iter()
        .filter(|(name, _)| mine.contains_key(name) || !theirs.contains_key(name))
        .cloned()
        .collect())
}

pub(crate) fn declared(manifest: &Path) -> Result<BTreeMap<String, toml::Value>> {
    #[derive(serde::Deserialize)]
    struct Manifest {
        #[serde(default)]
        variables: BTreeMap<String, toml::Value>,
    }
    let text = std::fs::read_to_string(manifest)
        .with_context(|| format!("reading {}", manifest.display()))?;
    Ok(toml::from_str::<Manifest>(&text)?.variables)
}

/// Spawns `command` with its stdout read line by line (forwarded to the test's output after
/// `prefix`, and kept), until `ready` recognises a line; returns what it made of it.
pub(crate) async fn start_and_wait<T>(
    command: Command,
    what: &str,
    prefix: &str,
    ready: impl Fn(&str) -> Option<T>,
) -> Result<(Child, T, Output)> {
    let (child, mut lines, output) = spawn_piped(command, what)?;
    let prefix = prefix.to_string();
    let value = tokio::time::timeout(Duration::from_secs(120), async {
        while let Some(line) = lines.next_line().await? {
            output.keep(&prefix, line.clone());
            if let Some(value) = ready(&line) {
                return Ok(value);
            }
        }
        bail!("{what} exited before it was ready")
    })
    .await
    .with_context(|| format!("timed out waiting for {what}"))??;
    forward(lines, output.clone(), prefix);
    Ok((child, value, output))
}

/// Spawns `command` with its stdout forwarded and kept as [`start_and_wait`] does, without
/// waiting for any line.
pub(crate) fn start_logged(command: Command, what: &str, prefix: &str) -> Result<(Child, Output)> {
    let (child, lines, output) = spawn_piped(command, what)?;
    forward(lines, output.clone(), prefix.to_string());
    Ok((child, output))
}

type Lines = tokio::io::Lines<BufReader<tokio::process::ChildStdout>>;

fn spawn_piped(mut command: Command, what: &str) -> Result<(Child, Lines, Output)> {
    command.stdout(Stdio::piped()).stderr(Stdio::inherit());
    let mut child = command.spawn().with_context(|| format!("running {what}"))?;
    let stdout = child.stdout.take().context("stdout")?;
    Ok((child, BufReader::new(stdout).lines(), Output::default()))
}

fn forward(mut lines: Lines, output: Output, prefix: String) {
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            output.keep(&prefix, line);
        }
    });
}

/// `--listen` for a host on any free port of 127.0.0.1.
pub(crate) const ANY_PORT: &str = "127.0.0.1:0";

pub(crate) fn host_command(
    manifest: &Path,
    runtime_config: &Path,
    variables: &[(String, String)],
    options: &AppOptions,
    listen: Option<&str>,
) -> Command {
    let mut command = Command::new(host_binary());
    command.arg("up").arg("-f").arg(manifest);
    // An HTTP trigger option: an app with only a Redis trigger refuses it, as on Spin.
    if let Some(listen) = listen {
        command.args(["--listen", listen]);
    }
    command
        .arg("--runtime-config-file")
        .arg(runtime_config)
        .args(&options.host_args)
        .envs(options.env.iter().cloned());
    for (name, value) in variables {
        command.arg("--variable").arg(format!("{name}={value}"));
    }
    command
}

pub struct TestUser {
    pub id: i64,
    pub email: String,
    pub password: String,
    pub token: String,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // The processes first: they hold connections to the databases dropped after them.
        let _ = self.child.start_kill();
        self.deliverer.take();
    }
}
