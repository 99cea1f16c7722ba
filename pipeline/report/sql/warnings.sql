SELECT instance, file, line, byte_offset, "table", field, kind, reason, raw, kept
FROM warnings
ORDER BY instance NULLS FIRST, file, line NULLS LAST, byte_offset NULLS LAST, kind, reason
