#!/usr/bin/env python3
"""Validates the deployment files without a Docker engine or a cluster.

Run through scripts/check-deploy.sh, which provides the Python packages:
  - check-jsonschema: ships the Compose specification's JSON schema (vendor.compose-spec)
  - kubernetes-validate: ships the Kubernetes JSON schemas of every built-in kind
  - PyYAML

Checks, each reported as PASS/FAIL, with "N passed, N failed" as the last line:
  compose   docker-compose.yml against the Compose spec schema, `docker compose config`
            when the client has the compose plugin, and what the schema cannot see
            (services, health checks, dependencies, mounts, Spin variables, runtime config)
  k8s       deploy/spinkube/*.yaml: built-in kinds against the Kubernetes schemas
            (strict), SpinApps against deploy/spinkube/schema/spinapp-v1alpha1.json, and
            cross-references (secrets and keys, components, variables, services)
  self      broken copies of the files must fail the same checks, so a check that
            cannot fail is caught
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
SPINKUBE = ROOT / "deploy" / "spinkube"
SPINAPP_SCHEMA = SPINKUBE / "schema" / "spinapp-v1alpha1.json"
K8S_VERSIONS = ["1.30.0", "1.37.0"]

RESULTS: list[tuple[str, bool, str]] = []


def check(name: str):
    """Registers a check: it passes unless it raises; the message says why it failed."""

    def wrap(fn):
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - every failure is reported, none stops the run
            RESULTS.append((name, False, f"{type(e).__name__}: {e}"))
            print(f"FAIL {name}\n     {str(e).strip()[:2000]}")
        else:
            RESULTS.append((name, True, ""))
            print(f"PASS {name}")
        return fn

    return wrap


def fails(fn, broken, what: str) -> str:
    """Runs a check body on broken input and returns its error; raises if it passed."""
    try:
        fn(broken)
    except Exception as e:  # noqa: BLE001
        return str(e)
    raise AssertionError(f"{fn.__name__} accepted {what}")


# --------------------------------------------------------------------------- spin.toml


def load_spin_manifest(name: str = "spin.toml") -> dict:
    with open(ROOT / name, "rb") as f:
        return tomllib.load(f)


SPIN = load_spin_manifest()
APP_VARIABLES: dict = SPIN.get("variables", {})
# The webhook deliverer: the webhooks component's Redis trigger, an app of its own so that
# losing Redis (which ends a Spin app with a Redis trigger) takes nothing else down.
DELIVERER_FILE = "webhook-deliverer.toml"
DELIVERER = load_spin_manifest(DELIVERER_FILE)
# A SpinApp of the deliverer's image says so with this annotation; the others run spin.toml.
MANIFEST_ANNOTATION = "spin-shop/manifest"
# The scaled-out topology the end-to-end tests run (e2e/src/scaled/).
TOPOLOGY_FILE = ROOT / "deploy" / "scaled" / "topology.toml"
TEMPLATE = re.compile(r"\{\{\s*([a-z0-9_]+)\s*\}\}")


def component_app_variables(component: str, manifest: dict = SPIN) -> set[str]:
    """The application variables a component reads, through its own variables (and, for a
    Redis trigger, the application's address template)."""
    used = set()
    for value in manifest["component"][component].get("variables", {}).values():
        used.update(TEMPLATE.findall(str(value)))
    if any(t.get("component") == component for t in manifest.get("trigger", {}).get("redis", [])):
        address = manifest.get("application", {}).get("trigger", {}).get("redis", {}).get("address", "")
        used |= set(TEMPLATE.findall(address))
    return used


def loopback_defaults(manifest: dict = SPIN) -> set[str]:
    """Application variables whose defaults name this machine: they must be overridden
    wherever the backing services are elsewhere."""
    return {
        name
        for name, spec in manifest.get("variables", {}).items()
        if "127.0.0.1" in str(spec.get("default", "")) or "localhost" in str(spec.get("default", ""))
    }


def host_port(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)


# --------------------------------------------------------------------------- compose


def compose_schema() -> dict:
    from check_jsonschema.builtin_schemas import get_builtin_schema

    return get_builtin_schema("vendor.compose-spec")


def load_compose() -> dict:
    with open(COMPOSE_FILE) as f:
        return yaml.safe_load(f)


def validate_compose_schema(doc: dict) -> None:
    schema = compose_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    if errors:
        raise AssertionError(
            "\n".join(f"{'/'.join(map(str, e.path)) or '<root>'}: {e.message}" for e in errors)
        )


def interpolate(value: str) -> str:
    """Compose's ${VAR:-default} with nothing set in the environment."""
    return re.sub(r"\$\{[A-Z0-9_]+:?-([^}]*)\}", r"\1", str(value))


def env_of(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: interpolate(v if v is not None else "") for k, v in env.items()}


def depends(service: dict) -> dict[str, str]:
    deps = service.get("depends_on", {})
    if isinstance(deps, list):
        return {d: "service_started" for d in deps}
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def check_compose_services(doc: dict) -> None:
    services = doc["services"]
    for name in ["postgres", "redis", "migrate", "app", "deliverer", "webhook-waker"]:
        assert name in services, f"no `{name}` service"
    assert re.match(r"^postgres:15([.-]|$)", services["postgres"]["image"]), "PostgreSQL must be 15"
    assert re.match(r"^redis:7([.-]|$)", services["redis"]["image"]), "Redis must be 7"
    for name in ["postgres", "redis"]:
        hc = services[name].get("healthcheck")
        assert hc and hc.get("test") and not hc.get("disable"), f"`{name}` has no health check"
    for name, service in services.items():
        for dep, condition in depends(service).items():
            assert dep in services, f"`{name}` depends on unknown service `{dep}`"
            if dep in ("postgres", "redis"):
                assert condition == "service_healthy", f"`{name}` must wait for `{dep}` to be healthy"
    for name in ["app", "deliverer"]:
        assert depends(services[name]).get("migrate") == "service_completed_successfully", (
            f"`{name}` must start after the migrations completed"
        )
    assert "postgres" in depends(services["migrate"]), "migrate must wait for postgres"


def check_compose_build(doc: dict) -> None:
    build = doc["services"]["migrate"]["build"]
    context = ROOT / build.get("context", ".")
    dockerfile = context / build.get("dockerfile", "Dockerfile")
    assert dockerfile.is_file(), f"{dockerfile} is missing"
    text = dockerfile.read_text()
    assert "-p migrate" in text, "the migrate image must build the `migrate` package"
    with open(ROOT / "rust-toolchain.toml", "rb") as f:
        channel = tomllib.load(f)["toolchain"]["channel"]
    images = re.findall(r"^FROM\s+rust:([^\s-]+)", text, re.M)
    assert images and all(v == channel for v in images), (
        f"the Dockerfile's Rust ({images}) must match rust-toolchain.toml ({channel})"
    )
    env = env_of(doc["services"]["migrate"])
    url = env.get("DATABASE_SERVER_URL", "")
    assert urlsplit(url).hostname == "postgres", f"migrate must connect to `postgres`, not {url!r}"


# Spin releases that do not run the app: 4.0.0-4.0.2 never answer a query without rows
# (spinframework/spin#3671), and no one has run the app on 4.1.0.
UNFIT_SPIN = re.compile(r":v?4\.(0\.[0-2]|1\.0)$")


def check_spin_image(service: dict) -> None:
    image = interpolate(service["image"])
    assert "spinframework/spin" in image, f"{image} is not the official Spin image"
    assert re.search(r":v\d+\.\d+\.\d+$", image), f"{image}: pin a Spin release (vX.Y.Z)"
    assert not UNFIT_SPIN.search(image), f"{image} does not run the app (docs/deploying.md)"


def check_spin_variables(service: dict, manifest: dict, file: str, services: dict) -> dict[str, str]:
    """Only variables `manifest` declares, and every loopback default replaced by a compose
    service address; returns them."""
    env = env_of(service)
    spin_vars = {k[len("SPIN_VARIABLE_") :].lower(): v for k, v in env.items() if k.startswith("SPIN_VARIABLE_")}
    declared = manifest.get("variables", {})
    unknown = set(spin_vars) - set(declared)
    assert not unknown, f"SPIN_VARIABLE_* for variables {file} does not declare: {sorted(unknown)}"
    missing = loopback_defaults(manifest) - set(spin_vars)
    assert not missing, f"variables still pointing at 127.0.0.1 inside compose: {sorted(missing)}"
    for name in sorted(loopback_defaults(manifest)):
        value = spin_vars[name]
        host = urlsplit(value).hostname if "://" in value else value.split(":")[0]
        assert host in services, f"{name}={value} does not name a compose service"
    assert spin_vars["redis_host"] == host_port(spin_vars["redis_url"]), "redis_host must match redis_url"
    for name in ["jwt_secret", "service_token", "webhook_secret"]:
        if name in declared:
            assert name in spin_vars and spin_vars[name] != declared[name].get("default"), (
                f"{name} must be set for compose (not {file}'s development default)"
            )
    return spin_vars


def check_compose_deliverer(doc: dict) -> None:
    services = doc["services"]
    deliverer, app = services["deliverer"], services["app"]
    check_spin_image(deliverer)
    assert deliverer["image"] == app["image"], "the deliverer runs on the app's Spin image"
    assert deliverer.get("restart") in ("always", "unless-stopped"), (
        "the deliverer exits whenever Redis goes away: it needs a restart policy"
    )
    command = [str(c) for c in deliverer.get("command", [])]
    assert command[:1] == ["up"] and "--listen" not in command, f"the deliverer runs `spin up` with no HTTP: {command}"
    manifest = command[command.index("--from") + 1]
    mounts = dict(v.split(":")[:2][::-1] for v in deliverer.get("volumes", []))
    assert mounts.get(manifest) == f"./{DELIVERER_FILE}", f"{manifest} must be ./{DELIVERER_FILE}"
    base = str(Path(manifest).parent)
    for component in DELIVERER["component"].values():
        inside = f"{base}/{component['source']}"
        assert any(inside.startswith(t.rstrip("/") + "/") for t in mounts), f"{component['source']} is not mounted"
    ours = check_spin_variables(deliverer, DELIVERER, DELIVERER_FILE, services)
    theirs = {k: v for k, v in env_of(app).items() if k.startswith("SPIN_VARIABLE_")}
    for name, value in ours.items():
        key = f"SPIN_VARIABLE_{name.upper()}"
        if key in theirs:
            assert theirs[key] == value, f"{name} differs between the app and the deliverer"
    # Nothing wakes the deliverer after a restart but a wake-up: something must send one.
    waker = " ".join(map(str, services["webhook-waker"].get("command", [])))
    assert "/orders/webhooks/wake" in waker and "http://app:8080" in waker, "webhook-waker must POST the app's wake-up"


def check_compose_app(doc: dict) -> None:
    services = doc["services"]
    app = services["app"]
    check_spin_image(app)
    command = [str(c) for c in app.get("command", [])]
    assert command[:1] == ["up"], f"the app must run `spin up`, not {command}"
    published = [str(p) for p in app.get("ports", [])]
    assert any(interpolate(p).endswith(":8080") for p in published), "the app must publish port 8080"
    assert "--listen" in command and command[command.index("--listen") + 1].endswith(":8080"), (
        "spin up must listen on 8080"
    )

    # Mounts: spin.toml sits at the working directory; every path it names must be mounted
    # at the same relative place.
    workdir = app.get("working_dir", "/")
    manifest = command[command.index("--from") + 1] if "--from" in command else f"{workdir}/spin.toml"
    base = str(Path(manifest).parent)
    mounts = {}
    for volume in app.get("volumes", []):
        source, target = volume.split(":")[:2]
        mounts[target] = source
        if source.startswith("."):
            path = ROOT / source
            produced = source.startswith("./target/") or source == "./web/dist"
            assert path.exists() or produced, f"mount source {source} does not exist"
    assert mounts.get(manifest) == "./spin.toml", f"{manifest} must be ./spin.toml"
    needed = {c["source"] for c in SPIN["component"].values()}
    needed |= {f["source"] for c in SPIN["component"].values() for f in c.get("files", []) if isinstance(f, dict)}
    for rel in sorted(needed):
        inside = f"{base}/{rel}"
        covered = [t for t in mounts if inside == t or inside.startswith(t.rstrip("/") + "/")]
        assert covered, f"spin.toml's {rel} is not mounted under {base}"
        target = max(covered, key=len)
        mirrored = "./" + target[len(base) + 1 :]
        assert mounts[target] == mirrored, f"{target} mounts {mounts[target]}, not {mirrored}"

    # Runtime config: the default key-value store in the redis service.
    rc = command[command.index("--runtime-config-file") + 1]
    assert rc in mounts, f"runtime config {rc} is not mounted"
    with open(ROOT / mounts[rc], "rb") as f:
        runtime = tomllib.load(f)
    store = runtime["key_value_store"]["default"]
    assert store["type"] == "redis", "the default key-value store must be Redis"
    assert urlsplit(store["url"]).hostname in services, f"{store['url']} is not a compose service"

    # Variables: only ones spin.toml declares, and every loopback default replaced by a
    # compose service address.
    spin_vars = check_spin_variables(app, SPIN, "spin.toml", services)
    assert spin_vars["db_host"] == host_port(spin_vars["users_db_url"]), (
        "db_host (allowed_outbound_hosts) must be the databases' host:port"
    )
    for name in ["inventory_db_url", "orders_db_url"]:
        assert host_port(spin_vars[name]) == spin_vars["db_host"], f"{name} is not on db_host"


@check("compose: docker-compose.yml matches the Compose specification schema")
def _():
    validate_compose_schema(load_compose())


@check("compose: services, health checks and start order")
def _():
    check_compose_services(load_compose())


@check("compose: migrate image builds our migrate binary with the pinned Rust")
def _():
    check_compose_build(load_compose())


@check("compose: app on the Spin image, port 8080, mounts, runtime config, variables")
def _():
    check_compose_app(load_compose())


@check("compose: the webhook deliverer on its own, restarted, woken, with the app's settings")
def _():
    check_compose_deliverer(load_compose())


def docker_compose_available() -> bool:
    if not shutil.which("docker"):
        return False
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True)
    return probe.returncode == 0


