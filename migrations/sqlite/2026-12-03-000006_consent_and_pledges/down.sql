DROP TABLE pledges;
DROP TABLE consents;
