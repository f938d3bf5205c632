//! Host conformance: the probe component, run by the real host, shows that each host
//! feature behaves as Spin's does.

use std::time::Duration;

use e2e::{AppOptions, TestApp, repo_root};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PG: &str = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable";
/// The probe's `scratch` key-value store: in memory unless a test points it elsewhere.
const SCRATCH_IN_MEMORY: &str = "[key_value_store.scratch]\ntype = \"spin\"\n";

fn probe_options() -> AppOptions {
    AppOptions {
        manifest: Some(repo_root().join("host/test-components/spin.toml")),
        variables: vec![("api_token".into(), "t0ken".into())],
        extra_runtime_config: format!(
            "[key_value_store.local]\ntype = \"spin\"\npath = \"{}\"\n{SCRATCH_IN_MEMORY}",
            std::env::temp_dir()
                .join(format!("probe-kv-{}.db", uuid::Uuid::new_v4().simple()))
                .display()
        ),
        ..Default::default()
    }
}

async fn probe() -> TestApp {
    TestApp::spawn_with(probe_options()).await
}

/// The probe app on a host started with these extra arguments.
async fn probe_with_host_args(args: &[&str]) -> TestApp {
    TestApp::spawn_with(AppOptions {
        host_args: args.iter().map(|a| a.to_string()).collect(),
        ..probe_options()
    })
    .await
}

/// What the probe got back from a chained POST to the private `backend` component.
async fn chained_echo(app: &TestApp) -> Value {
    get_json(
        app,
        &format!(
            "/probe/outbound?url={}",
            encode("http://backend.spin.internal/echo")
        ),
    )
    .await
}

async fn get_json(app: &TestApp, path: &str) -> Value {
    let response = app.get(path, None).await;
    assert_eq!(response.status(), 200, "GET {path}");
    response.json().await.unwrap()
}

fn encode(s: &str) -> String {
    s.replace('%', "%25")
        .replace(':', "%3A")
        .replace('/', "%2F")
        .replace('?', "%3F")
        .replace('=', "%3D")
        .replace('&', "%26")
}

#[tokio::test]
async fn routing_precedence_and_spin_headers() {
    let app = probe().await;

    let exact = get_json(&app, "/probe/exact").await;
    assert_eq!(
        exact["component"], "exact",
        "an exact route beats a wildcard"
    );
    assert_eq!(exact["headers"]["spin-matched-route"], "/probe/exact");
    assert_eq!(exact["headers"]["spin-path-info"], "");

    let wildcard = get_json(&app, "/probe/headers?x=1").await;
    let headers = &wildcard["headers"];
    assert_eq!(wildcard["component"], "probe");
    assert_eq!(headers["spin-path-info"], "/headers");
    assert_eq!(headers["spin-matched-route"], "/probe/...");
    assert_eq!(headers["spin-raw-component-route"], "/probe/...");
    assert_eq!(headers["spin-component-route"], "/probe");
    assert_eq!(headers["spin-base-path"], "/");
    let full_url = headers["spin-full-url"].as_str().unwrap();
    assert_eq!(full_url, format!("{}/probe/headers?x=1", app.base_url));
    assert!(
        headers["spin-client-addr"]
            .as_str()
            .unwrap()
            .starts_with("127.0.0.1:")
    );

    // `/probe/...` also matches `/probe` itself.
    let base = get_json(&app, "/probe").await;
    assert_eq!(base["component"], "probe");
    assert_eq!(base["headers"]["spin-path-info"], "");

    let param = get_json(&app, "/things/42/headers").await;
    assert_eq!(param["component"], "things");
    assert_eq!(param["headers"]["spin-path-match-id"], "42");
    assert_eq!(param["headers"]["spin-path-info"], "/headers");

    // No route: 404 from the host. The private component has no route at all.
    assert_eq!(app.get("/nothing-here", None).await.status(), 404);
    assert_eq!(app.get("/backend/headers", None).await.status(), 404);

    // A client cannot forge the headers Spin sets.
    let response = app
        .client
        .get(app.url("/probe/headers"))
        .header("spin-path-info", "/forged")
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["headers"]["spin-path-info"], "/headers");
}

#[tokio::test]
async fn local_service_chaining_and_denied_hosts() {
    let app = probe().await;

    let chained = chained_echo(&app).await;
    assert_eq!(chained["status"], 200, "{chained}");
    let echoed: Value = serde_json::from_str(chained["body"].as_str().unwrap()).unwrap();
    assert_eq!(echoed["method"], "POST");
    assert_eq!(echoed["body"], "ping");

    let denied = get_json(
        &app,
        &format!("/probe/outbound?url={}", encode("http://example.com/")),
    )
    .await;
    assert!(
        denied["error"]
            .as_str()
            .unwrap()
            .contains("HttpRequestDenied"),
        "{denied}"
    );

    // `exact` lists no outbound hosts: chaining is denied too.
    let denied = get_json(
        &app,
        &format!(
            "/probe/exact?url={}",
            encode("http://backend.spin.internal/echo")
        ),
    )
    .await;
    assert_eq!(denied["component"], "exact");
    let denied = get_json(
        &app,
        &format!(
            "/things/1/outbound?url={}",
            encode("http://backend.spin.internal/echo")
        ),
    )
    .await;
    assert!(
        denied["error"]
            .as_str()
            .unwrap()
            .contains("HttpRequestDenied"),
        "{denied}"
    );
}

#[tokio::test]
async fn outbound_http_to_a_real_server() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let _ = socket
                    .write_all(b"HTTP/1.1 201 Created\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello")
                    .await;
            });
        }
    });
    let app = probe().await;
    let result = get_json(
        &app,
        &format!(
            "/probe/outbound?url={}",
            encode(&format!("http://127.0.0.1:{port}/x"))
        ),
    )
    .await;
    assert_eq!(result["status"], 201, "{result}");
    assert_eq!(result["body"], "hello");
}

/// What the probe's `/pg` got back from one statement run by `component` (a route prefix).
async fn pg_at(
    app: &TestApp,
    component: &str,
    url: &str,
    op: &str,
    sql: &str,
    params: Value,
) -> Value {
    let spec = serde_json::json!({ "url": url, "op": op, "sql": sql, "params": params });
    let response = app.post(&format!("{component}/pg"), None, &spec).await;
    assert_eq!(response.status(), 200, "{spec}");
    let result: Value = response.json().await.unwrap();
    assert!(result.get("probe_error").is_none(), "{result}");
    result
}

async fn pg(app: &TestApp, op: &str, sql: &str, params: Value) -> Value {
    pg_at(app, "/probe", PG, op, sql, params).await
}

/// The `Debug` of a value or type without its type's prefix.
fn bare(debug: &Value) -> String {
    debug
        .as_str()
        .unwrap_or_else(|| panic!("{debug}"))
        .replace("DbValue::", "")
        .replace("DbDataType::", "")
        .replace("RangeBoundKind::", "")
}

/// Runs `SELECT expr, ...` of every case and checks each column's type and value.
async fn assert_select(app: &TestApp, params: Value, cases: &[(&str, &str, &str)]) {
    let sql = format!(
        "SELECT {}",
        cases.iter().map(|c| c.0).collect::<Vec<_>>().join(", ")
    );
    let result = pg(app, "query", &sql, params).await;
    let row = &result["rows"][0];
    for (i, (expr, data_type, value)) in cases.iter().enumerate() {
        assert_eq!(
            bare(&result["columns"][i][1]),
            *data_type,
            "type of {expr}: {result}"
        );
        assert_eq!(bare(&row[i]), *value, "value of {expr}: {result}");
    }
}

