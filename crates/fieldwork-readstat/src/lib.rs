//! A small, safe writer of SPSS `.sav` and Stata `.dta` files over the system's
//! [ReadStat](https://github.com/WizardMac/ReadStat) C library (Debian: `libreadstat-dev`).
//!
//! ReadStat is what R's haven and Python's pyreadstat write these formats with; it is
//! maintained, handles the formats' details (SPSS very long strings and user-missing values,
//! Stata's strL and extended missing values `.a`-`.z`, value-label tables) and writes through
//! a callback, so a file streams to any [`Write`] row by row. No crate on crates.io binds its
//! writer, so this one does, and is the only crate of the workspace that allows `unsafe`.
//!
//! The shape follows ReadStat's own order of calls:
//!
//! 1. [`FileBuilder::new`], then variables ([`FileBuilder::add_variable`]) with their labels,
//!    value labels and missing values, and (Stata) long strings ([`FileBuilder::add_long_string`]);
//! 2. [`FileBuilder::begin`] with the number of rows that will follow: both formats state it in
//!    their header, and ReadStat refuses a file whose rows do not match it;
//! 3. [`FileWriter::write_row`] once per row, then [`FileWriter::finish`].
//!
//! ```no_run
//! use fieldwork_readstat::{Cell, FileBuilder, FileFormat, Variable, VariableType};
//!
//! let mut file = FileBuilder::new(FileFormat::Sav);
//! let mut age = Variable::new("age", VariableType::Number);
//! age.label = "Age in years".into();
//! age.user_missing = vec![-1.0];
//! age.value_labels = vec![(-1.0, "Not answered".into())];
//! let age = file.add_variable(&age)?;
//! let mut out = Vec::new();
//! let mut writer = file.begin(&mut out, 2)?;
//! writer.write_row(&[(age, Cell::Number(42.0))])?;
//! writer.write_row(&[(age, Cell::Number(-1.0))])?;
//! writer.finish()?;
//! # Ok::<(), fieldwork_readstat::ReadStatError>(())
//! ```

use std::ffi::{c_char, c_int, c_long, c_void, CStr};
use std::fmt;
use std::io::{self, Write};
use std::marker::PhantomData;
use std::panic::{catch_unwind, AssertUnwindSafe};

mod ffi {
    //! The part of `readstat.h` (ReadStat 1.1.x) this crate calls. Writer, variable, label
    //! set and string reference are opaque here: only pointers to them cross.
    use std::ffi::{c_char, c_int, c_long, c_void};

    #[repr(C)]
    pub struct Writer {
        _private: [u8; 0],
    }
    #[repr(C)]
    pub struct Variable {
        _private: [u8; 0],
    }
    #[repr(C)]
    pub struct LabelSet {
        _private: [u8; 0],
    }
    #[repr(C)]
    pub struct StringRef {
        _private: [u8; 0],
    }

    /// `readstat_error_t`; `READSTAT_OK` is 0.
    pub type Error = c_int;
    pub const OK: Error = 0;
    /// `readstat_type_t`.
    pub const TYPE_STRING: c_int = 0;
    pub const TYPE_INT32: c_int = 3;
    pub const TYPE_DOUBLE: c_int = 5;
    pub const TYPE_STRING_REF: c_int = 6;
    /// `readstat_compress_t`: `READSTAT_COMPRESS_ROWS`, SPSS's run-length compression.
    pub const COMPRESS_ROWS: c_int = 1;

    /// `readstat_data_writer`: returns the bytes written, or -1.
    pub type DataWriter = extern "C" fn(data: *const c_void, len: usize, ctx: *mut c_void) -> isize;

