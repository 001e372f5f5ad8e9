//! The findings report of the fixture survey over a seeded synthetic dataset, with police
//! forced below the suppression threshold: every file, every chart decoded or parsed, every
//! number of the key findings traced to estimates.csv, and hostile text escaped.

use std::collections::{BTreeMap, BTreeSet};

use fieldwork_analysis::report::{self, Site};
use fieldwork_analysis::{analyze, Plan};
use fieldwork_store::testing::{self, TestDatabase};
use fieldwork_store::NewResponse;
use fieldwork_survey::{
    parse_definition, resolve_frame_csv, validate_answers, Completeness, SurveyDefinition,
    SyntheticRespondents,
};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn fixture_text() -> String {
    std::fs::read_to_string(format!("{ROOT}/fixtures/surveys/digital-leadership.json")).unwrap()
}

fn definition_from(text: &str) -> SurveyDefinition {
    let frame =
        std::fs::read_to_string(format!("{ROOT}/fixtures/frames/uk-public-sector.csv")).unwrap();
    let mut definition = parse_definition(text).unwrap();
    resolve_frame_csv(&mut definition, &frame).unwrap();
    definition
}

fn plan_bytes() -> Vec<u8> {
    std::fs::read(format!("{ROOT}/analysis/digital-leadership.toml")).unwrap()
}

/// Complete synthetic responses: `counts` per stratum, from `seed`.
fn store_responses(db: &TestDatabase, definition: &SurveyDefinition, counts: &[(&str, usize)]) {
    let survey = db.store.import_survey(definition).unwrap().survey().clone();
    let mut synthetic = SyntheticRespondents::new(definition, 20261123);
    let responses: Vec<_> = counts
        .iter()
        .flat_map(|(stratum, n)| (0..*n).map(move |_| *stratum))
        .map(|stratum| {
            let answers = synthetic.respondent(Some(stratum));
            validate_answers(definition, &answers, Completeness::Complete).unwrap()
        })
        .collect();
    let keys: Vec<String> = (0..responses.len()).map(|i| format!("k{i}")).collect();
    let batch: Vec<NewResponse<'_>> = responses
        .iter()
        .zip(&keys)
        .map(|(response, submission_key)| NewResponse {
            response,
            submission_key,
        })
        .collect();
    db.store.insert_responses(&survey, &batch).unwrap();
}

/// Police, with a population of 41, answer only 5 times: below the threshold of 10.
const COUNTS: &[(&str, usize)] = &[
    ("civil_service", 900),
    ("councils", 240),
    ("schools", 1200),
    ("police", 5),
    ("mps", 380),
];

fn fixture_report() -> (Site, SurveyDefinition, Plan) {
    let db = testing::sqlite();
    let definition = definition_from(&fixture_text());
    store_responses(&db, &definition, COUNTS);
    let bytes = plan_bytes();
    let plan = Plan::parse(std::str::from_utf8(&bytes).unwrap(), &definition).unwrap();
    let site = report::report(&db.store, &definition.slug, &plan, Some(&bytes), None).unwrap();
    // To review the report by eye: FIELDWORK_KEEP_REPORT=/some/dir cargo test ... report
    if let Ok(dir) = std::env::var("FIELDWORK_KEEP_REPORT") {
        site.write(std::path::Path::new(&dir)).unwrap();
    }
    (site, definition, plan)
}

fn text(site: &Site, path: &str) -> String {
    let file = site
        .file(path)
        .unwrap_or_else(|| panic!("the site has no {path}"));
    String::from_utf8(file.body.clone()).unwrap()
}

/// estimates.csv as (question_id, option, stratum) -> record.
fn estimates(site: &Site) -> BTreeMap<(String, String, String), csv::StringRecord> {
    let body = text(site, "estimates.csv");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        [
            "question_id",
            "option",
            "stratum",
            "n",
            "estimate",
            "se",
            "ci_low",
            "ci_high",
            "deff",
            "effective_n",
            "suppressed",
            "reason"
        ]
    );
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            ((r[0].to_owned(), r[1].to_owned(), r[2].to_owned()), r)
        })
        .collect()
}

fn unescape(html: &str) -> String {
    html.replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    Some(unescape(&tag[start..start + tag[start..].find('"')?]))
}

