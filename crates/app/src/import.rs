//! The member-list importer: reads a list of deputies (代表) or CPPCC members (委员)
//! from a CSV or XLSX file and turns it into [`MemberDraft`]s for
//! [`Command::RegisterMembers`].
//!
//! Entry points:
//! - [`read_members`] reads a file; its extension (`.csv`, `.xlsx`) picks the format.
//! - [`parse_members_bytes`] parses bytes already in memory (tests, web uploads);
//!   [`Format::from_path`] picks the format from an uploaded file's name.
//!
//! The file is all or nothing: every row is checked and, if any is wrong, the
//! [`ImportError::Invalid`] lists every problem found (up to [`MAX_PROBLEMS`]), each
//! with its line and field, so the secretariat can fix the file in one go. The drafts
//! returned have also passed [`plenum_domain::decide`] against the given assembly (so,
//! e.g., the deputy quota is checked at upload time); the caller still sends the
//! command through the writer, which decides again.
//!
//! # The file
//! - CSV: UTF-8 (with or without a BOM), UTF-16 with a BOM, or GBK / GB18030 (what
//!   Excel on a Chinese Windows writes). Comma-separated; a header line holding tabs
//!   or semicolons and no comma switches to that separator.
//! - XLSX: the first worksheet; line numbers are the sheet's row numbers.
//! - The header is the first non-blank line, after up to [`MAX_TITLE_LINES`] title
//!   lines (at most two cells filled each, such as a merged `代表名单` heading).
//!   Columns may come in any order and are recognised by their English or Chinese
//!   names (case, spaces, `_`, `-`, a trailing `*` and a trailing note in brackets are
//!   ignored, so `Birth Year`, `birth_year`, `姓名*` and `性别（男/女）` all work):
//!
//! | field        | headers                                               | notes |
//! |--------------|-------------------------------------------------------|-------|
//! | `id`         | id, 编号                                              | optional; empty cells get `m-0001`, `m-0002`… in row order, skipping ids taken |
//! | `name`       | name, 姓名                                            | required |
//! | `pinyin`     | pinyin, 拼音                                          | empty cells are filled from the name: `zhang xiao ming` |
//! | `gender`     | gender, sex, 性别                                     | 男/女, male/female, M/F; empty = unspecified |
//! | `birth_year` | birth_year, 出生年份, 出生年月, 出生日期              | `1975`, `1975.03`, `1975-03`, `1975年3月`, a date cell; 1900–2010 |
//! | `group`      | group, delegation, sector, 代表团, 界别               | the group's id, Chinese or English name; may be left out if the assembly has one group |
//! | `ethnicity`  | ethnicity, 民族                                       | |
//! | `occupation` | occupation, 职业, 职务, 工作单位及职务               | |
//!
//!   A `序号` (row number) column is accepted and ignored; any other column is an error
//!   naming it, so a misspelt header does not silently drop its data.
//! - Blank rows (all cells empty) are skipped wherever they are.
//! - Names are trimmed; in an all-Chinese name the padding spaces of aligned lists
//!   (`王　五`) are removed. Given pinyin is lower-cased, its tone marks dropped.
//!   Pinyin is stored as plain ASCII: `ü` is written `v` (`lv`), as typed on an IME.

use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;
use plenum_domain::{Assembly, Command, Gender, GroupId, MemberDraft, MemberId, decide};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::io::Cursor;
use std::path::{Path, PathBuf};

/// At most this many problems are listed; [`Problems::total`] counts them all.
pub const MAX_PROBLEMS: usize = 100;
/// Larger files are refused (a member list of thousands of rows is far smaller).
pub const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;
/// The progress callback is called after every this many rows, and at the end.
pub const PROGRESS_EVERY: u64 = 100;
/// Birth years accepted.
pub const BIRTH_YEARS: std::ops::RangeInclusive<u16> = 1900..=2010;
/// At most this many title lines above the header are skipped.
pub const MAX_TITLE_LINES: usize = 5;
/// Longest text accepted in one cell (the domain's limit for a name).
const MAX_TEXT: usize = 200;

/// The kind of file a member list comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// The format of a file by its extension (`.csv`, `.xlsx`, any case); `None` for
    /// anything else. Works for an uploaded file's bare name too.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }
}

/// What the file does not say: the term the members are elected for and the date
/// their registration takes effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOptions {
    pub term: u32,
    pub registered_on: NaiveDate,
}

/// One thing wrong with the file. `line` is 1-based (the header is line 1 in a CSV
/// file without leading blank lines; in an XLSX file it is the sheet's row number);
/// `None` when the problem concerns the whole file. `field` is the canonical field
/// name (`"group"`, `"birth_year"`…) or, for an unknown column, the header as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub line: Option<u64>,
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, &self.field) {
            (Some(line), Some(field)) => write!(f, "line {line}, field \"{field}\": {}", self.message),
            (Some(line), None) => write!(f, "line {line}: {}", self.message),
            (None, Some(field)) => write!(f, "field \"{field}\": {}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

/// The problems found in a file: the first [`MAX_PROBLEMS`] in file order, and how
/// many there were in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problems {
    pub problems: Vec<Problem>,
    pub total: usize,
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = if self.total == 1 { "" } else { "s" };
        write!(f, "the member list was not imported ({} problem{plural}):", self.total)?;
        for p in &self.problems {
            write!(f, "\n  {p}")?;
        }
        let omitted = self.total.saturating_sub(self.problems.len());
        if omitted > 0 {
            write!(f, "\n  … and {omitted} more")?;
        }
        Ok(())
    }
}

/// Why nothing was imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is neither `.csv` nor `.xlsx`.
    #[error("{}: unsupported file type; save the member list as a .csv or .xlsx file", path.display())]
    UnsupportedFormat { path: PathBuf },
    /// The file was read but is wrong; every problem found is listed.
    #[error("{0}")]
    Invalid(Problems),
}

impl ImportError {
    /// The problems as a list for the web layer; a read or file-type error becomes
    /// a single problem with neither line nor field.
    pub fn problems(&self) -> Cow<'_, [Problem]> {
        match self {
            ImportError::Invalid(p) => Cow::Borrowed(&p.problems),
            other => Cow::Owned(vec![Problem { line: None, field: None, message: other.to_string() }]),
        }
    }
}

/// Reads the member list in `path` (format by extension) for `assembly`.
///
/// `progress(rows_done, rows_total)` is called every [`PROGRESS_EVERY`] rows while
/// the rows are checked, and once at the end (then `rows_done == rows_total`).
/// Returns the drafts in file order, or every problem found; never a partial list.
pub fn read_members(
    path: &Path,
    assembly: &Assembly,
    opts: &ImportOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Vec<MemberDraft>, ImportError> {
    let format =
        Format::from_path(path).ok_or_else(|| ImportError::UnsupportedFormat { path: path.to_owned() })?;
    let io = |source| ImportError::Io { path: path.to_owned(), source };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > MAX_FILE_BYTES {
        return Err(too_large());
    }
    let bytes = std::fs::read(path).map_err(io)?;
    parse_members_bytes(&bytes, format, assembly, opts, progress)
}

/// Parses a member list held in memory; see [`read_members`].
pub fn parse_members_bytes(
    bytes: &[u8],
    format: Format,
    assembly: &Assembly,
    opts: &ImportOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Vec<MemberDraft>, ImportError> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large());
    }
    let rows = match format {
        Format::Csv => csv_rows(bytes),
        Format::Xlsx => xlsx_rows(bytes),
    }
    .map_err(|p| invalid(vec![p]))?;
    Importer::new(assembly, opts).run(rows, progress)
}

