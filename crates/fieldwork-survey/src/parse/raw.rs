//! The permissive layer: serde reads a definition into these, every field optional, so that
//! one pass can report every problem rather than the first.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::text::RawText;

#[derive(Deserialize)]
pub(super) struct RawSurvey {
    pub(super) slug: Option<String>,
    pub(super) title: Option<RawText>,
    pub(super) version: Option<u32>,
    pub(super) languages: Option<Vec<String>>,
    pub(super) description: Option<RawText>,
    pub(super) allow_open_link: Option<bool>,
    pub(super) stratification: Option<RawStratification>,
    pub(super) participant_information: Option<RawParticipantInformation>,
    pub(super) privacy_notice: Option<RawPrivacyNotice>,
    pub(super) pages: Option<Vec<RawPage>>,
    pub(super) email: Option<super::email::RawEmail>,
}

#[derive(Deserialize)]
pub(super) struct RawParticipantInformation {
    pub(super) version: Option<RawText>,
    pub(super) text: Option<RawText>,
    pub(super) consent: Option<Vec<RawConsentStatement>>,
}

#[derive(Deserialize)]
pub(super) struct RawConsentStatement {
    pub(super) id: Option<String>,
    pub(super) text: Option<RawText>,
}

#[derive(Deserialize)]
pub(super) struct RawPrivacyNotice {
    pub(super) controller: Option<RawText>,
    pub(super) purpose: Option<RawText>,
    pub(super) lawful_basis: Option<RawText>,
    pub(super) data_kept: Option<RawText>,
    pub(super) retention: Option<RawText>,
    pub(super) recipients: Option<RawText>,
    pub(super) rights: Option<RawText>,
    pub(super) contact: Option<RawText>,
}

#[derive(Deserialize)]
pub(super) struct RawStratification {
    pub(super) question: Option<String>,
    pub(super) frame: Option<RawFrame>,
}

#[derive(Deserialize)]
pub(super) struct RawFrame {
    pub(super) population: Option<BTreeMap<String, u64>>,
    pub(super) sources: Option<BTreeMap<String, String>>,
    pub(super) csv: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct RawPage {
    pub(super) title: Option<RawText>,
    pub(super) description: Option<RawText>,
    pub(super) questions: Option<Vec<RawQuestion>>,
}

#[derive(Deserialize)]
pub(super) struct RawQuestion {
    pub(super) id: Option<String>,
    #[serde(rename = "type")]
    pub(super) kind: Option<String>,
    pub(super) text: Option<RawText>,
    pub(super) hint: Option<RawText>,
    pub(super) error_message: Option<RawText>,
    pub(super) required: Option<bool>,
    pub(super) show_if: Option<RawCondition>,
    pub(super) options: Option<Vec<RawChoice>>,
    pub(super) min_selections: Option<u32>,
    pub(super) max_selections: Option<u32>,
    pub(super) scale: Option<Vec<RawChoice>>,
    pub(super) non_substantive: Option<Vec<RawChoice>>,
    pub(super) items: Option<Vec<RawGridItem>>,
    #[serde(rename = "kind")]
    pub(super) number_kind: Option<String>,
    pub(super) min: Option<f64>,
    pub(super) max: Option<f64>,
    pub(super) unit: Option<RawText>,
    pub(super) format: Option<String>,
    pub(super) max_length: Option<u32>,
    pub(super) sensitive: Option<bool>,
    pub(super) publishable: Option<bool>,
}

#[derive(Deserialize)]
pub(super) struct RawChoice {
    pub(super) code: Option<String>,
    pub(super) label: Option<RawText>,
    pub(super) hint: Option<RawText>,
    pub(super) exclusive: Option<bool>,
}

#[derive(Deserialize)]
pub(super) struct RawGridItem {
    pub(super) id: Option<String>,
    pub(super) text: Option<RawText>,
}

#[derive(Deserialize)]
pub(super) struct RawCondition {
    pub(super) question: Option<String>,
    pub(super) equals: Option<String>,
    pub(super) one_of: Option<Vec<String>>,
    pub(super) not: Option<Box<RawCondition>>,
    pub(super) all: Option<Vec<RawCondition>>,
    pub(super) any: Option<Vec<RawCondition>>,
}
