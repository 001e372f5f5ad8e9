//! `r`, `stata` and `spss`: syntax that reads a csv-wide export and applies variable and
//! value labels.
//!
//! Every column is read as text and converted here, so that the missing-value conventions
//! (an empty cell: not answered; `.n`: not shown) and the formula escaping (a leading `'`)
//! are undone the same way in each package:
//!
//! | | not answered | not shown |
//! |---|---|---|
//! | R | `NA` | `NA`, rows listed in `attr(x, "not_shown")` |
//! | Stata | `.s` | `.n` (both labelled) |
//! | SPSS | user-missing -2 (or below `min`) | user-missing -1 (or below `min`) |
//!
//! Free text that was not shown is empty in Stata and SPSS (strings have no missing codes).

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::Write;

use fieldwork_survey::{
    escape_cell, Choice, Labels, MetaColumn, NumberKind, QuestionKind, SurveyDefinition, Variable,
    VariableKind, WideLayout, NOT_SHOWN,
};

use super::{layout, ExportError, ExportOptions};

/// What a column of the wide table becomes.
pub(super) enum Conversion<'a> {
    /// Kept as text.
    Text { unescape: bool },
    /// Codes (as the cells hold them) to 1..k with labels.
    Coded {
        cells: Vec<String>,
        labels: Vec<&'a str>,
        ordinal: bool,
    },
    /// A number; `integer` for display formats.
    Number { integer: bool, min: Option<f64> },
    /// 1 chosen, 0 not.
    Tick,
    /// `submitted_at`.
    Timestamp,
}

pub(super) struct Column<'a> {
    /// The name in the CSV header.
    pub(super) name: String,
    pub(super) label: String,
    pub(super) conversion: Conversion<'a>,
}

pub(super) fn columns<'a>(layout: &WideLayout<'a>, labels: Labels) -> Vec<Column<'a>> {
    let definition = layout.definition();
    let cell = |c: &Choice| -> String {
        escape_cell(match labels {
            Labels::Codes => &c.code,
            Labels::Text => c.label.as_str(),
        })
        .into_owned()
    };
    let mut columns = Vec::new();
    for (meta, name) in layout.meta() {
        let conversion = match meta {
            MetaColumn::ResponseId => Conversion::Text { unescape: false },
            MetaColumn::SurveyVersion => Conversion::Number {
                integer: true,
                min: Some(1.0),
            },
            MetaColumn::Stratum => {
                let strata = definition.strata();
                if strata.is_empty() {
                    Conversion::Text { unescape: true }
                } else {
                    Conversion::Coded {
                        // The stratum column always holds codes.
                        cells: strata
                            .iter()
                            .map(|c| escape_cell(&c.code).into_owned())
                            .collect(),
                        labels: strata.iter().map(|c| c.label.as_str()).collect(),
                        ordinal: false,
                    }
                }
            }
            MetaColumn::SubmittedAt => Conversion::Timestamp,
            MetaColumn::Weight => Conversion::Number {
                integer: false,
                min: Some(0.0),
            },
            MetaColumn::Population => Conversion::Number {
                integer: true,
                min: Some(1.0),
            },
            MetaColumn::Complete => Conversion::Tick,
        };
        columns.push(Column {
            name: name.clone(),
            label: meta.description().to_owned(),
            conversion,
        });
    }
    for variable in layout.variables() {
        columns.push(Column {
            name: variable.name.clone(),
            label: variable.label(),
            conversion: conversion(variable, &cell),
        });
    }
    columns
}