#[test]
fn the_fixture_survey_gives_the_full_report() {
    let (site, definition, plan) = fixture_report();
    let paths: BTreeSet<&str> = site.files.iter().map(|f| f.path.as_str()).collect();
    for path in [
        "index.html",
        "methodology.html",
        "style.css",
        "estimates.csv",
        "estimates.json",
        "tests.csv",
        "response_rates.csv",
    ] {
        assert!(paths.contains(path), "{path} in {paths:?}");
    }
    for question in &plan.questions {
        assert!(paths.contains(format!("q-{}.html", question.replace('_', "-")).as_str()));
        assert!(paths.contains(format!("data/table-{}.csv", question.replace('_', "-")).as_str()));
    }
    // Every kind of chart, each as SVG and PNG with the CSV behind it.
    let mut charts = vec![
        "response-rates",
        "disrupted-yes",
        "capable-no",
        "capability-gaps",
        "leadership-understanding",
        "behaviours-positive",
        "barriers",
        "learning-needs",
        "hostility",
        "role",
    ];
    let items = [
        "behaviours-users",
        "behaviours-open-culture",
        "behaviours-experiments",
        "behaviours-pace",
        "behaviours-privacy-security",
        "behaviours-ethics",
        "behaviours-skills",
        "behaviours-spot-projects",
    ];
    charts.extend(items);
    let svgs: BTreeSet<&str> = paths
        .iter()
        .filter_map(|p| p.strip_prefix("charts/")?.strip_suffix(".svg"))
        .collect();
    assert_eq!(svgs, charts.iter().copied().collect::<BTreeSet<_>>());
    for chart in &charts {
        assert!(paths.contains(format!("charts/{chart}.png").as_str()));
        if *chart != "response-rates" {
            assert!(
                paths.contains(format!("data/{chart}.csv").as_str()),
                "{chart}"
            );
        }
    }
    // Content types as served.
    assert_eq!(
        site.file("index.html").unwrap().content_type,
        "text/html; charset=utf-8"
    );
    assert_eq!(
        site.file("charts/barriers.svg").unwrap().content_type,
        "image/svg+xml"
    );
    assert_eq!(
        site.file("charts/barriers.png").unwrap().content_type,
        "image/png"
    );

    // PNGs decode, at twice the size of their SVG; SVGs parse as XML.
    let analysis = analyze_again(&site, &definition, &plan);
    let expected: BTreeMap<String, (u32, u32)> = report::charts(
        &definition.in_language("en"),
        &plan,
        &analysis,
        &report::words::ReportLanguage::alone("en"),
    )
    .iter()
    .map(|c| (c.chart.name.clone(), c.chart.size()))
    .collect();
    for chart in &charts {
        let (w, h) = expected[*chart];
        let svg = text(&site, &format!("charts/{chart}.svg"));
        let document = roxmltree::Document::parse(&svg)
            .unwrap_or_else(|e| panic!("{chart}.svg is not XML: {e}"));
        let root = document.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(root.attribute("width"), Some(w.to_string().as_str()));
        assert_eq!(root.attribute("height"), Some(h.to_string().as_str()));
        assert!(document
            .descendants()
            .all(|n| n.tag_name().name() != "script"));
        assert!(
            document
                .descendants()
                .filter(|n| n.tag_name().name() == "text")
                .all(|n| n
                    .attribute("font-family")
                    .unwrap()
                    .starts_with("Liberation Sans")),
            "{chart}: text in the bundled font, with fallbacks"
        );
        let png = &site.file(&format!("charts/{chart}.png")).unwrap().body;
        let decoder = png::Decoder::new(std::io::Cursor::new(png.as_slice()));
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut pixels).unwrap();
        assert_eq!((info.width, info.height), (w * 2, h * 2), "{chart}.png");
        // Something was drawn: not one flat colour.
        assert!(
            pixels.iter().any(|&b| b < 128),
            "{chart}.png has dark pixels"
        );
    }

    // The methodology names what a reader needs to judge the figures.
    let methodology = unescape(&text(&site, "methodology.html"));
    let hash = report::plan_hash(&plan_bytes());
    for needle in [
        hash.as_str(),
        "version 1",
        "fewer than 10 responses",
        "Senior Civil Service headcount",
        "Synthetic demonstration data",
        "Responses submitted",
        "Okabe and Ito",
        "Harvard Business Review / MIT survey of executives, as quoted by Doteveryone",
    ] {
        assert!(methodology.contains(needle), "methodology lacks {needle}");
    }
    assert_eq!(site.plan_hash.as_deref(), Some(hash.as_str()));
}