    #[link(name = "readstat")]
    extern "C" {
        pub fn readstat_writer_init() -> *mut Writer;
        pub fn readstat_writer_free(writer: *mut Writer);
        pub fn readstat_set_data_writer(writer: *mut Writer, data_writer: DataWriter) -> Error;
        pub fn readstat_writer_set_file_label(writer: *mut Writer, label: *const c_char) -> Error;
        pub fn readstat_writer_set_file_format_version(writer: *mut Writer, version: u8) -> Error;
        pub fn readstat_writer_set_compression(writer: *mut Writer, compression: c_int) -> Error;

        pub fn readstat_add_label_set(
            writer: *mut Writer,
            kind: c_int,
            name: *const c_char,
        ) -> *mut LabelSet;
        pub fn readstat_label_double_value(set: *mut LabelSet, value: f64, label: *const c_char);
        pub fn readstat_label_int32_value(set: *mut LabelSet, value: i32, label: *const c_char);
        pub fn readstat_label_tagged_value(set: *mut LabelSet, tag: c_char, label: *const c_char);

        pub fn readstat_add_variable(
            writer: *mut Writer,
            name: *const c_char,
            kind: c_int,
            storage_width: usize,
        ) -> *mut Variable;
        pub fn readstat_variable_set_label(variable: *mut Variable, label: *const c_char);
        pub fn readstat_variable_set_format(variable: *mut Variable, format: *const c_char);
        pub fn readstat_variable_set_label_set(variable: *mut Variable, set: *mut LabelSet);
        pub fn readstat_variable_set_measure(variable: *mut Variable, measure: c_int);
        pub fn readstat_variable_add_missing_double_value(
            variable: *mut Variable,
            value: f64,
        ) -> Error;
        pub fn readstat_add_string_ref(writer: *mut Writer, text: *const c_char) -> *mut StringRef;

        pub fn readstat_begin_writing_sav(
            writer: *mut Writer,
            ctx: *mut c_void,
            row_count: c_long,
        ) -> Error;
        pub fn readstat_begin_writing_dta(
            writer: *mut Writer,
            ctx: *mut c_void,
            row_count: c_long,
        ) -> Error;
        pub fn readstat_begin_row(writer: *mut Writer) -> Error;
        pub fn readstat_insert_double_value(
            writer: *mut Writer,
            variable: *const Variable,
            value: f64,
        ) -> Error;
        pub fn readstat_insert_string_value(
            writer: *mut Writer,
            variable: *const Variable,
            value: *const c_char,
        ) -> Error;
        pub fn readstat_insert_string_ref(
            writer: *mut Writer,
            variable: *const Variable,
            reference: *mut StringRef,
        ) -> Error;
        pub fn readstat_insert_missing_value(
            writer: *mut Writer,
            variable: *const Variable,
        ) -> Error;
        pub fn readstat_insert_tagged_missing_value(
            writer: *mut Writer,
            variable: *const Variable,
            tag: c_char,
        ) -> Error;
        pub fn readstat_end_row(writer: *mut Writer) -> Error;
        pub fn readstat_end_writing(writer: *mut Writer) -> Error;
        pub fn readstat_error_message(error: Error) -> *const c_char;
    }
}

/// The file formats written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// SPSS system file, row-compressed, UTF-8.
    Sav,
    /// Stata 14+ data file (format 118, UTF-8).
    Dta,
}

impl FileFormat {
    /// The longest string a plain string variable holds, in bytes: SPSS's very long strings
    /// go to 32767; Stata's `str#` to 2045, past which text needs a strL
    /// ([`VariableType::LongString`]).
    pub const fn max_string_width(self) -> usize {
        match self {
            FileFormat::Sav => 32767,
            FileFormat::Dta => 2045,
        }
    }
}

/// What a variable stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariableType {
    /// A double.
    Number,
    /// Text of at most `width` bytes (UTF-8), at most [`FileFormat::max_string_width`].
    String { width: usize },
    /// Stata only: a strL, text of any length, stored once after the rows. Its values must
    /// all be known before the first row ([`FileBuilder::add_long_string`]).
    LongString,
}

/// SPSS's measurement level of a variable (Stata has none and ignores it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Nominal = 1,
    Ordinal = 2,
    Scale = 3,
}

/// A variable as declared in the file's dictionary.
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    /// A name the format accepts (the caller makes it legal; ReadStat checks it).
    pub name: String,
    pub kind: VariableType,
    /// The variable label ("" for none).
    pub label: String,
    /// A display format in the format's own syntax (`F8.2`, `DATETIME20`, `%tc`), or "".
    pub format: String,
    pub measure: Option<Measure>,
    /// Labels of numeric values. In Stata the values must be whole numbers.
    pub value_labels: Vec<(f64, String)>,
    /// Stata only: labels of extended missing values (`.a`-`.z`) by their letter.
    pub missing_labels: Vec<(char, String)>,
    /// SPSS only: discrete user-missing values (at most three).
    pub user_missing: Vec<f64>,
    /// Stata only: the name of the value-label table (at most 32 bytes); the variable's name
    /// when empty.
    pub label_set_name: String,
}

