#!/bin/sh
# Reads the state on stdin, logs on stderr, prints a merge patch on stdout.
cat >/dev/null
echo "greeting from step $ORCH_STEP of $ORCH_WORKFLOW" >&2
echo '{"greeting": "hello"}'