/// The same analysis the report was built from (the responses are in the report's CSVs, not
/// in a store here): re-read from estimates.json.
fn analyze_again(
    site: &Site,
    definition: &SurveyDefinition,
    plan: &Plan,
) -> fieldwork_analysis::Analysis {
    let db = testing::sqlite();
    store_responses(&db, definition, COUNTS);
    let analysis = analyze(&db.store, &definition.slug, plan).unwrap();
    assert_eq!(
        serde_json::to_string_pretty(&analysis.estimates).unwrap() + "\n",
        text(site, "estimates.json"),
        "the same seed gives the same estimates"
    );
    analysis
}

#[test]
fn every_number_in_the_key_findings_is_in_estimates_csv() {
    let (site, _, _) = fixture_report();
    let rows = estimates(&site);
    let index = text(&site, "index.html");
    let start = index
        .find("<ul class=\"findings\">")
        .expect("a findings list");
    let end = start + index[start..].find("</ul>").unwrap();
    let items: Vec<&str> = index[start..end].split("<li ").skip(1).collect();
    assert!(items.len() >= 6, "{} findings", items.len());
    let mut ranges = 0;
    for item in items {
        let tag = format!(" {}", &item[..item.find('>').unwrap()]);
        let question = attribute(&tag, "data-question").unwrap();
        let option = attribute(&tag, "data-option").unwrap();
        let strata = attribute(&tag, "data-strata").unwrap();
        let benchmark = attribute(&tag, "data-benchmark");
        let body = unescape(&item[item.find('>').unwrap() + 1..item.find("<a ").unwrap()]);
        // Quoted question texts and labels, and the interval's name, are words, not figures.
        let mut figures_only = String::new();
        for (i, part) in body.split('"').enumerate() {
            if i % 2 == 0 {
                figures_only.push_str(part);
            }
        }
        let figures_only = figures_only.replace("95% CI", "");
        let mut allowed: BTreeSet<i64> = BTreeSet::new();
        let strata: Vec<&str> = strata.split(' ').collect();
        if strata.len() == 2 {
            ranges += 1;
        }
        for stratum in &strata {
            let row = rows
                .get(&(question.clone(), option.clone(), (*stratum).to_owned()))
                .unwrap_or_else(|| panic!("no row {question} {option} {stratum}"));
            assert_eq!(
                &row[10], "false",
                "a finding quotes a suppressed row: {body}"
            );
            for column in [4, 6, 7] {
                let value: f64 = row[column].parse().unwrap();
                // The rounding the report documents: whole percentages, half away from zero.
                allowed.insert((value * 100.0).round() as i64);
            }
        }
        if let Some(b) = benchmark {
            allowed.insert((b.parse::<f64>().unwrap() * 100.0).round() as i64);
        }
        let numbers: Vec<i64> = figures_only
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().unwrap())
            .collect();
        assert!(!numbers.is_empty(), "a finding without figures: {body}");
        for n in numbers {
            assert!(
                allowed.contains(&n),
                "{n} in \"{body}\" is not in estimates.csv ({allowed:?})"
            );
        }
        assert!(!strata.contains(&"police"), "police are suppressed: {body}");
    }
    assert!(ranges >= 2, "findings compare strata");
    // The benchmark is cited as quoted.
    assert!(unescape(&index).contains(
        "The benchmark is 90%: \"Executives who believed their businesses were being disrupted by digital business models\" (Harvard Business Review / MIT survey of executives, as quoted by Doteveryone)."
    ));
}

