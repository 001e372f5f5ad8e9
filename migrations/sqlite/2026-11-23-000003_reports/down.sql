DROP TABLE report_files;
DROP TABLE published_reports;