if docker_compose_available():

    @check("compose: `docker compose config` accepts the file")
    def _():
        run = subprocess.run(
            ["docker", "compose", "-f", str(COMPOSE_FILE), "config", "--quiet"],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert run.returncode == 0, run.stderr
else:
    print("SKIP compose: `docker compose config` (the docker client here has no compose plugin)")


@check("self: broken compose files fail the compose checks")
def _():
    base = load_compose()
    broken = copy.deepcopy(base)
    broken["services"]["app"]["ports"] = "8080"  # a string where a list belongs
    fails(validate_compose_schema, broken, "ports as a string")
    broken = copy.deepcopy(base)
    broken["services"]["redis"]["helthcheck"] = broken["services"]["redis"].pop("healthcheck")
    fails(validate_compose_schema, broken, "a misspelt healthcheck key")
    fails(check_compose_services, broken, "redis without a health check")
    broken = copy.deepcopy(base)
    broken["services"]["app"]["environment"]["SPIN_VARIABLE_DB_HOTS"] = "postgres:5432"
    fails(check_compose_app, broken, "SPIN_VARIABLE_DB_HOTS")
    broken = copy.deepcopy(base)
    del broken["services"]["app"]["environment"]["SPIN_VARIABLE_REDIS_HOST"]
    fails(check_compose_app, broken, "no SPIN_VARIABLE_REDIS_HOST")
    broken = copy.deepcopy(base)
    broken["services"]["app"]["depends_on"]["migrate"]["condition"] = "service_started"
    fails(check_compose_services, broken, "app not waiting for migrate")
    broken = copy.deepcopy(base)
    broken["services"]["app"]["volumes"] = [v for v in broken["services"]["app"]["volumes"] if "web/dist" not in v]
    fails(check_compose_app, broken, "web/dist not mounted")
    broken = copy.deepcopy(base)
    broken["services"]["app"]["image"] = "ghcr.io/spinframework/spin:v4.0.2"
    fails(check_compose_app, broken, "Spin 4.0.2")
    broken = copy.deepcopy(base)
    del broken["services"]["deliverer"]["restart"]
    fails(check_compose_deliverer, broken, "a deliverer without a restart policy")
    broken = copy.deepcopy(base)
    broken["services"]["deliverer"]["environment"]["SPIN_VARIABLE_JWT_SECRET"] = "x" * 40
    fails(check_compose_deliverer, broken, "a variable the deliverer does not declare")


# --------------------------------------------------------------------------- kubernetes


def load_manifests() -> list[tuple[str, dict]]:
    docs = []
    for path in sorted(SPINKUBE.glob("*.yaml")):
        with open(path) as f:
            for doc in yaml.safe_load_all(f):
                if doc:
                    docs.append((path.name, doc))
    return docs


def validate_builtin(docs: list[tuple[str, dict]]) -> None:
    import kubernetes_validate

    problems = []
    for version in K8S_VERSIONS:
        for source, doc in docs:
            if doc.get("kind") == "SpinApp":
                continue
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except Exception as e:  # noqa: BLE001
                message = getattr(e, "message", str(e))
                problems.append(f"{source} {doc.get('kind')}/{doc['metadata'].get('name')} (k8s {version}): {message}")
    if problems:
        raise AssertionError("\n".join(problems))


def validate_spinapps(docs: list[tuple[str, dict]]) -> None:
    schema = json.loads(SPINAPP_SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    problems = []
    apps = [(s, d) for s, d in docs if d.get("kind") == "SpinApp"]
    assert apps, "no SpinApp manifests"
    for source, doc in apps:
        for e in validator.iter_errors(doc):
            problems.append(f"{source} {doc['metadata'].get('name')}: {'/'.join(map(str, e.path))}: {e.message}")
    if problems:
        raise AssertionError("\n".join(problems))


def secret_keys(docs) -> dict[str, set[str]]:
    keys = {}
    for _, doc in docs:
        if doc.get("kind") == "Secret":
            keys[doc["metadata"]["name"]] = set(doc.get("stringData", {})) | set(doc.get("data", {}))
    return keys


def secret_value(docs, name: str, key: str) -> str:
    for _, doc in docs:
        if doc.get("kind") == "Secret" and doc["metadata"]["name"] == name:
            return doc.get("stringData", {})[key]
    raise KeyError(f"{name}/{key}")


def walk_secret_refs(node, path=""):
    if isinstance(node, dict):
        if "secretKeyRef" in node:
            yield path, node["secretKeyRef"]
        for k, v in node.items():
            yield from walk_secret_refs(v, f"{path}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk_secret_refs(v, f"{path}/{i}")


def manifest_of(app: dict) -> str:
    """The Spin manifest a SpinApp's image was pushed from."""
    return app["metadata"].get("annotations", {}).get(MANIFEST_ANNOTATION, "spin.toml")


def check_cross_references(docs) -> None:
    apps = {d["metadata"]["name"]: d for _, d in docs if d.get("kind") == "SpinApp"}
    services = {d["metadata"]["name"] for _, d in docs if d.get("kind") == "Service"} | set(apps)
    namespaces = {d["metadata"].get("namespace") for _, d in docs if d.get("kind") != "Namespace"}
    assert namespaces == {"spin-shop"}, f"every resource belongs in namespace spin-shop: {namespaces}"
    keys = secret_keys(docs)

    # Every secretKeyRef names a Secret defined here, and a key it has.
    for source, doc in docs:
        for path, ref in walk_secret_refs(doc):
            assert ref.get("name") in keys, f"{source}{path}: no Secret {ref.get('name')}"
            assert ref["key"] in keys[ref["name"]], f"{source}{path}: Secret {ref['name']} has no key {ref['key']}"

    # Two application images: spin.toml's, whose SpinApps each run some of its components
    # (selective deployment; each component in exactly one), and the deliverer's.
    by_manifest = {"spin.toml": SPIN, DELIVERER_FILE: DELIVERER}
    for file, manifest in by_manifest.items():
        mine = [a for a in apps.values() if manifest_of(a) == file]
        assert mine, f"no SpinApp runs {file}"
        deployed = [c for a in mine for c in a["spec"].get("components", list(manifest["component"]))]
        assert sorted(deployed) == sorted(manifest["component"]), (
            f"components deployed {sorted(deployed)} != {file}'s {sorted(manifest['component'])}"
        )
        images = {a["spec"]["image"] for a in mine}
        assert len(images) == 1, f"all SpinApps of {file} must run the same application image: {images}"
    images = {app["spec"]["image"] for app in apps.values()}
    assert len(images) == len(by_manifest), f"one image per application: {images}"

    for name, app in apps.items():
        spec = app["spec"]
        manifest = by_manifest[manifest_of(app)]
        (component,) = spec.get("components", list(manifest["component"]))
        bound = {v["name"]: v for v in spec.get("variables", [])}
        unknown = set(bound) - set(manifest.get("variables", {}))
        assert not unknown, f"{name}: variables {manifest_of(app)} does not declare: {sorted(unknown)}"
        used = component_app_variables(component, manifest)
        stale = set(bound) - used
        assert not stale, f"{name}: binds variables its component {component} does not use: {sorted(stale)}"
        missing = (used & loopback_defaults(manifest)) - set(bound)
        assert not missing, f"{name}: {sorted(missing)} would still point at 127.0.0.1"
        for secret in ["jwt_secret", "service_token", "webhook_secret"]:
            if secret in used:
                assert secret in bound and "secretKeyRef" in bound[secret].get("valueFrom", {}), (
                    f"{name}: {secret} must come from a Secret"
                )
        for var in ["users_url", "inventory_url"]:
            if var in used:
                value = bound.get(var, {}).get("value", "")
                host = urlsplit(value).hostname or ""
                assert ".spin.internal" not in value, f"{name}: {var} uses service chaining across pods"
                assert host.split(".")[0] in apps, f"{name}: {var}={value!r} is not a SpinApp's Service"
                target = apps[host.split(".")[0]]
                wanted = var.removesuffix("_url")
                assert wanted in target["spec"]["components"], f"{name}: {var} points at {host}, not {wanted}"
        if "db_host" in bound:
            db_urls = [n for n in bound if n.endswith("_db_url")]
            for n in db_urls:
                ref = bound[n]["valueFrom"]["secretKeyRef"]
                url = secret_value(docs, ref["name"], ref["key"])
                assert host_port(url) == bound["db_host"]["value"], f"{name}: {n} is not on db_host"
                assert urlsplit(url).hostname in services, f"{name}: {n} host is not a Service"
        if "redis_host" in bound:
            assert host_port(bound["redis_url"]["value"]) == bound["redis_host"]["value"], f"{name}: redis_host"
            assert bound["redis_host"]["value"].split(":")[0] in services, f"{name}: no Redis Service"
        if manifest["component"][component].get("key_value_stores"):
            secret = spec.get("runtimeConfig", {}).get("loadFromSecret")
            assert secret in keys and "runtime-config.toml" in keys[secret], f"{name}: no runtime config secret"
            runtime = tomllib.loads(secret_value(docs, secret, "runtime-config.toml"))
            store = runtime["key_value_store"]["default"]
            assert store["type"] == "redis" and urlsplit(store["url"]).hostname in services, (
                f"{name}: the default key-value store must be the cluster's Redis"
            )
        if spec.get("enableAutoscaling"):
            hpas = [
                d
                for _, d in docs
                if d.get("kind") == "HorizontalPodAutoscaler" and d["spec"]["scaleTargetRef"]["name"] == name
            ]
            assert hpas, f"{name}: enableAutoscaling without an autoscaler"

    # Ingress: every backend is a Service, and every routed prefix of spin.toml is served
    # by the SpinApp that runs its component.
    for _, doc in docs:
        if doc.get("kind") != "Ingress":
            continue
        routes = {}
        for rule in doc["spec"]["rules"]:
            for p in rule["http"]["paths"]:
                backend = p["backend"]["service"]["name"]
                assert backend in services, f"Ingress backend {backend} is not a Service"
                routes[p["path"].rstrip("/") or "/"] = backend
        for trigger in SPIN["trigger"]["http"]:
            prefix = trigger["route"].removesuffix("/...") or "/"
            app = routes.get(prefix)
            assert app and trigger["component"] in apps[app]["spec"]["components"], (
                f"route {trigger['route']} does not reach component {trigger['component']}"
            )


def load_topology() -> dict:
    with open(TOPOLOGY_FILE, "rb") as f:
        return tomllib.load(f)


def check_scaled_topology(docs, topology: dict) -> None:
    """deploy/scaled/topology.toml (what `make run-scaled` and e2e/tests/scaled.rs run) is
    the SpinApps' deployment in small: each service one SpinApp with the same manifest and
    components, its health check the SpinApp's probes, and no fewer pods than the replicas
    the tests prove correct together, binding the variables the topology sets."""
    apps = {d["metadata"]["name"]: d for _, d in docs if d.get("kind") == "SpinApp"}
    hpas = {d["spec"]["scaleTargetRef"]["name"]: d for _, d in docs if d.get("kind") == "HorizontalPodAutoscaler"}
    services = topology["service"]
    assert sorted(s["spinapp"] for s in services) == sorted(apps), (
        f"the topology's services {sorted(s['spinapp'] for s in services)} are not the SpinApps {sorted(apps)}"
    )
    for service in services:
        name, app = service["name"], apps[service["spinapp"]]
        spec = app["spec"]
        assert manifest_of(app) == service["manifest"], f"{name}: {service['manifest']} vs {manifest_of(app)}"
        manifest = load_spin_manifest(service["manifest"])
        components = spec.get("components", list(manifest["component"]))
        assert sorted(components) == sorted(service["components"]), f"{name}: components {components}"
        health = service.get("health")
        probes = {kind: probe["httpGet"]["path"] for kind, probe in spec.get("checks", {}).items()}
        if health is None:
            assert not probes, f"{name} serves no HTTP but its SpinApp has HTTP checks"
        else:
            # Not readyz: it reports the shared PostgreSQL and Redis, so as a probe it would
            # take every replica out at once when Redis blinks (the Redis test of
            # e2e/tests/scaled.rs fails with it), while the services answer without Redis.
            assert health == "/" or health.endswith("/healthz"), f"{name}: health check {health}"
            assert probes == {"liveness": health, "readiness": health}, f"{name}: probes {probes} vs {health}"
        bound = {v["name"] for v in spec.get("variables", [])}
        unbound = set(service.get("variables", {})) - bound
        assert not unbound, f"{name}: the topology sets {sorted(unbound)}, its SpinApp does not"
        pods = hpas[app["metadata"]["name"]]["spec"]["minReplicas"] if spec.get("enableAutoscaling") else spec.get("replicas", 1)
        assert pods >= service["replicas"], f"{name}: {pods} pod(s), the topology proves {service['replicas']}"


@check("k8s: built-in resources match the Kubernetes schemas (strict)")
def _():
    validate_builtin(load_manifests())


@check("k8s: SpinApps match the SpinApp CRD schema")
def _():
    validate_spinapps(load_manifests())


@check("k8s: secrets, components, variables, services and routes line up")
def _():
    check_cross_references(load_manifests())


@check("k8s: the SpinApps run what deploy/scaled/topology.toml runs and proves")
def _():
    check_scaled_topology(load_manifests(), load_topology())


@check("self: broken manifests fail the k8s checks")
def _():
    docs = load_manifests()

    def edit(kind, name, fn):
        broken = copy.deepcopy(docs)
        for _, doc in broken:
            if doc.get("kind") == kind and doc["metadata"]["name"] == name:
                fn(doc)
        return broken

    fails(validate_builtin, edit("StatefulSet", "postgres", lambda d: d["spec"].update(replica=1)), "StatefulSet spec.replica")
    fails(validate_builtin, edit("Service", "redis", lambda d: d["spec"]["ports"][0].update(port="six")), "a Service port 'six'")
    fails(validate_spinapps, edit("SpinApp", "spin-shop-users", lambda d: d["spec"].update(component=["users"])), "SpinApp spec.component")
    fails(validate_spinapps, edit("SpinApp", "spin-shop-users", lambda d: d["spec"].pop("image")), "SpinApp without image")
    fails(validate_spinapps, edit("SpinApp", "spin-shop-users", lambda d: d["spec"].update(enableAutoscaling=True)), "replicas with enableAutoscaling")
    fails(
        check_cross_references,
        edit(
            "SpinApp",
            "spin-shop-orders",
            lambda d: d["spec"]["variables"].__setitem__(
                [v["name"] for v in d["spec"]["variables"]].index("users_url"),
                {"name": "users_url", "value": "http://users.spin.internal"},
            ),
        ),
        "service chaining across pods",
    )
    fails(
        check_cross_references,
        edit("SpinApp", "spin-shop-users", lambda d: d["spec"]["variables"][1]["valueFrom"]["secretKeyRef"].update(key="nope")),
        "a secretKeyRef to a missing key",
    )
    fails(check_cross_references, edit("SpinApp", "spin-shop-web", lambda d: d["spec"].update(components=["users"])), "web SpinApp running users twice")
    fails(
        check_cross_references,
        edit("SpinApp", "spin-shop-webhook-deliverer", lambda d: d["metadata"].pop("annotations")),
        "the deliverer's SpinApp taken for one of spin.toml",
    )
    topology = load_topology()

    def scaled(broken_docs):
        check_scaled_topology(broken_docs, topology)

    fails(scaled, edit("SpinApp", "spin-shop-webhook-deliverer", lambda d: d["spec"].update(replicas=1)), "one deliverer where two are proven")
    fails(
        scaled,
        edit("SpinApp", "spin-shop-users", lambda d: d["spec"]["checks"]["readiness"]["httpGet"].update(path="/users/readyz")),
        "a readiness probe on readyz",
    )
    fails(scaled, edit("SpinApp", "spin-shop-web", lambda d: d["spec"].update(components=["webhooks"])), "web running webhooks")
    fails(
        scaled,
        edit("SpinApp", "spin-shop-users", lambda d: d["spec"].update(variables=[v for v in d["spec"]["variables"] if v["name"] != "trusted_proxies"])),
        "users without the trusted_proxies the topology sets",
    )
    hpa_min_1 = edit("HorizontalPodAutoscaler", "spin-shop-orders", lambda d: d["spec"].update(minReplicas=1))
    fails(scaled, hpa_min_1, "orders autoscaled down to one pod")


def main() -> int:
    passed = sum(1 for _, ok, _ in RESULTS if ok)
    failed = len(RESULTS) - passed
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