#[test]
fn a_stratum_below_the_threshold_is_suppressed_in_chart_and_table() {
    let (site, _, _) = fixture_report();
    let rows = estimates(&site);
    let police = &rows[&(
        "disrupted".to_owned(),
        "yes".to_owned(),
        "police".to_owned(),
    )];
    assert_eq!(&police[3], "5");
    assert_eq!(&police[10], "true");
    assert_eq!(&police[4], "", "no figure published");

    // The table marks the row, with the reason, and shows no figure.
    let page = unescape(&text(&site, "q-disrupted.html"));
    let row_start = page
        .find("<tr class=\"suppressed\"><th scope=\"row\">Policing</th><td>Yes</td>")
        .expect("the police row of disrupted is marked suppressed");
    let row = &page[row_start..row_start + page[row_start..].find("</tr>").unwrap()];
    assert!(row.contains("<td>Suppressed</td>"), "{row}");
    assert!(row.contains("Suppressed: fewer than 10 responses"), "{row}");

    // The chart labels it, rather than drawing a bar of zero.
    for chart in [
        "disrupted-yes",
        "behaviours-positive",
        "barriers",
        "leadership-understanding",
    ] {
        let svg = text(&site, &format!("charts/{chart}.svg"));
        let document = roxmltree::Document::parse(&svg).unwrap();
        let texts: Vec<String> = document
            .descendants()
            .filter(|n| n.tag_name().name() == "text")
            .map(|n| n.text().unwrap_or_default().trim().to_owned())
            .collect();
        assert!(texts.iter().any(|t| t == "Policing"), "{chart}: {texts:?}");
        assert!(
            texts.iter().any(|t| t.starts_with("Suppressed")),
            "{chart} marks a suppressed cell: {texts:?}"
        );
    }
    let svg = text(&site, "charts/disrupted-yes.svg");
    assert!(svg.contains("Suppressed: fewer than 10 responses"));
    // Secondary suppression hides a second stratum, with its own reason.
    assert!(svg.contains("Suppressed: protects another group"));
}

#[test]
fn hostile_text_in_the_definition_is_escaped_everywhere() {
    let hostile = fixture_text()
        .replace(
            "\"en\": \"Digital leadership in the UK public sector\"",
            "\"en\": \"Leaders </title><script>alert('t')</script> & co\"",
        )
        .replace(
            "\"en\": \"Legacy technology\"",
            "\"en\": \"<script>alert(1)</script> \\\"legacy\\\" & <b>tech</b>\"",
        );
    let definition = definition_from(&hostile);
    assert!(definition.title.as_str().contains("<script>"));
    let db = testing::sqlite();
    store_responses(
        &db,
        &definition,
        &[
            ("civil_service", 60),
            ("councils", 60),
            ("schools", 60),
            ("police", 12),
            ("mps", 60),
        ],
    );
    let plan = Plan::default_for(&definition);
    let site = report::report(&db.store, &definition.slug, &plan, None, None).unwrap();
    let mut checked = 0;
    for file in &site.files {
        let is_markup = file.path.ends_with(".html") || file.path.ends_with(".svg");
        if !is_markup {
            continue;
        }
        let body = String::from_utf8(file.body.clone()).unwrap();
        assert!(!body.contains("<script"), "{} has a script tag", file.path);
        assert!(!body.contains("<b>"), "{} has a raw tag", file.path);
        if file.path.ends_with(".svg") {
            roxmltree::Document::parse(&body).unwrap();
        }
        checked += 1;
    }
    assert!(checked > 20);
    let barriers = String::from_utf8(site.file("q-barriers.html").unwrap().body.clone()).unwrap();
    assert!(
        barriers.contains("&#60;script&#62;alert(1)&#60;/script&#62;")
            || barriers.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
    );
    let svg = String::from_utf8(site.file("charts/barriers.svg").unwrap().body.clone()).unwrap();
    assert!(
        svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "escaped in the SVG"
    );
    // The default plan has no hash to quote.
    assert_eq!(site.plan_hash, None);
}

