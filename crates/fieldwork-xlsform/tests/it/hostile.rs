//! Hostile and broken files: refused with one clear problem, never a panic, never a blow-up.

use std::io::Write;

use fieldwork_xlsform::{read_xlsform, ImportOptions};

use crate::{problems, read, workbook};

fn only_problem(bytes: &[u8]) -> (String, String) {
    let found = problems(&read(bytes).unwrap_err());
    assert_eq!(found.len(), 1, "{found:#?}");
    found.into_iter().next().unwrap()
}

#[test]
fn files_that_are_not_workbooks_are_refused_plainly() {
    for bytes in [
        &b""[..],
        b"{\"slug\": \"json-is-not-a-workbook\"}",
        b"PK\x03\x04 not really a zip",
        &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0],
        &[0xFF; 4096],
    ] {
        let (place, message) = only_problem(bytes);
        assert_eq!(place, "workbook");
        assert!(message.contains(".xlsx"), "{message}");
    }
}

#[test]
fn a_truncated_workbook_is_refused() {
    let whole = workbook(&[("survey", &[&["type", "name", "label"], &["text", "a", "A"]])]);
    for cut in [10, whole.len() / 3, whole.len() / 2, whole.len() - 30] {
        let (place, _) = only_problem(&whole[..cut]);
        assert_eq!(place, "workbook", "cut at {cut}");
    }
}

#[test]
fn a_zip_that_would_inflate_past_the_limit_is_refused_before_inflating() {
    let mut archive = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    archive
        .start_file("xl/worksheets/sheet1.xml", options)
        .unwrap();
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..101 {
        archive.write_all(&zeros).unwrap();
    }
    let bytes = archive.finish().unwrap().into_inner();
    assert!(
        bytes.len() < 1024 * 1024,
        "the bomb is {} bytes",
        bytes.len()
    );
    let (place, message) = only_problem(&bytes);
    assert_eq!(place, "workbook");
    assert!(message.contains("would inflate"), "{message}");
}

#[test]
fn a_workbook_without_a_survey_sheet_says_so() {
    let bytes = workbook(&[("Sheet1", &[&["type", "name"]])]);
    let (place, message) = only_problem(&bytes);
    assert_eq!(place, "workbook");
    assert!(message.contains("no `survey` sheet"), "{message}");
}

#[test]
fn a_far_away_cell_costs_nothing_and_too_many_rows_are_refused() {
    // A cell in one of the last columns Excel has, and on another sheet one far down: the
    // sparse reader does not fill the grid between.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("survey").unwrap();
    sheet.write_string(0, 0, "type").unwrap();
    sheet.write_string(0, 1, "name").unwrap();
    sheet.write_string(0, 2, "label").unwrap();
    sheet.write_string(1, 0, "text").unwrap();
    sheet.write_string(1, 1, "a").unwrap();
    sheet.write_string(1, 2, "A").unwrap();
    sheet.write_string(1, 16_000, "far").unwrap();
    let notes = book.add_worksheet();
    notes.set_name("notes").unwrap();
    notes.write_string(1_048_000, 16_000, "far").unwrap();
    let far = book.save_to_buffer().unwrap();
    let definition = read_xlsform(
        &far,
        &ImportOptions {
            file_stem: Some("far".into()),
            ..ImportOptions::default()
        },
    )
    .unwrap();
    assert_eq!(definition.questions().count(), 1);

    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("survey").unwrap();
    for row in 0..20_100u32 {
        sheet.write_string(row, 0, "text").unwrap();
    }
    let (place, message) = only_problem(&book.save_to_buffer().unwrap());
    assert_eq!(place, "workbook");
    assert!(message.contains("rows"), "{message}");
}

#[test]
fn hostile_expressions_are_refused_at_their_cells() {
    let deep = format!("{}${{a}} = 'x'{}", "(".repeat(200), ")".repeat(200));
    let long = "${a} = 'x' or ".repeat(400) + "${a} = 'y'";
    let bytes = workbook(&[
        (
            "survey",
            &[
                &["type", "name", "label", "relevant"],
                &["select_one l", "a", "A", ""],
                &["text", "b", "B", &deep],
                &["text", "c", "C", &long],
                &["text", "d", "D", "${a} = '\u{0}'"],
            ],
        ),
        (
            "choices",
            &[&["list_name", "name", "label"], &["l", "x", "X"]],
        ),
        ("settings", &[&["form_id"], &["hostile"]]),
    ]);
    let found = problems(&read(&bytes).unwrap_err());
    assert!(
        found
            .iter()
            .any(|(p, m)| p == "survey!D3" && m.contains("nests deeper")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|(p, m)| p == "survey!D4" && m.contains("longer than")),
        "{found:#?}"
    );
    assert!(found.iter().any(|(p, _)| p == "survey!D5"), "{found:#?}");
}
