//! OpenAPI 3.1 documents, generated from the handlers' `#[utoipa::path]` attributes and
//! the request and response types' `#[derive(ToSchema)]`, and the two routes that serve
//! them: `GET /<svc>/openapi.json` and `GET /<svc>/docs` (a small self-contained page
//! that renders the document: no CDN, nothing loaded but the document itself).
//!
//! [`document`] completes what every service shares so handlers only declare their own
//! responses: the bearer scheme, the error bodies this crate renders (`{"detail": ...}`,
//! 422 with a list of field errors), the responses the shared code answers for every
//! operation (401/403 for authenticated ones, 400/413/422 for ones with a body, 422 for
//! query parameters, 404 for paths with an id, 503 when a dependency is down) and the
//! `X-Request-Id` header of every response.

use serde::Serialize;

use serde_json::{Map, Value, json};
use spin_sdk::http::Response;
pub use utoipa;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::{KnownFormat, RefOr};
use utoipa::{PartialSchema, ToSchema};

use crate::money::Money;

/// The name of the security scheme (HTTP bearer, a JWT from `POST /users/login`).
pub const BEARER: &str = "bearer";

/// `{"detail": "message"}`: every error but a validation error.
#[derive(Serialize, ToSchema)]
#[schema(as = Error, example = json!({"detail": "item not found"}))]
pub struct ErrorBody {
    pub detail: String,
}

/// `{"detail": [{"loc", "msg", "type"}]}`: a request that is well-formed but invalid.
#[derive(Serialize, ToSchema)]
#[schema(as = ValidationError)]
pub struct ValidationErrorBody {
    pub detail: Vec<FieldErrorSchema>,
}

/// One invalid field, as FastAPI reports it.
// The schema of `crate::FieldError` (which serializes the same way).
#[derive(Serialize, ToSchema)]
#[schema(as = FieldError)]
pub struct FieldErrorSchema {
    /// Where the error is: `body`, `query` or `path`, then field names and list indexes
    /// (`["body", "items", 0, "quantity"]`; a CSV import's `["body", "file", row, column]`).
    #[schema(schema_with = location)]
    pub loc: Vec<Value>,
    pub msg: String,
    #[serde(rename = "type")]
    pub kind: String,
}

fn location() -> utoipa::openapi::Array {
    utoipa::openapi::Array::new(
        OneOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::String))
            .item(ObjectBuilder::new().schema_type(Type::Integer)),
    )
}

/// A string schema: the building block of the services' validated value types.
pub fn string(
    description: &str,
    min_length: Option<usize>,
    max_length: Option<usize>,
    pattern: Option<&str>,
) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .min_length(min_length)
        .max_length(max_length)
        .pattern(pattern)
}

/// An integer (int64) schema between `minimum` and `maximum`.
pub fn integer(description: &str, minimum: i64, maximum: i64) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .description(Some(description))
        .minimum(Some(minimum as f64))
        .maximum(Some(maximum as f64))
}

/// How money is returned: a decimal string with two places.
const MONEY_PATTERN: &str = r"^-?[0-9]+\.[0-9]{2}$";

/// How money is accepted: a JSON number or a decimal string, at most two places, between
/// `minimum` and `maximum`.
pub fn money_input(description: &str, minimum: i64, maximum: i64) -> RefOr<Schema> {
    OneOfBuilder::new()
        .description(Some(description))
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Number)
                .minimum(Some(minimum as f64))
                .maximum(Some(maximum as f64))
                .multiple_of(Some(0.01)),
        )
        .item(string(
            "a decimal string",
            Some(1),
            Some(16),
            Some(r"^[0-9]+(\.[0-9]{1,2})?$"),
        ))
        .into()
}

impl PartialSchema for Money {
    fn schema() -> RefOr<Schema> {
        string(
            "An amount of money: a decimal string with two places",
            None,
            None,
            Some(MONEY_PATTERN),
        )
        .examples([json!("19.90")])
        .into()
    }
}

impl ToSchema for Money {}

impl PartialSchema for crate::Role {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(["user", "admin"]))
            .description(Some(
                "`user` sees and changes its own data, `admin` everything",
            ))
            .into()
    }
}

impl ToSchema for crate::Role {}

/// Implements `ToSchema` for a validated value type from a schema expression (e.g.
/// [`string`] or [`integer`]): `service_kit::schema!(Sku, string("A SKU", ...));`
#[macro_export]
macro_rules! schema {
    ($ty:ty, $schema:expr) => {
        impl $crate::openapi::utoipa::PartialSchema for $ty {
            fn schema() -> $crate::openapi::utoipa::openapi::RefOr<
                $crate::openapi::utoipa::openapi::schema::Schema,
            > {
                #[allow(unused_imports)]
                use $crate::openapi::*;
                $schema.into()
            }
        }
        impl $crate::openapi::utoipa::ToSchema for $ty {}
    };
}

/// `skip` and `limit` of every list (see [`crate::query::Query::page`]).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Pagination {
    /// How many of the matching objects to skip.
    #[param(minimum = 0, default = 0)]
    pub skip: Option<i64>,
    /// How many to return at most.
    #[param(minimum = 1, maximum = 1000, default = 100)]
    pub limit: Option<i64>,
}