#[test]
fn approved_pledges_get_a_page_of_their_own_that_is_never_stored_for_serving() {
    use fieldwork_store::{Attribution, PledgeChoice, PledgeStatus, ResponseFilter};
    let definition = definition_from(&fixture_text());
    let db = testing::sqlite();
    store_responses(
        &db,
        &definition,
        &[
            ("civil_service", 15),
            ("councils", 15),
            ("schools", 15),
            ("police", 12),
            ("mps", 15),
        ],
    );
    let slug = definition.slug.as_str();
    // Every respondent who wrote a pledge publishes it, with their sector; all but the
    // newest are approved.
    let responses = db
        .store
        .load_responses(slug, &ResponseFilter::default())
        .unwrap();
    let mut pledged = 0;
    for response in &responses {
        let answers: serde_json::Value = serde_json::from_str(&response.answers).unwrap();
        if answers.get("pledge").and_then(|p| p.as_str()).is_some() {
            pledged += 1;
            db.store
                .choose_pledge(PledgeChoice {
                    response_id: response.id,
                    question_id: "pledge",
                    publish: Some(Attribution::Sector),
                })
                .unwrap();
        }
    }
    assert!(pledged > 20, "{pledged}");
    let pending = db.store.pending_pledges(slug).unwrap();
    for pledge in &pending[1..] {
        db.store
            .decide_pledge(slug, pledge.id, PledgeStatus::Approved, "cli", None)
            .unwrap();
    }
    let plan = Plan::default_for(&definition);
    let site = report::report(&db.store, slug, &plan, None, None).unwrap();
    let page = text(&site, "pledges.html");
    let published = db.store.published_pledges(slug).unwrap();
    assert_eq!(published.len(), pledged - 1);
    assert_eq!(
        page.matches("<figure class=\"pledge\">").count(),
        pledged - 1
    );
    // Sectors named only where ten or more published pledges name them.
    let sectors = report::pledges::attributions(&published, &[], plan.suppression_threshold);
    assert!(sectors
        .iter()
        .all(|s| s == report::pledges::PUBLIC_SECTOR_LEADER));
    let labels: Vec<(String, String)> = definition
        .strata()
        .iter()
        .map(|c| (c.code.clone(), c.label.to_string()))
        .collect();
    for (sector, label) in &labels {
        let count = published
            .iter()
            .filter(|p| p.stratum.as_deref() == Some(sector.as_str()))
            .count();
        let shown = page
            .matches(&format!("<figcaption>{label}</figcaption>"))
            .count();
        assert_eq!(shown, if count >= 10 { count } else { 0 }, "{label}");
    }
    assert!(text(&site, "index.html").contains("<a href=\"pledges.html\">read the pledges</a>"));
    // Neither the page nor its Welsh counterpart is stored for serving.
    assert!(site
        .published_files()
        .all(|f| !f.path.ends_with("pledges.html")));
    assert!(site.file("cy/pledges.html").is_some());
    assert_eq!(site.published_files().count(), site.files.len() - 2);
}

/// The fixture survey's responses in a store, and its plan.
fn fixture_store() -> (TestDatabase, SurveyDefinition, Plan, Vec<u8>) {
    let db = testing::sqlite();
    let definition = definition_from(&fixture_text());
    store_responses(&db, &definition, COUNTS);
    let bytes = plan_bytes();
    let plan = Plan::parse(std::str::from_utf8(&bytes).unwrap(), &definition).unwrap();
    (db, definition, plan, bytes)
}

fn html_pages(site: &Site) -> Vec<&str> {
    site.files
        .iter()
        .map(|f| f.path.as_str())
        .filter(|p| p.ends_with(".html"))
        .collect()
}

/// The text of every `<text>` element of an SVG chart.
fn svg_texts(site: &Site, path: &str) -> Vec<String> {
    let svg = text(site, path);
    let document = roxmltree::Document::parse(&svg).unwrap();
    document
        .descendants()
        .filter(|n| n.tag_name().name() == "text")
        .filter_map(|n| n.text().map(str::to_owned))
        .collect()
}

/// The numbers in each table cell of a page, in order: what the tables say, whatever their
/// words.
fn table_numbers(page: &str) -> Vec<String> {
    let mut numbers = Vec::new();
    for cell in page.split("<td>").skip(1) {
        let cell = unescape(&cell[..cell.find("</td>").unwrap()]);
        let mut number = String::new();
        for c in cell.chars().chain([' ']) {
            if c.is_ascii_digit() || (c == '.' && !number.is_empty()) || c == '%' {
                number.push(c);
            } else if !number.is_empty() {
                numbers.push(std::mem::take(&mut number));
            }
        }
    }
    numbers
}

/// The numbers of each key finding, sorted (a language may quote them in another order).
fn finding_numbers(index: &str) -> Vec<Vec<String>> {
    index
        .split("<li data-question=")
        .skip(1)
        .map(|item| {
            let sentence = unescape(&item[item.find('>').unwrap()..item.find("<a href").unwrap()]);
            let mut numbers: Vec<String> = sentence
                .split(|c: char| !(c.is_ascii_digit() || c == '%'))
                .filter(|s| s.chars().any(|c| c.is_ascii_digit()))
                .map(str::to_owned)
                .collect();
            numbers.sort();
            numbers
        })
        .collect()
}