/// The full pinyin of a Chinese name, without tones, one syllable per word:
/// `张晓明` → `zhang xiao ming`. Common surnames with a special reading are read as
/// surnames (`曾` → `zeng`, `单` → `shan`, `尉迟` → `yu chi`); other characters take
/// their most common reading. `ü` is written `v`. Latin letters and digits are kept
/// (lower-cased) as words; other characters (`·`, spaces) separate words.
pub fn pinyin_of(name: &str) -> String {
    use pinyin::ToPinyin;
    let name = name.trim();
    let mut words: Vec<String> = Vec::new();
    let mut rest = name;
    let surname = match name.chars().count() {
        0 | 1 => None,
        _ => SURNAMES.iter().find(|(s, _)| name.starts_with(s)),
    };
    if let Some((surname, reading)) = surname {
        words.extend(reading.split(' ').map(str::to_owned));
        rest = &name[surname.len()..];
    }
    let mut latin = String::new();
    for (c, py) in rest.chars().zip(rest.to_pinyin()) {
        match py {
            Some(py) => {
                flush_word(&mut latin, &mut words);
                words.push(py.plain().replace('ü', "v"));
            }
            None if c.is_alphanumeric() => latin.extend(c.to_lowercase()),
            None => flush_word(&mut latin, &mut words),
        }
    }
    flush_word(&mut latin, &mut words);
    words.join(" ")
}

fn flush_word(word: &mut String, words: &mut Vec<String>) {
    if !word.is_empty() {
        words.push(std::mem::take(word));
    }
}

/// Surnames whose reading differs from their characters' most common reading.
/// Compound surnames come first so they win over their first character.
const SURNAMES: &[(&str, &str)] = &[
    ("万俟", "mo qi"),
    ("尉迟", "yu chi"),
    ("澹台", "tan tai"),
    ("单于", "chan yu"),
    ("单", "shan"),
    ("曾", "zeng"),
    ("解", "xie"),
    ("区", "ou"),
    ("仇", "qiu"),
    ("朴", "piao"),
    ("查", "zha"),
    ("乐", "yue"),
    ("覃", "qin"),
    ("缪", "miao"),
    ("翟", "zhai"),
    ("盖", "ge"),
    ("召", "shao"),
    ("种", "chong"),
    ("秘", "bi"),
    ("繁", "po"),
    ("员", "yun"),
    ("折", "she"),
    ("句", "gou"),
    ("隗", "wei"),
    ("祭", "zhai"),
    ("薄", "bo"),
    ("卜", "bu"),
    ("都", "du"),
    ("能", "nai"),
    ("阚", "kan"),
    ("郇", "xun"),
    ("粘", "nian"),
    ("藏", "zang"),
    ("重", "chong"),
    ("便", "pian"),
];

fn too_large() -> ImportError {
    invalid(vec![Problem {
        line: None,
        field: None,
        message: format!("the file is larger than {} MiB", MAX_FILE_BYTES / (1024 * 1024)),
    }])
}

fn invalid(problems: Vec<Problem>) -> ImportError {
    let total = problems.len();
    ImportError::Invalid(Problems { problems, total })
}

fn file_problem(message: impl Into<String>) -> Problem {
    Problem { line: None, field: None, message: message.into() }
}

// ---------------------------------------------------------------------------
// Reading rows

/// One row of the file as text. `bad` holds cells that could not be read (a
/// spreadsheet error such as `#N/A`), by column, with the reason.
#[derive(Debug)]
struct RawRow {
    line: u64,
    cells: Vec<String>,
    bad: Vec<(usize, String)>,
}

impl RawRow {
    fn is_blank(&self) -> bool {
        self.bad.is_empty() && self.cells.iter().all(|c| c.trim().is_empty())
    }
}

/// Decodes a CSV file and splits it into rows.
fn csv_rows(bytes: &[u8]) -> Result<Vec<RawRow>, Problem> {
    let text = decode_text(bytes)?;
    let first_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let delimiter = if first_line.contains(',') {
        b','
    } else if first_line.contains('\t') {
        b'\t'
    } else if first_line.contains(';') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line());
            Problem { line, field: None, message: format!("the file is not valid CSV: {e}") }
        })?;
        let line = record.position().map_or(rows.len() as u64 + 1, |p| p.line());
        rows.push(RawRow { line, cells: record.iter().map(str::to_owned).collect(), bad: Vec::new() });
    }
    Ok(rows)
}

/// UTF-8 (BOM or not), UTF-16 with a BOM, else GB18030 (a superset of GBK).
fn decode_text(bytes: &[u8]) -> Result<Cow<'_, str>, Problem> {
    if let Some((encoding, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let body = &bytes[bom_len..];
        return encoding.decode_without_bom_handling_and_without_replacement(body).ok_or_else(|| {
            file_problem(format!(
                "the file starts with a {} byte-order mark but is not valid {0}",
                encoding.name()
            ))
        });
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(Cow::Borrowed(text));
    }
    let mut decoder = encoding_rs::GB18030.new_decoder_without_bom_handling();
    let capacity = decoder.max_utf8_buffer_length_without_replacement(bytes.len()).unwrap_or(usize::MAX);
    let mut text = String::new();
    if text.try_reserve_exact(capacity).is_err() {
        return Err(file_problem("the file is too large to decode"));
    }
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut text, true);
    match result {
        encoding_rs::DecoderResult::InputEmpty => Ok(Cow::Owned(text)),
        encoding_rs::DecoderResult::Malformed(bad, after) => {
            let at = read.saturating_sub(usize::from(bad) + usize::from(after));
            let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
            Err(Problem {
                line: Some(line),
                field: None,
                message: "the file is neither UTF-8 nor GBK/GB18030 text; save it as \"CSV UTF-8\"".into(),
            })
        }
        // Cannot happen: `text` holds the decoder's worst case.
        encoding_rs::DecoderResult::OutputFull => {
            Err(file_problem("the file could not be decoded as GBK/GB18030"))
        }
    }
}

/// Reads the first worksheet of an XLSX workbook.
fn xlsx_rows(bytes: &[u8]) -> Result<Vec<RawRow>, Problem> {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes))
        .map_err(|e| file_problem(format!("the file is not a valid .xlsx workbook: {e}")))?;
    let range = match workbook.worksheet_range_at(0) {
        None => return Err(file_problem("the workbook has no worksheet")),
        Some(Err(e)) => return Err(file_problem(format!("the first worksheet cannot be read: {e}"))),
        Some(Ok(range)) => range,
    };
    let Some((first_row, _)) = range.start() else {
        return Ok(Vec::new());
    };
    let mut rows = Vec::with_capacity(range.height());
    for (i, cells) in range.rows().enumerate() {
        let mut row =
            RawRow { line: u64::from(first_row) + i as u64 + 1, cells: Vec::new(), bad: Vec::new() };
        for (col, cell) in cells.iter().enumerate() {
            match cell_text(cell) {
                Ok(text) => row.cells.push(text),
                Err(reason) => {
                    row.cells.push(String::new());
                    row.bad.push((col, reason));
                }
            }
        }
        rows.push(row);
    }
    Ok(rows)
}

