//! The OpenAPI documents (`/<svc>/openapi.json`), the docs pages (`/<svc>/docs`), and a
//! schema-driven fuzzer (Schemathesis) run against every service through the host: any
//! 500, or any response whose status, content type, headers or body the document does not
//! describe, fails the test.
//!
//! Schemathesis comes from PyPI into `target/fuzz-venv` (`scripts/fuzz-api.sh install`).
//! Where it cannot be installed the fuzzing test fails with the reason: it never passes
//! without having fuzzed.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use e2e::{SERVICE_TOKEN, TestApp, repo_root};
use serde_json::{Value, json};
use tokio::process::Command;

const SERVICES: [&str; 3] = ["users", "inventory", "orders"];

/// Test cases per operation and phase (`FUZZ_MAX_EXAMPLES` to explore more); with the
/// coverage phase's boundary cases this keeps the three services to a minute or two on
/// two cores.
const MAX_EXAMPLES: &str = "20";
/// Kills a fuzzing run of one service that takes longer than this.
const RUN_LIMIT: Duration = Duration::from_secs(600);

/// What every response is checked for. `not_a_server_error` is any 5xx but a documented
/// one (503 when a dependency is down); the others compare the response with the
/// document: a documented status, its content type, its required headers (`X-Request-Id`,
/// `X-Total-Count`, `WWW-Authenticate`, ...) and a body that matches its schema.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
                      response_headers_conformance,response_schema_conformance";

#[tokio::test]
async fn every_service_serves_its_document_and_docs_page() {
    let app = TestApp::spawn().await;
    for service in SERVICES {
        let response = app.get(&format!("/{service}/openapi.json"), None).await;
        assert_eq!(response.status(), 200, "{service}/openapi.json");
        let doc: Value = response.json().await.unwrap();
        assert_eq!(doc["openapi"], "3.1.0", "{service}");
        assert_eq!(doc["info"]["title"], service);
        assert_eq!(
            doc["components"]["securitySchemes"]["bearer"],
            json!({
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "An access token from `POST /users/login` (JWT HS256, 30 minutes)",
            })
        );
        let paths = doc["paths"].as_object().unwrap();
        for meta in ["healthz", "readyz", "openapi.json", "docs"] {
            assert!(paths.contains_key(&format!("/{service}/{meta}")), "{meta}");
        }
        // Every list documents its total count header.
        let list = &paths[&format!("/{service}/")]["get"]["responses"]["200"];
        assert_eq!(
            list["headers"]["X-Total-Count"]["required"], true,
            "{service}"
        );
        assert!(list["content"]["application/json"]["schema"]["type"] == "array");

        let response = app.get(&format!("/{service}/docs"), None).await;
        assert_eq!(response.status(), 200, "{service}/docs");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let csp = response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(csp.contains("default-src 'none'"), "{csp}");
        let page = response.text().await.unwrap();
        assert!(page.contains(&format!("\"/{service}/openapi.json\"")));
        // Self-contained: no script, style or font from anywhere else.
        for outside in ["<script src", "<link", "http://", "https://", "@import"] {
            assert!(!page.contains(outside), "{service}/docs has {outside}");
        }
    }
}

#[tokio::test]
async fn schemathesis_finds_no_server_error_or_contract_mismatch() {
    let schemathesis = install_schemathesis().await;
    let app = TestApp::spawn().await;
    let token = fuzzing_admin(&app).await;
    seed(&app, &token).await;

    let mut failed = Vec::new();
    for service in services() {
        // The reservations are for the orders service's credential alone (a user's token
        // gets 403), so they are fuzzed with it, and the rest with the admin's token.
        let runs: Vec<(String, &str, Vec<&str>)> = if service == "inventory" {
            let reservations = "^/inventory/reservations";
            vec![
                (
                    service.clone(),
                    token.as_str(),
                    vec!["--exclude-path-regex", reservations],
                ),
                (
                    "inventory-reservations".into(),
                    SERVICE_TOKEN,
                    vec!["--include-path-regex", reservations],
                ),
            ]
        } else {
            vec![(service.clone(), token.as_str(), vec![])]
        };
        for (label, bearer, filter) in runs {
            if !fuzz(&app, &schemathesis, &service, &label, bearer, &filter).await {
                failed.push(label);
            }
        }
    }
    assert!(
        failed.is_empty(),
        "Schemathesis found problems in {failed:?}: see its report above (and the JUnit \
         reports under target/schemathesis/)"
    );
}