#[tokio::test]
async fn postgres_columns_read_as_spin_reads_them() {
    let app = probe().await;
    assert_select(
        &app,
        serde_json::json!([]),
        &[
            ("true", "Boolean", "Boolean(true)"),
            ("(-12)::int2", "Int16", "Int16(-12)"),
            ("123456", "Int32", "Int32(123456)"),
            ("(-9000000000)::int8", "Int64", "Int64(-9000000000)"),
            ("1.5::float4", "Floating32", "Floating32(1.5)"),
            ("2.25::float8", "Floating64", "Floating64(2.25)"),
            ("'héllo'::text", "Str", "Str(\"héllo\")"),
            ("'v'::varchar(3)", "Str", "Str(\"v\")"),
            ("'c'::char(3)", "Str", "Str(\"c  \")"),
            ("'\\x0001feff'::bytea", "Binary", "Binary([0, 1, 254, 255])"),
            ("'2026-11-25'::date", "Date", "Date((2026, 11, 25))"),
            ("'10:11:12.5'::time", "Time", "Time((10, 11, 12, 500000000))"),
            (
                "'2026-11-25 10:00:00.123456'::timestamp",
                "Datetime",
                "Datetime((2026, 11, 25, 10, 0, 0, 123456000))",
            ),
            (
                "'67e55044-10b1-426f-9247-bb680e5fe0c8'::uuid",
                "Uuid",
                "Uuid(\"67e55044-10b1-426f-9247-bb680e5fe0c8\")",
            ),
            (
                "'{\"b\": [1, 2]}'::jsonb",
                "Jsonb",
                "Jsonb([123, 34, 98, 34, 58, 91, 49, 44, 50, 93, 125])",
            ),
            ("12345.670::numeric", "Decimal", "Decimal(\"12345.670\")"),
            (
                "'[1,5]'::int4range",
                "RangeInt32",
                "RangeInt32((Some((1, Inclusive)), Some((6, Exclusive))))",
            ),
            ("'empty'::int4range", "RangeInt32", "RangeInt32((None, None))"),
            (
                "'(,10)'::int8range",
                "RangeInt64",
                "RangeInt64((None, Some((10, Exclusive))))",
            ),
            (
                "'(1.5,2.5]'::numrange",
                "RangeDecimal",
                "RangeDecimal((Some((\"1.5\", Exclusive)), Some((\"2.5\", Inclusive))))",
            ),
            ("'{1,NULL,3}'::int4[]", "ArrayInt32", "ArrayInt32([Some(1), None, Some(3)])"),
            ("'{1099511627776}'::int8[]", "ArrayInt64", "ArrayInt64([Some(1099511627776)])"),
            (
                "'{1.10,NULL}'::numeric[]",
                "ArrayDecimal",
                "ArrayDecimal([Some(\"1.10\"), None])",
            ),
            ("'{a,NULL}'::text[]", "ArrayStr", "ArrayStr([Some(\"a\"), None])"),
            ("'{b}'::varchar[]", "ArrayStr", "ArrayStr([Some(\"b\")])"),
            (
                "'3 mons 2 days 1.5 s'::interval",
                "Interval",
                "Interval(Interval { micros: 1500000, days: 2, months: 3 })",
            ),
            ("NULL::int4", "Int32", "DbNull"),
            ("NULL::text", "Str", "DbNull"),
            // What Spin does not map is `other` and comes back as PostgreSQL's binary form.
            ("'{\"a\":1}'::json", "Other(\"json\")", "Unsupported([123, 34, 97, 34, 58, 49, 125])"),
            ("'ab'::name", "Other(\"name\")", "Unsupported([97, 98])"),
            ("'A'::\"char\"", "Other(\"char\")", "Unsupported([65])"),
            ("42::oid", "Other(\"oid\")", "Unsupported([0, 0, 0, 42])"),
            ("'{t}'::bool[]", "Other(\"_bool\")", "Unsupported([0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1])"),
            ("NULL::json", "Other(\"json\")", "DbNull"),
        ],
    )
    .await;

    // Columns come from the first row, as in Spin: a result without rows names none.
    let empty = pg(
        &app,
        "query",
        "SELECT 1 AS a WHERE false",
        serde_json::json!([]),
    )
    .await;
    assert_eq!(empty, serde_json::json!({ "columns": [], "rows": [] }));
    let named = pg(&app, "query", "SELECT 1 AS a", serde_json::json!([])).await;
    assert_eq!(
        named["columns"],
        serde_json::json!([["a", "DbDataType::Int32"]])
    );
}

#[tokio::test]
async fn postgres_parameters_bind_as_spin_binds_them() {
    let app = probe().await;
    let params = serde_json::json!([
        ["boolean", true],
        ["int8", 65],
        ["int16", -12],
        ["int32", 123456],
        ["int64", -9000000000i64],
        ["floating32", 1.5],
        ["floating64", 2.25],
        ["str", "héllo"],
        ["str", "v"],
        ["binary", [0, 1, 254, 255]],
        ["date", [2026, 11, 25]],
        ["time", [10, 11, 12, 500000000]],
        ["datetime", [2026, 11, 25, 10, 0, 0, 123456000]],
        ["timestamp", 1764064800],
        ["uuid", "67E55044-10B1-426F-9247-BB680E5FE0C8"],
        ["jsonb", "{\"b\": [1, 2]}"],
        ["jsonb", "[1]"],
        ["decimal", "12345.670"],
        ["range-int32", [[1, "inclusive"], [5, "inclusive"]]],
        ["range-int64", [null, [10, "exclusive"]]],
        [
            "range-decimal",
            [["1.5", "exclusive"], ["2.5", "inclusive"]]
        ],
        ["array-int32", [1, null, 3]],
        ["array-int64", [1099511627776i64]],
        ["array-decimal", ["1.10", null]],
        ["array-str", ["a", null]],
        ["interval", [1500000, 2, 3]],
        ["db-null", null],
        ["db-null", null],
        ["range-int32", [[10, "inclusive"], [1, "exclusive"]]],
    ]);
    assert_select(
        &app,
        params,
        &[
            ("$1::bool", "Boolean", "Boolean(true)"),
            // `int8` binds as an `i8`, which only PostgreSQL's one-byte "char" takes.
            ("$2::\"char\"::int4", "Int32", "Int32(65)"),
            ("$3::int2", "Int16", "Int16(-12)"),
            ("$4::int4", "Int32", "Int32(123456)"),
            ("$5::int8", "Int64", "Int64(-9000000000)"),
            ("$6::float4", "Floating32", "Floating32(1.5)"),
            ("$7::float8", "Floating64", "Floating64(2.25)"),
            ("$8::text", "Str", "Str(\"héllo\")"),
            ("$9::varchar", "Str", "Str(\"v\")"),
            ("$10::bytea", "Binary", "Binary([0, 1, 254, 255])"),
            ("$11::date", "Date", "Date((2026, 11, 25))"),
            ("$12::time", "Time", "Time((10, 11, 12, 500000000))"),
            (
                "$13::timestamp",
                "Datetime",
                "Datetime((2026, 11, 25, 10, 0, 0, 123456000))",
            ),
            // `timestamp` binds as a `DateTime<Utc>`: a timestamptz placeholder only.
            (
                "$14::timestamptz AT TIME ZONE 'UTC'",
                "Datetime",
                "Datetime((2025, 11, 25, 10, 0, 0, 0))",
            ),
            (
                "$15::uuid",
                "Uuid",
                "Uuid(\"67e55044-10b1-426f-9247-bb680e5fe0c8\")",
            ),
            (
                "$16::jsonb",
                "Jsonb",
                "Jsonb([123, 34, 98, 34, 58, 91, 49, 44, 50, 93, 125])",
            ),
            ("$17::json::text", "Str", "Str(\"[1]\")"),
            ("$18::numeric", "Decimal", "Decimal(\"12345.670\")"),
            (
                "$19::int4range",
                "RangeInt32",
                "RangeInt32((Some((1, Inclusive)), Some((6, Exclusive))))",
            ),
            (
                "$20::int8range",
                "RangeInt64",
                "RangeInt64((None, Some((10, Exclusive))))",
            ),
            (
                "$21::numrange",
                "RangeDecimal",
                "RangeDecimal((Some((\"1.5\", Exclusive)), Some((\"2.5\", Inclusive))))",
            ),
            (
                "$22::int4[]",
                "ArrayInt32",
                "ArrayInt32([Some(1), None, Some(3)])",
            ),
            (
                "$23::int8[]",
                "ArrayInt64",
                "ArrayInt64([Some(1099511627776)])",
            ),
            (
                "$24::numeric[]",
                "ArrayDecimal",
                "ArrayDecimal([Some(\"1.10\"), None])",
            ),
            ("$25::text[]", "ArrayStr", "ArrayStr([Some(\"a\"), None])"),
            (
                "$26::interval",
                "Interval",
                "Interval(Interval { micros: 1500000, days: 2, months: 3 })",
            ),
            // `db-null` is a NULL of whatever type the placeholder has.
            ("$27::timestamptz IS NULL", "Boolean", "Boolean(true)"),
            ("$28::int4", "Int32", "DbNull"),
            // An inverted range is sent as `empty` rather than refused by PostgreSQL.
            ("$29::int4range", "RangeInt32", "RangeInt32((None, None))"),
        ],
    )
    .await;
}