fn cell_text(cell: &Data) -> Result<String, String> {
    Ok(match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{d:02}")
        }
        Data::DateTime(dt) => dt.as_f64().to_string(),
        Data::Error(e) => return Err(format!("the cell holds the spreadsheet error {e}")),
    })
}

// ---------------------------------------------------------------------------
// Columns

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Id,
    Name,
    Pinyin,
    Gender,
    BirthYear,
    Group,
    Ethnicity,
    Occupation,
}

impl Field {
    const ALL: [Field; 8] = [
        Field::Id,
        Field::Name,
        Field::Pinyin,
        Field::Gender,
        Field::BirthYear,
        Field::Group,
        Field::Ethnicity,
        Field::Occupation,
    ];

    fn name(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::Name => "name",
            Field::Pinyin => "pinyin",
            Field::Gender => "gender",
            Field::BirthYear => "birth_year",
            Field::Group => "group",
            Field::Ethnicity => "ethnicity",
            Field::Occupation => "occupation",
        }
    }

    /// Accepted headers, normalised by [`header_key`]; the first two are shown in
    /// messages.
    fn headers(self) -> &'static [&'static str] {
        match self {
            Field::Id => &["id", "编号", "memberid", "代表编号", "委员编号"],
            Field::Name => &["name", "姓名"],
            Field::Pinyin => &["pinyin", "拼音", "姓名拼音"],
            Field::Gender => &["gender", "性别", "sex"],
            Field::BirthYear => {
                &["birthyear", "出生年份", "出生年月", "出生日期", "birthdate", "dateofbirth"]
            }
            Field::Group => &["group", "代表团", "界别", "delegation", "sector", "所属代表团", "所属界别"],
            Field::Ethnicity => &["ethnicity", "民族"],
            Field::Occupation => {
                &["occupation", "职业", "工作单位及职务", "工作单位和职务", "单位及职务", "职务"]
            }
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Title lines (e.g. a merged `第十五届代表名单` heading, a `填报日期` line) may
/// stand above the table: the header is the first non-blank line that names a known
/// column, if at most [`MAX_TITLE_LINES`] lines with at most two cells filled each
/// stand above it. Otherwise it is the first non-blank line.
fn header_position(rows: &[RawRow]) -> usize {
    let names_a_field = |r: &RawRow| r.cells.iter().any(|c| matches!(column_for(c), Some(Column::Field(_))));
    for (i, row) in rows.iter().take(MAX_TITLE_LINES + 1).enumerate() {
        if names_a_field(row) {
            return i;
        }
        if row.cells.iter().filter(|c| !c.trim().is_empty()).count() > 2 {
            break;
        }
    }
    0
}

/// Headers recognised and ignored.
const IGNORED_HEADERS: &[&str] = &["序号"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Field(Field),
    Ignored,
    /// An empty header cell: the column must stay empty.
    Unnamed,
}

/// `Birth Year*（必填）` → `birthyear`.
fn header_key(header: &str) -> String {
    let mut s = halfwidth(header).trim().to_lowercase();
    // A trailing note in brackets: 性别(男/女), 姓名（必填）.
    let note = if s.ends_with(')') { s.rfind('(') } else { None };
    if let Some(open) = note.filter(|&open| open > 0) {
        s.truncate(open);
    }
    s.chars().filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-' | '*')).collect()
}

fn column_for(header: &str) -> Option<Column> {
    let key = header_key(header);
    if key.is_empty() {
        return Some(Column::Unnamed);
    }
    if IGNORED_HEADERS.contains(&key.as_str()) {
        return Some(Column::Ignored);
    }
    Field::ALL.into_iter().find(|f| f.headers().contains(&key.as_str())).map(Column::Field)
}

fn recognised_columns() -> String {
    let mut parts: Vec<String> =
        Field::ALL.iter().map(|f| format!("{}/{}", f.name(), f.headers()[1])).collect();
    parts.push(format!("{} (ignored)", IGNORED_HEADERS.join("/")));
    parts.join(", ")
}

// ---------------------------------------------------------------------------
// Checking rows

struct Collector {
    problems: Vec<Problem>,
    total: usize,
}

impl Collector {
    fn push(&mut self, line: Option<u64>, field: Option<&str>, message: impl Into<String>) {
        self.total += 1;
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(Problem { line, field: field.map(str::to_owned), message: message.into() });
        }
    }

    fn is_empty(&self) -> bool {
        self.total == 0
    }

    fn into_error(self) -> ImportError {
        ImportError::Invalid(Problems { problems: self.problems, total: self.total })
    }
}

/// A row that passed every check; its id may still have to be generated.
struct GoodRow {
    id: Option<MemberId>,
    name: String,
    pinyin: String,
    gender: Gender,
    birth_year: Option<u16>,
    group: GroupId,
    ethnicity: String,
    occupation: String,
}

/// Finds groups by id, Chinese name or English name.
struct GroupIndex {
    by_id: HashMap<String, GroupId>,
    by_name: HashMap<String, Vec<GroupId>>,
    by_name_en: HashMap<String, Vec<GroupId>>,
    /// The assembly's only group, if it has exactly one.
    only: Option<GroupId>,
}

impl GroupIndex {
    fn new(assembly: &Assembly) -> Self {
        let mut index = GroupIndex {
            by_id: HashMap::new(),
            by_name: HashMap::new(),
            by_name_en: HashMap::new(),
            only: None,
        };
        for g in assembly.groups.values() {
            index.by_id.insert(g.id.as_str().to_owned(), g.id.clone());
            index.by_name.entry(normalize_name(&g.name)).or_default().push(g.id.clone());
            index.by_name_en.entry(english_key(&g.name_en)).or_default().push(g.id.clone());
        }
        if assembly.groups.len() == 1 {
            index.only = assembly.groups.keys().next().cloned();
        }
        index
    }

    fn find(&self, cell: &str) -> Result<GroupId, String> {
        let cell = halfwidth(cell);
        let cell = cell.trim();
        if let Some(id) = self.by_id.get(&cell.to_ascii_lowercase()) {
            return Ok(id.clone());
        }
        let found =
            self.by_name.get(&normalize_name(cell)).or_else(|| self.by_name_en.get(&english_key(cell)));
        match found.map(Vec::as_slice) {
            Some([id]) => Ok(id.clone()),
            Some(ids) if !ids.is_empty() => {
                let ids: Vec<&str> = ids.iter().map(GroupId::as_str).collect();
                Err(format!("\"{cell}\" names several groups ({}); write the group's id", ids.join(", ")))
            }
            _ => Err(format!("no delegation or sector named \"{cell}\"")),
        }
    }
}

struct Importer<'a> {
    assembly: &'a Assembly,
    opts: &'a ImportOptions,
    groups: GroupIndex,
    problems: Collector,
}