impl Variable {
    pub fn new(name: impl Into<String>, kind: VariableType) -> Self {
        Variable {
            name: name.into(),
            kind,
            label: String::new(),
            format: String::new(),
            measure: None,
            value_labels: Vec::new(),
            missing_labels: Vec::new(),
            user_missing: Vec::new(),
            label_set_name: String::new(),
        }
    }
}

/// A variable of a file being built or written: an index into its dictionary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VariableId(usize);

/// A strL value added before the rows ([`FileBuilder::add_long_string`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LongStringId(usize);

/// One value of a row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Number(f64),
    Text(&'a str),
    /// A strL of a [`VariableType::LongString`] variable.
    LongText(LongStringId),
    /// The system-missing value (SPSS sysmis, Stata `.`); an empty string for text.
    Missing,
    /// Stata's extended missing value `.a`-`.z`.
    TaggedMissing(char),
}

/// What went wrong while writing a file.
#[derive(Debug, thiserror::Error)]
pub enum ReadStatError {
    /// ReadStat refused a call, in its words.
    #[error("{context}: {message}")]
    Library { context: String, message: String },
    #[error("cannot write the file: {0}")]
    Write(#[from] io::Error),
    #[error("{0} holds a NUL character, which these formats cannot store")]
    InteriorNul(String),
    #[error("variable `{variable}`: {problem}")]
    Invalid { variable: String, problem: String },
}

/// The output and the first error met writing to it. ReadStat only learns that a write
/// failed; the error itself waits here for [`FileWriter`] to return.
struct Sink<'w> {
    out: &'w mut dyn Write,
    error: Option<io::Error>,
}

/// ReadStat's data writer: hands ReadStat's bytes to the [`Sink`] behind `ctx`.
extern "C" fn write_to_sink(data: *const c_void, len: usize, ctx: *mut c_void) -> isize {
    // A panic must not unwind into C; it becomes an error like any other failed write.
    let result = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `ctx` is the `Sink` that `FileBuilder::begin` boxed and passed as the user
        // context; the `FileWriter` owning that box outlives every ReadStat call that can
        // write, and ReadStat calls us on this thread only, so no other reference is live.
        let sink = unsafe { &mut *ctx.cast::<Sink<'_>>() };
        if sink.error.is_some() {
            return -1;
        }
        let bytes: &[u8] = if len == 0 {
            &[]
        } else {
            // SAFETY: ReadStat passes `len` readable bytes at `data`, valid for this call.
            unsafe { std::slice::from_raw_parts(data.cast::<u8>(), len) }
        };
        match sink.out.write_all(bytes) {
            Ok(()) => isize::try_from(len).unwrap_or(isize::MAX),
            Err(error) => {
                sink.error = Some(error);
                -1
            }
        }
    }));
    result.unwrap_or(-1)
}

/// Text for C: the bytes and a NUL, in a buffer reused from call to call.
#[derive(Debug, Default)]
struct CText(Vec<u8>);

impl CText {
    fn of(&mut self, text: &str, what: &dyn Fn() -> String) -> Result<&CStr, ReadStatError> {
        self.0.clear();
        self.0.extend_from_slice(text.as_bytes());
        self.0.push(0);
        CStr::from_bytes_with_nul(&self.0).map_err(|_| ReadStatError::InteriorNul(what()))
    }
}

fn check(error: ffi::Error, context: impl FnOnce() -> String) -> Result<(), ReadStatError> {
    if error == ffi::OK {
        return Ok(());
    }
    // SAFETY: readstat_error_message returns a static NUL-terminated string for any code
    // (an unknown one gets a generic message), never NULL.
    let message = unsafe { CStr::from_ptr(ffi::readstat_error_message(error)) };
    Err(ReadStatError::Library {
        context: context(),
        message: message.to_string_lossy().into_owned(),
    })
}