#[test]
fn the_welsh_report_speaks_welsh_and_shows_the_same_figures() {
    let (db, definition, plan, bytes) = fixture_store();
    let slug = definition.slug.as_str();
    let welsh = report::report(&db.store, slug, &plan, Some(&bytes), Some("cy")).unwrap();
    let english = report::report(&db.store, slug, &plan, Some(&bytes), Some("en")).unwrap();
    let cymraeg = definition.in_language("cy");

    // One language alone: the site's root, no folders of other languages, no switcher.
    assert!(welsh.files.iter().all(|f| !f.path.starts_with("en/")));
    for page in html_pages(&welsh) {
        let body = text(&welsh, page);
        assert!(body.contains("<html lang=\"cy\">"), "{page}");
        assert!(!body.contains("language-select"), "{page}");
        assert!(
            text(&english, page).contains("<html lang=\"en-GB\">"),
            "{page}"
        );
    }

    // The report's own words and the survey's, in Welsh.
    let index = unescape(&text(&welsh, "index.html"));
    for needle in [
        "<h2 id=\"key-findings\">Prif ganfyddiadau</h2>",
        "<h2 id=\"responses\">Pwy ymatebodd</h2>",
        "Neidio i'r prif gynnwys",
        "Ar draws pob haen,",
        "(cyfwng hyder 95%:",
        cymraeg.title.as_str(),
    ] {
        assert!(index.contains(needle), "index lacks {needle}");
    }
    assert!(!index.contains("Key findings") && !index.contains("95% CI"));
    let sector = cymraeg.question("disrupted").unwrap().text.to_string();
    let page = unescape(&text(&welsh, "q-disrupted.html"));
    assert!(page.contains(&format!("<h1>{sector}</h1>")), "{sector}");
    for needle in [
        "<th scope=\"col\">Amcangyfrif</th>",
        "<th scope=\"col\">Cyfwng hyder 95%</th>",
        "<th scope=\"col\">Effaith cynllun</th>",
        "Wedi'i atal: llai na 10 o ymatebion",
        "alt=\"Siart bar: y gyfran a atebodd",
    ] {
        assert!(page.contains(needle), "q-disrupted.html lacks {needle}");
    }
    let methodology = unescape(&text(&welsh, "methodology.html"));
    for needle in [
        "<h1>Methodoleg</h1>",
        "sy'n dibynnu ar lai na 10 o ymatebion",
        "cyfeiliornadau safonol",
        "Cyfyngau hyder 95%",
    ] {
        assert!(methodology.contains(needle), "methodology lacks {needle}");
    }

    // The charts' words: the survey's question and the legend, in Welsh.
    let chart = svg_texts(&welsh, "charts/disrupted-yes.svg").join(" ");
    let english_chart = svg_texts(&english, "charts/disrupted-yes.svg").join(" ");
    for needle in [
        "Amcangyfrif",
        "Cyfwng hyder 95%",
        "Wedi'i atal (nid sero)",
        "Pob haen",
    ] {
        assert!(chart.contains(needle), "chart lacks {needle}: {chart}");
    }
    assert!(chart.contains("Wedi'i atal: llai na 10 o"), "{chart}");
    assert!(english_chart.contains("Suppressed (not zero)"));
    assert!(!chart.contains("Suppressed") && !chart.contains("Estimate"));
    let heatmap = svg_texts(&welsh, "charts/behaviours-positive.svg").join(" ");
    assert!(heatmap.contains("% cadarnhaol"), "{heatmap}");

    // Analysis is language-blind: the same data files, the same numbers in every table and
    // in every key finding.
    for data in [
        "estimates.csv",
        "estimates.json",
        "tests.csv",
        "response_rates.csv",
    ] {
        assert_eq!(
            welsh.file(data).unwrap().body,
            english.file(data).unwrap().body
        );
    }
    let mut compared = 0;
    for page in html_pages(&english) {
        let numbers = table_numbers(&text(&english, page));
        assert_eq!(table_numbers(&text(&welsh, page)), numbers, "{page}");
        compared += numbers.len();
    }
    assert!(compared > 1000, "{compared}");
    let findings = finding_numbers(&text(&english, "index.html"));
    assert!(findings.len() > 5);
    assert_eq!(finding_numbers(&text(&welsh, "index.html")), findings);
}

