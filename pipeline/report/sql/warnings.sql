SELECT instance, file, line, byte_offset, "table", field, kind, reason, raw, kept
FROM warnings
-- Every column: rows that tie on the place and the reason (an API entity
-- is one line, and its account and user rows can fail alike) still come
-- out in one order, run after run.
ORDER BY instance NULLS FIRST, file, line NULLS LAST, byte_offset NULLS LAST, kind, reason,
  "table" NULLS FIRST, field NULLS FIRST, raw NULLS FIRST, kept
