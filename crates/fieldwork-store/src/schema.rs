// The tables as the migrations under `migrations/` create them, on both backends. Kept by
// hand (diesel_cli is not needed to build or test) and checked by the store test
// `schema::{sqlite,postgres}::schema_rs_matches_the_migrations` (tests/it/schema.rs), which
// migrates a fresh database of each backend and compares every table's columns, types and
// nullability with the `table!` blocks below. Keep one column to a line, as below: the test
// reads this file.

diesel::table! {
    surveys (id) {
        id -> BigInt,
        slug -> Text,
        version -> Integer,
        title -> Text,
        definition -> Text,
        status -> Text,
        created_at -> Timestamp,
        retain_until -> Nullable<Date>,
        closed_at -> Nullable<Timestamp>,
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
        language -> Nullable<Text>,
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
        language -> Nullable<Text>,
    }
}

diesel::table! {
    settings (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        password_hash -> Text,
        is_admin -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id_hash) {
        id_hash -> Text,
        user_id -> BigInt,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        token_hash -> Text,
        user_id -> BigInt,
        survey_slug -> Text,
        scope -> Text,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    survey_roles (survey_slug, user_id) {
        survey_slug -> Text,
        user_id -> BigInt,
        role -> Text,
        granted_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor -> Text,
        action -> Text,
        survey_slug -> Nullable<Text>,
        detail -> Text,
    }
}

diesel::table! {
    sign_in_failures (id) {
        id -> BigInt,
        at -> Timestamp,
        email -> Text,
        address -> Text,
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

diesel::table! {
    consents (response_id) {
        response_id -> BigInt,
        information_version -> Text,
        statements -> Text,
        given_at -> Timestamp,
    }
}

diesel::table! {
    pledges (id) {
        id -> BigInt,
        response_id -> BigInt,
        question_id -> Text,
        attribution -> Text,
        status -> Text,
        chosen_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    rate_limit_buckets (address) {
        address -> Text,
        tokens -> Double,
        at -> Timestamp,
    }
}

diesel::table! {
    readiness_probes (id) {
        id -> BigInt,
        padding -> Text,
    }
}

diesel::table! {
    contacts (id) {
        id -> BigInt,
        survey_slug -> Text,
        email -> Text,
        name -> Nullable<Text>,
        stratum -> Text,
        language -> Nullable<Text>,
        invitation_id -> BigInt,
        link_token -> Text,
        opt_out_hash -> Text,
        opted_out_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    email_messages (id) {
        id -> BigInt,
        contact_id -> BigInt,
        reminder -> Integer,
        state -> Text,
        attempts -> Integer,
        queued_at -> Timestamp,
        next_attempt_at -> Timestamp,
        claimed_at -> Nullable<Timestamp>,
        sent_at -> Nullable<Timestamp>,
        server_reply -> Nullable<Text>,
    }
}

diesel::joinable!(responses -> surveys (survey_id));
diesel::joinable!(contacts -> invitations (invitation_id));
diesel::joinable!(email_messages -> contacts (contact_id));
diesel::joinable!(consents -> responses (response_id));
diesel::joinable!(pledges -> responses (response_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(survey_roles -> users (user_id));
diesel::joinable!(published_reports -> surveys (survey_id));
diesel::joinable!(report_files -> published_reports (report_id));
diesel::joinable!(invitations -> responses (response_id));
diesel::allow_tables_to_appear_in_same_query!(
    surveys,
    responses,
    invitations,
    settings,
    users,
    sessions,
    api_tokens,
    survey_roles,
    audit_log,
    sign_in_failures,
    published_reports,
    report_files,
    consents,
    pledges,
    rate_limit_buckets,
    readiness_probes,
    contacts,
    email_messages,
);
diesel::allow_columns_to_appear_in_same_group_by_clause!(surveys::slug, responses::complete);
