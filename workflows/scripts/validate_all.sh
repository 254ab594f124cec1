#!/bin/sh
# Lists the nodes validate_all checks: every active, in-sync node, through the orch that
# runs this step ($ORCH_BIN), as {"nodes": [ID, …]}.
set -eu
cat >/dev/null
ids=$("$ORCH_BIN" -q -o jsonl subscription list --product NODE --status active --insync true --limit 10000 |
    awk '{ i = index($0, "\"subscription_id\":\""); if (i) { s = substr($0, i + 19); print substr(s, 1, index(s, "\"") - 1) } }')
list=""
for id in $ids; do
    list="$list${list:+, }\"$id\""
done
echo "found $(echo "$ids" | grep -c . || true) nodes" >&2
printf '{"nodes": [%s]}\n' "$list"
