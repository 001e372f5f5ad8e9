#![doc = include_str!("../README.md")]

mod answers;
mod contacts;
mod definition;
mod email;
mod invited;
mod messages;
mod parse;
mod personal_data;
mod safe_csv;
pub mod stored_json;
mod synthetic;
mod text;
mod trust;
mod wide;

pub use answers::{
    answer_from_stored, drop_hidden_answers, is_shown, validate_answers, validate_answers_in,
    Answer, Completeness, FieldError, FieldErrorKind, SubmittedAnswers, ValidatedResponse,
};
pub use contacts::{
    is_email_address, read_contacts_csv, ContactErrors, ContactProblem, NewContact, MAX_CONTACTS,
    MAX_CONTACTS_BYTES,
};
pub use definition::{
    definition_json_schema, Choice, Condition, Frame, GridItem, NumberKind, Page, Question,
    QuestionKind, Stratification, SurveyDefinition, TextFormat,
};
pub use email::{ComposedEmail, EmailFill, EmailKind, EmailSettings, EmailTemplate, StudyContact};
pub use invited::fix_invited_stratum;
pub use messages::{catalogue_source_messages, interface_languages, Arg, Messages};
pub use parse::email::MAX_REMINDERS;
pub use parse::{
    is_slug, parse_definition, resolve_frame_csv, DefinitionErrors, DefinitionProblem,
    MAX_DEFINITION_BYTES, TEXT_ANSWER_HARD_MAX,
};
pub use personal_data::{personal_data_flags, Flag, FlagKind};
pub use safe_csv::{rows_to_safe_csv, safe_cell, SafeCsvWriter};
pub use synthetic::SyntheticRespondents;
pub use text::{is_language_code, Text};
pub use trust::{formatted_blocks, Block, ConsentStatement, ParticipantInformation, PrivacyNotice};
pub use wide::{
    escape_cell, read_wide_csv, unescape_cell, AnswerRef, Code, GridAnswer, ImportErrors,
    ImportProblem, ImportedResponse, Labels, MetaColumn, ParsedAnswers, StoredAnswersError,
    Variable, VariableKind, WideCsvReader, WideLayout, MAX_CELL_BYTES, MAX_LISTED_PROBLEMS,
    NOT_AVAILABLE, NOT_SHOWN,
};
