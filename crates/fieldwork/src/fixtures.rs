//! The digital-leadership study and its analysis plan, built into the binary for `bench` and
//! `demo`.

use anyhow::{anyhow, Result};
use fieldwork_survey::{parse_definition, resolve_frame_csv, SurveyDefinition};

pub const DEFINITION: &str = include_str!("../../../fixtures/surveys/digital-leadership.json");
pub const FRAME: &str = include_str!("../../../fixtures/frames/uk-public-sector.csv");

pub fn digital_leadership() -> Result<SurveyDefinition> {
    let mut definition =
        parse_definition(DEFINITION).map_err(|e| anyhow!("the built-in survey: {e}"))?;
    resolve_frame_csv(&mut definition, FRAME).map_err(|e| anyhow!("the built-in frame: {e}"))?;
    Ok(definition)
}

/// The study's analysis plan: what the published report estimates.
pub const PLAN: &str = include_str!("../../../analysis/digital-leadership.toml");