/// The error the probe got back, as its WIT `Debug`.
async fn pg_error(app: &TestApp, op: &str, sql: &str, params: Value) -> String {
    let result = pg(app, op, sql, params).await;
    result["error"]
        .as_str()
        .unwrap_or_else(|| panic!("{op} {sql} should fail: {result}"))
        .to_string()
}

fn assert_error(error: &str, prefix: &str, parts: &[&str]) {
    assert!(
        error.starts_with(prefix),
        "{error}\nshould start with {prefix}"
    );
    for part in parts {
        assert!(error.contains(part), "{error}\nshould contain {part}");
    }
}

#[tokio::test]
async fn postgres_refuses_what_spin_refuses() {
    let app = probe().await;
    let none = serde_json::json!([]);
    // A timestamptz column is read as a NaiveDateTime, which tokio-postgres refuses,
    // NULL or not; met while rows stream, so Spin 4.x nests it in a `text` error.
    for sql in [
        "SELECT 1 AS a, now() AS b",
        "SELECT 1 AS a, NULL::timestamptz AS b",
    ] {
        assert_error(
            &pg_error(&app, "query", sql, none.clone()).await,
            "Error::QueryFailed(QueryError::Text(\"Error::QueryFailed(QueryError::Text(\\\"error deserializing column 1: cannot convert between the Rust type `core::option::Option<chrono::naive::datetime::NaiveDateTime>` and the Postgres type `timestamptz`",
            &[],
        );
    }

    // Parameters a placeholder's type refuses fail before any row, as tokio-postgres' WrongType.
    let refused = [
        (
            "[\"datetime\", [2026, 11, 25, 10, 0, 0, 0]]",
            "timestamptz",
            "WrongType { postgres: Timestamptz, rust: \\\"chrono::naive::datetime::NaiveDateTime\\\" }",
        ),
        (
            "[\"timestamp\", 1764064800]",
            "timestamp",
            "WrongType { postgres: Timestamp, rust: \\\"chrono::datetime::DateTime<chrono::offset::utc::Utc>\\\" }",
        ),
        (
            "[\"str\", \"1\"]",
            "int4",
            "WrongType { postgres: Int4, rust: \\\"alloc::string::String\\\" }",
        ),
        (
            "[\"int32\", 1]",
            "int8",
            "WrongType { postgres: Int8, rust: \\\"i32\\\" }",
        ),
        (
            "[\"int8\", 1]",
            "int2",
            "WrongType { postgres: Int2, rust: \\\"i8\\\" }",
        ),
        (
            "[\"jsonb\", \"1\"]",
            "text",
            "WrongType { postgres: Text, rust: \\\"serde_json::value::Value\\\" }",
        ),
    ];
    for (param, placeholder, wrong_type) in refused {
        let params: Value = serde_json::from_str(&format!("[{param}]")).unwrap();
        for op in ["query", "execute"] {
            let sql = format!("SELECT $1::{placeholder} IS NULL");
            let error = pg_error(&app, op, &sql, params.clone()).await;
            assert_error(
                &error,
                "Error::QueryFailed(QueryError::Text(\"Error { kind: ToSql(0), cause: Some(",
                &[wrong_type],
            );
        }
    }
}

#[tokio::test]
async fn postgres_errors_take_spins_variants() {
    let app = probe().await;
    let none = serde_json::json!([]);

    // A value invalid for its own variant: `bad-parameter` from query, but
    // `value-conversion-failed` from execute, with anyhow's chain of causes.
    let invalid = [
        (
            serde_json::json!([["uuid", "nope"]]),
            "invalid UUID nope\\n\\nCaused by:\\n    invalid character",
        ),
        (
            serde_json::json!([["decimal", " 1.5"]]),
            "invalid decimal  1.5\\n\\nCaused by:",
        ),
        (
            serde_json::json!([["date", [2026, 2, 30]]]),
            "invalid date y=2026, m=2, d=30",
        ),
        (
            serde_json::json!([["time", [24, 0, 0, 0]]]),
            "invalid time 24:0:0:0",
        ),
        (
            serde_json::json!([["jsonb", "{"]]),
            "invalid JSON {\\n\\nCaused by:",
        ),
    ];
    for (params, text) in invalid {
        let error = pg_error(&app, "query", "SELECT $1::text", params.clone()).await;
        assert_error(&error, "Error::BadParameter(\"", &[text]);
        let error = pg_error(&app, "execute", "SELECT $1::text", params).await;
        assert_error(&error, "Error::ValueConversionFailed(\"", &[text]);
    }

    // A statement the server refuses before any row keeps its `db-error`, whose
    // `as-text` is tokio-postgres' Debug, with Spin's extras.
    for op in ["query", "execute"] {
        assert_error(
            &pg_error(&app, op, "SELECT * FROM no_such_table", none.clone()).await,
            "Error::QueryFailed(QueryError::DbError(DbError { as-text: \"Error { kind: Db, cause: Some(DbError { severity: \\\"ERROR\\\"",
            &[
                "code: \"42P01\"",
                "message: \"relation \\\"no_such_table\\\" does not exist\"",
                "(\"file\", \"parse_relation.c\")",
                "(\"routine\", \"parserOpenTable\")",
            ],
        );
        assert_error(
            &pg_error(&app, op, "SELECT $1::int4", none.clone()).await,
            "Error::QueryFailed(QueryError::Text(\"Error { kind: Parameters(0, 1), cause: None }\"))",
            &[],
        );
    }

    // An error met while rows stream is `text` from query (Spin 4.x: the Debug of the
    // db-error it started as) and `db-error` from execute: a unique violation of
    // INSERT ... RETURNING, and a division by zero in the second row.
    let table = format!("probe_unique_{}", uuid::Uuid::new_v4().simple());
    let create = format!("CREATE TABLE {table} (k text PRIMARY KEY)");
    assert_eq!(
        pg(&app, "execute", &create, none.clone()).await["affected"],
        0
    );
    let insert = format!("INSERT INTO {table} (k) VALUES ($1) RETURNING k");
    let key = serde_json::json!([["str", "a"]]);
    let first = pg(&app, "query", &insert, key.clone()).await;
    assert_eq!(
        first["rows"],
        serde_json::json!([["DbValue::Str(\"a\")"]]),
        "{first}"
    );
    let duplicate = "duplicate key value violates unique constraint";
    assert_error(
        &pg_error(&app, "query", &insert, key.clone()).await,
        "Error::QueryFailed(QueryError::Text(\"Error::QueryFailed(QueryError::DbError(DbError { as-text: \\\"Error { kind: Db,",
        &[duplicate, "code: \\\"23505\\\""],
    );
    assert_error(
        &pg_error(&app, "execute", &insert, key).await,
        "Error::QueryFailed(QueryError::DbError(DbError { as-text: \"Error { kind: Db,",
        &[
            duplicate,
            "code: \"23505\"",
            &format!("(\"constraint\", \"{table}_pkey\")"),
            &format!("(\"table\", \"{table}\")"),
        ],
    );
    pg(
        &app,
        "execute",
        &format!("DROP TABLE {table}"),
        none.clone(),
    )
    .await;
    assert_error(
        &pg_error(
            &app,
            "query",
            "SELECT 1 / (g - 2) FROM generate_series(1, 3) g",
            none.clone(),
        )
        .await,
        "Error::QueryFailed(QueryError::Text(\"Error::QueryFailed(QueryError::DbError(DbError {",
        &["code: \\\"22012\\\""],
    );

    // Spin buffers at most 128 MiB of a query's result.
    assert_eq!(
        pg_error(
            &app,
            "query",
            "SELECT repeat('x', 1048576) FROM generate_series(1, 130)",
            none
        )
        .await,
        "Error::QueryFailed(QueryError::Text(\"query result exceeds limit of 134217728 bytes\"))"
    );
}