/// The Schemathesis command from `scripts/fuzz-api.sh install`; a failure says why.
async fn install_schemathesis() -> PathBuf {
    let output = Command::new(repo_root().join("scripts/fuzz-api.sh"))
        .arg("install")
        .stderr(Stdio::piped())
        .output()
        .await
        .expect("running scripts/fuzz-api.sh install");
    assert!(
        output.status.success(),
        "cannot fuzz: Schemathesis could not be installed (needs python3, python3-venv and \
         PyPI):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    PathBuf::from(String::from_utf8(output.stdout).unwrap().trim())
}

/// An admin of its own for the fuzzer, with an id far from the ids the fuzzer tries (its
/// examples use 1), so that its own requests (deactivating or demoting the user they
/// name) rarely lock it out.
async fn fuzzing_admin(app: &TestApp) -> String {
    app.db("users")
        .await
        .execute(
            "ALTER TABLE users ALTER COLUMN id RESTART WITH 1000000",
            &[],
        )
        .await
        .unwrap();
    let admin = app.admin_token().await;
    let password = "fuzzing-admin-password";
    let response = app
        .post(
            "/users/",
            Some(&admin),
            &json!({ "name": "Fuzzer", "email": "fuzzer@example.com", "password": password, "role": "admin" }),
        )
        .await;
    assert_eq!(response.status(), 201);
    app.login("fuzzer@example.com", password).await
}

/// Something for the fuzzer to find: items 1–3 (1 and 2 in stock) and an order.
async fn seed(app: &TestApp, token: &str) {
    for (sku, qty) in [("WIDGET-1", 500), ("WIDGET-2", 5), ("WIDGET-3", 0)] {
        let response = app
            .post(
                "/inventory/",
                Some(token),
                &json!({ "sku": sku, "qty": qty, "name": sku, "price": "9.90" }),
            )
            .await;
        assert_eq!(response.status(), 201, "create {sku}");
    }
    let response = app
        .post(
            "/orders/",
            Some(token),
            &json!({ "id": "order-1", "items": [{ "sku": "WIDGET-1", "quantity": 2, "price": "9.90" }] }),
        )
        .await;
    assert_eq!(response.status(), 201, "create order-1");
}

/// Runs Schemathesis against one service's document (the operations `filter` selects);
/// prints its report and tells whether it passed.
async fn fuzz(
    app: &TestApp,
    schemathesis: &PathBuf,
    service: &str,
    label: &str,
    token: &str,
    filter: &[&str],
) -> bool {
    let work = repo_root().join("target/schemathesis").join(label);
    std::fs::create_dir_all(&work).unwrap();
    let mut command = Command::new(schemathesis);
    command
        .arg("run")
        .arg(app.url(&format!("/{service}/openapi.json")))
        .args(["--url", &app.base_url])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(["--checks", CHECKS])
        // The stateful phase follows links between operations, which the documents do not
        // declare; examples, boundary values (coverage) and random cases (fuzzing) run.
        .args(["--phases", "examples,coverage,fuzzing"])
        .args(["--max-examples", &max_examples()])
        .args(["--seed", &seed_value()])
        .args(filter)
        // One worker: Hypothesis parses lambda sources with `ast.parse`, which CPython
        // 3.11 does not guard against concurrent use (SystemError "AST constructor
        // recursion depth mismatch" with two workers).
        .args(["--workers", "1", "--request-timeout", "30"])
        .args(["--report", "junit", "--report-dir"])
        .arg(&work)
        .current_dir(&work)
        .env("NO_COLOR", "1")
        .kill_on_drop(true);
    println!("fuzzing {label}: {command:?}");
    let output = tokio::time::timeout(RUN_LIMIT, command.output())
        .await
        .unwrap_or_else(|_| panic!("fuzzing {label} took over {RUN_LIMIT:?}"))
        .expect("running schemathesis");
    println!("{}", String::from_utf8_lossy(&output.stdout));
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    output.status.success()
}

/// The services to fuzz: all, or those `FUZZ_SERVICES` (comma-separated) names.
fn services() -> Vec<String> {
    match std::env::var("FUZZ_SERVICES") {
        Ok(list) => list.split(',').map(|s| s.trim().to_string()).collect(),
        Err(_) => SERVICES.iter().map(|s| s.to_string()).collect(),
    }
}

fn max_examples() -> String {
    std::env::var("FUZZ_MAX_EXAMPLES").unwrap_or_else(|_| MAX_EXAMPLES.into())
}

/// A fixed seed, so a run is reproducible; `FUZZ_SEED` explores others.
fn seed_value() -> String {
    std::env::var("FUZZ_SEED").unwrap_or_else(|_| "20261125".into())
}
