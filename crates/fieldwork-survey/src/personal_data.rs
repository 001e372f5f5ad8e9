//! Free text that looks like personal data: email addresses, UK phone numbers, web addresses,
//! and names of people or organisations where they can be told from the words' shape.
//!
//! This is a prompt for a person, not a filter: a moderator deciding whether to publish a pledge
//! is shown what was found, so that they look twice. It finds too much rather than too little
//! (a team's name looks like an organisation's) and never changes the text. Spans are byte
//! ranges into the text given, always on character boundaries.

use std::ops::Range;

/// What a [`Flag`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FlagKind {
    Email,
    Phone,
    Url,
    /// A title (Mr, Dr, Cllr, Sir…) followed by a capitalised word.
    Person,
    /// Capitalised words ending in, or built around, a word such as Council, Police or School.
    Organisation,
    /// Two or more capitalised words together, not at the start of a sentence: a person's or
    /// an organisation's name, perhaps.
    Name,
}

impl FlagKind {
    /// How the moderation queue names it.
    pub fn label(self) -> &'static str {
        match self {
            FlagKind::Email => "Email address",
            FlagKind::Phone => "Phone number",
            FlagKind::Url => "Web address",
            FlagKind::Person => "Name of a person",
            FlagKind::Organisation => "Name of an organisation",
            FlagKind::Name => "Possible name of a person or organisation",
        }
    }
}

/// A part of a text that looks like personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub kind: FlagKind,
    /// Byte range in the text.
    pub span: Range<usize>,
    /// The text of the span.
    pub matched: String,
}

/// Everything in `text` that looks like personal data, in the order it appears, never
/// overlapping.
pub fn personal_data_flags(text: &str) -> Vec<Flag> {
    let mut found: Vec<(FlagKind, Range<usize>)> = Vec::new();
    for span in emails(text) {
        found.push((FlagKind::Email, span));
    }
    let overlaps = |found: &[(FlagKind, Range<usize>)], span: &Range<usize>| {
        found
            .iter()
            .any(|(_, f)| f.start < span.end && span.start < f.end)
    };
    for span in urls(text) {
        if !overlaps(&found, &span) {
            found.push((FlagKind::Url, span));
        }
    }
    for span in phones(text) {
        if !overlaps(&found, &span) {
            found.push((FlagKind::Phone, span));
        }
    }
    // Names are looked for in what is left, so an address's parts are not names too.
    let mut masked = text.as_bytes().to_vec();
    for (_, span) in &found {
        masked[span.clone()].fill(b'#');
    }
    let masked = String::from_utf8(masked).expect("ASCII over whole characters");
    found.extend(names(&masked));
    found.sort_by_key(|(_, span)| span.start);
    found
        .into_iter()
        .map(|(kind, span)| Flag {
            kind,
            matched: text[span.clone()].to_owned(),
            span,
        })
        .collect()
}

// ---- email addresses ----

fn is_local_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"._%+-'".contains(&b)
}

fn is_domain_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'.' || b == b'-'
}

/// A domain of two or more labels whose last is two or more letters.
fn is_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| !l.is_empty())
        && labels
            .last()
            .is_some_and(|l| l.len() >= 2 && l.bytes().all(|b| b.is_ascii_alphabetic()))
}

fn emails(text: &str) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    for (at, _) in text.match_indices('@') {
        let mut start = at;
        while start > 0 && is_local_byte(b[start - 1]) {
            start -= 1;
        }
        while start < at && b[start] == b'.' {
            start += 1;
        }
        let mut end = at + 1;
        while end < b.len() && is_domain_byte(b[end]) {
            end += 1;
        }
        while end > at + 1 && (b[end - 1] == b'.' || b[end - 1] == b'-') {
            end -= 1;
        }
        if start < at && is_domain(&text[at + 1..end]) {
            out.push(start..end);
        }
    }
    out
}

// ---- web addresses ----

/// Top-level domains a bare web address (one without `http` or `www`) is recognised by.
const TOP_LEVEL: &[&str] = &[
    "uk", "com", "org", "net", "gov", "io", "info", "eu", "scot", "wales", "cymru", "nhs", "edu",
    "co", "me", "ai", "app", "dev", "int", "london",
];

