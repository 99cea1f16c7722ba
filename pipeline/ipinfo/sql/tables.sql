-- Stage "ipinfo": its tables (ip_info, ip_databases: pipeline/schema) are
-- made anew on every run, empty when no --ipdb database was given; its
-- warnings are removed here so that they are written again.
DELETE FROM warnings WHERE "table" = 'ip_databases';