impl<'a> Importer<'a> {
    fn new(assembly: &'a Assembly, opts: &'a ImportOptions) -> Self {
        Importer {
            assembly,
            opts,
            groups: GroupIndex::new(assembly),
            problems: Collector { problems: Vec::new(), total: 0 },
        }
    }

    fn run(
        mut self,
        rows: Vec<RawRow>,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Vec<MemberDraft>, ImportError> {
        if !self.assembly.founded {
            self.problems.push(None, None, "the assembly has not been founded");
        } else if !self.assembly.terms.contains_key(&self.opts.term) {
            self.problems.push(None, None, format!("term {} has not begun in this assembly", self.opts.term));
        }
        if self.assembly.groups.is_empty() {
            self.problems.push(
                None,
                Some("group"),
                "the assembly has no delegations or sectors yet; form them before importing members",
            );
        }

        let mut rows: Vec<RawRow> = rows.into_iter().filter(|r| !r.is_blank()).collect();
        // Title lines above the table are skipped; the header is what remains first.
        let mut rows = rows.split_off(header_position(&rows)).into_iter();
        let Some(header) = rows.next() else {
            self.problems.push(
                None,
                None,
                "the file is empty: it needs a header line and one line per member",
            );
            return Err(self.problems.into_error());
        };
        let columns = self.columns(&header);
        let rows: Vec<RawRow> = rows.collect();
        let total = rows.len() as u64;
        if rows.is_empty() {
            self.problems.push(None, None, "the file holds a header but no members");
        }

        // Each explicit id, with the line that holds it.
        let mut seen: HashMap<MemberId, u64> = HashMap::new();
        let mut good: Vec<(u64, GoodRow)> = Vec::with_capacity(rows.len());
        let mut next_report = PROGRESS_EVERY;
        for (i, row) in rows.iter().enumerate() {
            if let Some(ok) = self.check_row(row, &columns, &mut seen) {
                good.push((row.line, ok));
            }
            let done = i as u64 + 1;
            if done == next_report && done != total {
                progress(done, total);
                next_report += PROGRESS_EVERY;
            }
        }
        progress(total, total);
        if !self.problems.is_empty() {
            return Err(self.problems.into_error());
        }

        // Generate the missing ids: m-0001, m-0002… skipping every id taken.
        let mut taken: BTreeSet<&str> = self.assembly.members.keys().map(MemberId::as_str).collect();
        taken.extend(seen.keys().map(MemberId::as_str));
        let mut next = 1u32;
        let mut drafts = Vec::with_capacity(good.len());
        let mut lines = Vec::with_capacity(good.len());
        for (line, row) in good {
            let id = match row.id {
                Some(id) => id,
                None => loop {
                    let candidate = format!("m-{next:04}");
                    next += 1;
                    if !taken.contains(candidate.as_str()) {
                        match MemberId::parse(candidate) {
                            Ok(id) => break id,
                            Err(e) => return Err(invalid(vec![file_problem(e.to_string())])),
                        }
                    }
                },
            };
            lines.push(line);
            drafts.push(MemberDraft {
                id,
                term: self.opts.term,
                name: row.name,
                pinyin: row.pinyin,
                gender: row.gender,
                birth_year: row.birth_year,
                group: row.group,
                ethnicity: row.ethnicity,
                occupation: row.occupation,
                registered_on: self.opts.registered_on,
            });
        }

        // The domain's own check (e.g. the deputy quota of EL art. 12).
        let command = Command::RegisterMembers { members: drafts };
        if let Err(e) = decide(self.assembly, &command) {
            self.problems.push(None, e.field, e.to_string());
            return Err(self.problems.into_error());
        }
        let Command::RegisterMembers { members } = command else {
            return Err(invalid(vec![file_problem("internal error: command changed")]));
        };
        Ok(members)
    }

    /// Maps each column of the header to a field, reporting unknown and repeated
    /// columns and missing required ones.
    fn columns(&mut self, header: &RawRow) -> Vec<Column> {
        let line = Some(header.line);
        let mut columns = Vec::with_capacity(header.cells.len());
        let mut first: [Option<&str>; 8] = [None; 8];
        for (col, text) in header.cells.iter().enumerate() {
            let text = text.trim();
            if let Some((_, reason)) = header.bad.iter().find(|(c, _)| *c == col) {
                self.problems.push(line, None, format!("column {}: {reason}", col + 1));
                columns.push(Column::Ignored);
                continue;
            }
            match column_for(text) {
                Some(Column::Field(f)) => {
                    if let Some(earlier) = first[f.index()] {
                        self.problems.push(
                            line,
                            Some(f.name()),
                            format!("the column \"{text}\" repeats the column \"{earlier}\""),
                        );
                        columns.push(Column::Ignored);
                    } else {
                        first[f.index()] = Some(text);
                        columns.push(Column::Field(f));
                    }
                }
                Some(other) => columns.push(other),
                None => {
                    self.problems.push(
                        line,
                        Some(text),
                        format!(
                            "unknown column \"{text}\"; the columns recognised are {}",
                            recognised_columns()
                        ),
                    );
                    columns.push(Column::Ignored);
                }
            }
        }
        if first[Field::Name.index()].is_none() {
            self.problems.push(line, Some("name"), "the header has no name column (name or 姓名)");
        }
        if first[Field::Group.index()].is_none()
            && self.groups.only.is_none()
            && !self.assembly.groups.is_empty()
        {
            self.problems.push(
                line,
                Some("group"),
                "the header has no group column (group, 代表团 or 界别); it may be left out only when the assembly has a single group",
            );
        }
        columns
    }

    /// Checks one row; records its problems and returns it if it has none.
    fn check_row(
        &mut self,
        row: &RawRow,
        columns: &[Column],
        seen: &mut HashMap<MemberId, u64>,
    ) -> Option<GoodRow> {
        let line = Some(row.line);
        let before = self.problems.total;
        let mut cells: [Option<&str>; 8] = [None; 8];
        for (col, text) in row.cells.iter().enumerate() {
            let column = columns.get(col).copied().unwrap_or(Column::Unnamed);
            let bad = row.bad.iter().find(|(c, _)| *c == col).map(|(_, reason)| reason);
            match (column, bad) {
                (Column::Field(f), Some(reason)) => self.problems.push(line, Some(f.name()), reason.as_str()),
                (Column::Field(f), None) => cells[f.index()] = Some(text.as_str()),
                (Column::Ignored, _) => {}
                (Column::Unnamed, Some(reason)) => {
                    self.problems.push(line, None, format!("column {}: {reason}", col + 1));
                }
                (Column::Unnamed, None) => {
                    if !text.trim().is_empty() {
                        self.problems.push(
                            line,
                            None,
                            format!("column {} holds \"{}\" but has no header", col + 1, text.trim()),
                        );
                    }
                }
            }
        }
        let cell = |f: Field| cells[f.index()].unwrap_or("");
        let header_has = |f: Field| columns.contains(&Column::Field(f));

        // id
        let mut id = None;
        let id_text = halfwidth(cell(Field::Id));
        let id_text = id_text.trim();
        if !id_text.is_empty() {
            match MemberId::parse(id_text) {
                Err(e) => self.problems.push(
                    line,
                    Some("id"),
                    format!("\"{id_text}\" is not a valid member id: it {}", e.reason),
                ),
                Ok(parsed) => {
                    if let Some(m) = self.assembly.members.get(&parsed) {
                        self.problems.push(
                            line,
                            Some("id"),
                            format!("the id \"{parsed}\" is already taken by {} in this assembly", m.name),
                        );
                    } else if let Some(earlier) = seen.get(&parsed) {
                        self.problems.push(
                            line,
                            Some("id"),
                            format!("the id \"{parsed}\" is also used on line {earlier}"),
                        );
                    } else {
                        seen.insert(parsed.clone(), row.line);
                        id = Some(parsed);
                    }
                }
            }
        }

        // name
        let name = normalize_name(cell(Field::Name));
        if header_has(Field::Name) {
            if name.is_empty() {
                self.problems.push(line, Some("name"), "the name is empty");
            } else if name.chars().count() > MAX_TEXT {
                self.problems.push(
                    line,
                    Some("name"),
                    format!("the name is longer than {MAX_TEXT} characters"),
                );
            }
        }

        // pinyin
        let pinyin = match normalize_pinyin(cell(Field::Pinyin)) {
            Ok(p) if p.is_empty() => pinyin_of(&name),
            Ok(p) if p.chars().count() > MAX_TEXT => {
                self.problems.push(
                    line,
                    Some("pinyin"),
                    format!("the pinyin is longer than {MAX_TEXT} characters"),
                );
                String::new()
            }
            Ok(p) => p,
            Err(message) => {
                self.problems.push(line, Some("pinyin"), message);
                String::new()
            }
        };

        // gender
        let gender = match parse_gender(cell(Field::Gender)) {
            Ok(g) => g,
            Err(message) => {
                self.problems.push(line, Some("gender"), message);
                Gender::Unspecified
            }
        };

        // birth year
        let birth_year = match parse_birth_year(cell(Field::BirthYear)) {
            Ok(y) => y,
            Err(message) => {
                self.problems.push(line, Some("birth_year"), message);
                None
            }
        };

        // group
        let group_text = cell(Field::Group).trim();
        let group = if group_text.is_empty() {
            match &self.groups.only {
                Some(only) => Some(only.clone()),
                None => {
                    if header_has(Field::Group) {
                        self.problems.push(line, Some("group"), "the group is empty");
                    }
                    None
                }
            }
        } else {
            match self.groups.find(group_text) {
                Ok(g) => Some(g),
                Err(message) => {
                    self.problems.push(line, Some("group"), message);
                    None
                }
            }
        };

        // free text
        let ethnicity = collapse_spaces(cell(Field::Ethnicity));
        let occupation = collapse_spaces(cell(Field::Occupation));
        for (field, value) in [(Field::Ethnicity, &ethnicity), (Field::Occupation, &occupation)] {
            if value.chars().count() > MAX_TEXT {
                self.problems.push(
                    line,
                    Some(field.name()),
                    format!("the {} is longer than {MAX_TEXT} characters", field.name()),
                );
            }
        }

        if self.problems.total != before {
            return None;
        }
        Some(GoodRow { id, name, pinyin, gender, birth_year, group: group?, ethnicity, occupation })
    }
}

// ---------------------------------------------------------------------------
// Cell values

/// Full-width ASCII (`ＡＢＣ１２３`) to half-width, ideographic space to space.
fn halfwidth(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

fn is_han(c: char) -> bool {
    matches!(u32::from(c),
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x323AF)
}

/// Trims; removes the spaces inside an all-Chinese name (`王　五` → `王五`);
/// otherwise collapses runs of spaces to one.
fn normalize_name(s: &str) -> String {
    let chinese =
        s.chars().filter(|c| !c.is_whitespace()).all(|c| is_han(c) || matches!(c, '·' | '•' | '・'));
    if chinese { s.chars().filter(|c| !c.is_whitespace()).collect() } else { collapse_spaces(s) }
}

fn collapse_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn english_key(s: &str) -> String {
    collapse_spaces(s).to_lowercase()
}

/// Given pinyin: lower case, tone marks dropped, `ü` as `v`, single spaces. Only
/// Latin letters, spaces, `'` and `-` are accepted.
fn normalize_pinyin(s: &str) -> Result<String, String> {
    let plain: String = halfwidth(s)
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'ā' | 'á' | 'ǎ' | 'à' => 'a',
            'ē' | 'é' | 'ě' | 'è' => 'e',
            'ī' | 'í' | 'ǐ' | 'ì' => 'i',
            'ō' | 'ó' | 'ǒ' | 'ò' => 'o',
            'ū' | 'ú' | 'ǔ' | 'ù' => 'u',
            'ü' | 'ǖ' | 'ǘ' | 'ǚ' | 'ǜ' => 'v',
            'ń' | 'ň' | 'ǹ' => 'n',
            'ḿ' => 'm',
            _ => c,
        })
        .collect();
    let plain = collapse_spaces(&plain);
    if plain.chars().all(|c| c.is_ascii_lowercase() || matches!(c, ' ' | '\'' | '-')) {
        Ok(plain)
    } else {
        Err(format!("\"{}\" is not pinyin: write it in Latin letters, e.g. \"zhang xiao ming\"", s.trim()))
    }
}

