//! Reading a wide CSV back: a file in, the answers or the exact problems out.

use fieldwork_survey::{
    parse_definition, read_wide_csv, Answer, Completeness, Labels, SurveyDefinition, WideCsvReader,
    WideLayout, MAX_CELL_BYTES,
};
use serde_json::json;

fn pulse() -> SurveyDefinition {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/exports/pulse.json"
    ))
    .unwrap();
    parse_definition(&text).unwrap()
}

const HEADER: &str = "response_id,survey_version,stratum,submitted_at,weight,unit,load,why,tools__mail,tools__chat,tools__none,chat_hours,grid__clear,grid__fair,years,note";

/// The problems reading `csv` gives, as the CLI prints them.
fn problems(csv: &[u8]) -> Vec<String> {
    match read_wide_csv(&pulse(), csv) {
        Ok(rows) => panic!("expected problems, got {} rows", rows.len()),
        Err(errors) => {
            assert_eq!(errors.total, errors.problems.len());
            errors.problems.iter().map(ToString::to_string).collect()
        }
    }
}

#[test]
fn the_layout_names_columns_by_question_option_and_item() {
    let definition = pulse();
    assert_eq!(
        WideLayout::full(&definition).header().join(","),
        HEADER.replace("weight,", "weight,stratum_population,language,complete,")
    );
    // Without permission, sensitive free text has no column at all.
    let layout = WideLayout::new(&definition, false, false);
    assert!(!layout.header().contains(&"why"));
}

#[test]
fn metadata_columns_give_way_to_questions_of_the_same_name() {
    let definition = parse_definition(
        &json!({
            "slug": "clash", "title": "Clash", "version": 1,
            "pages": [{"title": "P", "questions": [
                {"id": "weight", "type": "number", "text": "Your weight?"},
                {"id": "fw_weight", "type": "number", "text": "Really?"},
                {"id": "stratum", "type": "text", "text": "Stratum?"}
            ]}]
        })
        .to_string(),
    )
    .unwrap();
    let layout = WideLayout::full(&definition);
    assert_eq!(
        layout.header(),
        [
            "response_id",
            "survey_version",
            "fw_stratum",
            "submitted_at",
            "fw_fw_weight",
            "stratum_population",
            "language",
            "complete",
            "weight",
            "fw_weight",
            "stratum"
        ]
    );
}

#[test]
fn rows_are_read_with_codes_labels_markers_and_escapes() {
    let csv = format!(
        "\u{feff}{HEADER}\r\n\
         r1,1,ops,2024-05-01T09:00:00Z,3.5,ops,high,'=HYPERLINK(1),1,1,0,2.5,yes,no,3,'-- fine\r\n\
         r2,1,policy,,,\"Policy, strategy & \"\"reform\"\"\",'- don't know -,.n,0,0,1,.n,Agree,,,'.n\r\n\
         r3,1,ops,,,ops,ok,.n,,,,.n,,,0,\r\n"
    );
    let rows = read_wide_csv(&pulse(), csv.as_bytes()).unwrap();
    assert_eq!(rows.iter().map(|r| r.row).collect::<Vec<_>>(), [2, 3, 4]);
    let answers = |i: usize| rows[i].response.answers().clone();
    let first = answers(0);
    assert_eq!(first["why"], Answer::Text("=HYPERLINK(1)".into()));
    assert_eq!(
        first["tools"],
        Answer::Choices(vec!["mail".into(), "chat".into()])
    );
    assert_eq!(first["chat_hours"], Answer::Decimal(2.5));
    assert_eq!(first["years"], Answer::Integer(3));
    assert_eq!(first["note"], Answer::Text("-- fine".into()));
    assert_eq!(rows[0].response.stratum(), Some("ops"));
    // Labels are taken for codes; an escaped label and an escaped `.n` text read back.
    let second = answers(1);
    assert_eq!(second["unit"], Answer::Choice("policy".into()));
    assert_eq!(second["load"], Answer::Choice("dk".into()));
    assert_eq!(second["tools"], Answer::Choices(vec!["none".into()]));
    assert_eq!(
        second["grid"],
        Answer::Grid([("clear".to_owned(), "yes".to_owned())].into())
    );
    assert_eq!(second["note"], Answer::Text(".n".into()));
    assert!(!second.contains_key("why") && !second.contains_key("chat_hours"));
    let third = answers(2);
    assert!(!third.contains_key("tools") && !third.contains_key("grid"));
    assert_eq!(third["years"], Answer::Integer(0));
    assert!(rows
        .iter()
        .all(|r| r.response.completeness() == Completeness::Complete));
}

