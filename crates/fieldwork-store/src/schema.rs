// The tables as the migrations under `migrations/` create them, on both backends.
// Checked against the migrated databases by the store test `schema_matches_migrations`.

diesel::table! {
    surveys (id) {
        id -> BigInt,
        slug -> Text,
        version -> Integer,
        title -> Text,
        definition -> Text,
        status -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    responses (id) {
        id -> BigInt,
        public_id -> Text,
        survey_id -> BigInt,
        submission_key -> Text,
        stratum -> Nullable<Text>,
        complete -> Bool,
        answers -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        submitted_at -> Nullable<Timestamp>,
        request_hash -> Nullable<Text>,
        receipt_hash -> Nullable<Text>,
        resume_expires_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    invitations (id) {
        id -> BigInt,
        survey_slug -> Text,
        token_hash -> Text,
        stratum -> Text,
        created_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        response_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    settings (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    published_reports (id) {
        id -> BigInt,
        survey_id -> BigInt,
        published_at -> Timestamp,
        plan_hash -> Nullable<Text>,
    }
}

diesel::table! {
    report_files (report_id, path) {
        report_id -> BigInt,
        path -> Text,
        content_type -> Text,
        body -> Binary,
    }
}

diesel::joinable!(responses -> surveys (survey_id));
diesel::joinable!(published_reports -> surveys (survey_id));
diesel::joinable!(report_files -> published_reports (report_id));
diesel::joinable!(invitations -> responses (response_id));
diesel::allow_tables_to_appear_in_same_query!(
    surveys,
    responses,
    invitations,
    settings,
    published_reports,
    report_files
);
diesel::allow_columns_to_appear_in_same_group_by_clause!(surveys::slug, responses::complete);
