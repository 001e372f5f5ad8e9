DROP TRIGGER surveys_notify_change ON surveys;
DROP FUNCTION fieldwork_survey_changed();
DROP TABLE readiness_probes;
DROP TABLE rate_limit_buckets;
