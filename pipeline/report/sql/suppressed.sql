SELECT kind, value, accounts, weight, reason
FROM suppressed
ORDER BY accounts DESC, kind, value
