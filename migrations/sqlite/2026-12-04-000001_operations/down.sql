DROP TABLE readiness_probes;
DROP TABLE rate_limit_buckets;
