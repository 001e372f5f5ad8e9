//! XLSForm's language labels (`Welsh (cy)`) and fieldwork's language codes (`cy`).

use fieldwork_survey::is_language_code;

/// The code in a language label: `Welsh (cy)` gives `cy`; a bare code is taken as it is.
/// XLSForm allows a name alone (`Welsh`); fieldwork needs the code, so that is `None`.
pub(crate) fn language_code(label: &str) -> Option<String> {
    let label = label.trim();
    let code = match (label.rfind('('), label.strip_suffix(')')) {
        (Some(open), Some(_)) => label[open + 1..label.len() - 1].trim(),
        _ => label,
    };
    is_language_code(code).then(|| code.to_owned())
}

/// The label XLSForm columns carry for `code`: its English name and the code, as the XLSForm
/// specification recommends (`label::Welsh (cy)`).
pub(crate) fn language_label(code: &str) -> String {
    let name = match code {
        "en" => "English",
        "cy" => "Welsh",
        "ga" => "Irish",
        "gd" => "Scottish Gaelic",
        "kw" => "Cornish",
        "gv" => "Manx",
        "fr" => "French",
        "de" => "German",
        "es" => "Spanish",
        "pl" => "Polish",
        "pa" => "Punjabi",
        "ur" => "Urdu",
        "ar" => "Arabic",
        "pt" => "Portuguese",
        "it" => "Italian",
        _ => return format!("{code} ({code})"),
    };
    format!("{name} ({code})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_come_from_the_parentheses_or_a_bare_code() {
        assert_eq!(language_code("Welsh (cy)").as_deref(), Some("cy"));
        assert_eq!(language_code(" Cymraeg ( cy ) ").as_deref(), Some("cy"));
        assert_eq!(language_code("en").as_deref(), Some("en"));
        assert_eq!(language_code("English (en-GB)").as_deref(), Some("en-GB"));
        assert_eq!(language_code("Welsh"), None);
        assert_eq!(language_code("Welsh (Wales)"), None);
        assert_eq!(language_code(&language_label("cy")).as_deref(), Some("cy"));
        assert_eq!(language_code(&language_label("xh")).as_deref(), Some("xh"));
    }
}