fn parse_gender(s: &str) -> Result<Gender, String> {
    let key = halfwidth(s).trim().to_lowercase();
    match key.as_str() {
        "" => Ok(Gender::Unspecified),
        "男" | "男性" | "male" | "m" => Ok(Gender::Male),
        "女" | "女性" | "female" | "f" => Ok(Gender::Female),
        _ => Err(format!(
            "\"{}\" is not a gender: write 男 or 女 (male/female, M/F), or leave it empty",
            s.trim()
        )),
    }
}

/// `1975`, `1975.03`, `1975-03`, `1975/3`, `1975年3月`, `1975-03-12` → 1975.
fn parse_birth_year(s: &str) -> Result<Option<u16>, String> {
    let text = halfwidth(s);
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let bad = || format!("\"{text}\" is not a birth year: write e.g. 1975, 1975.03 or 1975-03");
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    if digits != 4 {
        return Err(bad());
    }
    let year: u16 = text[..4].parse().map_err(|_| bad())?;
    let rest = &text[4..];
    let mut chars = rest.chars();
    match chars.next() {
        None => {}
        Some('.' | '-' | '/' | '年') => {
            let after = chars.as_str().trim_start();
            let month_len = after.bytes().take_while(u8::is_ascii_digit).count();
            if month_len == 0 {
                if !(after.is_empty() && rest.starts_with('年')) {
                    return Err(bad());
                }
            } else {
                let month: u32 = after[..month_len].parse().map_err(|_| bad())?;
                if !(1..=12).contains(&month) {
                    return Err(format!("\"{text}\" is not a birth date: there is no month {month}"));
                }
                let tail = &after[month_len..];
                if !(tail.is_empty() || tail.starts_with(['月', '.', '-', '/', ' ', 'T'])) {
                    return Err(bad());
                }
            }
        }
        Some(_) => return Err(bad()),
    }
    if !BIRTH_YEARS.contains(&year) {
        return Err(format!(
            "the birth year {year} is outside {}–{}",
            BIRTH_YEARS.start(),
            BIRTH_YEARS.end()
        ));
    }
    Ok(Some(year))
}