#[test]
fn a_file_of_question_columns_alone_is_enough() {
    let rows = read_wide_csv(&pulse(), "load,unit\nlow,ops\nok,Operations\n".as_bytes()).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].response.stratum(), Some("ops"));
    // The stratum may come from the `stratum` column alone.
    let rows = read_wide_csv(&pulse(), "stratum,load\npolicy,low\n".as_bytes()).unwrap();
    assert_eq!(rows[0].response.stratum(), Some("policy"));
}

#[test]
fn partial_rows_are_read_with_the_complete_column() {
    let csv = "unit,load,complete\nops,,0\nops,low,1\n";
    let rows = read_wide_csv(&pulse(), csv.as_bytes()).unwrap();
    assert_eq!(rows[0].response.completeness(), Completeness::Partial);
    assert_eq!(rows[1].response.completeness(), Completeness::Complete);
}

#[test]
fn header_problems_are_reported_by_column() {
    assert_eq!(
        problems(b"response_id,unit,colour,unit,tools,grid__speed,tools__mail,years__x\n"),
        [
            "row 1, column colour: there is no question `colour` in survey `pulse`",
            "row 1, column unit: the column appears twice (columns 2 and 4)",
            "row 1, column tools: `tools` is a multi_choice question, which has one column per option: `tools__...`",
            "row 1, column grid__speed: question `grid` has no item `speed`",
            "row 1, column years__x: question `years` has a single column, `years`",
            "row 1, column load: the column is missing, and question `load` must be answered in every complete response",
            "row 1, column tools__chat: the column is missing: give every option column of `tools` (2 missing: tools__chat, tools__none) or none",
        ]
    );
}

#[test]
fn every_problem_in_the_rows_is_reported_by_row_and_column() {
    let csv = format!(
        "{HEADER}\n\
         a,1,ops,,,ops,low,,,,,,,,,\n\
         a,1,ops,,,ops,heavy,,,,,,,,,\n\
         b,1,ops,,,ops,low,text,2,0,0,,maybe,,,\n\
         c,1,ops,,,ops,low,,1,,0,,,,1.5,\n\
         d,1,ops,,,ops,low,,0,1,0,,,,,\n\
         e,1,ops,,,ops,high,.n,1,1,1,,,,,\n\
         e2,1,ops,,,ops,high,.n,1,0,0,,,,,\n\
         f,1,policy,,,ops,,,,,,,,,-3,\n\
         g,1,ops,,,ops,low,,0,1,0,81,,,,\n\
         h,1,ops\n\
         \n"
    );
    assert_eq!(
        problems(csv.as_bytes()),
        [
            "row 3, column response_id: response `a` is also on row 2",
            "row 3, column load: `heavy` is not a code or label of `load`; its codes are low, ok, high, dk",
            "row 4, column tools__mail: `2` is not 1 (chosen) or 0 (not chosen); leave the cell empty if the question was not answered",
            "row 4, column grid__clear: `maybe` is not a code or label of `grid`; its codes are no, yes",
            "row 5, column tools__mail: the option columns of `tools` mix 0/1 with empty or `.n` cells: give 0 or 1 in every one, or leave them all empty",
            "row 6, column chat_hours: question `chat_hours` is required in a complete response, but the cell is empty or `NA`",
            "row 7, column tools__mail: Select ‘None of these’ on its own, or other options without it (exclusive_option_combined)",
            "row 8, column why: `.n` says the question was not shown, but the answers to earlier questions show it; leave the cell empty if it was not answered",
            "row 9, column load: question `load` is required in a complete response, but the cell is empty or `NA`",
            "row 9, column years: `-3` is out of range: `years` takes a number between 0 and 50 years (out_of_range)",
            "row 10, column chat_hours: `81` is out of range: `chat_hours` takes a number between -1 and 80 (out_of_range)",
            "row 11: the row has 3 fields; the header row has 16",
        ]
    );
}