fn conversion<'a>(variable: &Variable<'a>, cell: &dyn Fn(&Choice) -> String) -> Conversion<'a> {
    match (&variable.kind, &variable.question.kind) {
        (VariableKind::Choice | VariableKind::GridItem(_), kind) => {
            let codes = variable.codes();
            Conversion::Coded {
                cells: codes.iter().map(|c| cell(c)).collect(),
                labels: codes.iter().map(|c| c.label.as_str()).collect(),
                ordinal: matches!(
                    kind,
                    QuestionKind::Likert { .. } | QuestionKind::LikertGrid { .. }
                ),
            }
        }
        (VariableKind::Option(_), _) => Conversion::Tick,
        (VariableKind::Number, QuestionKind::Number { kind, min, .. }) => Conversion::Number {
            integer: *kind == NumberKind::Integer,
            min: *min,
        },
        (VariableKind::Number, _) => Conversion::Number {
            integer: false,
            min: None,
        },
        (VariableKind::Text, _) => Conversion::Text { unescape: true },
    }
}

/// The names in the CSV header of the stratum, weight and population columns, when the
/// survey has a frame to make a design of.
fn design_columns<'l>(layout: &'l WideLayout<'_>) -> Option<[&'l str; 3]> {
    layout.definition().stratification.as_ref()?;
    let name = |column| layout.meta_name(column);
    Some([
        name(MetaColumn::Stratum)?,
        name(MetaColumn::Weight)?,
        name(MetaColumn::Population)?,
    ])
}

/// The indexes of the stratum, weight and population columns among `columns`.
fn design_indexes(layout: &WideLayout<'_>, columns: &[Column<'_>]) -> Option<[usize; 3]> {
    let names = design_columns(layout)?;
    let index = |name: &str| columns.iter().position(|c| c.name == name);
    Some([index(names[0])?, index(names[1])?, index(names[2])?])
}

fn heading(definition: &SurveyDefinition, options: &ExportOptions) -> String {
    format!(
        "survey `{}` version {} ({}); reads {}, a csv-wide export made with --labels {}{}{}",
        definition.slug,
        definition.version,
        one_line(definition.title.as_str()),
        one_line(&options.data_file),
        match options.labels {
            Labels::Codes => "codes",
            Labels::Text => "text",
        },
        if options.include_partial {
            " --include-partial"
        } else {
            ""
        },
        if options.include_sensitive {
            " --include-sensitive"
        } else {
            ""
        },
    )
}

