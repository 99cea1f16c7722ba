SELECT kind, value, label, accounts, weight, reason
FROM suppressed
ORDER BY accounts DESC, kind, value
