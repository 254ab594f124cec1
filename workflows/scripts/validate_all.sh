#!/bin/sh
# Runs validate_node on every active, in-sync node through the orch that runs this
# step ($ORCH_BIN), and reports how many passed. Fails when any validation failed.
set -u
cat >/dev/null
ids=$("$ORCH_BIN" -q -o jsonl subscription list --product NODE --status active --insync true --limit 10000 |
    awk '{ i = index($0, "\"subscription_id\":\""); if (i) { s = substr($0, i + 19); print substr(s, 1, index(s, "\"") - 1) } }')
ok=0
bad=0
for id in $ids; do
    if "$ORCH_BIN" -q workflow run validate_node --subscription "$id" >/dev/null 2>&1; then
        ok=$((ok + 1))
    else
        bad=$((bad + 1))
        echo "validate_node failed on $id" >&2
    fi
done
echo "validated $ok nodes, $bad failed" >&2
printf '{"validated": %s, "invalid": %s}\n' "$ok" "$bad"
[ "$bad" -eq 0 ]