pub(super) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// At most `max` bytes of `text`, cut at a character boundary.
pub(super) fn truncate_bytes(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Names that Stata or SPSS accept: letters, digits and `_` (a letter first), at most
/// `max_len` bytes, not reserved, unique (without case for SPSS).
pub(super) fn package_names(
    names: &[&str],
    max_len: usize,
    reserved: &dyn Fn(&str) -> bool,
) -> Vec<String> {
    let mut taken: HashSet<String> = HashSet::new();
    names
        .iter()
        .map(|name| {
            let mut base: String = name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            if !base.starts_with(|c: char| c.is_ascii_alphabetic()) {
                base.insert_str(0, "v_");
            }
            while base.ends_with('_') && base.len() > 1 {
                base.pop();
            }
            let mut candidate = truncate_bytes(&base, max_len).to_owned();
            let mut n = 1;
            while reserved(&candidate) || taken.contains(&candidate.to_lowercase()) {
                n += 1;
                let suffix = format!("_{n}");
                candidate = format!("{}{suffix}", truncate_bytes(&base, max_len - suffix.len()));
            }
            taken.insert(candidate.to_lowercase());
            candidate
        })
        .collect()
}

/// A fresh temporary name not among `taken`.
fn temporary(prefix: &str, index: usize, taken: &HashSet<String>) -> String {
    let mut name = format!("{prefix}{index}");
    while taken.contains(&name.to_lowercase()) {
        name.push('x');
    }
    name
}

// ---------------------------------------------------------------------------------------
// R

fn r_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_ascii_control() => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_ascii() => out.push(c),
            // Escaped so the script reads the same in any locale.
            c if (c as u32) <= 0xFFFF => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{{{:x}}}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

fn r_vector(items: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    let items: Vec<String> = items.into_iter().map(|i| r_string(i.as_ref())).collect();
    format!("c({})", items.join(", "))
}

pub(super) fn r(
    definition: &SurveyDefinition,
    options: &ExportOptions,
    out: &mut dyn Write,
) -> Result<(), ExportError> {
    let layout = layout(definition, options);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# R script written by fieldwork for {}.",
        heading(definition, options)
    );
    s.push_str(
        "# Coded answers become factors (levels in the survey's order, labelled as respondents saw
# them), numbers numeric, multi-choice options 0/1 integers; every column's label is in
# attr(x, \"label\"). Missing: an empty cell (not answered) and \".n\" (not shown) are both NA;
# attr(x, \"not_shown\") lists the rows where the question was not shown. Base R only.
# Run it from the directory that holds the CSV, or change `path`.
",
    );
    let _ = writeln!(s, "path <- {}", r_string(&options.data_file));
    s.push_str(
        r#"fw <- utils::read.csv(path, colClasses = "character", check.names = FALSE,
  na.strings = character(0), encoding = "UTF-8", fileEncoding = "UTF-8-BOM")

fw_label <- function(y, x, label) {
  attr(y, "label") <- label
  hidden <- which(x == ".n")
  if (length(hidden)) attr(y, "not_shown") <- hidden
  y
}
fw_check <- function(x, ok, name) {
  bad <- !(x %in% c(ok, "", ".n"))
  if (any(bad)) warning(sprintf("%s: %d cells hold no known value, e.g. %s", name,
    sum(bad), x[bad][1]), call. = FALSE)
}
fw_coded <- function(name, cells, labels, label) {
  x <- fw[[name]]
  fw_check(x, cells, name)
  fw_label(factor(match(x, cells), levels = seq_along(cells), labels = labels), x, label)
}
fw_number <- function(name, label, integer = FALSE) {
  x <- fw[[name]]
  v <- ifelse(x == "" | x == ".n", NA, x)
  y <- suppressWarnings(as.numeric(v))
  if (any(is.na(y) & !is.na(v))) warning(sprintf("%s: cells that are not numbers", name), call. = FALSE)
  if (integer) y <- as.integer(y)
  fw_label(y, x, label)
}
fw_text <- function(name, label, unescape = TRUE) {
  x <- fw[[name]]
  y <- ifelse(x == "" | x == ".n", NA, x)
  if (unescape) y <- sub("^'", "", y)
  fw_label(y, x, label)
}
fw_time <- function(name, label) {
  x <- fw[[name]]
  fw_label(as.POSIXct(ifelse(x == "", NA, x), format = "%Y-%m-%dT%H:%M:%SZ", tz = "UTC"), x, label)
}

"#,
    );
    for column in columns(&layout, options.labels) {
        let name = r_string(&column.name);
        let label = r_string(&column.label);
        let _ = match &column.conversion {
            Conversion::Text { unescape } => writeln!(
                s,
                "fw[[{name}]] <- fw_text({name}, {label}{})",
                if *unescape { "" } else { ", unescape = FALSE" }
            ),
            Conversion::Coded { cells, labels, .. } => writeln!(
                s,
                "fw[[{name}]] <- fw_coded({name},\n  {},\n  {},\n  {label})",
                r_vector(cells),
                r_vector(labels)
            ),
            Conversion::Number { integer, .. } => writeln!(
                s,
                "fw[[{name}]] <- fw_number({name}, {label}{})",
                if *integer { ", integer = TRUE" } else { "" }
            ),
            Conversion::Tick => {
                writeln!(
                    s,
                    "fw[[{name}]] <- fw_number({name}, {label}, integer = TRUE)"
                )
            }
            Conversion::Timestamp => writeln!(s, "fw[[{name}]] <- fw_time({name}, {label})"),
        };
    }
    s.push_str("rm(path, fw_label, fw_check, fw_coded, fw_number, fw_text, fw_time)\n");
    if let Some([stratum, weight, population]) = design_columns(&layout) {
        let formula = |name: &str| format!("~`{}`", name.replace('`', "\\`"));
        let _ = write!(
            s,
            "
# The sampling design (docs/analysis-methods.md): stratified simple random sampling without
# replacement, each complete response weighted N_h / n_h, with the stratum's population N_h as
# the finite population correction. Partial responses have no weight and stay out of it.
# fieldwork's estimates are means over those who answered: svymean(~x, subset(fw_design,
# !is.na(x))), svyciprop(~I(x == \"code\"), subset(...), method = \"logit\").
if (requireNamespace(\"survey\", quietly = TRUE)) {{
  fw_design <- survey::svydesign(id = ~1, strata = {}, fpc = {},
    weights = {}, data = fw[!is.na(fw[[{}]]), ])
}} else message(\"install the survey package to get fw_design, the sampling design\")
",
            formula(stratum),
            formula(population),
            formula(weight),
            r_string(weight),
        );
    }
    out.write_all(s.as_bytes())?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Stata

pub(super) fn stata_reserved(name: &str) -> bool {
    const RESERVED: [&str; 20] = [
        "_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int", "long", "_n",
        "_N", "_pi", "_pred", "_rc", "_skip", "strL", "using", "with",
    ];
    RESERVED.contains(&name)
        || name
            .strip_prefix("str")
            .is_some_and(|rest| !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit()))
}

