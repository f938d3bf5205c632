//! CSV export and import, by the contract's CSV rules.
//!
//! Export: UTF-8 with a header row, RFC 4180 quoting, and every cell that a spreadsheet
//! would run as a formula prefixed with `'`. Import: the file comes as the `file` field of
//! a `multipart/form-data` body or as a raw `text/csv` body, at most [`MAX_CSV_BODY`]
//! bytes; cells are read by header name, with the export's `'` prefix taken off again so
//! an exported file imports unchanged.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Display;

use serde_json::json;
use spin_sdk::http::{Request, Response};

use crate::error::{ApiError, ApiResult, FieldError};

/// The largest CSV file an import accepts.
pub const MAX_CSV_BODY: usize = 10 * 1024 * 1024;

/// Room for the multipart envelope (boundaries, part headers) around the file itself.
const MULTIPART_OVERHEAD: usize = 64 * 1024;

/// First characters that make a spreadsheet treat a cell as a formula.
const FORMULA_TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

pub const CONTENT_TYPE: &str = "text/csv; charset=utf-8";

/// The cell as it is safe to export: prefixed with `'` when it starts like a formula.
pub fn safe_cell(value: &str) -> Cow<'_, str> {
    if value.starts_with(FORMULA_TRIGGERS) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// The inverse of [`safe_cell`], for importing a file this application exported.
pub fn unescape_cell(value: &str) -> &str {
    match value.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_TRIGGERS) => rest,
        _ => value,
    }
}

/// Writes a CSV file (header plus rows, every cell made safe) as a download response.
pub fn export<R, C>(filename: &str, header: &[&str], rows: R) -> ApiResult<Response>
where
    R: IntoIterator<Item = C>,
    C: IntoIterator,
    C::Item: AsRef<str>,
{
    let mut file = CsvFile::new(header)?;
    for row in rows {
        file.row(row)?;
    }
    file.into_download(filename)
}

/// A CSV file written row by row, for exports whose rows come from several queries.
pub struct CsvFile(::csv::Writer<Vec<u8>>);

impl CsvFile {
    /// A file starting with its header row.
    pub fn new(header: &[&str]) -> ApiResult<Self> {
        let mut file = Self::continued();
        file.0.write_record(header).map_err(ApiError::internal)?;
        Ok(file)
    }

    /// A later part of a file whose header was written already (a streamed export).
    pub fn continued() -> Self {
        CsvFile(::csv::Writer::from_writer(Vec::new()))
    }

    /// Appends one row, every cell made safe.
    pub fn row<C>(&mut self, cells: C) -> ApiResult<()>
    where
        C: IntoIterator,
        C::Item: AsRef<str>,
    {
        self.0
            .write_record(
                cells
                    .into_iter()
                    .map(|cell| safe_cell(cell.as_ref()).into_owned()),
            )
            .map_err(ApiError::internal)
    }

    pub fn into_bytes(self) -> ApiResult<Vec<u8>> {
        self.0.into_inner().map_err(ApiError::internal)
    }

    /// The file as a download response named `filename`.
    pub fn into_download(self, filename: &str) -> ApiResult<Response> {
        let mut response = download_head(filename);
        *response.body_mut() = self.into_bytes()?;
        Ok(response)
    }
}

/// Status and headers of a CSV download named `filename`, without its body.
pub fn download_head(filename: &str) -> Response {
    Response::builder()
        .status(200)
        .header("content-type", CONTENT_TYPE)
        .header(
            "content-disposition",
            format!("attachment; filename=\"{filename}\""),
        )
        .build()
}

/// The uploaded CSV file of an import request: the `file` field of a multipart form, or
/// the whole body when it is sent raw. Too large → 413; multipart without a `file`
/// field → 422; another content type → 415.
pub fn upload(req: &Request) -> ApiResult<Vec<u8>> {
    let content_type = req
        .header("content-type")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    let body = req.body();
    if body.len() > MAX_CSV_BODY + MULTIPART_OVERHEAD {
        return Err(ApiError::payload_too_large(MAX_CSV_BODY));
    }
    let file = match content_type.parse::<mime::Mime>() {
        Ok(m) if m.essence_str() == "multipart/form-data" => multipart_file(content_type, body)?,
        Ok(m) if is_raw_csv(&m) => body.to_vec(),
        Err(_) if content_type.is_empty() => body.to_vec(),
        _ => {
            return Err(ApiError::new(
                415,
                "expected multipart/form-data with a `file` field, or a text/csv body",
            ));
        }
    };
    if file.len() > MAX_CSV_BODY {
        return Err(ApiError::payload_too_large(MAX_CSV_BODY));
    }
    Ok(file)
}

fn is_raw_csv(m: &mime::Mime) -> bool {
    m.type_() == mime::TEXT
        || m.essence_str() == "application/csv"
        || m.essence_str() == "application/octet-stream"
}

fn multipart_file(content_type: &str, body: &[u8]) -> ApiResult<Vec<u8>> {
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| ApiError::bad_request("multipart body without a boundary"))?;
    let chunk = bytes::Bytes::copy_from_slice(body);
    let stream = futures::stream::once(async move { Ok::<_, std::convert::Infallible>(chunk) });
    let mut form = multer::Multipart::new(stream, boundary);
    // The whole body is already in memory, so this future never waits on anything.
    futures::executor::block_on(async {
        while let Some(field) = form.next_field().await.map_err(malformed_multipart)? {
            if field.name() == Some("file") {
                let bytes = field.bytes().await.map_err(malformed_multipart)?;
                return Ok(bytes.to_vec());
            }
        }
        Err(ApiError::invalid_field(FieldError::body(
            &[json!("file")],
            "Field required",
            "missing",
        )))
    })
}