#[tokio::test]
async fn postgres_addresses_are_checked_and_connected_as_spin_does() {
    let app = probe().await;
    let open_error = |result: Value| {
        result["open_error"]
            .as_str()
            .unwrap_or_else(|| panic!("{result}"))
            .to_string()
    };
    let app = &app;
    let select = |url: &'static str| {
        pg_at(
            app,
            "/probe",
            url,
            "query",
            "SELECT 1",
            serde_json::json!([]),
        )
    };
    // Only listed hosts and ports, checked before connecting; a key=value address
    // without a port means 5432.
    let denied = pg_at(
        app,
        "/things/1",
        PG,
        "query",
        "SELECT 1",
        serde_json::json!([]),
    )
    .await;
    assert_eq!(
        open_error(denied),
        "Error::ConnectionFailed(\"address postgres://127.0.0.1:5432 is not permitted\")"
    );
    assert_eq!(
        open_error(select("postgres://postgres@127.0.0.1:5433/postgres?sslmode=disable").await),
        "Error::ConnectionFailed(\"address postgres://127.0.0.1:5433 is not permitted\")"
    );
    let key_value = select("host=127.0.0.1 user=postgres dbname=postgres sslmode=disable").await;
    assert_eq!(
        key_value["rows"],
        serde_json::json!([["DbValue::Int32(1)"]]),
        "{key_value}"
    );
    assert_eq!(
        open_error(select("host=/var/run/postgresql user=postgres").await),
        "Error::ConnectionFailed(\"Unix sockets are not supported on WebAssembly\")"
    );
    assert_error(
        &open_error(select("postgres://postgres@127.0.0.1:port/postgres").await),
        "Error::ConnectionFailed(\"invalid connection string:",
        &[],
    );
    // Spin connects on open: a missing database or a TLS certificate the host does not
    // trust (the default sslmode, `prefer`, uses TLS when the server offers it) fails there.
    assert_error(
        &open_error(select("postgres://postgres@127.0.0.1:5432/no_such_db?sslmode=disable").await),
        "Error::ConnectionFailed(\"Error occurred while creating a new object: db error: FATAL: database \\\"no_such_db\\\" does not exist",
        &["\\n\\nCaused by:\\n"],
    );
    assert_error(
        &open_error(select("postgres://postgres@127.0.0.1:5432/postgres").await),
        "Error::ConnectionFailed(\"Error occurred while creating a new object: error performing TLS handshake",
        &[],
    );
}

#[tokio::test]
async fn redis_operations() {
    let app = probe().await;
    let result = get_json(
        &app,
        &format!("/probe/redis?url={}", encode("redis://127.0.0.1:6379")),
    )
    .await;
    assert_eq!(result["get"], "v1", "{result}");
    assert_eq!(result["incr"], serde_json::json!([1, 2]));
    assert_eq!(result["sadd"], 2);
    assert_eq!(result["srem"], 1);
    assert_eq!(result["smembers"], serde_json::json!(["b"]));
    assert_eq!(
        result["execute"]
            .as_str()
            .unwrap()
            .replace("RedisResult::", ""),
        "[Int64(1)]"
    );
    assert_eq!(result["del"], 3);
    assert_eq!(result["after_del"], true);

    let denied = get_json(
        &app,
        &format!("/things/1/redis?url={}", encode("redis://127.0.0.1:6379")),
    )
    .await;
    assert!(
        denied["error"].as_str().unwrap().contains("InvalidAddress"),
        "{denied}"
    );
}

#[tokio::test]
async fn key_value_stores_follow_runtime_config_and_manifest() {
    let app = probe().await;
    for store in ["default", "local"] {
        let result = get_json(&app, &format!("/probe/kv?store={store}")).await;
        assert_eq!(result["missing_before"], true, "{store}: {result}");
        assert_eq!(result["get"], "value");
        assert_eq!(result["exists"], true);
        assert_eq!(result["listed"], true);
        assert_eq!(result["exists_after_delete"], false);
    }
    let unlisted = get_json(&app, "/fallback/kv?store=local").await;
    assert!(
        unlisted["open_error"]
            .as_str()
            .unwrap()
            .contains("AccessDenied"),
        "{unlisted}"
    );
    let none = get_json(&app, "/things/1/kv?store=default").await;
    assert!(
        none["open_error"]
            .as_str()
            .unwrap()
            .contains("AccessDenied"),
        "{none}"
    );

    // The embedded store is the default without any runtime configuration.
    let embedded = TestApp::spawn_with(AppOptions {
        embedded_kv: true,
        ..probe_options()
    })
    .await;
    let result = get_json(&embedded, "/probe/kv?store=default").await;
    assert_eq!(result["get"], "value", "{result}");
}

#[tokio::test]
async fn variables_from_every_source() {
    let app = probe().await;
    assert_eq!(
        get_json(&app, "/probe/variable?name=greeting").await["value"],
        "hello world"
    );
    assert_eq!(
        get_json(&app, "/probe/variable?name=token").await["value"],
        "t0ken"
    );
    let undefined = get_json(&app, "/probe/variable?name=nope").await;
    assert!(
        undefined["error"].as_str().unwrap().contains("Undefined"),
        "{undefined}"
    );
    // Another component does not see probe's variables.
    assert!(get_json(&app, "/things/1/variable?name=greeting").await["error"].is_string());

    let from_env = TestApp::spawn_with(AppOptions {
        env: vec![("SPIN_VARIABLE_GREETING".into(), "hi".into())],
        ..probe_options()
    })
    .await;
    assert_eq!(
        get_json(&from_env, "/probe/variable?name=greeting").await["value"],
        "hi world"
    );

    let mut options = probe_options();
    options.env = vec![("SPIN_VARIABLE_GREETING".into(), "hi".into())];
    options.variables.push(("greeting".into(), "hey".into()));
    let from_cli = TestApp::spawn_with(options).await;
    assert_eq!(
        get_json(&from_cli, "/probe/variable?name=greeting").await["value"],
        "hey world",
        "--variable wins"
    );
}

#[tokio::test]
async fn files_mounts_and_environment() {
    let app = probe().await;
    let file = get_json(&app, "/probe/file?path=/assets/hello.txt").await;
    assert_eq!(file["content"], "hello from a mounted file\n");
    let outside = get_json(&app, "/probe/file?path=/assets/../../Cargo.toml").await;
    assert!(
        outside["error"].is_string(),
        "no escaping the mount: {outside}"
    );
    assert_eq!(
        get_json(&app, "/probe/env?name=PROBE_ENV").await["value"],
        "from-manifest"
    );
}

#[tokio::test]
async fn a_trap_answers_an_empty_500_and_the_app_keeps_serving() {
    let app = probe().await;
    let response = app.get("/probe/trap", None).await;
    assert_eq!(response.status(), 500);
    assert_eq!(response.text().await.unwrap(), "", "Spin's 500 has no body");
    assert_eq!(app.get("/probe/headers", None).await.status(), 200);
}

#[tokio::test]
async fn host_only_timeouts_and_memory_exhaustion_do_not_take_the_host_down() {
    let app = probe_with_host_args(&["--request-timeout", "2"]).await;
    let response = app.get("/probe/oom", None).await;
    assert_eq!(response.status(), 500);
    assert_eq!(response.text().await.unwrap(), "");
    let started = std::time::Instant::now();
    assert_eq!(app.get("/probe/spin", None).await.status(), 504);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(
        app.get("/probe/headers", None).await.status(),
        200,
        "still serving"
    );
}

/// How long `/probe/headers` waits for its answer when it is sent while `/probe/spin`
/// (busy until the 2 s time limit) runs, with this admission limit.
async fn quick_request_while_one_is_busy(max_concurrent_requests: &str) -> Duration {
    let app = probe_with_host_args(&[
        "--request-timeout",
        "2",
        "--max-concurrent-requests",
        max_concurrent_requests,
    ])
    .await;
    let busy = async {
        assert_eq!(app.get("/probe/spin", None).await.status(), 504);
    };
    let quick = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let sent = std::time::Instant::now();
        assert_eq!(app.get("/probe/headers", None).await.status(), 200);
        sent.elapsed()
    };
    tokio::join!(busy, quick).1
}

#[tokio::test]
async fn host_only_requests_beyond_the_admission_limit_wait_for_a_running_one() {
    // The busy request ends 1.7 s after the quick one is sent.
    let waited = quick_request_while_one_is_busy("1").await;
    assert!(
        waited >= Duration::from_millis(1500),
        "with one request admitted at a time, the second waits for the first: {waited:?}"
    );
    let waited = quick_request_while_one_is_busy("0").await;
    assert!(
        waited < Duration::from_millis(1500),
        "without a limit, the second request does not wait: {waited:?}"
    );
}