/// `days` of the time series (clamped to 1..=max, never an error for an integer).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Days {
    /// How many days back from today, today included (clamped to the allowed range).
    #[param(default = 30)]
    pub days: Option<i64>,
}

/// The `file` field of a CSV import's `multipart/form-data` body.
#[derive(ToSchema)]
pub struct CsvUpload {
    /// The CSV file: UTF-8, a header row, at most 10 MiB.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The finished document of a service as JSON: `doc` (from its `#[derive(OpenApi)]`)
/// plus the shared security scheme, error schemas and responses (see the module docs).
///
/// Operations are authenticated by default; a public one says `security(())`. `base` is
/// the service's path (`/users`), under which the shared `healthz`, `readyz`,
/// `openapi.json` and `docs` operations are added.
pub fn document(base: &str, doc: utoipa::openapi::OpenApi) -> Value {
    let mut doc = serde_json::to_value(doc).unwrap_or_else(|_| json!({}));
    doc["openapi"] = json!("3.1.0");
    object(&mut doc, "paths").extend(meta_paths(base));
    if doc.get("security").is_none() {
        doc["security"] = json!([{ BEARER: [] }]);
    }
    let components = object(&mut doc, "components");
    object_in(components, "securitySchemes").insert(
        BEARER.into(),
        json!({
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An access token from `POST /users/login` (JWT HS256, 30 minutes)",
        }),
    );
    let schemas = object_in(components, "schemas");
    for (name, schema) in [
        (ErrorBody::name(), ErrorBody::schema()),
        (ValidationErrorBody::name(), ValidationErrorBody::schema()),
        (FieldErrorSchema::name(), FieldErrorSchema::schema()),
        (Health::name(), Health::schema()),
        (Readiness::name(), Readiness::schema()),
    ] {
        schemas.insert(
            name.into_owned(),
            serde_json::to_value(schema).unwrap_or_default(),
        );
    }
    object_in(components, "responses").extend(shared_responses());

    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            for method in METHODS {
                if let Some(op) = item.get_mut(method).and_then(Value::as_object_mut) {
                    complete_operation(path, op);
                }
            }
        }
    }
    doc
}

/// Adds the shared responses an operation can get and `X-Request-Id` to each response.
fn complete_operation(path: &str, op: &mut Map<String, Value>) {
    // `security(())` renders as `[{}]` ("optional"); these operations need no token.
    let public = match op.get("security").and_then(Value::as_array) {
        Some(requirements) => requirements
            .iter()
            .all(|r| r.as_object().is_some_and(Map::is_empty)),
        None => false,
    };
    if public {
        op.insert("security".into(), json!([]));
    }
    let has_body = op.contains_key("requestBody");
    let has_query = op
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
    let mut shared = Vec::new();
    if !public {
        shared.extend(["401", "403"]);
    }
    if has_body {
        shared.extend(["400", "413", "422"]);
    }
    if has_query {
        shared.push("422");
    }
    if path.contains('{') {
        shared.push("404");
    }
    if !public || has_body {
        shared.push("503");
    }
    let responses = object_in(op, "responses");
    for status in shared {
        responses.entry(status).or_insert_with(
            || json!({ "$ref": format!("#/components/responses/{}", response_name(status)) }),
        );
    }
    for response in responses.values_mut() {
        if response.get("$ref").is_none() {
            let headers = object(response, "headers");
            headers.insert("X-Request-Id".into(), request_id_header());
            // utoipa's header has no `required`; every documented header is always sent.
            for header in headers.values_mut() {
                if let Some(header) = header.as_object_mut() {
                    header.insert("required".into(), json!(true));
                }
            }
        }
    }
}

/// `{"status": "healthy"}`.
#[derive(ToSchema)]
#[allow(dead_code)]
struct Health {
    #[schema(pattern = "^healthy$")]
    status: String,
}

/// `{"status": "ready" | "unavailable", "checks": {"database": "ok", "redis": "ok"}}`.
#[derive(ToSchema)]
#[allow(dead_code)]
struct Readiness {
    #[schema(pattern = "^(ready|unavailable)$")]
    status: String,
    /// Each dependency checked: `ok` or `unavailable`.
    #[schema(value_type = BTreeMap<String, String>)]
    checks: Value,
}