/// Owns a `readstat_writer_t` and frees it, with every variable, label set and string
/// reference it made, when dropped.
struct RawWriter(*mut ffi::Writer);

impl Drop for RawWriter {
    fn drop(&mut self) {
        // SAFETY: the pointer came from readstat_writer_init and is freed only here, once.
        unsafe { ffi::readstat_writer_free(self.0) }
    }
}

/// A file's dictionary, before its rows.
pub struct FileBuilder {
    format: FileFormat,
    raw: RawWriter,
    variables: Vec<(*mut ffi::Variable, VariableType, String)>,
    long_strings: Vec<*mut ffi::StringRef>,
    text: CText,
}

impl fmt::Debug for FileBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileBuilder")
            .field("format", &self.format)
            .field("variables", &self.variables.len())
            .field("long_strings", &self.long_strings.len())
            .finish()
    }
}

impl FileBuilder {
    pub fn new(format: FileFormat) -> Self {
        // SAFETY: no preconditions; ReadStat allocates and zeroes a writer.
        let raw = RawWriter(unsafe { ffi::readstat_writer_init() });
        assert!(!raw.0.is_null(), "ReadStat could not allocate a writer");
        // SAFETY: `raw.0` is a live writer; the callback has the signature ReadStat expects.
        unsafe { ffi::readstat_set_data_writer(raw.0, write_to_sink) };
        match format {
            FileFormat::Sav => {
                // SAFETY: a live writer; setting a field cannot fail.
                unsafe { ffi::readstat_writer_set_compression(raw.0, ffi::COMPRESS_ROWS) };
            }
            FileFormat::Dta => {
                // Format 118 (Stata 14 and later) holds UTF-8 text and strLs.
                // SAFETY: a live writer; setting a field cannot fail.
                unsafe { ffi::readstat_writer_set_file_format_version(raw.0, 118) };
            }
        }
        FileBuilder {
            format,
            raw,
            variables: Vec::new(),
            long_strings: Vec::new(),
            text: CText::default(),
        }
    }

    /// The file's label (SPSS: at most 64 bytes, Stata: 80 characters; ReadStat cuts it).
    pub fn set_file_label(&mut self, label: &str) -> Result<(), ReadStatError> {
        let label = self.text.of(label, &|| "the file label".to_owned())?;
        // SAFETY: a live writer; ReadStat copies the NUL-terminated label.
        unsafe { ffi::readstat_writer_set_file_label(self.raw.0, label.as_ptr()) };
        Ok(())
    }

    /// Declare the next variable of the dictionary.
    pub fn add_variable(&mut self, variable: &Variable) -> Result<VariableId, ReadStatError> {
        let invalid = |problem: String| ReadStatError::Invalid {
            variable: variable.name.clone(),
            problem,
        };
        let (kind, width) = match variable.kind {
            VariableType::Number => (ffi::TYPE_DOUBLE, 0),
            VariableType::String { width } => {
                if width == 0 || width > self.format.max_string_width() {
                    return Err(invalid(format!(
                        "a string of {width} bytes; this format holds 1 to {}",
                        self.format.max_string_width()
                    )));
                }
                (ffi::TYPE_STRING, width)
            }
            VariableType::LongString => {
                if self.format != FileFormat::Dta {
                    return Err(invalid("long strings (strL) are Stata's alone".to_owned()));
                }
                (ffi::TYPE_STRING_REF, 0)
            }
        };
        let what = || format!("the name or a label of variable `{}`", variable.name);
        let name = self.text.of(&variable.name, &what)?;
        // SAFETY: a live writer; ReadStat copies the name (cutting it to its buffer, which is
        // longer than either format allows: the format's check reports an overlong name).
        let raw = unsafe { ffi::readstat_add_variable(self.raw.0, name.as_ptr(), kind, width) };
        assert!(!raw.is_null(), "ReadStat could not allocate a variable");
        if !variable.label.is_empty() {
            let label = self.text.of(&variable.label, &what)?;
            // SAFETY: `raw` is a live variable of this writer; ReadStat copies the label.
            unsafe { ffi::readstat_variable_set_label(raw, label.as_ptr()) };
        }
        if !variable.format.is_empty() {
            let format = self.text.of(&variable.format, &what)?;
            // SAFETY: as above; ReadStat copies the format.
            unsafe { ffi::readstat_variable_set_format(raw, format.as_ptr()) };
        }
        if let Some(measure) = variable.measure {
            // SAFETY: a live variable; the measure is one of readstat_measure_t's values.
            unsafe { ffi::readstat_variable_set_measure(raw, measure as c_int) };
        }
        if !variable.user_missing.is_empty() && self.format == FileFormat::Sav {
            for &value in &variable.user_missing {
                // SAFETY: a live variable.
                let error = unsafe { ffi::readstat_variable_add_missing_double_value(raw, value) };
                check(error, || format!("missing values of `{}`", variable.name))?;
            }
        }
        let has_labels = !variable.value_labels.is_empty()
            || (self.format == FileFormat::Dta && !variable.missing_labels.is_empty());
        if has_labels {
            self.add_labels(raw, variable)?;
        }
        self.variables
            .push((raw, variable.kind, variable.name.clone()));
        Ok(VariableId(self.variables.len() - 1))
    }