#[cfg(test)]
mod tests {
    use super::*;
    use plenum_domain::{AssemblyRules, BodyKind, Event, GroupKind, Level};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn group(id: &str, name: &str, name_en: &str) -> Event {
        Event::GroupFormed {
            group: GroupId::parse(id).unwrap(),
            kind: GroupKind::Delegation,
            name: name.into(),
            name_en: name_en.into(),
        }
    }

    /// A city People's Congress with two delegations and one deputy already seated.
    fn assembly() -> Assembly {
        Assembly::replay(&[
            Event::AssemblyFounded {
                name: "太原市人民代表大会".into(),
                name_en: "Taiyuan Municipal People's Congress".into(),
                kind: BodyKind::PeoplesCongress,
                level: Level::CityWithDistricts,
                population: Some(5_000_000),
                rules: AssemblyRules::for_kind(BodyKind::PeoplesCongress),
            },
            Event::TermBegan { term: 15, starts_on: date(2022, 1, 1) },
            group("xd", "小店区代表团", "Xiaodian District Delegation"),
            group("yz", "迎泽区代表团", "Yingze District Delegation"),
            Event::MemberRegistered {
                member: MemberId::parse("m-0001").unwrap(),
                term: 15,
                name: "李四".into(),
                pinyin: "li si".into(),
                gender: Gender::Male,
                birth_year: Some(1970),
                group: GroupId::parse("xd").unwrap(),
                ethnicity: "汉族".into(),
                occupation: String::new(),
                registered_on: date(2022, 1, 1),
            },
        ])
    }

    fn opts() -> ImportOptions {
        ImportOptions { term: 15, registered_on: date(2022, 1, 10) }
    }

    fn parse(bytes: &[u8], format: Format) -> Result<Vec<MemberDraft>, ImportError> {
        parse_members_bytes(bytes, format, &assembly(), &opts(), &mut |_, _| {})
    }

    fn problems(result: Result<Vec<MemberDraft>, ImportError>) -> Vec<Problem> {
        match result {
            Err(e) => e.problems().into_owned(),
            Ok(drafts) => panic!("expected problems, got {drafts:?}"),
        }
    }

    fn assert_registers(drafts: &[MemberDraft]) {
        let events = decide(&assembly(), &Command::RegisterMembers { members: drafts.to_vec() })
            .expect("drafts are accepted");
        assert_eq!(events.len(), drafts.len());
    }

    const ENGLISH: &str = "id,name,pinyin,gender,birth_year,group,ethnicity,occupation
d-001,张晓明,,男,1975,xd,汉族,教师
d-002,王芳,Wáng Fāng,F,1980.03,迎泽区代表团,回族,医生
,曾国强,,,,Xiaodian District Delegation,,
";

    #[test]
    fn utf8_csv_with_english_headers() {
        let drafts = parse(ENGLISH.as_bytes(), Format::Csv).unwrap();
        assert_eq!(drafts.len(), 3);
        let d = &drafts[0];
        assert_eq!(d.id.as_str(), "d-001");
        assert_eq!(d.name, "张晓明");
        assert_eq!(d.pinyin, "zhang xiao ming");
        assert_eq!(d.gender, Gender::Male);
        assert_eq!(d.birth_year, Some(1975));
        assert_eq!(d.group.as_str(), "xd");
        assert_eq!(d.ethnicity, "汉族");
        assert_eq!(d.occupation, "教师");
        assert_eq!(d.term, 15);
        assert_eq!(d.registered_on, date(2022, 1, 10));
        let d = &drafts[1];
        assert_eq!(d.pinyin, "wang fang");
        assert_eq!(d.gender, Gender::Female);
        assert_eq!(d.birth_year, Some(1980));
        assert_eq!(d.group.as_str(), "yz");
        // m-0001 is taken in the assembly: the generated id skips it.
        let d = &drafts[2];
        assert_eq!(d.id.as_str(), "m-0002");
        assert_eq!(d.pinyin, "zeng guo qiang");
        assert_eq!(d.gender, Gender::Unspecified);
        assert_eq!(d.birth_year, None);
        assert_eq!(d.group.as_str(), "xd");
        assert_registers(&drafts);
    }

    #[test]
    fn utf8_csv_with_bom_and_crlf() {
        let text = ENGLISH.replace('\n', "\r\n");
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend_from_slice(text.as_bytes());
        let drafts = parse(&bytes, Format::Csv).unwrap();
        assert_eq!(drafts.len(), 3);
        assert_eq!(drafts[0].id.as_str(), "d-001");
        assert_eq!(drafts[2].name, "曾国强");
    }

    const CHINESE: &str = "序号,编号,姓名,性别,出生年月,代表团,民族,工作单位及职务
1,d-101,王　五,女,1968-05,小店区代表团,汉族,太原市第一中学  校长
2,d-102,欧阳娜娜,男性,1990年7月,迎泽区代表团,满族,
3,d-103,吕 布,m,1985/11,yz,,
";

    #[test]
    fn gbk_csv_with_chinese_headers() {
        let (bytes, _, unmappable) = encoding_rs::GBK.encode(CHINESE);
        assert!(!unmappable);
        assert!(std::str::from_utf8(&bytes).is_err(), "the test file must not be UTF-8");
        let drafts = parse(&bytes, Format::Csv).unwrap();
        assert_eq!(drafts.len(), 3);
        assert_eq!(drafts[0].id.as_str(), "d-101");
        assert_eq!(drafts[0].name, "王五");
        assert_eq!(drafts[0].pinyin, "wang wu");
        assert_eq!(drafts[0].gender, Gender::Female);
        assert_eq!(drafts[0].birth_year, Some(1968));
        assert_eq!(drafts[0].group.as_str(), "xd");
        assert_eq!(drafts[0].occupation, "太原市第一中学 校长");
        assert_eq!(drafts[1].name, "欧阳娜娜");
        assert_eq!(drafts[1].ethnicity, "满族");
        assert_eq!(drafts[1].birth_year, Some(1990));
        assert_eq!(drafts[2].name, "吕布");
        assert_eq!(drafts[2].pinyin, "lv bu");
        assert_registers(&drafts);
    }

    #[test]
    fn utf8_csv_with_chinese_headers_matches_gbk() {
        let utf8 = parse(CHINESE.as_bytes(), Format::Csv).unwrap();
        let (gbk, _, _) = encoding_rs::GBK.encode(CHINESE);
        assert_eq!(utf8, parse(&gbk, Format::Csv).unwrap());
    }

