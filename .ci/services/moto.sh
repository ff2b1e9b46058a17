#!/usr/bin/env bash
# The AWS emulator for the AWS adapters' tests: moto server on 127.0.0.1:PORT
# (the first argument, default 5005). Idempotent: a moto that already answers (started by an earlier run or by
# another checkout) is left alone, so concurrent callers share one server.
set -euo pipefail

port=${1:-5005}
url="http://127.0.0.1:${port}"
log_file="/tmp/moto-${port}.log"

answers() { curl -fsS -m 2 -o /dev/null "${url}/moto-api/" 2>/dev/null; }

if answers; then
    exit 0
fi

if ! command -v moto_server >/dev/null 2>&1 || ! moto_server --help >/dev/null 2>&1; then
    python3 -m pip install --quiet 'moto[server]'
fi

# setsid: the server outlives this script and the shell that ran it.
MOTO_PORT=${port} setsid moto_server -p "${port}" >"${log_file}" 2>&1 < /dev/null &

waited=0
until answers; do
    if (( waited >= 60 )); then
        echo "error: moto server did not answer on ${url} within 30 s; see ${log_file}" >&2
        exit 1
    fi
    sleep 0.5
    waited=$((waited + 1))
done

# Step Functions executes its state machines only with this; Lambda runs no
# Docker here. Sent after every start: moto forgets it on restart.
curl -fsS -m 5 -XPOST "${url}/moto-api/config" \
    -d '{"stepfunctions":{"execute_state_machine":true},"lambda":{"use_docker":false}}' >/dev/null