    fn add_labels(
        &mut self,
        variable: *mut ffi::Variable,
        spec: &Variable,
    ) -> Result<(), ReadStatError> {
        let what = || format!("a value label of variable `{}`", spec.name);
        let (kind, set_name) = match self.format {
            // Label sets are named only inside the file; the index keeps them apart.
            FileFormat::Sav => (ffi::TYPE_DOUBLE, format!("labels{}", self.variables.len())),
            FileFormat::Dta => (
                ffi::TYPE_INT32,
                if spec.label_set_name.is_empty() {
                    spec.name.clone()
                } else {
                    spec.label_set_name.clone()
                },
            ),
        };
        let set_name = self.text.of(&set_name, &what)?;
        // SAFETY: a live writer; ReadStat copies the name.
        let set = unsafe { ffi::readstat_add_label_set(self.raw.0, kind, set_name.as_ptr()) };
        assert!(!set.is_null(), "ReadStat could not allocate a label set");
        for (value, label) in &spec.value_labels {
            let label = self.text.of(label, &what)?;
            match self.format {
                // SAFETY: a live label set; ReadStat copies the label.
                FileFormat::Sav => unsafe {
                    ffi::readstat_label_double_value(set, *value, label.as_ptr())
                },
                FileFormat::Dta => {
                    if value.fract() != 0.0 || *value < i32::MIN as f64 || *value > i32::MAX as f64
                    {
                        return Err(ReadStatError::Invalid {
                            variable: spec.name.clone(),
                            problem: format!("Stata labels whole numbers only, not {value}"),
                        });
                    }
                    // SAFETY: a live label set; ReadStat copies the label.
                    unsafe { ffi::readstat_label_int32_value(set, *value as i32, label.as_ptr()) }
                }
            }
        }
        if self.format == FileFormat::Dta {
            for (tag, label) in &spec.missing_labels {
                let tag = tagged_letter(*tag, &spec.name)?;
                let label = self.text.of(label, &what)?;
                // SAFETY: a live label set; ReadStat copies the label.
                unsafe { ffi::readstat_label_tagged_value(set, tag, label.as_ptr()) };
            }
        }
        // SAFETY: a live variable and label set of the same writer.
        unsafe { ffi::readstat_variable_set_label_set(variable, set) };
        Ok(())
    }

    /// Stata: a strL value, to be placed in rows with [`Cell::LongText`]. Every strL must be
    /// added before [`FileBuilder::begin`], because Stata's header gives the size of the strL
    /// section: ReadStat keeps them in memory until the file ends. One id may fill any number
    /// of cells.
    pub fn add_long_string(&mut self, text: &str) -> Result<LongStringId, ReadStatError> {
        if self.format != FileFormat::Dta {
            return Err(ReadStatError::Invalid {
                variable: String::new(),
                problem: "long strings (strL) are Stata's alone".to_owned(),
            });
        }
        let text = self.text.of(text, &|| "a long string".to_owned())?;
        // SAFETY: a live writer; ReadStat copies the text into a new reference it owns.
        let reference = unsafe { ffi::readstat_add_string_ref(self.raw.0, text.as_ptr()) };
        assert!(!reference.is_null(), "ReadStat could not allocate a string");
        self.long_strings.push(reference);
        Ok(LongStringId(self.long_strings.len() - 1))
    }