fn malformed_multipart(err: multer::Error) -> ApiError {
    ApiError::bad_request(format!("malformed multipart body: {err}"))
}

/// A 422 field error for one cell of an imported file; rows are numbered as a
/// spreadsheet shows them (the header is row 1).
pub fn row_error(row: u64, column: &str, msg: impl Display) -> FieldError {
    FieldError::body(
        &[json!("file"), json!(row), json!(column)],
        format!("row {row}: {msg}"),
        "value_error",
    )
}

/// A parsed CSV file whose cells are looked up by header name (case-insensitive).
pub struct Table {
    columns: HashMap<String, usize>,
    rows: Vec<Row>,
}

/// One data row and its row number in the file.
pub struct Row {
    pub number: u64,
    record: ::csv::StringRecord,
}

impl Table {
    /// Parses a whole file. A structural problem (not UTF-8, a row with a different
    /// number of cells than the header) → 422 naming the row.
    pub fn parse(bytes: &[u8]) -> ApiResult<Table> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut reader = ::csv::ReaderBuilder::new().from_reader(bytes);
        let headers = reader.headers().map_err(|e| structural_error(&e))?;
        let columns = headers
            .iter()
            .enumerate()
            .map(|(i, name)| (name.trim().to_ascii_lowercase(), i))
            .collect();
        let rows = reader
            .records()
            .map(|record| {
                let record = record.map_err(|e| structural_error(&e))?;
                let number = record.position().map_or(0, |p| p.line());
                // PostgreSQL text cannot hold U+0000.
                if record.iter().any(|cell| cell.contains('\0')) {
                    return Err(ApiError::validation(vec![row_error(
                        number,
                        "",
                        "must not contain NUL characters",
                    )]));
                }
                Ok(Row { number, record })
            })
            .collect::<ApiResult<Vec<Row>>>()?;
        Ok(Table { columns, rows })
    }

    /// 422 unless every one of `required` is a column of the file.
    pub fn require_columns(&self, required: &[&str]) -> ApiResult<()> {
        let missing: Vec<FieldError> = required
            .iter()
            .filter(|name| !self.columns.contains_key(**name))
            .map(|name| {
                FieldError::body(
                    &[json!("file"), json!(1), json!(name)],
                    format!("row 1: the header has no `{name}` column"),
                    "missing",
                )
            })
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(missing))
        }
    }

    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The trimmed, unescaped cell of `column` in `row`; `None` when the column is absent
    /// or the cell empty.
    pub fn cell<'a>(&self, row: &'a Row, column: &str) -> Option<&'a str> {
        let index = *self.columns.get(column)?;
        let value = unescape_cell(row.record.get(index)?.trim());
        (!value.is_empty()).then_some(value)
    }
}

fn structural_error(err: &::csv::Error) -> ApiError {
    let row = err.position().map_or(0, |p| p.line());
    let msg = match err.kind() {
        ::csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("has {len} cells, the header has {expected_len}"),
        ::csv::ErrorKind::Utf8 { .. } => "is not valid UTF-8".to_string(),
        _ => "cannot be read as CSV".to_string(),
    };
    ApiError::invalid_field(FieldError::body(
        &[json!("file"), json!(row)],
        format!("row {row} {msg}"),
        "value_error",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_defused_and_restored() {
        for risky in ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            let safe = safe_cell(risky);
            assert_eq!(safe, format!("'{risky}"));
            assert_eq!(unescape_cell(&safe), risky);
        }
        assert_eq!(safe_cell("plain"), "plain");
        assert_eq!(unescape_cell("'quoted"), "'quoted");
    }

    #[test]
    fn export_quotes_by_rfc4180() {
        let response = export(
            "x.csv",
            &["a", "b"],
            [["x,y", "say \"hi\""], ["line\nbreak", "=cmd"]],
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(response.body().to_vec()).unwrap(),
            "a,b\n\"x,y\",\"say \"\"hi\"\"\"\n\"line\nbreak\",'=cmd\n"
        );
    }

    #[test]
    fn table_reads_cells_by_header() {
        let table = Table::parse(b"\xEF\xBB\xBFName, Email\n Ann ,'=a@b.co\n,\n").unwrap();
        table.require_columns(&["name", "email"]).unwrap();
        let rows = table.rows();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].number, 2);
        assert_eq!(table.cell(&rows[0], "name"), Some("Ann"));
        assert_eq!(table.cell(&rows[0], "email"), Some("=a@b.co"));
        assert_eq!(table.cell(&rows[1], "name"), None);
        assert_eq!(table.cell(&rows[0], "role"), None);
        assert_eq!(table.require_columns(&["role"]).unwrap_err().status, 422);
    }

    #[test]
    fn ragged_rows_are_reported_by_row() {
        let Err(err) = Table::parse(b"a,b\n1,2\n3\n") else {
            panic!("ragged file parsed")
        };
        assert_eq!(err.status, 422);
        assert!(err.detail.to_string().contains("row 3"), "{}", err.detail);
    }

    #[test]
    fn multipart_file_field_is_extracted() {
        let body = b"--XYZ\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nv\r\n--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"u.csv\"\r\nContent-Type: text/csv\r\n\r\na,b\n1,2\n\r\n--XYZ--\r\n";
        let file = multipart_file("multipart/form-data; boundary=XYZ", body).unwrap();
        assert_eq!(file, b"a,b\n1,2\n");
        let missing =
            b"--XYZ\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nv\r\n--XYZ--\r\n";
        assert_eq!(
            multipart_file("multipart/form-data; boundary=XYZ", missing)
                .unwrap_err()
                .status,
            422
        );
    }
}