fn urls(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut offset = 0;
    for token in text.split_inclusive(char::is_whitespace) {
        let start_of_token = offset;
        offset += token.len();
        let word = token.trim_end_matches(char::is_whitespace);
        let lead = word.len()
            - word
                .trim_start_matches(['(', '<', '"', '\'', '[', '“', '‘'])
                .len();
        let trimmed = word[lead..].trim_end_matches([
            '.', ',', ';', ':', '!', '?', ')', '>', '"', '\'', ']', '”', '’',
        ]);
        if trimmed.is_empty() || trimmed.contains('@') {
            continue;
        }
        let lower = trimmed.to_ascii_lowercase();
        let marked = ["http://", "https://", "www."]
            .iter()
            .any(|p| lower.starts_with(p) && lower.len() > p.len());
        let host = lower.split(['/', '?', '#']).next().unwrap_or("");
        let bare = host.is_ascii()
            && is_domain(host)
            && host
                .split('.')
                .all(|l| l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
            && host.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
            && host
                .rsplit('.')
                .next()
                .is_some_and(|tld| TOP_LEVEL.contains(&tld));
        if marked || bare {
            let start = start_of_token + lead;
            out.push(start..start + trimmed.len());
        }
    }
    out
}

// ---- UK phone numbers ----

fn phones(text: &str) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let after_word = i > 0 && b[i - 1].is_ascii_alphanumeric();
        if !after_word && matches!(b[i], b'+' | b'0' | b'(') {
            if let Some(end) = phone_at(b, i) {
                out.push(i..end);
                i = end;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// The end of a UK phone number starting at `start`: +44 and 9 or 10 digits (an optional
/// "(0)" after the 44), or 0 and 9 or 10 more digits, grouped by single spaces, hyphens, dots
/// or brackets.
fn phone_at(b: &[u8], start: usize) -> Option<usize> {
    let international = b[start] == b'+';
    let mut j = start + usize::from(international);
    let mut digits = String::new();
    let mut end = start;
    let mut separators = 0;
    while j < b.len() {
        match b[j] {
            d if d.is_ascii_digit() => {
                digits.push(d as char);
                separators = 0;
                end = j + 1;
            }
            b' ' | b'-' | b'.' | b'(' | b')' if separators < 2 => separators += 1,
            _ => break,
        }
        if digits.len() > 13 {
            return None;
        }
        j += 1;
    }
    if b.get(end).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let national = if international {
        let rest = digits.strip_prefix("44")?;
        rest.strip_prefix('0').unwrap_or(rest).to_owned()
    } else {
        if b[start] == b'(' && b.get(start + 1) != Some(&b'0') {
            return None;
        }
        let rest = digits.strip_prefix('0')?;
        if rest.starts_with('0') {
            return None;
        }
        rest.to_owned()
    };
    ((9..=10).contains(&national.len()) && !national.starts_with('0')).then_some(end)
}

// ---- names of people and organisations ----

const TITLES: &[&str] = &[
    "Mr",
    "Mrs",
    "Ms",
    "Miss",
    "Mx",
    "Dr",
    "Prof",
    "Professor",
    "Cllr",
    "Councillor",
    "Sir",
    "Dame",
    "Lord",
    "Lady",
    "Baroness",
    "Rev",
    "Revd",
];

/// Words that make capitalised words before them (or after them, with "of" or "for") an
/// organisation's name.
const ORGANISATION_WORDS: &[&str] = &[
    "council",
    "councils",
    "police",
    "constabulary",
    "trust",
    "school",
    "academy",
    "college",
    "university",
    "ministry",
    "department",
    "agency",
    "authority",
    "hospital",
    "office",
    "borough",
    "commission",
    "ltd",
    "limited",
    "plc",
];

/// Small words that may sit inside a name: "Ministry of Defence", "Department for Education".
const CONNECTORS: &[&str] = &["of", "for", "and", "the", "on", "upon"];

#[derive(Debug)]
struct Word<'a> {
    text: &'a str,
    start: usize,
    end: usize,
    /// First word of a sentence.
    sentence_start: bool,
    /// Separated from the word before by spaces only.
    joined: bool,
}

impl Word<'_> {
    fn capitalised(&self) -> bool {
        let mut chars = self.text.chars();
        let first = chars.next().is_some_and(char::is_uppercase);
        first
            && !matches!(self.text, "I" | "A" | "I'm" | "I'll" | "I've" | "I'd")
            && !self.text.starts_with("I’")
    }

    fn connector(&self) -> bool {
        CONNECTORS.contains(&self.text)
    }

    fn title(&self) -> bool {
        TITLES.contains(&self.text)
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// The words of `text` with what separates each from the one before.
fn words(text: &str) -> Vec<Word<'_>> {
    let mut spans: Vec<Range<usize>> = Vec::new();
    let mut current: Option<usize> = None;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (k, &(i, c)) in chars.iter().enumerate() {
        let inner = matches!(c, '\'' | '’' | '-')
            && current.is_some()
            && chars.get(k + 1).is_some_and(|&(_, n)| is_word_char(n));
        match (is_word_char(c) || inner, current) {
            (true, None) => current = Some(i),
            (false, Some(s)) => {
                spans.push(s..i);
                current = None;
            }
            _ => {}
        }
    }
    if let Some(s) = current {
        spans.push(s..text.len());
    }
    let mut words: Vec<Word<'_>> = Vec::with_capacity(spans.len());
    for span in spans {
        let (sentence_start, joined) = match words.last() {
            None => (true, false),
            Some(previous) => {
                let gap = &text[previous.end..span.start];
                // "Dr. Smith": the full stop ends the title, not the sentence.
                let title_stop =
                    previous.title() && gap.starts_with('.') && gap[1..].trim().is_empty();
                let ends = gap.contains(['.', '!', '?', '\n']) && !title_stop;
                let spaces = !gap.is_empty() && gap.chars().all(|c| c == ' ' || c == '\u{a0}');
                (ends, spaces || title_stop)
            }
        };
        words.push(Word {
            text: &text[span.clone()],
            start: span.start,
            end: span.end,
            sentence_start,
            joined,
        });
    }
    words
}

fn names(text: &str) -> Vec<(FlagKind, Range<usize>)> {
    let words = words(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if !words[i].capitalised() {
            i += 1;
            continue;
        }
        let mut run = vec![i];
        let mut j = i + 1;
        loop {
            let next = |k: usize| words.get(k).filter(|w| w.joined && w.capitalised());
            if next(j).is_some() {
                run.push(j);
                j += 1;
            } else if words.get(j).is_some_and(|w| w.joined && w.connector())
                && next(j + 1).is_some()
            {
                run.extend([j, j + 1]);
                j += 2;
            } else {
                break;
            }
        }
        if let Some(found) = classify(&words, &run) {
            out.push(found);
        }
        i = j;
    }
    out
}

/// Capitalised words that begin sentences and names alike: "The Council", "Our Digital Team".
const LEADING: &[&str] = &[
    "The", "Our", "My", "Your", "Their", "His", "Her", "This", "That", "These", "Those", "Every",
    "Each", "An", "We", "In", "At", "With", "By", "To", "From", "For", "And", "But", "Next",
];

/// What a run of capitalised words (with connectors inside) is, if anything.
fn classify(words: &[Word<'_>], run: &[usize]) -> Option<(FlagKind, Range<usize>)> {
    let mut capitals: Vec<&Word<'_>> = run
        .iter()
        .map(|&k| &words[k])
        .filter(|w| !w.connector())
        .collect();
    let sentence_start = capitals.first()?.sentence_start;
    let leading = capitals
        .iter()
        .take_while(|w| LEADING.contains(&w.text))
        .count();
    capitals.drain(..leading);
    let last = capitals.last()?;
    if let Some(title) = capitals[..capitals.len() - 1]
        .iter()
        .position(|w| w.title())
    {
        return Some((FlagKind::Person, capitals[title].start..last.end));
    }
    let organisation = capitals
        .iter()
        .any(|w| ORGANISATION_WORDS.contains(&w.text.to_lowercase().as_str()));
    if capitals.len() >= 2 && organisation {
        return Some((FlagKind::Organisation, capitals[0].start..last.end));
    }
    // The first word of a sentence is capitalised whatever it is.
    let counted = &capitals[usize::from(sentence_start && leading == 0)..];
    match counted {
        [from, _, ..] => Some((FlagKind::Name, from.start..last.end)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(FlagKind, &str)> {
        personal_data_flags(text)
            .into_iter()
            .map(|f| {
                assert_eq!(&text[f.span.clone()], f.matched);
                (f.kind, &text[f.span])
            })
            .collect()
    }

    #[test]
    fn plain_pledges_are_not_flagged() {
        for text in [
            "I will spend an hour a week with our digital team.",
            "Learn to code. Then teach my managers what I learnt.",
            "We'll publish our data, e.g. spending, by the end of the year.",
            "Put users first in 2025 – 0.5% of our budget on research.",
            "Digital first, always.",
            "",
            "I’ll mentor two people.",
        ] {
            assert_eq!(found(text), [], "{text}");
        }
    }

    #[test]
    fn email_addresses() {
        assert_eq!(
            found("Write to jane.smith@leeds.gov.uk. Or to x@y"),
            [(FlagKind::Email, "jane.smith@leeds.gov.uk")]
        );
        assert_eq!(
            found("(first+pledges@example.org)"),
            [(FlagKind::Email, "first+pledges@example.org")]
        );
    }

    #[test]
    fn uk_phone_numbers() {
        for number in [
            "020 7946 0958",
            "02079460958",
            "07700 900123",
            "07700-900-123",
            "+44 20 7946 0958",
            "+44 (0)20 7946 0958",
            "+447700900123",
            "(01632) 960 123",
            "0113 496 0000",
        ] {
            let text = format!("Call me on {number}, any time.");
            assert_eq!(found(&text), [(FlagKind::Phone, number)], "{text}");
        }
        for not_a_number in [
            "In 2025 we will cut 30% of 1000 forms.",
            "Version 0.1.2 of the plan",
            "Reference 0123",
            "Account 012345678901234",
            "+1 212 555 0100",
        ] {
            assert_eq!(found(not_a_number), [], "{not_a_number}");
        }
    }

    #[test]
    fn web_addresses() {
        assert_eq!(
            found("See https://example.org/pledge?x=1, or www.leeds.gov.uk."),
            [
                (FlagKind::Url, "https://example.org/pledge?x=1"),
                (FlagKind::Url, "www.leeds.gov.uk")
            ]
        );
        assert_eq!(
            found("Read my blog (janesmith.co.uk/digital)"),
            [(FlagKind::Url, "janesmith.co.uk/digital")]
        );
    }

    #[test]
    fn people_by_title() {
        assert_eq!(
            found("Mr Patel and I will fix it."),
            [(FlagKind::Person, "Mr Patel")]
        );
        assert_eq!(
            found("I will work with Dr. Jane Okafor"),
            [(FlagKind::Person, "Dr. Jane Okafor")]
        );
        assert_eq!(
            found("Thanks to Cllr Brown."),
            [(FlagKind::Person, "Cllr Brown")]
        );
        assert_eq!(
            found("Ask Sir Humphrey"),
            [(FlagKind::Person, "Sir Humphrey")]
        );
    }

    #[test]
    fn organisations() {
        assert_eq!(
            found("Leeds City Council will go digital."),
            [(FlagKind::Organisation, "Leeds City Council")]
        );
        assert_eq!(
            found("Our partners at Kent Police and the Ministry of Defence agree."),
            [
                (FlagKind::Organisation, "Kent Police"),
                (FlagKind::Organisation, "Ministry of Defence")
            ]
        );
        assert_eq!(
            found("I lead Oakwood Primary School."),
            [(FlagKind::Organisation, "Oakwood Primary School")]
        );
        // A lone "Council" names no one.
        assert_eq!(found("The Council will publish its data."), []);
    }

    #[test]
    fn capitalised_words_not_at_a_sentence_start() {
        assert_eq!(
            found("I will work with Jane Smith on this."),
            [(FlagKind::Name, "Jane Smith")]
        );
        assert_eq!(
            found("Together with Priya, I'll do it. We thank Tom O'Neill-Hart."),
            [(FlagKind::Name, "Tom O'Neill-Hart")]
        );
        // The first word of a sentence is capitalised anyway.
        assert_eq!(found("Open data. Every month."), []);
        assert_eq!(
            found("Bring Greater Manchester along."),
            [(FlagKind::Name, "Greater Manchester")]
        );
    }

    #[test]
    fn spans_never_overlap_and_follow_the_text() {
        let text = "Email Jane Smith at jane.smith@example.org or call 07700 900123, Dr Who.";
        let flags = personal_data_flags(text);
        let kinds: Vec<FlagKind> = flags.iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            [
                FlagKind::Name,
                FlagKind::Email,
                FlagKind::Phone,
                FlagKind::Person
            ]
        );
        for pair in flags.windows(2) {
            assert!(pair[0].span.end <= pair[1].span.start);
        }
    }

    #[test]
    fn any_text_is_scanned_without_panicking() {
        for text in [
            "@",
            "@@",
            ".@.",
            "+44",
            "(",
            "(0",
            "Mr",
            "Mr.",
            "é@é.com",
            "Ünïcödé Nämes Hére",
            "www.",
            "http://",
            "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
            "a\u{a0}B C",
        ] {
            for flag in personal_data_flags(text) {
                assert!(
                    text.is_char_boundary(flag.span.start) && text.is_char_boundary(flag.span.end)
                );
            }
        }
    }
}