    /// Start the file: `rows` rows must follow, written to `out` as they come.
    pub fn begin<'w>(
        self,
        out: &'w mut dyn Write,
        rows: u64,
    ) -> Result<FileWriter<'w>, ReadStatError> {
        let row_count = c_long::try_from(rows).map_err(|_| ReadStatError::Invalid {
            variable: String::new(),
            problem: format!("{rows} rows are more than ReadStat counts"),
        })?;
        let mut sink = Box::new(Sink { out, error: None });
        let ctx: *mut Sink<'w> = &mut *sink;
        let begin = match self.format {
            FileFormat::Sav => ffi::readstat_begin_writing_sav,
            FileFormat::Dta => ffi::readstat_begin_writing_dta,
        };
        // SAFETY: a live writer; `ctx` points into the box the FileWriter below keeps for as
        // long as the writer lives, so ReadStat's data writer always finds the sink.
        let error = unsafe { begin(self.raw.0, ctx.cast::<c_void>(), row_count) };
        let mut writer = FileWriter {
            builder: self,
            sink,
            _out: PhantomData,
        };
        check_written(&mut writer.sink, error, || {
            "the file's dictionary".to_owned()
        })?;
        Ok(writer)
    }
}

fn tagged_letter(tag: char, variable: &str) -> Result<c_char, ReadStatError> {
    if tag.is_ascii_lowercase() {
        Ok(tag as u8 as c_char)
    } else {
        Err(ReadStatError::Invalid {
            variable: variable.to_owned(),
            problem: format!("extended missing values are .a to .z, not .{tag}"),
        })
    }
}

/// A file being written, row by row.
pub struct FileWriter<'w> {
    builder: FileBuilder,
    sink: Box<Sink<'w>>,
    _out: PhantomData<&'w mut dyn Write>,
}

impl fmt::Debug for FileWriter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileWriter")
            .field("builder", &self.builder)
            .finish_non_exhaustive()
    }
}

/// A ReadStat error, or the output's own error when a write was what failed.
fn check_written(
    sink: &mut Sink<'_>,
    error: ffi::Error,
    context: impl FnOnce() -> String,
) -> Result<(), ReadStatError> {
    if let Some(io_error) = sink.error.take() {
        return Err(ReadStatError::Write(io_error));
    }
    check(error, context)
}

