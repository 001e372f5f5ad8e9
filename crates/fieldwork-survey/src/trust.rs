//! What a respondent is told and agrees to before answering: the participant information with
//! its consent statements, and the privacy notice (UK GDPR articles 13 and 14). A survey
//! without a privacy notice cannot be opened; one with consent statements takes answers only
//! from a respondent who agreed to every statement.

use schemars::JsonSchema;
use serde::Serialize;

use crate::text::Text;

/// The participant information sheet and the statements a respondent agrees to, shown before
/// the first question.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ParticipantInformation {
    /// Names this wording (`"1.2, approved 3 December 2026"`): each consent records the version
    /// the respondent read, so a change of wording needs a new version.
    pub version: Text,
    /// Who runs the study, why, what taking part involves, risks, how answers are used and
    /// published, how to withdraw, contacts. Formatted text ([`formatted_blocks`]).
    pub text: Text,
    /// Each a checkbox the respondent must tick to take part.
    pub consent: Vec<ConsentStatement>,
}

/// One statement of consent ("I understand that I can withdraw my answers at any time").
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ConsentStatement {
    /// Stable id, as question ids: it names the statement in the stored consent and exports.
    pub id: String,
    pub text: Text,
}

/// The privacy notice: every field is required, each formatted text ([`formatted_blocks`]).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct PrivacyNotice {
    /// Who decides why and how the data is used (the data controller), and how to reach them.
    pub controller: Text,
    /// Why the data is collected.
    pub purpose: Text,
    /// The lawful basis under UK GDPR (and the condition for special category data, if any).
    pub lawful_basis: Text,
    /// What is kept: answers, consent, contact details for invitations.
    pub data_kept: Text,
    /// How long each is kept.
    pub retention: Text,
    /// Who receives the data or the findings.
    pub recipients: Text,
    /// The respondent's rights (access, withdrawal, complaint to the ICO).
    pub rights: Text,
    /// Whom to contact, including the data protection officer.
    pub contact: Text,
}

impl PrivacyNotice {
    /// Every section's words, for changing them all alike.
    pub(crate) fn texts_mut(&mut self) -> [&mut Text; 8] {
        [
            &mut self.controller,
            &mut self.purpose,
            &mut self.lawful_basis,
            &mut self.data_kept,
            &mut self.retention,
            &mut self.recipients,
            &mut self.rights,
            &mut self.contact,
        ]
    }

    /// The notice's sections in reading order, each with the id of its heading in the
    /// message catalogues (`privacy-controller`: "Who is responsible for your data").
    pub fn sections(&self) -> [(&'static str, &Text); 8] {
        [
            ("privacy-controller", &self.controller),
            ("privacy-purpose", &self.purpose),
            ("privacy-lawful-basis", &self.lawful_basis),
            ("privacy-data-kept", &self.data_kept),
            ("privacy-retention", &self.retention),
            ("privacy-recipients", &self.recipients),
            ("privacy-rights", &self.rights),
            ("privacy-contact", &self.contact),
        ]
    }
}

/// Text with a little structure, written as in a plain-text email: paragraphs separated by a
/// blank line, `## ` or `### ` at the start of a line for a heading, `- ` or `* ` for an item
/// of a bulleted list. Nothing else is markup: the text is shown as written (and escaped),
/// so a definition cannot put HTML on a respondent's page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Heading(String),
    Subheading(String),
    Paragraph(String),
    List(Vec<String>),
}

/// The blocks of formatted text ([`Block`]), in order.
pub fn formatted_blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut list: Vec<String> = Vec::new();
    let flush_paragraph = |paragraph: &mut Vec<&str>, blocks: &mut Vec<Block>| {
        if !paragraph.is_empty() {
            blocks.push(Block::Paragraph(paragraph.join(" ")));
            paragraph.clear();
        }
    };
    let flush_list = |list: &mut Vec<String>, blocks: &mut Vec<Block>| {
        if !list.is_empty() {
            blocks.push(Block::List(std::mem::take(list)));
        }
    };
    for line in text.lines() {
        let line = line.trim();
        let item = line.strip_prefix("- ").or_else(|| line.strip_prefix("* "));
        if line.is_empty() {
            flush_paragraph(&mut paragraph, &mut blocks);
            flush_list(&mut list, &mut blocks);
        } else if let Some(heading) = line.strip_prefix("### ") {
            flush_paragraph(&mut paragraph, &mut blocks);
            flush_list(&mut list, &mut blocks);
            blocks.push(Block::Subheading(heading.trim().to_owned()));
        } else if let Some(heading) = line.strip_prefix("## ") {
            flush_paragraph(&mut paragraph, &mut blocks);
            flush_list(&mut list, &mut blocks);
            blocks.push(Block::Heading(heading.trim().to_owned()));
        } else if let Some(item) = item {
            flush_paragraph(&mut paragraph, &mut blocks);
            list.push(item.trim().to_owned());
        } else if let (Some(last), true) = (list.last_mut(), paragraph.is_empty()) {
            // A line under a list item continues it.
            last.push(' ');
            last.push_str(line);
        } else {
            paragraph.push(line);
        }
    }
    flush_paragraph(&mut paragraph, &mut blocks);
    flush_list(&mut list, &mut blocks);
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatted_text_has_headings_paragraphs_and_lists_and_nothing_else() {
        let text = "## Who we are\nThe Digital Leadership\nStudy team.\n\n- one\n- two\n  continued\n* three\n\n### Contact\n<script>alert(1)</script> is text.";
        assert_eq!(
            formatted_blocks(text),
            vec![
                Block::Heading("Who we are".into()),
                Block::Paragraph("The Digital Leadership Study team.".into()),
                Block::List(vec!["one".into(), "two continued".into(), "three".into()]),
                Block::Subheading("Contact".into()),
                Block::Paragraph("<script>alert(1)</script> is text.".into()),
            ]
        );
        assert!(formatted_blocks("  \n\n").is_empty());
    }
}