/// A Stata string in compound quotes, with macro expansion (`$`, `` ` ``) escaped.
fn stata_string(text: &str) -> String {
    let text = one_line(text)
        .replace('\\', "\\\\")
        .replace('$', "\\$")
        .replace('`', "\\`")
        .replace("\"'", "\" '");
    format!("`\"{text}\"'")
}

pub(super) fn stata(
    definition: &SurveyDefinition,
    options: &ExportOptions,
    out: &mut dyn Write,
) -> Result<(), ExportError> {
    let layout = layout(definition, options);
    let columns = columns(&layout, options.labels);
    let header: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    // Stata names are case-sensitive, but unique without case is unique with it too.
    let names = package_names(&header, 32, &stata_reserved);
    let taken: HashSet<String> = names.iter().map(|n| n.to_lowercase()).collect();
    let tmp = temporary("fw_tmp", 0, &taken);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "* Stata do-file written by fieldwork for {}.",
        heading(definition, options)
    );
    s.push_str(
        "* Coded answers become labelled numbers (1, 2, ... in the survey's order), numbers doubles,
* multi-choice options 0/1. Missing: an empty cell (not answered) is .s, \".n\" (not shown) is .n;
* free text not shown is \"\". Export the CSV without --bom. Stata 16 or later.
version 16
clear
",
    );
    let _ = writeln!(
        s,
        "import delimited using {}, varnames(nonames) rowrange(2) stringcols(_all) encoding(\"utf-8\") delimiters(\",\") bindquote(strict) maxquotedrows(unlimited) clear",
        stata_string(&options.data_file)
    );
    let _ = writeln!(
        s,
        "if c(k) != {} {{\n    display as error \"the file has \" c(k) \" columns; this do-file expects {}\"\n    exit 459\n}}",
        columns.len(),
        columns.len()
    );
    for (i, name) in names.iter().enumerate() {
        let _ = writeln!(s, "rename v{} {name}", i + 1);
    }
    for (column, name) in columns.iter().zip(&names) {
        let _ = writeln!(s, "\n* {}", one_line(&column.name));
        let missing_codes = |s: &mut String| {
            let _ = writeln!(s, "replace {tmp} = .n if {name} == \"{NOT_SHOWN}\"");
            let _ = writeln!(s, "replace {tmp} = .s if {name} == \"\"");
        };
        match &column.conversion {
            Conversion::Text { unescape } => {
                let _ = writeln!(s, "replace {name} = \"\" if {name} == \"{NOT_SHOWN}\"");
                if *unescape {
                    let _ = writeln!(
                        s,
                        "replace {name} = substr({name}, 2, .) if substr({name}, 1, 1) == \"'\""
                    );
                }
            }
            Conversion::Coded { cells, labels, .. } => {
                let _ = writeln!(s, "generate long {tmp} = .");
                for (i, cell) in cells.iter().enumerate() {
                    let _ = writeln!(
                        s,
                        "replace {tmp} = {} if {name} == {}",
                        i + 1,
                        stata_string(cell)
                    );
                }
                missing_codes(&mut s);
                let mut define = format!("label define {name}");
                for (i, label) in labels.iter().enumerate() {
                    let _ = write!(define, " {} {}", i + 1, stata_string(label));
                }
                let _ = writeln!(s, "{define} .s \"Not answered\" .n \"Not shown\", replace");
                let _ = writeln!(
                    s,
                    "drop {name}\nrename {tmp} {name}\nlabel values {name} {name}"
                );
            }
            Conversion::Number { .. } | Conversion::Tick => {
                let _ = writeln!(s, "generate double {tmp} = real({name})");
                missing_codes(&mut s);
                let _ = writeln!(
                    s,
                    "label define {name} .s \"Not answered\" .n \"Not shown\", replace"
                );
                let _ = writeln!(
                    s,
                    "drop {name}\nrename {tmp} {name}\nlabel values {name} {name}"
                );
            }
            Conversion::Timestamp => {
                let _ = writeln!(
                    s,
                    "generate double {tmp} = clock(subinstr(subinstr({name}, \"T\", \" \", 1), \"Z\", \"\", 1), \"YMDhms\")"
                );
                let _ = writeln!(s, "format {tmp} %tc");
                let _ = writeln!(s, "drop {name}\nrename {tmp} {name}");
            }
        }
        let _ = writeln!(
            s,
            "label variable {name} {}",
            stata_string(truncate_chars(&column.label, 80))
        );
    }
    let _ = writeln!(s, "\norder {}", names.join(" "));
    s.push_str("compress\n");
    if let Some([stratum, weight, population]) = design_indexes(&layout, &columns) {
        let _ = writeln!(
            s,
            "
* The sampling design (docs/analysis-methods.md): stratified simple random sampling without
* replacement, each complete response weighted N_h / n_h, the stratum's population N_h as the
* finite population correction. Estimate over those who answered, e.g. svy, subpop(if !missing(x)): mean x.
svyset _n [pweight={}], strata({}) fpc({})",
            names[weight], names[stratum], names[population]
        );
    }
    out.write_all(s.as_bytes())?;
    Ok(())
}