#[test]
fn hostile_files_give_precise_problems() {
    assert_eq!(
        problems(b""),
        ["row 1: the file is empty: it needs a header row of column names"]
    );
    assert_eq!(
        problems(b"unit,,load\n"),
        ["row 1, column 2: the column has no name"]
    );
    assert_eq!(
        problems(b"unit,load\n"),
        ["row 2: the file has a header row but no responses"]
    );
    assert_eq!(
        problems(b"unit,lo\xffad\n"),
        ["row 1, column 2: the text is not UTF-8 (invalid byte at position 3); save the file as UTF-8"]
    );
    assert_eq!(
        problems(b"unit,load,note\nops,low,caf\xe9\n"),
        ["row 2, column note: the text is not UTF-8 (invalid byte at position 4); save the file as UTF-8"]
    );
    let huge = format!(
        "unit,load,note\nops,low,{}\n",
        "x".repeat(MAX_CELL_BYTES + 1)
    );
    assert_eq!(
        problems(huge.as_bytes()),
        [format!(
            "row 2, column note: the value is {} bytes long; the limit is {MAX_CELL_BYTES}",
            MAX_CELL_BYTES + 1
        )]
    );
    let long_text = format!("unit,load,note\nops,low,{}\n", "x".repeat(600));
    assert_eq!(
        problems(long_text.as_bytes()),
        ["row 2, column note: Your answer must be 500 characters or fewer (it has 600) (too_long)"]
    );
    // A stratum column that disagrees with the stratum question.
    assert_eq!(
        problems(b"stratum,unit,load\npolicy,ops,low\n"),
        ["row 2, column stratum: the stratum `policy` differs from the answer to the stratum question, `ops`"]
    );
}

/// Number cells as other programs write them. A decimal comma is refused with the fix, not
/// read as 35 or 3.5 (a comma separates thousands, so `3,500` would be 3500 to one reader and
/// 3.5 to another); R's `NA` is a cell not answered; every problem quotes the cell.
#[test]
fn number_cells_say_what_was_found_and_what_was_expected() {
    assert_eq!(
        problems(
            b"unit,load,tools__mail,tools__chat,tools__none,chat_hours,years\n\
              ops,low,0,1,0,\"3,5\",\n\
              ops,low,0,1,0,\"-12,75\",\n\
              ops,low,0,1,0,lots,\n\
              ops,low,,,,,2.5\n\
              ops,low,0,1,0,\"1,000\",\n"
        ),
        [
            "row 2, column chat_hours: `3,5` has a decimal comma: write it with a point, `3.5` (a comma may only separate thousands, as in 1,200) (not_a_number)",
            "row 3, column chat_hours: `-12,75` has a decimal comma: write it with a point, `-12.75` (a comma may only separate thousands, as in 1,200) (not_a_number)",
            "row 4, column chat_hours: `lots` is not a number: `chat_hours` takes numbers written like 12, -3.5 or 1,200; leave the cell empty (or `NA`) if it was not answered (not_a_number)",
            "row 5, column years: `2.5` is not a whole number, which `years` takes (not_a_whole_number)",
            // A thousands separator is read as one.
            "row 6, column chat_hours: `1,000` is out of range: `chat_hours` takes a number between -1 and 80 (out_of_range)",
        ]
    );
}