#[tokio::test]
async fn host_only_chained_requests_need_no_admission() {
    let app = probe_with_host_args(&["--max-concurrent-requests", "1"]).await;
    // The outer request holds the only permit while its chained call runs.
    let chained = chained_echo(&app).await;
    assert_eq!(chained["status"], 200, "{chained}");
}

#[tokio::test]
async fn host_only_start_up_errors_name_their_cause() {
    let missing_variable = AppOptions {
        variables: vec![],
        ..probe_options()
    };
    let err = TestApp::start_failure(missing_variable).await;
    assert!(err.contains("`api_token` is required"), "{err}");

    let mut unknown = probe_options();
    unknown.variables.push(("nonsense".into(), "1".into()));
    let err = TestApp::start_failure(unknown).await;
    assert!(err.contains("no variable `nonsense`"), "{err}");

    let dir = std::env::temp_dir().join(format!("bad-manifest-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let manifest = dir.join("spin.toml");
    std::fs::write(
        &manifest,
        "spin_manifest_version = 2\n[application]\nname = \"x\"\n[[trigger.http]]\nroute = \"/...\"\ncomponent = \"a\"\n\
         [component.a]\nsource = \"missing.wasm\"\n",
    )
    .unwrap();
    let err = TestApp::start_failure(AppOptions {
        manifest: Some(manifest.clone()),
        ..Default::default()
    })
    .await;
    assert!(
        err.contains("missing.wasm does not exist") && err.contains("make build"),
        "{err}"
    );

    std::fs::write(&manifest, "spin_manifest_version = 2\n[application\n").unwrap();
    let err = TestApp::start_failure(AppOptions {
        manifest: Some(manifest),
        ..Default::default()
    })
    .await;
    assert!(err.contains("invalid manifest"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

/// The probe app with its Redis trigger on a channel of its own, subscribed.
async fn probe_listening() -> (TestApp, String) {
    let channel = format!("probe-{}", uuid::Uuid::new_v4().simple());
    let mut options = probe_options();
    options
        .variables
        .push(("redis_channel".into(), channel.clone()));
    let app = TestApp::spawn_with(options).await;
    // The subscription starts with the app; give it a moment before publishing.
    tokio::time::sleep(Duration::from_millis(300)).await;
    (app, channel)
}

async fn publish(app: &TestApp, channel: &str, message: &str) {
    let path = format!(
        "/probe/publish?url={}&channel={channel}&message={message}",
        encode("redis://127.0.0.1:6379")
    );
    assert_eq!(get_json(app, &path).await["published"], true);
}

/// The listener's record `key` in the `default` store, waited for up to 5 s.
async fn recorded(app: &TestApp, key: &str) -> Option<String> {
    for _ in 0..50 {
        let value = get_json(app, &format!("/fallback/kv-get?key={key}")).await["value"].clone();
        if let Some(value) = value.as_str() {
            return Some(value.to_string());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

#[tokio::test]
async fn redis_trigger_runs_a_fresh_instance_per_message() {
    let (app, channel) = probe_listening().await;
    // The `default` store outlives the test: the messages are this run's own.
    let messages = (0..3)
        .map(|n| format!("m{n}-{channel}"))
        .collect::<Vec<_>>();
    for message in &messages {
        publish(&app, &channel, message).await;
    }
    for message in &messages {
        let seen = recorded(&app, &format!("message:{message}")).await;
        assert_eq!(seen.as_ref(), Some(message), "{message} was handled");
    }
}

/// Spin's subscriber awaits each message's handler before it reads the next
/// (`trigger-redis/src/lib.rs`): three slow messages published at once are handled one
/// after the other, in order.
#[tokio::test]
async fn redis_trigger_handles_one_message_at_a_time() {
    let (app, channel) = probe_listening().await;
    let messages = ["a", "b", "c"].map(|m| format!("slow:{m}-{channel}"));
    for message in &messages {
        publish(&app, &channel, message).await;
    }
    let mut spans = Vec::new();
    for message in &messages {
        let ended = recorded(&app, &format!("ended:{message}")).await;
        let started = recorded(&app, &format!("started:{message}")).await;
        let ms = |at: Option<String>| at.unwrap_or_else(|| panic!("{message} not handled"));
        let ms = |at| ms(at).parse::<u128>().unwrap();
        spans.push((ms(started), ms(ended)));
    }
    for (earlier, later) in spans.iter().zip(&spans[1..]) {
        assert!(later.0 >= earlier.1, "handled at once: {spans:?}");
    }
}

/// Components are compiled once into the cache folder and mapped from there: a second start
/// compiles nothing and runs the code from the files it mapped.
#[tokio::test]
async fn host_only_compiled_components_are_cached_and_mapped_from_files() {
    let cache = std::env::temp_dir().join(format!("compiled-{}", uuid::Uuid::new_v4().simple()));
    let mut options = probe_options();
    options.env = vec![("SPIN_HOST_CACHE_DIR".into(), cache.display().to_string())];
    let mut app = TestApp::spawn_with(options).await;
    let compiled = |dir: &std::path::Path| {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        files
    };
    let first = compiled(&cache);
    assert!(
        !first.is_empty(),
        "nothing compiled into {}",
        cache.display()
    );
    assert!(
        first
            .iter()
            .all(|f| f.extension().is_some_and(|e| e == "cwasm")),
        "{first:?}"
    );
    // A file compiled again would be a new file renamed into place: another inode.
    let inode = |f: &std::path::PathBuf| {
        std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(f).unwrap())
    };
    let written: Vec<_> = first.iter().map(inode).collect();

    app.restart_host().await;
    assert_eq!(
        get_json(&app, "/probe/variable?name=greeting").await["value"],
        "hello world"
    );
    assert_eq!(compiled(&cache), first, "the second start compiled again");
    let maps = std::fs::read_to_string(format!("/proc/{}/maps", app.host_pid().unwrap())).unwrap();
    for (file, ino) in first.iter().zip(written) {
        assert!(
            maps.contains(&file.display().to_string()),
            "{} is not mapped",
            file.display()
        );
        assert_eq!(inode(file), ino, "{} was compiled again", file.display());
    }
    drop(app);
    let _ = std::fs::remove_dir_all(&cache);
}

// Conformance of key-value, Redis, variables and allowed_outbound_hosts with Spin 3.6.3 and
// 4.0.2: each test pins one behaviour of Spin's source (see the host's documentation).

/// What the probe got back from one key-value call on `store`: `value` or `error`.
async fn kv_call(app: &TestApp, store: &str, op: &str, key: &str, value: &str) -> Value {
    get_json(
        app,
        &format!("/probe/stores/kv?store={store}&op={op}&key={key}&value={value}"),
    )
    .await
}

/// What the probe got back from one Redis call on `url`: `value` or `error`.
async fn redis_call(app: &TestApp, url: &str, op: &str, key: &str, extra: &str) -> Value {
    get_json(
        app,
        &format!(
            "/probe/stores/redis?url={}&op={op}&key={key}&{extra}",
            encode(url)
        ),
    )
    .await
}

fn error_of(answer: &Value) -> &str {
    answer["error"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error: {answer}"))
}

/// The probe app with its `scratch` key-value store configured by `config`.
fn probe_with_scratch(config: &str) -> AppOptions {
    let mut options = probe_options();
    options.extra_runtime_config = options.extra_runtime_config.replace(
        SCRATCH_IN_MEMORY,
        &format!("[key_value_store.scratch]\n{config}\n"),
    );
    options
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// An HTTP server that answers every request `201 hello`; returns its port.
async fn http_server() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let _ = socket
                    .write_all(b"HTTP/1.1 201 Created\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello")
                    .await;
            });
        }
    });
    port
}

/// A one-component app around the probe, mounted at `/...`: `variables` is the body of
/// `[variables]`, `component` what follows the component's `source`.
fn probe_manifest(variables: &str, component: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("conformance-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let manifest = dir.join("spin.toml");
    let wasm = repo_root().join("target/wasm32-wasip2/release/probe.wasm");
    std::fs::write(
        &manifest,
        format!(
            "spin_manifest_version = 2\n[application]\nname = \"conformance\"\n[variables]\n{variables}\n\
             [[trigger.http]]\nroute = \"/...\"\ncomponent = \"probe\"\n\
             [component.probe]\nsource = \"{}\"\n{component}\n",
            wasm.display()
        ),
    )
    .unwrap();
    manifest
}

async fn outbound_from(app: &TestApp, url: &str) -> Value {
    get_json(app, &format!("/outbound?url={}", encode(url))).await
}

#[tokio::test]
async fn key_value_redis_keeps_keys_and_values_as_they_are_and_memory_stores_persist() {
    let app = probe().await;
    let key = format!("kv-conformance-{}", uuid::Uuid::new_v4().simple());
    assert_eq!(
        kv_call(&app, "default", "set", &key, "v1").await["value"],
        "()"
    );
    // Spin's Redis store adds no prefix and ignores the label: the key is the Redis key.
    let raw = redis_call(&app, "redis://127.0.0.1:6379", "get", &key, "").await;
    assert_eq!(raw["value"], "Some(\"v1\")", "{raw}");
    assert_eq!(
        kv_call(&app, "default", "delete", &key, "").await["value"],
        "()"
    );
    assert_eq!(
        kv_call(&app, "default", "get", &key, "").await["value"],
        "None"
    );

    // A `type = "spin"` store without a path lives in memory for as long as the app runs.
    assert_eq!(
        kv_call(&app, "scratch", "set", "k", "kept").await["value"],
        "()"
    );
    assert_eq!(
        kv_call(&app, "scratch", "get", "k", "").await["value"],
        "Some(\"kept\")"
    );

    let unlisted = kv_call(&app, "nowhere", "open", "", "").await;
    assert!(error_of(&unlisted).contains("AccessDenied"), "{unlisted}");
}

#[tokio::test]
async fn store_labels_and_runtime_config_mistakes_fail_the_start() {
    let mut no_scratch = probe_options();
    no_scratch.extra_runtime_config = no_scratch
        .extra_runtime_config
        .replace(SCRATCH_IN_MEMORY, "");
    let err = TestApp::start_failure(no_scratch).await;
    assert!(
        err.contains(r#"unknown key_value_stores label "scratch" for component "probe""#),
        "{err}"
    );

    let err =
        TestApp::start_failure(probe_with_scratch("type = \"redis\"\nurl = \"http://x\"")).await;
    assert!(err.contains("Invalid Redis URL"), "{err}");

    let mut unused = probe_options();
    unused
        .extra_runtime_config
        .push_str("[key_value_stores.typo]\ntype = \"spin\"\n");
    let err = TestApp::start_failure(unused).await;
    assert!(
        err.contains("unused runtime config key(s): key_value_stores"),
        "{err}"
    );
}

#[tokio::test]
async fn key_value_and_redis_when_redis_is_down() {
    // A Redis store that never connected: `open` fails with the client's error.
    let never = TestApp::spawn_with(probe_with_scratch(&format!(
        "type = \"redis\"\nurl = \"redis://127.0.0.1:{}\"",
        closed_port()
    )))
    .await;
    let open = kv_call(&never, "scratch", "open", "", "").await;
    assert!(
        error_of(&open).contains("Other(") && error_of(&open).contains("Connection refused"),
        "{open}"
    );

    let mut redis = e2e::RedisServer::start().await;
    let app = TestApp::spawn_with(probe_with_scratch(&format!(
        "type = \"redis\"\nurl = \"{}\"",
        redis.url()
    )))
    .await;
    assert_eq!(
        kv_call(&app, "scratch", "set", "k", "v").await["value"],
        "()"
    );
    assert_eq!(
        redis_call(&app, &redis.url(), "open", "", "").await["value"],
        "opened"
    );

    redis.stop().await;
    // Once connected, Spin's store opens whatever happens; its calls fail with `other`.
    assert_eq!(
        kv_call(&app, "scratch", "open", "", "").await["value"],
        "opened"
    );
    let get = kv_call(&app, "scratch", "get", "k", "").await;
    assert!(error_of(&get).contains("Other("), "{get}");
    // The Redis API connects at every `open` in Spin: it fails there.
    let open = redis_call(&app, &redis.url(), "open", "", "").await;
    assert!(
        error_of(&open).contains("Other(") && error_of(&open).contains("Connection refused"),
        "{open}"
    );

    redis.resume().await;
    let mut answer = Value::Null;
    for _ in 0..50 {
        answer = kv_call(&app, "scratch", "get", "k", "").await;
        if answer["value"].is_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        answer["value"], "None",
        "reconnected to the emptied server: {answer}"
    );
    assert_eq!(
        redis_call(&app, &redis.url(), "open", "", "").await["value"],
        "opened"
    );
}

#[tokio::test]
async fn redis_errors_are_spins() {
    let app = probe().await;
    let url = "redis://127.0.0.1:6379";
    let key = format!("redis-conformance-{}", uuid::Uuid::new_v4().simple());

    // Not allowed, or not a URL: invalid-address.
    for bad in ["redis://localhost:6379", "not a url"] {
        let open = redis_call(&app, bad, "open", "", "").await;
        assert!(error_of(&open).contains("InvalidAddress"), "{bad}: {open}");
    }
    let open = redis_call(&app, "http://127.0.0.1:6379", "open", "", "").await;
    assert!(error_of(&open).contains("InvalidAddress"), "{open}");

    // A failed conversion is type-error only for `sadd`; elsewhere it is `other`.
    let script = "return redis.call('SADD', KEYS[1], string.char(255))";
    let added = redis_call(
        &app,
        url,
        "execute",
        "EVAL",
        &format!("args={}|1|{key}", encode(script)),
    )
    .await;
    assert_eq!(
        added["value"]
            .as_str()
            .unwrap()
            .replace("RedisResult::", ""),
        "[Int64(1)]",
        "{added}"
    );
    let members = redis_call(&app, url, "smembers", &key, "").await;
    assert!(
        error_of(&members).contains("Other(") && !error_of(&members).contains("TypeError("),
        "{members}"
    );

    // A command the server refuses is `other` with the server's words.
    let wrong_type = redis_call(&app, url, "get", &key, "").await;
    assert!(error_of(&wrong_type).contains("WRONGTYPE"), "{wrong_type}");
    let nested = redis_call(
        &app,
        url,
        "execute",
        "EVAL",
        &format!("args={}|0", encode("return {1, redis.error_reply('boom')}")),
    )
    .await;
    assert!(
        error_of(&nested).contains("Other(") && error_of(&nested).contains("boom"),
        "{nested}"
    );
    redis_call(&app, url, "execute", "DEL", &format!("args={key}")).await;
}

/// What the probe reports after holding `count` connections of `kind` to `url` at once.
async fn hold_connections(app: &TestApp, kind: &str, url: &str, count: usize) -> Value {
    let path = format!(
        "/probe/stores/connections?kind={kind}&url={}&count={count}",
        encode(url)
    );
    get_json(app, &path).await
}

#[tokio::test]
async fn an_instance_holds_at_most_1024_redis_connections() {
    let app = probe().await;
    let held = hold_connections(&app, "redis", "redis://127.0.0.1:6379", 1100).await;
    assert_eq!(held["opened"], 1024, "{held}");
    assert_eq!(held["refused"], "Error::TooManyConnections", "{held}");
    assert_eq!(held["after_a_drop"]["value"], "reopened", "{held}");
}

/// On Spin a guest connection holds one of 64 pooled connections per address, so the 65th
/// to one address waits for ever; 1,024 are reached over several addresses only. Here
/// connections are not pooled per guest connection, so the table's limit shows at once.
#[tokio::test]
async fn host_only_an_instance_holds_at_most_1024_postgres_connections() {
    let app = probe().await;
    let held = hold_connections(&app, "pg", PG, 1100).await;
    assert_eq!(held["opened"], 1024, "{held}");
    let refused = held["refused"].as_str().unwrap_or_default();
    assert!(
        refused.contains(r#"ConnectionFailed("too many connections")"#),
        "{held}"
    );
    assert_eq!(held["after_a_drop"]["value"], "reopened", "{held}");
}

#[tokio::test]
async fn variables_errors_are_spins() {
    let app = probe().await;
    let undefined = get_json(&app, "/probe/variable?name=nope").await;
    assert!(
        error_of(&undefined).contains(r#"Undefined("no variable for \"probe\".\"nope\"")"#),
        "{undefined}"
    );
    let invalid = get_json(&app, "/probe/variable?name=Nope").await;
    assert!(
        error_of(&invalid).contains(r#"InvalidName("\"Nope\": invalid character 'N'"#),
        "{invalid}"
    );

    let neither = probe_manifest("loose = {}", "");
    let err = TestApp::start_failure(AppOptions {
        manifest: Some(neither),
        ..Default::default()
    })
    .await;
    assert!(
        err.contains("must be `required` OR have a `default`"),
        "{err}"
    );
}

#[tokio::test]
async fn allowed_outbound_hosts_are_templated_parsed_and_matched_as_in_spin() {
    let port = http_server().await;
    // Templates name application variables; the component has none of its own.
    let variables = format!(
        "below = {{ default = \"{}\" }}\nport = {{ default = \"{port}\" }}\nabove = {{ default = \"{}\" }}",
        port - 1,
        port + 1
    );
    let app = TestApp::spawn_with(AppOptions {
        manifest: Some(probe_manifest(
            &variables,
            "allowed_outbound_hosts = [\"http://127.0.0.1:{{ port }}..{{ above }}\", \
             \"http://localhost:{{ below }}..{{ port }}\", \"HTTP://127.0.0.2:*\", \
             \"http://*.spin.internal\"]",
        )),
        ..Default::default()
    })
    .await;
    let reached = outbound_from(&app, &format!("http://127.0.0.1:{port}/")).await;
    assert_eq!(reached["status"], 201, "{reached}");
    for denied in [
        // A range excludes its end.
        format!("http://localhost:{port}/"),
        // Schemes match exactly.
        format!("http://127.0.0.2:{port}/"),
        // `*.spin.internal` means the app's components only.
        "http://nope.spin.internal/".to_string(),
    ] {
        let answer = outbound_from(&app, &denied).await;
        assert!(
            error_of(&answer).contains("HttpRequestDenied"),
            "{denied}: {answer}"
        );
    }
    let chained = outbound_from(&app, "http://probe.spin.internal/echo").await;
    assert_eq!(chained["status"], 200, "{chained}");

    for (hosts, expected) in [
        (
            "\"insecure:allow-all\"",
            "'insecure:allow-all' is not allowed",
        ),
        ("\"http://example.com/path\"", "must not include a path"),
        (
            "\"http://example.com:80/path\"",
            "has a path but is not allowed to",
        ),
        (
            "\"ftp://example.com\"",
            "does not have a known default port",
        ),
        (
            "\"http://a*.example.com\"",
            "wildcards are allowed only as subdomains",
        ),
    ] {
        let manifest = probe_manifest("", &format!("allowed_outbound_hosts = [{hosts}]"));
        let err = TestApp::start_failure(AppOptions {
            manifest: Some(manifest),
            ..Default::default()
        })
        .await;
        assert!(err.contains(expected), "{hosts}: {err}");
    }
    // A component variable is not an application variable.
    let manifest = probe_manifest(
        "",
        "allowed_outbound_hosts = [\"http://{{ mine }}\"]\n[component.probe.variables]\nmine = \"127.0.0.1\"",
    );
    let err = TestApp::start_failure(AppOptions {
        manifest: Some(manifest),
        ..Default::default()
    })
    .await;
    assert!(err.contains("unknown variable `mine`"), "{err}");
}

#[tokio::test]
async fn outbound_http_connection_errors_are_spins() {
    let app = TestApp::spawn_with(AppOptions {
        manifest: Some(probe_manifest("", "allowed_outbound_hosts = [\"*://*:*\"]")),
        ..Default::default()
    })
    .await;
    let refused = outbound_from(&app, &format!("http://127.0.0.1:{}/", closed_port())).await;
    assert!(
        error_of(&refused).contains("ConnectionRefused"),
        "{refused}"
    );
    let unknown = outbound_from(&app, "http://no-such-host.invalid/").await;
    assert!(
        error_of(&unknown).contains(
            r#"DnsError(DnsErrorPayload { rcode: Some("address not available"), info-code: Some(0) })"#
        ),
        "{unknown}"
    );
}

// ---------------------------------------------------------------------------------------
// The Redis trigger ends the app when its Redis is not there (Spin's crates/trigger-redis
// and src/commands/up.rs), always against a redis-server of the test's own.

/// An app with one HTTP route and one Redis trigger on `redis_url`, in a folder of its own.
fn redis_trigger_manifest(redis_url: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("redis-trigger-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let wasm = repo_root().join("target/wasm32-wasip2/release");
    let manifest = dir.join("spin.toml");
    std::fs::write(
        &manifest,
        format!(
            "spin_manifest_version = 2\n[application]\nname = \"redis-trigger\"\n\
             [application.trigger.redis]\naddress = \"{redis_url}\"\n\
             [[trigger.http]]\nroute = \"/probe/...\"\ncomponent = \"probe\"\n\
             [[trigger.redis]]\nchannel = \"messages\"\ncomponent = \"listener\"\n\
             [component.probe]\nsource = \"{wasm}/probe.wasm\"\n\
             [component.probe.variables]\ncomponent_name = \"probe\"\n\
             [component.listener]\nsource = \"{wasm}/listener.wasm\"\nkey_value_stores = [\"default\"]\n",
            wasm = wasm.display()
        ),
    )
    .unwrap();
    manifest
}

#[tokio::test]
async fn a_redis_trigger_that_cannot_connect_at_start_ends_the_host() {
    // A port where nothing listens: a server started and stopped again.
    let mut redis = e2e::RedisServer::start().await;
    redis.stop().await;
    let output = TestApp::run_until_exit(AppOptions {
        manifest: Some(redis_trigger_manifest(&redis.url())),
        ..Default::default()
    })
    .await;
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stderr.contains(&format!(
            "Error: Redis trigger failed to connect to {}",
            redis.address()
        )),
        "{stderr}"
    );
    assert!(
        stdout.contains("A trigger exited unexpectedly. Terminating."),
        "{stdout}"
    );
}

#[tokio::test]
async fn an_app_without_http_triggers_refuses_http_options() {
    // `spin up` hands its trigger options to the app's only trigger; a Redis trigger has no
    // `--listen`, so the app does not start.
    let output = TestApp::run_until_exit(AppOptions {
        manifest: Some(redis_trigger_manifest("redis://127.0.0.1:6379")),
        host_args: vec!["-c".into(), "listener".into()],
        ..Default::default()
    })
    .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("unexpected argument '--listen'"),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_redis_trigger_that_loses_its_server_ends_the_host_and_its_routes() {
    let mut redis = e2e::RedisServer::start().await;
    let mut app = TestApp::spawn_with(AppOptions {
        manifest: Some(redis_trigger_manifest(&redis.url())),
        ..Default::default()
    })
    .await;
    let subscribed = format!("\t{}/messages: [listener]", redis.address());
    for _ in 0..100 {
        if app.output().count(&subscribed) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        app.output().count(&subscribed),
        1,
        "{:?}",
        app.output().lines()
    );
    assert!(app.get("/probe/", None).await.status().as_u16() < 500);

    redis.stop().await;
    let status = app.host_exit(Duration::from_secs(10)).await;
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(1),
        "the host should exit with 1"
    );
    assert!(
        app.output()
            .count("A trigger exited unexpectedly. Terminating.")
            == 1,
        "{:?}",
        app.output().lines()
    );
    let answer = app.client.get(app.url("/probe/")).send().await;
    assert!(answer.is_err(), "HTTP still answers: {answer:?}");
}

/// The probe at `caller` (one of its routes) sends a POST to `url`; its JSON says what
/// came back (`{"status", "body"}`, or `{"error"}`).
async fn chained(app: &TestApp, caller: &str, url: &str) -> e2e::Response {
    app.get(&format!("{caller}/outbound?url={}", encode(url)), None)
        .await
}

/// Spin routes a chained request as if its component were mounted at `/...`
/// (`RouteMatch::synthetic`), whatever the component's own route, without the `Host`
/// header it drops from every outbound request, from client address 0.0.0.0:0.
#[tokio::test]
async fn chained_requests_are_matched_as_if_mounted_at_the_root() {
    let mut options = probe_options();
    options
        .variables
        .push(("chain_url".into(), "http://things.spin.internal".into()));
    let app = TestApp::spawn_with(options).await;
    for (target, component) in [
        (
            "http://things.spin.internal/things/42/headers?x=1",
            "things",
        ),
        (
            "http://backend.spin.internal/things/42/headers?x=1",
            "backend",
        ),
    ] {
        let caller = if component == "things" {
            "/fallback"
        } else {
            "/probe"
        };
        let reply: Value = chained(&app, caller, target).await.json().await.unwrap();
        assert_eq!(reply["status"], 200, "{reply}");
        let body: Value = serde_json::from_str(reply["body"].as_str().unwrap()).unwrap();
        assert_eq!(body["component"], component);
        let headers = &body["headers"];
        assert_eq!(headers["spin-path-info"], "/things/42/headers", "{body}");
        assert_eq!(headers["spin-matched-route"], "/...");
        assert_eq!(headers["spin-raw-component-route"], "/...");
        assert_eq!(headers["spin-component-route"], "");
        assert_eq!(headers["spin-base-path"], "/");
        assert_eq!(
            headers["spin-full-url"],
            "http://localhost/things/42/headers?x=1"
        );
        assert_eq!(headers["spin-client-addr"], "0.0.0.0:0");
        assert!(headers.get("spin-path-match-id").is_none(), "{headers}");
    }
}

/// A chained request to a component that has no HTTP trigger traps the caller in Spin
/// ("unknown routing destination"): the caller's client gets a 500.
#[tokio::test]
async fn chaining_to_a_component_without_an_http_trigger_traps_the_caller() {
    let mut options = probe_options();
    options
        .variables
        .push(("chain_url".into(), "http://listener.spin.internal".into()));
    let app = TestApp::spawn_with(options).await;
    let response = chained(&app, "/fallback", "http://listener.spin.internal/echo").await;
    assert_eq!(response.status(), 500);
    // The same caller still chains to a component with one.
    let reply: Value = chained(&app, "/probe", "http://backend.spin.internal/echo")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(reply["status"], 200, "{reply}");
}

/// Spin reads every header value as UTF-8 after routing: one that is not fails the
/// request with an empty 500 and the component never runs; UTF-8 beyond ASCII is fine.
#[tokio::test]
async fn a_header_value_that_is_not_utf8_is_refused_before_the_component_runs() {
    let app = probe().await;
    let send = |path: &'static str, value: &'static [u8]| {
        let app = &app;
        async move {
            app.client
                .get(app.url(path))
                .header(
                    "x-value",
                    reqwest::header::HeaderValue::from_bytes(value).unwrap(),
                )
                .send()
                .await
                .unwrap()
        }
    };
    let refused = send("/probe/headers", b"k\xff").await;
    assert_eq!(refused.status(), 500);
    assert_eq!(refused.text().await.unwrap(), "");
    assert_eq!(send("/probe/headers", "zoë".as_bytes()).await.status(), 200);
    // Routing comes first: no route is still a 404, and Spin's has no body.
    let unrouted = send("/nothing-here", b"k\xff").await;
    assert_eq!(unrouted.status(), 404);
    assert_eq!(unrouted.text().await.unwrap(), "");
}

/// What the host sends back on a raw connection for `request`, until it closes.
async fn raw_exchange(app: &TestApp, request: &str) -> String {
    let address = app.base_url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("the host closes the connection")
        .unwrap_or_default();
    String::from_utf8_lossy(&answer).into_owned()
}

/// Spin takes the request's authority from the `Host` header or the request line, which
/// must agree; without one, or with two that differ, it answers nothing and closes.
#[tokio::test]
async fn a_request_without_a_usable_host_gets_no_answer() {
    let app = probe().await;
    let ok = raw_exchange(
        &app,
        "GET /probe/headers HTTP/1.1\r\nhost: probe.test\r\nconnection: close\r\n\r\n",
    )
    .await;
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    assert!(ok.contains("http://probe.test/probe/headers"), "{ok}");
    for request in [
        "GET /probe/headers HTTP/1.0\r\n\r\n",
        "GET http://a.test/probe/headers HTTP/1.1\r\nhost: b.test\r\n\r\n",
        "GET /probe/headers HTTP/1.1\r\nhost: not a host\r\n\r\n",
    ] {
        assert_eq!(raw_exchange(&app, request).await, "", "{request:?}");
    }
}

/// How many clients of the shared Redis subscribe to `channel` (`PUBSUB NUMSUB`).
async fn subscribers(channel: &str) -> i64 {
    let mut stream = tokio::net::TcpStream::connect("127.0.0.1:6379")
        .await
        .unwrap();
    let command = format!(
        "*3\r\n$6\r\nPUBSUB\r\n$6\r\nNUMSUB\r\n${}\r\n{channel}\r\n",
        channel.len()
    );
    stream.write_all(command.as_bytes()).await.unwrap();
    let mut reply = vec![0u8; 512];
    let n = stream.read(&mut reply).await.unwrap();
    let reply = String::from_utf8_lossy(&reply[..n]).into_owned();
    let count = reply.rsplit(':').next().unwrap().trim();
    count
        .parse()
        .unwrap_or_else(|_| panic!("PUBSUB NUMSUB said {reply:?}"))
}

/// `--component-id` (`spin up -c`): only the named components run, with their triggers.
#[tokio::test]
async fn component_id_runs_only_the_named_components() {
    let channel = format!("probe-{}", uuid::Uuid::new_v4().simple());
    let mut options = probe_options();
    options
        .variables
        .push(("redis_channel".into(), channel.clone()));
    options.host_args = ["-c", "probe", "--component-id", "backend"]
        .map(String::from)
        .to_vec();
    let app = TestApp::spawn_with(options).await;

    // `exact`'s route is gone: the probe's wildcard takes its path.
    let response = app.get("/probe/exact", None).await;
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.text().await.unwrap(),
        "probe: no such probe /exact"
    );
    let gone = app.get("/things/1/headers", None).await;
    assert_eq!(gone.status(), 404);
    assert_eq!(gone.text().await.unwrap(), "");
    // A selected component chains to another selected one.
    let reply: Value = chained(&app, "/probe", "http://backend.spin.internal/echo")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(reply["status"], 200, "{reply}");
    // The Redis trigger's component is not selected: nothing subscribes.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(subscribers(&channel).await, 0);
}

#[tokio::test]
async fn component_id_refuses_unknown_components_and_chaining_to_left_out_ones() {
    let start = |args: &[&str]| {
        let host_args = args.iter().map(|a| a.to_string()).collect();
        TestApp::start_failure(AppOptions {
            host_args,
            ..probe_options()
        })
    };
    let unknown = start(&["-c", "nope"]).await;
    assert!(
        unknown.contains("Specified component \"nope\" not found in application"),
        "{unknown}"
    );
    // `probe` lists http://backend.spin.internal in its allowed_outbound_hosts.
    let left_out = start(&["-c", "probe"]).await;
    assert!(
        left_out.contains(
            "Selected component 'probe' cannot use service chaining to unselected component"
        ),
        "{left_out}"
    );
}

/// A templated allowed host is not checked at start, so a selected component may name a
/// component left out; chaining to it then traps, as to any unknown component.
#[tokio::test]
async fn chaining_to_a_component_left_out_traps_the_caller() {
    let mut options = probe_options();
    options.host_args = ["-c", "fallback"].map(String::from).to_vec();
    let app = TestApp::spawn_with(options).await;
    let response = chained(&app, "/fallback", "http://backend.spin.internal/echo").await;
    assert_eq!(response.status(), 500);
}

/// The services deployed apart, as SpinKube's selective deployment runs them: users and
/// inventory in one app, orders in another that reaches them by URL. Every service routes
/// on its full path, so an order goes through.
#[tokio::test]
async fn the_services_run_apart_and_reach_each_other_by_url() {
    let backends = TestApp::spawn_with(AppOptions {
        host_args: ["-c", "users", "-c", "inventory"]
            .map(String::from)
            .to_vec(),
        ..Default::default()
    })
    .await;
    let orders = TestApp::spawn_with(AppOptions {
        host_args: ["-c", "orders"].map(String::from).to_vec(),
        variables: vec![
            ("users_url".into(), backends.base_url.clone()),
            ("inventory_url".into(), backends.base_url.clone()),
        ],
        ..Default::default()
    })
    .await;
    assert_eq!(orders.get("/users/healthz", None).await.status(), 404);

    let admin = backends.admin_token().await;
    let created = backends
        .post(
            "/inventory/",
            Some(&admin),
            &serde_json::json!({ "sku": "APART-1", "qty": 5, "price": 2.5 }),
        )
        .await;
    assert_eq!(created.status(), 201);
    let user = backends.register_user().await;
    let order = orders
        .post(
            "/orders/",
            Some(&user.token),
            &serde_json::json!({ "items": [{ "sku": "APART-1", "quantity": 2, "price": "2.5" }] }),
        )
        .await;
    assert_eq!(order.status(), 201, "{}", order.text().await.unwrap());
    assert_eq!(backends.stock("APART-1").await, 3);
}