pub(super) fn truncate_chars(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

// ---------------------------------------------------------------------------------------
// SPSS

pub(super) fn spss_reserved(name: &str) -> bool {
    const RESERVED: [&str; 13] = [
        "all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with",
    ];
    RESERVED.contains(&name.to_lowercase().as_str())
}

fn spss_string(text: &str) -> String {
    format!("'{}'", one_line(text).replace('\'', "''"))
}

/// User-missing codes (not shown, not answered) of a numeric column: -1 and -2 unless the
/// values may be negative, then below the minimum (or far below zero without one).
pub(super) fn spss_missing(conversion: &Conversion<'_>) -> (f64, f64) {
    match conversion {
        Conversion::Number { min: Some(min), .. } if *min < 0.0 => {
            let below = min.floor();
            (below - 1.0, below - 2.0)
        }
        Conversion::Number { min: None, .. } => (-999_999_991.0, -999_999_992.0),
        _ => (-1.0, -2.0),
    }
}

pub(super) fn spss(
    definition: &SurveyDefinition,
    options: &ExportOptions,
    out: &mut dyn Write,
) -> Result<(), ExportError> {
    let layout = layout(definition, options);
    let columns = columns(&layout, options.labels);
    let header: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    let names = package_names(&header, 64, &spss_reserved);
    let taken: HashSet<String> = names.iter().map(|n| n.to_lowercase()).collect();
    let mut s = String::new();
    s.push_str("* Encoding: UTF-8.\n");
    let _ = writeln!(
        s,
        "* SPSS syntax written by fieldwork for {}.",
        one_line(&heading(definition, options))
    );
    s.push_str(
        "* Coded answers become labelled numbers (1, 2, ... in the survey's order), multi-choice options 0/1.
* Missing: \".n\" (not shown) and an empty cell (not answered) become user-missing codes,
* -1 and -2 unless a number question allows negative values (see MISSING VALUES below).
* Free text not shown is empty. SPSS reads no line breaks inside a quoted value.
* Runs in SPSS and in GNU PSPP: GET DATA names the file's encoding, so no SET UNICODE (which
* PSPP refuses), and SUBSTR cuts only ASCII here, so it agrees with SPSS's CHAR.SUBSTR.
GET DATA
  /TYPE=TXT
",
    );
    let _ = writeln!(s, "  /FILE={}", spss_string(&options.data_file));
    s.push_str(
        "  /ENCODING='UTF8'
  /ARRANGEMENT=DELIMITED
  /DELCASE=LINE
  /FIRSTCASE=2
  /DELIMITERS=','
  /QUALIFIER='\"'
  /VARIABLES=
",
    );
    for (column, name) in columns.iter().zip(&names) {
        let width = match &column.conversion {
            Conversion::Text { .. } => match layout
                .variables()
                .iter()
                .find(|v| v.name == column.name)
                .map(|v| &v.question.kind)
            {
                Some(QuestionKind::Text { max_length, .. }) => {
                    (*max_length as usize * 4 + 1).min(32767)
                }
                _ => 255,
            },
            Conversion::Coded { cells, .. } => cells.iter().map(String::len).max().unwrap_or(1),
            Conversion::Number { .. } => 40,
            Conversion::Tick => 2,
            Conversion::Timestamp => 20,
        }
        .max(NOT_SHOWN.len());
        let _ = writeln!(s, "    {name} A{width}");
    }
    s.push_str("  .\n");
    let mut converted: Vec<(String, String)> = Vec::new();
    let mut labels = String::new();
    let mut missing = String::new();
    let mut levels = String::new();
    let mut formats = String::new();
    for (index, (column, name)) in columns.iter().zip(&names).enumerate() {
        let new = temporary("fw_tmp", index + 1, &taken);
        let (not_shown, not_answered) = spss_missing(&column.conversion);
        let mark = |s: &mut String| {
            let _ = writeln!(s, "IF ({name} = '{NOT_SHOWN}') {new} = {not_shown}.");
            let _ = writeln!(s, "IF ({name} = '') {new} = {not_answered}.");
        };
        let missing_labels = format!("  {not_shown} 'Not shown'\n  {not_answered} 'Not answered'");
        match &column.conversion {
            Conversion::Text { unescape } => {
                let _ = writeln!(s, "IF ({name} = '{NOT_SHOWN}') {name} = ''.");
                if *unescape {
                    let _ = writeln!(
                        s,
                        "IF (SUBSTR({name}, 1, 1) = \"'\") {name} = SUBSTR({name}, 2)."
                    );
                }
            }
            Conversion::Coded {
                cells,
                labels: value_labels,
                ordinal,
            } => {
                let _ = write!(s, "RECODE {name}");
                for (i, cell) in cells.iter().enumerate() {
                    let _ = write!(s, "\n  ({}={})", spss_string(cell), i + 1);
                }
                let _ = writeln!(s, "\n  (ELSE=SYSMIS) INTO {new}.");
                mark(&mut s);
                let _ = write!(labels, "VALUE LABELS {new}");
                for (i, label) in value_labels.iter().enumerate() {
                    let _ = write!(
                        labels,
                        "\n  {} {}",
                        i + 1,
                        spss_string(truncate_bytes(label, 120))
                    );
                }
                let _ = writeln!(labels, "\n{missing_labels}.");
                let _ = writeln!(
                    missing,
                    "MISSING VALUES {new} ({not_shown}, {not_answered})."
                );
                let _ = writeln!(
                    levels,
                    "VARIABLE LEVEL {new} ({}).",
                    if *ordinal { "ORDINAL" } else { "NOMINAL" }
                );
                let _ = writeln!(formats, "FORMATS {new} (F4.0).");
                converted.push((name.clone(), new));
            }
            Conversion::Number { .. } | Conversion::Tick => {
                let (integer, nominal) = match column.conversion {
                    Conversion::Number { integer, .. } => (integer, false),
                    _ => (true, true),
                };
                // Only cells that hold a number: PSPP reports `.n` or an empty cell given to
                // NUMBER as an error (SPSS as a warning); the markers are coded just below.
                let _ = writeln!(
                    s,
                    "IF ({name} <> '{NOT_SHOWN}' AND {name} <> '') {new} = NUMBER({name}, F40.0)."
                );
                mark(&mut s);
                let _ = writeln!(labels, "VALUE LABELS {new}\n{missing_labels}.");
                let _ = writeln!(
                    missing,
                    "MISSING VALUES {new} ({not_shown}, {not_answered})."
                );
                let _ = writeln!(
                    levels,
                    "VARIABLE LEVEL {new} ({}).",
                    if nominal { "NOMINAL" } else { "SCALE" }
                );
                let _ = writeln!(
                    formats,
                    "FORMATS {new} ({}).",
                    if integer { "F12.0" } else { "F16.6" }
                );
                converted.push((name.clone(), new));
            }
            Conversion::Timestamp => {
                let _ = writeln!(
                    s,
                    "COMPUTE {new} = NUMBER(SUBSTR({name}, 1, 10), SDATE10) + NUMBER(SUBSTR({name}, 12, 8), TIME8)."
                );
                let _ = writeln!(formats, "FORMATS {new} (DATETIME20).");
                converted.push((name.clone(), new));
            }
        }
    }
    s.push_str("EXECUTE.\n");
    if !converted.is_empty() {
        let olds: Vec<&str> = converted.iter().map(|(o, _)| o.as_str()).collect();
        let news: Vec<&str> = converted.iter().map(|(_, n)| n.as_str()).collect();
        let _ = writeln!(s, "DELETE VARIABLES {}.", olds.join(" "));
        // Labels and formats were written against the temporary names; rename at the end.
        s.push_str(&formats);
        s.push_str(&labels);
        s.push_str(&missing);
        s.push_str(&levels);
        let _ = writeln!(
            s,
            "RENAME VARIABLES ({} = {}).",
            news.join(" "),
            olds.join(" ")
        );
    }
    s.push_str("VARIABLE LABELS\n");
    for (i, (column, name)) in columns.iter().zip(&names).enumerate() {
        let _ = write!(
            s,
            "  {name} {}{}",
            spss_string(truncate_bytes(&column.label, 255)),
            if i + 1 == columns.len() { ".\n" } else { "\n" }
        );
    }
    let _ = writeln!(s, "ADD FILES /FILE=* /KEEP={}.", names.join(" "));
    s.push_str("EXECUTE.\n");
    if let Some([stratum, weight, population]) = design_indexes(&layout, &columns) {
        // A comment, not a command: CSPLAN needs SPSS's Complex Samples module, and PSPP
        // (like SPSS without the module) would stop at it.
        let _ = write!(
            s,
            "* The sampling design (docs/analysis-methods.md): stratified simple random sampling
* without replacement, each complete response weighted N_h / n_h, the stratum's population N_h
* as the finite population correction. With SPSS Complex Samples, make the plan with:
*   CSPLAN ANALYSIS
*     /PLAN FILE='fieldwork.csaplan'
*     /PLANVARS ANALYSISWEIGHT={}
*     /DESIGN STRATA={}
*     /ESTIMATOR TYPE=EQUAL_WOR
*     /POPSIZE VARIABLE={}.
",
            names[weight], names[stratum], names[population]
        );
    }
    out.write_all(s.as_bytes())?;
    Ok(())
}
