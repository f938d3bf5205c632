#!/usr/bin/env bash
# Keeps the webhook deliverer (webhook-deliverer.toml) running, as a restart policy would.
#
#   scripts/deliverer.sh WAKE_URL -- COMMAND [ARG]...
#   e.g. scripts/deliverer.sh http://127.0.0.1:3000/orders/webhooks/wake -- \
#            spin up -f webhook-deliverer.toml --runtime-config-file runtime-config.toml
#
# On Spin a Redis trigger exits when its Redis is unreachable or goes away, so COMMAND
# exits whenever Redis does; this starts it again after 1 s, 2 s, 4 s ... up to
# DELIVERER_MAX_BACKOFF seconds (default 30; back to 1 s after a run of a minute or more).
#
# Pub/sub keeps nothing for a subscriber that is not there: the wake-ups of the changes made
# while the deliverer was down are lost, though their events wait in the outbox. So each
# time COMMAND has subscribed (Spin prints `<server>/<channel>: [<components>]`), this
# POSTs WAKE_URL (the app's /orders/webhooks/wake) with the bearer token SERVICE_TOKEN
# (default: spin.toml's development value), and the deliveries left pending go out at once.
#
# Its own lines start with "deliverer.sh:". SIGTERM (or SIGINT, when it is not started in
# the background of a script) stops COMMAND and then this script.
set -uo pipefail

usage="usage: deliverer.sh WAKE_URL -- COMMAND [ARG]..."
wake_url=${1:?$usage}
shift
[[ ${1:-} == -- ]] && shift
(($# > 0)) || {
    echo "$usage" >&2
    exit 2
}
token=${SERVICE_TOKEN:-dev-service-token-change-me}
max_backoff=${DELIVERER_MAX_BACKOFF:-30}

child=
stop() {
    trap - INT TERM
    if [[ -n $child ]]; then
        kill -TERM "$child" 2>/dev/null
        wait "$child" 2>/dev/null
    fi
    exit 0
}
trap stop INT TERM

# The app may be starting too (make run starts both at once): try for half a minute.
wake() {
    for _ in {1..30}; do
        if curl -fs -o /dev/null -X POST -H "Authorization: Bearer $token" "$wake_url"; then
            echo "deliverer.sh: woke the deliverer through $wake_url"
            return
        fi
        sleep 1
    done
    echo "deliverer.sh: could not reach $wake_url; pending deliveries wait for the next change" >&2
}

# Passes COMMAND's output through and wakes it once it has subscribed.
forward() {
    local woken=
    while IFS= read -r line; do
        printf '%s\n' "$line"
        if [[ -z $woken && $line == *": ["*"]" ]]; then
            woken=1
            wake &
        fi
    done
}

pause=1
while true; do
    started=$SECONDS
    "$@" > >(forward) &
    child=$!
    wait "$child"
    status=$?
    child=
    ((SECONDS - started >= 60)) && pause=1
    echo "deliverer.sh: the deliverer exited with status $status; starting it again in $pause s"
    # In the background, so that a signal is handled at once rather than after the pause.
    sleep "$pause" &
    wait $!
    pause=$((pause * 2 > max_backoff ? max_backoff : pause * 2))
done
