//! One response's answers deserialised straight into the current row of the columns, with
//! nothing allocated per answer (codes borrowed from the stored text unless escaped).

// FxHash: the keys are short question ids, looked up once per answer.
use rustc_hash::FxHashMap as HashMap;

use fieldwork_survey::stored_json::{Scalar, Text};

use super::column::Builder;
use super::layout::Target;

/// Deserializes one response's answers object straight into the current row of the columns.
pub(super) struct RowAnswers<'a, 'd> {
    pub(super) targets: &'a HashMap<&'d str, Target>,
    pub(super) columns: &'a mut [(String, Builder)],
}

impl<'de> serde::de::DeserializeSeed<'de> for RowAnswers<'_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for RowAnswers<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object of answers")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(question) = map.next_key::<Text<'de>>()? {
            let Some(target) = self.targets.get(question.0.as_ref()) else {
                // Free text, or a question the latest version no longer asks.
                map.next_value::<serde::de::IgnoredAny>()?;
                continue;
            };
            map.next_value_seed(PlaceAnswer {
                target,
                columns: &mut *self.columns,
            })?;
        }
        Ok(())
    }
}

/// Puts one answer in its columns as it is parsed, with nothing allocated for it. An answer
/// of another shape than the question's (asked differently by an older version) is left out,
/// as the question's export would.
struct PlaceAnswer<'a> {
    target: &'a Target,
    columns: &'a mut [(String, Builder)],
}

impl PlaceAnswer<'_> {
    fn code(self, code: &str) {
        match self.target {
            Target::Code(column) => {
                self.columns[*column].1.set_code(code);
            }
            Target::Scored(column, score, scale_len) => {
                set_scored(self.columns, *column, *score, *scale_len, code);
            }
            _ => {}
        }
    }

    fn number(self, x: f64) {
        if let Target::Number(column) = self.target {
            self.columns[*column].1.set_number(x);
        }
    }
}

/// A Likert answer's code, and its position on the scale as its score when it has one.
fn set_scored(
    columns: &mut [(String, Builder)],
    column: usize,
    score: usize,
    scale_len: u32,
    code: &str,
) {
    let index = columns[column].1.set_code(code);
    if index < scale_len {
        columns[score].1.set_number(f64::from(index + 1));
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for PlaceAnswer<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for PlaceAnswer<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an answer")
    }
    fn visit_str<E>(self, s: &str) -> Result<(), E> {
        self.code(s);
        Ok(())
    }
    fn visit_i64<E>(self, x: i64) -> Result<(), E> {
        self.number(x as f64);
        Ok(())
    }
    fn visit_u64<E>(self, x: u64) -> Result<(), E> {
        self.number(x as f64);
        Ok(())
    }
    fn visit_f64<E>(self, x: f64) -> Result<(), E> {
        self.number(x);
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    /// A multi-choice answer: each option's column 1 if it was chosen, else 0.
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Target::Options(options) = self.target else {
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
            return Ok(());
        };
        for (_, column) in options {
            self.columns[*column].1.set_number(0.0);
        }
        while let Some(element) = seq.next_element::<Scalar<'de>>()? {
            if let Scalar::Text(code) = element {
                if let Some((_, column)) = options.iter().find(|(c, _)| *c == *code) {
                    self.columns[*column].1.set_number(1.0);
                }
            }
        }
        Ok(())
    }

    /// A grid's answers, item by item, then the scale score: the mean of the substantive
    /// item scores, summed in the definition's item order.
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Target::Grid {
            items,
            scores,
            scale_score,
            scale_len,
        } = self.target
        else {
            while map
                .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                .is_some()
            {}
            return Ok(());
        };
        while let Some(item) = map.next_key::<Text<'de>>()? {
            let value = map.next_value::<Scalar<'de>>()?;
            if let (Some((column, score)), Scalar::Text(code)) = (items.get(item.0.as_ref()), value)
            {
                set_scored(self.columns, *column, *score, *scale_len, &code);
            }
        }
        let (mut sum, mut count) = (0.0, 0usize);
        for score in scores {
            if let Some(x) = self.columns[*score].1.last_number() {
                sum += x;
                count += 1;
            }
        }
        if count > 0 {
            self.columns[*scale_score].1.set_number(sum / count as f64);
        }
        Ok(())
    }
}
