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
# It POSTs it again every DELIVERER_WAKE_EVERY seconds (default 30, as Compose's
# webhook-waker; 0: only after each start) while COMMAND runs. A deliverer killed in the
# middle of a pass leaves its deliveries claimed, and its runner lease held, for up to
# 20 s: the wake-up after the restart comes too early to take them over, and no later change
# may come to wake it again.
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
wake_every=${DELIVERER_WAKE_EVERY:-30}
for setting in "DELIVERER_MAX_BACKOFF=$max_backoff" "DELIVERER_WAKE_EVERY=$wake_every"; do
    [[ ${setting#*=} =~ ^[0-9]+$ ]] || {
        echo "deliverer.sh: $setting: a whole number of seconds, please" >&2
        exit 2
    }
done

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

post_wake() {
    curl -fs --max-time 10 -o /dev/null -X POST -H "Authorization: Bearer $token" "$wake_url"
}

# Wakes the deliverer once it has subscribed, then every $wake_every seconds until
# SIGTERM. The app may be starting too (make run starts both at once): the first wake-up
# is tried for half a minute.
wake_periodically() {
    local nap=
    trap 'kill "$nap" 2>/dev/null; exit 0' TERM
    local failing=1
    for _ in {1..30}; do
        if post_wake; then
            echo "deliverer.sh: woke the deliverer through $wake_url"
            failing=
            break
        fi
        sleep 1
    done
    if [[ -n $failing ]]; then
        if ((wake_every > 0)); then
            echo "deliverer.sh: could not reach $wake_url; trying again every $wake_every s" >&2
        else
            echo "deliverer.sh: could not reach $wake_url; pending deliveries wait for the next change" >&2
        fi
    fi
    while ((wake_every > 0)); do
        # In the background, so that SIGTERM is handled at once rather than after the nap.
        sleep "$wake_every" &
        nap=$!
        wait "$nap"
        if post_wake; then
            failing=
        elif [[ -z $failing ]]; then
            failing=1
            echo "deliverer.sh: could not wake the deliverer through $wake_url; trying again every $wake_every s" >&2
        fi
    done
}

# Passes COMMAND's output through and, once it has subscribed, wakes it until it exits.
forward() {
    local waker=
    while IFS= read -r line; do
        printf '%s\n' "$line"
        if [[ -z $waker && $line == *": ["*"]" ]]; then
            wake_periodically &
            waker=$!
        fi
    done
    if [[ -n $waker ]]; then
        kill -TERM "$waker" 2>/dev/null
    fi
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