/// A file written by R's `write.csv` has `NA` wherever a value is missing: in number and
/// coded cells it is not answered; in a text cell it is the text a respondent wrote.
#[test]
fn r_missing_values_read_as_not_answered() {
    let csv = b"unit,load,why,tools__mail,tools__chat,tools__none,chat_hours,grid__clear,years,note
                ops,low,,NA,NA,NA,NA,NA,NA,NA
                ops,high,fine,0,1,0,2.5,yes,NA,
";
    let rows = read_wide_csv(&pulse(), &csv[..]).map_err(|e| e.problems);
    let rows = match rows {
        Ok(rows) => rows,
        Err(problems) => panic!("{problems:?}"),
    };
    let first = rows[0].response.answers();
    for unanswered in ["tools", "chat_hours", "grid", "years"] {
        assert!(!first.contains_key(unanswered), "{unanswered}: {first:?}");
    }
    assert_eq!(first.get("note"), Some(&Answer::Text("NA".to_owned())));
    let second = rows[1].response.answers();
    assert_eq!(second.get("chat_hours"), Some(&Answer::Decimal(2.5)));
    assert!(!second.contains_key("years"), "{second:?}");
    // A required number left NA is the same as left empty: one line, naming the question.
    assert_eq!(
        problems(b"unit,load,tools__mail,tools__chat,tools__none,chat_hours
ops,low,0,1,0,NA
"),
        ["row 2, column chat_hours: question `chat_hours` is required in a complete response, but the cell is empty or `NA`"]
    );
}

#[test]
fn problems_past_the_listed_limit_are_counted() {
    let mut csv = String::from("unit,load\n");
    for _ in 0..1500 {
        csv.push_str("ops,heavy\n");
    }
    let errors = read_wide_csv(&pulse(), csv.as_bytes()).unwrap_err();
    assert_eq!(errors.total, 1500);
    assert_eq!(errors.problems.len(), fieldwork_survey::MAX_LISTED_PROBLEMS);
    assert_eq!(errors.to_string(), "1500 problems in the file");
}

#[test]
fn cells_written_by_the_layout_read_back_to_the_same_answers() {
    let definition = pulse();
    let layout = WideLayout::new(&definition, true, false);
    let answers = json!({
        "unit": "policy", "load": "high", "why": "+cmd|' /C calc'!A0",
        "tools": ["chat"], "chat_hours": -0.5,
        "grid": {"fair": "no"}, "years": 12, "note": "'quoted' @home"
    });
    let response = fieldwork_survey::validate_answers(
        &definition,
        answers.as_object().unwrap(),
        Completeness::Complete,
    )
    .unwrap();
    for labels in [Labels::Codes, Labels::Text] {
        let mut record = csv::StringRecord::new();
        for _ in layout.meta() {
            record.push_field("");
        }
        layout.push_cells(response.answers(), labels, &mut record);
        let mut file = Vec::new();
        {
            let mut writer = csv::Writer::from_writer(&mut file);
            writer.write_record(layout.header()).unwrap();
            writer.write_record(&record).unwrap();
        }
        let rows = read_wide_csv(&definition, file.as_slice()).unwrap();
        assert_eq!(rows[0].response.answers(), response.answers(), "{labels:?}");
    }
}

/// The streaming reader hands out good rows as it reads them, says once a problem has been
/// seen, and keeps reading to list every problem; a repeated response id is found however far
/// apart the two rows are.
#[test]
fn the_reader_streams_rows_and_lists_problems_at_the_end() {
    let definition = pulse();
    let mut csv = String::from("response_id,unit,load\n");
    for row in 2..=200_001 {
        let id = if row == 200_001 { 2 } else { row };
        csv.push_str(&format!("r{id},ops,low\n"));
    }
    csv.push_str("r-late,ops,heavy\n");
    let mut reader = WideCsvReader::new(&definition, csv.as_bytes()).unwrap();
    let first = reader.next_response().unwrap();
    assert_eq!(first.row, 2);
    assert!(!reader.has_problems());
    let mut rows = 1;
    while reader.next_response().is_some() {
        rows += 1;
    }
    assert_eq!(rows, 199_999);
    assert!(reader.has_problems());
    let problems: Vec<String> = reader
        .finish()
        .unwrap_err()
        .problems
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        problems,
        [
            "row 200001, column response_id: response `r2` is also on row 2",
            "row 200002, column load: `heavy` is not a code or label of `load`; its codes are low, ok, high, dk",
        ]
    );
}

/// Stored answers parsed by position give the cells that answers read back one by one
/// (`answers_from_stored`, the reference) give, odd shapes included: a number where a code
/// belongs, a decimal for an integer question, codes and items the definition lacks, keys of no
/// question, a repeated key (the last counts), escapes.
#[test]
fn parsed_stored_answers_give_the_cells_of_answers_read_one_by_one() {
    let definition = pulse();
    let layout = WideLayout::full(&definition);
    let stored = [
        r#"{"unit": "policy", "load": "high", "why": "=1+1", "tools": ["chat", "gone", 3],
            "chat_hours": 2, "grid": {"fair": "no", "gone": "yes", "clear": 1},
            "years": 12, "note": "say \"hi\",\nthere"}"#,
        r#"{"unit": 7, "load": "retired_code", "years": 3.0, "chat_hours": -0.5,
            "tools": "chat", "grid": ["yes"], "note": 5, "extra": {"a": [1, 2]}}"#,
        r#"{"load": "ok", "load": "dk", "tools": [], "grid": {}, "years": 18446744073709551615}"#,
        r#"{"unit": "ops", "load": "low", "tools": ["mail", "chat"], "chat_hours": 1e2,
            "years": -4, "note": "caf\u00e9"}"#,
        "{}",
    ];
    let mut parsed = layout.parsed_answers();
    for text in stored {
        let object: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(text).unwrap();
        let mut reference = layout.parsed_answers();
        reference.set(&layout.answers_from_stored(&object));
        parsed.read(text).unwrap();
        for labels in [Labels::Codes, Labels::Text] {
            let cells = |answers: &fieldwork_survey::ParsedAnswers<'_>| {
                let mut cells = Vec::new();
                layout
                    .write_cells(answers, labels, |cell| {
                        cells.push(cell.to_owned());
                        Ok::<(), ()>(())
                    })
                    .unwrap();
                cells
            };
            assert_eq!(cells(&parsed), cells(&reference), "{text} {labels:?}");
        }
    }
    assert!(parsed.read("[1, 2]").is_err(), "not an object");
    assert!(parsed.read(r#"{"unit": "ops"} trailing"#).is_err());
}