    #[test]
    fn bytes_in_no_known_encoding_are_reported() {
        let mut bytes = b"name,group\n".to_vec();
        bytes.extend_from_slice(&[0xFF, 0xFF, b',', b'x', b'd', b'\n']);
        let p = problems(parse(&bytes, Format::Csv));
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].line, Some(2));
        assert!(p[0].message.contains("GBK"), "{}", p[0]);
    }

    fn xlsx(rows: &[&[&str]]) -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (r, row) in rows.iter().enumerate() {
            for (c, value) in row.iter().enumerate() {
                if !value.is_empty() {
                    sheet.write_string(r as u32, c as u16, *value).unwrap();
                }
            }
        }
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn xlsx_first_sheet() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        // The table starts on row 3 (two title rows above are blank).
        for (c, h) in ["姓名", "性别", "出生年月", "界别", "编号"].iter().enumerate() {
            sheet.write_string(2, c as u16, *h).unwrap();
        }
        sheet.write_string(3, 0, "赵一").unwrap();
        sheet.write_string(3, 1, "男").unwrap();
        sheet.write_number(3, 2, 1975.03).unwrap(); // typed as a number
        sheet.write_string(3, 3, "小店区代表团").unwrap();
        sheet.write_number(3, 4, 7).unwrap(); // a numeric id
        sheet.write_string(4, 0, "钱二").unwrap();
        sheet.write_number(4, 2, 1982).unwrap();
        sheet.write_string(4, 3, "Yingze District Delegation").unwrap();
        // A real date cell.
        let format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        let born = rust_xlsxwriter::ExcelDateTime::from_ymd(1964, 2, 29).unwrap();
        sheet.write_string(5, 0, "孙三").unwrap();
        sheet.write_datetime_with_format(5, 2, &born, &format).unwrap();
        sheet.write_string(5, 3, "xd").unwrap();
        // A second sheet is not read.
        book.add_worksheet().write_string(0, 0, "unknown").unwrap();
        let bytes = book.save_to_buffer().unwrap();

        let drafts = parse(&bytes, Format::Xlsx).unwrap();
        assert_eq!(drafts.len(), 3);
        assert_eq!(drafts[0].id.as_str(), "7");
        assert_eq!(drafts[0].name, "赵一");
        assert_eq!(drafts[0].pinyin, "zhao yi");
        assert_eq!(drafts[0].birth_year, Some(1975));
        assert_eq!(drafts[1].id.as_str(), "m-0002");
        assert_eq!(drafts[1].birth_year, Some(1982));
        assert_eq!(drafts[1].group.as_str(), "yz");
        assert_eq!(drafts[2].id.as_str(), "m-0003");
        assert_eq!(drafts[2].birth_year, Some(1964));
        assert_registers(&drafts);
    }

    #[test]
    fn xlsx_problems_carry_sheet_row_numbers() {
        let bytes = xlsx(&[&[], &["name", "group"], &["甲", "xd"], &["", "xd"], &["乙", "nowhere"]]);
        let p = problems(parse(&bytes, Format::Xlsx));
        let found: Vec<_> = p.iter().map(|p| (p.line, p.field.as_deref())).collect();
        assert_eq!(found, [(Some(4), Some("name")), (Some(5), Some("group"))]);
    }

    #[test]
    fn title_lines_above_the_header_are_skipped() {
        let bytes = xlsx(&[
            &["太原市第十五届人民代表大会代表名单"],
            &["", "填报日期：2022年1月5日"],
            &["序号", "姓名", "代表团"],
            &["1", "张三", "xd"],
            &["2", "", "xd"],
        ]);
        let p = problems(parse(&bytes, Format::Xlsx));
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!((p[0].line, p[0].field.as_deref()), (Some(5), Some("name")));

        // A first line with many unknown cells is a header with typos, not a title.
        let p = problems(parse(
            "nme,grp,gndr
张三,xd,男
"
            .as_bytes(),
            Format::Csv,
        ));
        assert!(p.iter().any(|p| p.line == Some(1) && p.field.as_deref() == Some("nme")));
    }

    #[test]
    fn every_bad_row_is_reported_with_line_and_field() {
        let text = "id,name,gender,birth_year,group
d-1,好人,男,1970,xd
D 2,坏编号,男,1970,xd
d-3,,男,1970,xd
d-4,性别错,x,1970,xd
d-5,太老,男,1890,xd
d-6,不是年份,男,约1970,xd
d-7,没有代表团,男,1970,小店区代表团x
m-0001,已有,男,1970,xd
d-1,重复,男,1970,yz
d-10,\"多行
名字\",男,2011,xd
,,,,
,,,,
";
        let err = parse(text.as_bytes(), Format::Csv).unwrap_err();
        let shown = err.to_string();
        let p = err.problems().into_owned();
        let found: Vec<_> = p.iter().map(|p| (p.line.unwrap(), p.field.clone().unwrap())).collect();
        let expected = [
            (3, "id"),
            (4, "name"),
            (5, "gender"),
            (6, "birth_year"),
            (7, "birth_year"),
            (8, "group"),
            (9, "id"),
            (10, "id"),
            (11, "birth_year"),
        ];
        let expected: Vec<_> = expected.iter().map(|(l, f)| (*l as u64, f.to_string())).collect();
        assert_eq!(found, expected, "{shown}");
        assert!(shown.contains("9 problems"), "{shown}");
        assert!(
            shown.contains("line 8, field \"group\": no delegation or sector named \"小店区代表团x\""),
            "{shown}"
        );
        assert!(shown.contains("line 10, field \"id\": the id \"d-1\" is also used on line 2"), "{shown}");
        assert!(
            shown.contains("line 9, field \"id\": the id \"m-0001\" is already taken by 李四"),
            "{shown}"
        );
        assert!(shown.contains("the birth year 1890 is outside 1900–2010"), "{shown}");
    }

    #[test]
    fn unknown_columns_are_named() {
        let text = "name,group,genre,备注\n张三,xd,m,\n";
        let err = parse(text.as_bytes(), Format::Csv).unwrap_err();
        let p = err.problems();
        assert_eq!(p.len(), 2, "{err}");
        assert_eq!(p[0].line, Some(1));
        assert_eq!(p[0].field.as_deref(), Some("genre"));
        assert!(p[0].message.starts_with("unknown column \"genre\""));
        assert_eq!(p[1].field.as_deref(), Some("备注"));
        assert!(err.to_string().contains("line 1, field \"genre\": unknown column \"genre\""), "{err}");
    }

    #[test]
    fn header_names_are_forgiving() {
        let text = "  Name ,Birth Year,性别（男/女）,代表团*, GROUP_ID \n";
        let err = parse(text.as_bytes(), Format::Csv).unwrap_err();
        // Only GROUP_ID is unknown (and there are no members).
        let p = err.problems();
        assert_eq!(p.iter().filter(|p| p.line == Some(1)).count(), 1, "{err}");
        assert_eq!(p[0].field.as_deref(), Some("GROUP_ID"));
    }

    #[test]
    fn duplicate_ids_within_the_file() {
        let text = "id,name,group\nd-1,甲,xd\nd-2,乙,xd\nd-1,丙,yz\nd-2,丁,yz\n";
        let p = problems(parse(text.as_bytes(), Format::Csv));
        assert_eq!(p.len(), 2);
        assert_eq!((p[0].line, p[0].field.as_deref()), (Some(4), Some("id")));
        assert_eq!(p[0].message, "the id \"d-1\" is also used on line 2");
        assert_eq!((p[1].line, p[1].field.as_deref()), (Some(5), Some("id")));
    }

    #[test]
    fn missing_columns_and_empty_files() {
        let p = problems(parse(b"group\nxd\n", Format::Csv));
        assert_eq!(p.len(), 1);
        assert_eq!((p[0].line, p[0].field.as_deref()), (Some(1), Some("name")));

        let p = problems(parse(b"name\n\xe5\xbc\xa0\xe4\xb8\x89\n", Format::Csv));
        assert_eq!((p[0].line, p[0].field.as_deref()), (Some(1), Some("group")));

        let p = problems(parse(b"", Format::Csv));
        assert_eq!(p.len(), 1);
        assert!(p[0].message.contains("empty"));

        let p = problems(parse(b"name,group\n,\n", Format::Csv));
        assert_eq!(p.len(), 1);
        assert!(p[0].message.contains("no members"));
    }

    #[test]
    fn a_value_in_a_column_without_header_is_reported() {
        let text = "name,group\n张三,xd,extra\n李五,xd,\n";
        let p = problems(parse(text.as_bytes(), Format::Csv));
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].line, Some(2));
        assert!(p[0].message.contains("column 3"));
    }

    #[test]
    fn group_column_may_be_left_out_with_a_single_group() {
        let mut a = assembly();
        a.groups.retain(|id, _| id.as_str() == "xd");
        let drafts =
            parse_members_bytes("name\n张三\n".as_bytes(), Format::Csv, &a, &opts(), &mut |_, _| {}).unwrap();
        assert_eq!(drafts[0].group.as_str(), "xd");
    }

    #[test]
    fn unknown_term_is_reported() {
        let o = ImportOptions { term: 16, ..opts() };
        let err = parse_members_bytes(ENGLISH.as_bytes(), Format::Csv, &assembly(), &o, &mut |_, _| {})
            .unwrap_err();
        assert!(err.to_string().contains("term 16 has not begun"), "{err}");
    }

    #[test]
    fn the_deputy_quota_is_checked() {
        let mut a = assembly();
        a.population = Some(1); // quota 240
        let mut text = String::from("name,group\n");
        for i in 0..240 {
            text.push_str(&format!("代表{i},xd\n"));
        }
        let err = parse_members_bytes(text.as_bytes(), Format::Csv, &a, &opts(), &mut |_, _| {}).unwrap_err();
        assert!(err.to_string().contains("EL art. 12"), "{err}");
    }

    #[test]
    fn many_problems_are_capped() {
        let mut text = String::from("name,group\n");
        for _ in 0..150 {
            text.push_str(",xd\n");
        }
        let ImportError::Invalid(p) = parse(text.as_bytes(), Format::Csv).unwrap_err() else {
            panic!("expected Invalid");
        };
        assert_eq!(p.total, 150);
        assert_eq!(p.problems.len(), MAX_PROBLEMS);
        assert!(p.to_string().ends_with("… and 50 more"));
    }

    #[test]
    fn progress_is_reported_every_hundred_rows_and_at_the_end() {
        let mut text = String::from("name,group\n");
        for i in 0..250 {
            text.push_str(&format!("代表{i},xd\n"));
        }
        let mut calls = Vec::new();
        let drafts = parse_members_bytes(text.as_bytes(), Format::Csv, &assembly(), &opts(), &mut |d, t| {
            calls.push((d, t))
        })
        .unwrap();
        assert_eq!(drafts.len(), 250);
        assert_eq!(calls, [(100, 250), (200, 250), (250, 250)]);
        assert_eq!(drafts[249].id.as_str(), "m-0251");
    }

    #[test]
    fn read_members_picks_the_format_by_extension() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("members.CSV");
        std::fs::write(&csv, ENGLISH).unwrap();
        let drafts = read_members(&csv, &assembly(), &opts(), &mut |_, _| {}).unwrap();
        assert_eq!(drafts.len(), 3);

        let book = dir.path().join("members.xlsx");
        std::fs::write(&book, xlsx(&[&["name", "group"], &["张三", "xd"]])).unwrap();
        let drafts = read_members(&book, &assembly(), &opts(), &mut |_, _| {}).unwrap();
        assert_eq!(drafts[0].name, "张三");

        let other = dir.path().join("members.xls");
        std::fs::write(&other, b"").unwrap();
        let err = read_members(&other, &assembly(), &opts(), &mut |_, _| {}).unwrap_err();
        assert!(matches!(err, ImportError::UnsupportedFormat { .. }));
        assert!(err.to_string().contains(".csv or .xlsx"));

        let missing = dir.path().join("missing.csv");
        let err = read_members(&missing, &assembly(), &opts(), &mut |_, _| {}).unwrap_err();
        assert!(matches!(err, ImportError::Io { .. }));
        assert_eq!(err.problems().len(), 1);

        let p = problems(parse(b"not a zip", Format::Xlsx));
        assert!(p[0].message.contains("not a valid .xlsx"));
    }

    #[test]
    fn tab_separated_text_is_accepted() {
        let drafts = parse("姓名\t代表团\n张三\t小店区代表团\n".as_bytes(), Format::Csv).unwrap();
        assert_eq!(drafts[0].group.as_str(), "xd");
    }

    #[test]
    fn pinyin_of_names() {
        assert_eq!(pinyin_of("张晓明"), "zhang xiao ming");
        assert_eq!(pinyin_of("曾小贤"), "zeng xiao xian");
        assert_eq!(pinyin_of("单田芳"), "shan tian fang");
        assert_eq!(pinyin_of("尉迟恭"), "yu chi gong");
        assert_eq!(pinyin_of("女"), "nv");
        assert_eq!(pinyin_of("阿依古丽·买买提"), "a yi gu li mai mai ti");
        assert_eq!(pinyin_of("John 李"), "john li");
    }

    #[test]
    fn birth_years_and_genders() {
        assert_eq!(parse_birth_year("1975"), Ok(Some(1975)));
        assert_eq!(parse_birth_year(" 1975.03 "), Ok(Some(1975)));
        assert_eq!(parse_birth_year("1975-03-12"), Ok(Some(1975)));
        assert_eq!(parse_birth_year("1975年3月"), Ok(Some(1975)));
        assert_eq!(parse_birth_year("１９７５年"), Ok(Some(1975)));
        assert_eq!(parse_birth_year(""), Ok(None));
        assert!(parse_birth_year("1975-13").is_err());
        assert!(parse_birth_year("75").is_err());
        assert!(parse_birth_year("2011").is_err());
        assert!(parse_birth_year("1899").is_err());
        assert_eq!(parse_gender(" Ｍ "), Ok(Gender::Male));
        assert_eq!(parse_gender("Female"), Ok(Gender::Female));
        assert!(parse_gender("未知").is_err());
        assert_eq!(normalize_pinyin("Lǚ  Bù"), Ok("lv bu".into()));
        assert!(normalize_pinyin("张").is_err());
    }
}