/// The operations every service has, under `base`.
fn meta_paths(base: &str) -> Map<String, Value> {
    let op = |id: &str, summary: &str, responses: Value| {
        json!({ "get": {
            "tags": ["meta"],
            "operationId": id,
            "summary": summary,
            "security": [{}],
            "responses": responses,
        }})
    };
    let json_body = |schema: &str| json!({ "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } });
    let mut paths = Map::new();
    paths.insert(
        format!("{base}/healthz"),
        op(
            "healthz",
            "Liveness: answers whenever the service can run (no I/O)",
            json!({ "200": { "description": "Alive", "content": json_body("Health") } }),
        ),
    );
    paths.insert(
        format!("{base}/readyz"),
        op(
            "readyz",
            "Readiness: the database (and Redis, when configured) answer",
            json!({
                "200": { "description": "Ready", "content": json_body("Readiness") },
                "503": { "description": "A dependency is down", "content": json_body("Readiness") },
            }),
        ),
    );
    paths.insert(
        format!("{base}/openapi.json"),
        op("openapi", "This OpenAPI document",
            json!({ "200": { "description": "The document", "content": { "application/json": { "schema": { "type": "object" } } } } })),
    );
    paths.insert(
        format!("{base}/docs"),
        op("docs", "A page that renders this document",
            json!({ "200": { "description": "An HTML page", "content": { "text/html": { "schema": { "type": "string" } } } } })),
    );
    paths
}

fn response_name(status: &str) -> &'static str {
    match status {
        "400" => "BadRequest",
        "401" => "Unauthorized",
        "403" => "Forbidden",
        "404" => "NotFound",
        "413" => "PayloadTooLarge",
        "422" => "ValidationError",
        _ => "Unavailable",
    }
}

fn shared_responses() -> Map<String, Value> {
    let error = |description: &str| {
        json!({
            "description": description,
            "headers": { "X-Request-Id": request_id_header() },
            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } },
        })
    };
    let mut responses = Map::new();
    responses.insert(
        "BadRequest".into(),
        error("The body is not well-formed (not JSON, or a broken multipart form)"),
    );
    let mut unauthorized = error("No token, or an invalid or expired one");
    unauthorized["headers"]["WWW-Authenticate"] = json!({
        "schema": { "type": "string", "const": "Bearer" },
        "required": true,
    });
    responses.insert("Unauthorized".into(), unauthorized);
    responses.insert(
        "Forbidden".into(),
        error("Authenticated but not allowed (or the account is deactivated)"),
    );
    responses.insert(
        "NotFound".into(),
        error("No such object, or another user's"),
    );
    responses.insert(
        "PayloadTooLarge".into(),
        error("The body is over the limit (JSON 1 MiB, CSV 10 MiB)"),
    );
    responses.insert(
        "ValidationError".into(),
        json!({
            "description": "Well-formed but invalid: every invalid field, with its location",
            "headers": { "X-Request-Id": request_id_header() },
            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ValidationError" } } },
        }),
    );
    responses.insert(
        "Unavailable".into(),
        error("A dependency (database, another service) is unavailable"),
    );
    responses
}

fn request_id_header() -> Value {
    json!({
        "description": "The request's id: the caller's `X-Request-Id` if it sent a sane one, else a new UUID",
        "schema": { "type": "string" },
        "required": true,
    })
}

fn object<'a>(value: &'a mut Value, key: &str) -> &'a mut Map<String, Value> {
    let map = value.as_object_mut().expect("a JSON object");
    object_in(map, key)
}

fn object_in<'a>(map: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    let entry = map.entry(key).or_insert_with(|| json!({}));
    if !entry.is_object() {
        *entry = json!({});
    }
    entry.as_object_mut().expect("just made an object")
}

/// `GET /<svc>/openapi.json`.
pub fn json_response(doc: &Value) -> Response {
    crate::json::ok(doc)
}

/// `GET /<svc>/docs`: a page that fetches `spec_url` (same origin) and renders its
/// operations, parameters, bodies, responses and schemas. Everything it needs is inline,
/// and its content security policy lets it load nothing else.
pub fn docs_page(title: &str, spec_url: &str) -> Response {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let html = DOCS_HTML
        .replace("{{title}}", &escape(title))
        .replace("{{spec}}", &escape(spec_url));
    Response::builder()
        .status(200)
        .header("content-type", "text/html; charset=utf-8")
        .header(
            "content-security-policy",
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
        )
        .body(html)
        .build()
}

const DOCS_HTML: &str = include_str!("openapi_docs.html");

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::OpenApi;

    #[utoipa::path(get, path = "/x/{id}", params(("id" = i64, Path)),
        responses((status = 200, description = "ok", body = ErrorBody)))]
    #[allow(dead_code)]
    fn get_x() {}

    #[utoipa::path(get, path = "/x/healthz", security(()), responses((status = 200, description = "ok")))]
    #[allow(dead_code)]
    fn healthz() {}

    #[derive(OpenApi)]
    #[openapi(paths(get_x, healthz))]
    struct Doc;

    #[test]
    fn shared_responses_and_headers_are_added() {
        let doc = document("/x", Doc::openapi());
        assert_eq!(doc["openapi"], "3.1.0");
        let op = &doc["paths"]["/x/{id}"]["get"];
        for status in ["401", "403", "404", "503"] {
            assert!(op["responses"][status]["$ref"].is_string(), "{status}");
        }
        assert_eq!(
            op["responses"]["200"]["headers"]["X-Request-Id"]["required"],
            true
        );
        let public = &doc["paths"]["/x/healthz"]["get"];
        assert_eq!(public["security"], json!([]));
        assert!(public["responses"].get("401").is_none());
        assert_eq!(
            doc["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
        assert!(doc["components"]["schemas"]["ValidationError"].is_object());
        assert!(doc["components"]["schemas"]["FieldError"]["properties"]["type"].is_object());
    }
}