impl FileWriter<'_> {
    /// One row: a value for any of the variables; those not given are missing.
    pub fn write_row(&mut self, cells: &[(VariableId, Cell<'_>)]) -> Result<(), ReadStatError> {
        let raw = self.builder.raw.0;
        // SAFETY: a live writer that has begun.
        let error = unsafe { ffi::readstat_begin_row(raw) };
        check_written(&mut self.sink, error, || "the start of a row".to_owned())?;
        for &(VariableId(index), cell) in cells {
            let (variable, kind, ref name) = self.builder.variables[index];
            let context = || format!("variable `{name}`");
            let error = match (cell, kind) {
                (Cell::Number(value), VariableType::Number) => {
                    // SAFETY: `variable` is a live variable of this writer, which has begun a
                    // row (as in each arm below, where text is NUL-terminated and copied by
                    // ReadStat before it returns).
                    unsafe { ffi::readstat_insert_double_value(raw, variable, value) }
                }
                (Cell::Text(text), VariableType::String { width }) => {
                    if text.len() > width {
                        return Err(ReadStatError::Invalid {
                            variable: name.clone(),
                            problem: format!(
                                "a value of {} bytes is longer than its {width}",
                                text.len()
                            ),
                        });
                    }
                    let text = self.builder.text.of(text, &|| context())?;
                    // SAFETY: see above.
                    unsafe { ffi::readstat_insert_string_value(raw, variable, text.as_ptr()) }
                }
                (Cell::LongText(LongStringId(id)), VariableType::LongString) => {
                    let reference = self.builder.long_strings[id];
                    // SAFETY: see above; the reference belongs to this writer.
                    unsafe { ffi::readstat_insert_string_ref(raw, variable, reference) }
                }
                (Cell::Missing, VariableType::Number | VariableType::String { .. }) => {
                    // SAFETY: see above.
                    unsafe { ffi::readstat_insert_missing_value(raw, variable) }
                }
                (Cell::TaggedMissing(tag), VariableType::Number)
                    if self.builder.format == FileFormat::Dta =>
                {
                    let tag = tagged_letter(tag, name)?;
                    // SAFETY: see above.
                    unsafe { ffi::readstat_insert_tagged_missing_value(raw, variable, tag) }
                }
                (cell, kind) => {
                    return Err(ReadStatError::Invalid {
                        variable: name.clone(),
                        problem: format!("cannot hold {cell:?} in a {kind:?} variable"),
                    })
                }
            };
            check_written(&mut self.sink, error, context)?;
        }
        // SAFETY: a live writer with a row begun.
        let error = unsafe { ffi::readstat_end_row(raw) };
        check_written(&mut self.sink, error, || "the end of a row".to_owned())
    }

    /// Write what follows the rows (Stata: strLs and value labels) and check that as many
    /// rows came as [`FileBuilder::begin`] was told.
    pub fn finish(mut self) -> Result<(), ReadStatError> {
        // SAFETY: a live writer that has begun.
        let error = unsafe { ffi::readstat_end_writing(self.builder.raw.0) };
        check_written(&mut self.sink, error, || "the end of the file".to_owned())?;
        self.sink.out.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(name: &str) -> Variable {
        Variable::new(name, VariableType::Number)
    }

    #[test]
    fn a_row_count_that_does_not_match_is_refused_at_the_end() {
        let mut file = FileBuilder::new(FileFormat::Sav);
        let x = file.add_variable(&number("x")).unwrap();
        let mut out = Vec::new();
        let mut writer = file.begin(&mut out, 2).unwrap();
        writer.write_row(&[(x, Cell::Number(1.0))]).unwrap();
        let error = writer.finish().unwrap_err();
        assert!(
            matches!(error, ReadStatError::Library { .. }),
            "expected ReadStat's row-count error, got {error}"
        );
    }

    #[test]
    fn the_outputs_error_comes_back_as_it_was() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut file = FileBuilder::new(FileFormat::Dta);
        let x = file.add_variable(&number("x")).unwrap();
        let mut out = Full;
        let mut writer = file.begin(&mut out, 1).unwrap();
        let error = writer.write_row(&[(x, Cell::Number(1.0))]).unwrap_err();
        match error {
            ReadStatError::Write(e) => assert_eq!(e.kind(), io::ErrorKind::StorageFull),
            other => panic!("expected the write error, got {other}"),
        }
    }

    #[test]
    fn text_longer_than_its_variable_is_refused_with_the_variable_named() {
        let mut file = FileBuilder::new(FileFormat::Sav);
        let s = file
            .add_variable(&Variable::new("s", VariableType::String { width: 3 }))
            .unwrap();
        let mut out = Vec::new();
        let mut writer = file.begin(&mut out, 1).unwrap();
        let error = writer.write_row(&[(s, Cell::Text("four"))]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "variable `s`: a value of 4 bytes is longer than its 3"
        );
    }

    #[test]
    fn strl_is_stata_only() {
        let mut file = FileBuilder::new(FileFormat::Sav);
        assert!(file
            .add_variable(&Variable::new("t", VariableType::LongString))
            .is_err());
        assert!(file.add_long_string("text").is_err());
    }

    #[test]
    fn files_begin_with_their_formats_signature() {
        for (format, signature) in [
            (FileFormat::Sav, b"$FL2".as_slice()),
            (
                FileFormat::Dta,
                b"<stata_dta><header><release>118</release>".as_slice(),
            ),
        ] {
            let mut file = FileBuilder::new(format);
            let x = file.add_variable(&number("x")).unwrap();
            let mut out = Vec::new();
            let mut writer = file.begin(&mut out, 1).unwrap();
            writer.write_row(&[(x, Cell::Number(2.5))]).unwrap();
            writer.finish().unwrap();
            assert!(
                out.starts_with(signature),
                "{format:?} starts {:?}",
                String::from_utf8_lossy(&out[..out.len().min(48)])
            );
        }
    }
}