#[test]
fn a_bilingual_study_publishes_both_languages_linked_page_to_page() {
    let (db, definition, plan, bytes) = fixture_store();
    let site = report::report(&db.store, &definition.slug, &plan, Some(&bytes), None).unwrap();
    let root: Vec<&str> = html_pages(&site)
        .into_iter()
        .filter(|p| !p.contains('/'))
        .collect();
    assert!(root.len() > 10);
    for page in &root {
        let english = text(&site, page);
        let welsh = text(&site, &format!("cy/{page}"));
        assert!(english.contains("<html lang=\"en-GB\">"), "{page}");
        assert!(welsh.contains("<html lang=\"cy\">"), "{page}");
        assert!(
            english.contains(&format!(
                "<a href=\"cy/{page}\" hreflang=\"cy\" lang=\"cy\" rel=\"alternate\">Cymraeg</a>"
            )),
            "{page}"
        );
        assert!(
            welsh.contains(&format!(
                "<a href=\"../{page}\" hreflang=\"en\" lang=\"en\" rel=\"alternate\">English</a>"
            )),
            "{page}"
        );
        assert!(
            english.contains("<nav class=\"language-select\" aria-label=\"Choose a language\">")
        );
        assert!(welsh.contains("<nav class=\"language-select\" aria-label=\"Dewis iaith\">"));
    }
    // Every file of a language has its counterpart in the other, and nothing else is nested.
    let paths: BTreeSet<&str> = site.files.iter().map(|f| f.path.as_str()).collect();
    for path in &paths {
        match path.strip_prefix("cy/") {
            Some(english) => assert!(paths.contains(english), "{path}"),
            None => assert!(paths.contains(format!("cy/{path}").as_str()), "{path}"),
        }
    }
    // The key findings the CLI counts are the default language's.
    assert!(site
        .findings
        .iter()
        .any(|f| f.text.starts_with("Across all strata")));
}

#[test]
fn a_survey_in_one_language_keeps_its_site_as_it_was() {
    // The fixture with English words only and no languages.
    fn english_only(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) if map.contains_key("en") && map.contains_key("cy") => {
                *value = map["en"].clone();
            }
            serde_json::Value::Object(map) => {
                map.remove("languages");
                // Its templates are keyed by language too, and have nothing to do with the
                // report.
                map.remove("email");
                map.values_mut().for_each(english_only);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(english_only),
            _ => {}
        }
    }
    let mut json: serde_json::Value = serde_json::from_str(&fixture_text()).unwrap();
    english_only(&mut json);
    let definition = definition_from(&json.to_string());
    assert_eq!(definition.languages(), ["en"]);
    let db = testing::sqlite();
    store_responses(&db, &definition, COUNTS);
    let plan = Plan::default_for(&definition);
    let site = report::report(&db.store, &definition.slug, &plan, None, None).unwrap();
    let (bilingual_db, bilingual, _, _) = fixture_store();
    let both = report::report(&bilingual_db.store, &bilingual.slug, &plan, None, None).unwrap();
    let expected: BTreeSet<&str> = both
        .files
        .iter()
        .map(|f| f.path.as_str())
        .filter(|p| !p.starts_with("cy/"))
        .collect();
    let paths: BTreeSet<&str> = site.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, expected, "the same files, none in a language folder");
    for page in html_pages(&site) {
        let body = text(&site, page);
        assert!(body.contains("<html lang=\"en-GB\">"), "{page}");
        assert!(
            !body.contains("language-select") && !body.contains("hreflang"),
            "{page}"
        );
    }
    assert!(text(&site, "index.html").contains("<h2 id=\"key-findings\">Key findings</h2>"));
    // And a language it does not speak is refused, naming the ones it does.
    let error = report::report(&db.store, &definition.slug, &plan, None, Some("cy")).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the survey `digital-leadership` is not in the language `cy`: its languages are en"
    );
}

/// Every message of the report's catalogue renders in every language with its variables
/// given, none left as its id or with a variable unfilled.
#[test]
fn every_report_message_renders_in_every_language() {
    let english = fieldwork_survey::catalogue_source_messages(
        &std::fs::read_to_string(format!(
            "{ROOT}/crates/fieldwork-survey/locales/en/report.ftl"
        ))
        .unwrap(),
    );
    assert!(english.len() > 150);
    for code in fieldwork_survey::interface_languages() {
        let words = fieldwork_survey::Messages::new(code);
        for (id, variables) in &english {
            let args: Vec<(&'static str, fieldwork_survey::Arg<'_>)> = variables
                .iter()
                .map(|v| (&*Box::leak(v.clone().into_boxed_str()), "X".into()))
                .collect();
            let text = words.with(id, &args);
            assert!(!text.is_empty() && text != *id, "`{code}` {id}: {text:?}");
            assert!(!text.contains('{'), "`{code}` {id}: {text:?}");
        }
    }
}
