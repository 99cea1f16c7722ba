SELECT minute, instance, signups, baseline, spike
FROM signups
ORDER BY instance, minute
