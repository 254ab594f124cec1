#!/bin/sh
# A small stand-in for the IPAM/DCIM (NetBox) the example workflows talk to.
#
# It keeps its data in a JSON file next to the database ($ORCH_DB.netbox.json), or in
# the project folder (orch.netbox.json) when the database is PostgreSQL: a JSON
# array with one flat record per line, so that this script needs nothing but a POSIX
# shell and awk. Steps get the process state on stdin and print a JSON merge patch;
# choice commands get the form's answers on stdin and print a JSON array of choices.
#
#   netbox.sh planned-nodes          choices: routers waiting to be enrolled
#   netbox.sh device-info            the node model of state.node_name
#   netbox.sh ip-info                loopback addresses of state.device_id
#   netbox.sh set-status STATUS      device state.device_id gets STATUS
#   netbox.sh check-node             validate: the device is active and enrolled
#   netbox.sh free-ports SIDE        choices: free ports of the node answered as SIDE
#   netbox.sh next-subnet            the next free circuit subnet and its two addresses
#   netbox.sh reserve-ports          mark state.port_a / state.port_b as used
#   netbox.sh release-circuit        free the ports and the subnet of the circuit
#   netbox.sh routers                the names of the routers of state.node_a / node_b
#   netbox.sh dump                   print the whole file
#   netbox.sh reset                  start the example over: remove this file and the
#                                    orch database next to it (run in the project folder)
set -eu

# The database orch uses: ORCH_DB (orch sets it for steps), else orch.toml's `db`.
db="${ORCH_DB:-}"
if [ -z "$db" ] && [ -f "${ORCH_DIR:-.}/orch.toml" ]; then
    db=$(sed -n 's/^[[:space:]]*db[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "${ORCH_DIR:-.}/orch.toml" | head -n 1)
fi
db="${db:-orch.db}"
case $db in
postgres://* | postgresql://* | *=*) file="${ORCH_DIR:-.}/orch.netbox.json" pg=yes ;;
*) file="$db.netbox.json" pg= ;;
esac

if [ "${1:-}" = reset ]; then
    if [ -n "$pg" ]; then
        rm -f "$file"
        echo "removed $file: the stand-in has four planned routers again" >&2
        echo "the subscriptions are in PostgreSQL: drop orch's schema there to remove them too (DROP SCHEMA orch CASCADE)" >&2
        exit 0
    fi
    for f in "$db" "$db-wal" "$db-shm" "$db-consumers" "$file"; do
        if [ -e "$f" ]; then
            rm -f "$f"
            echo "removed $f" >&2
        fi
    done
    echo "the example network is reset: four planned routers, no subscriptions" >&2
    exit 0
fi

seed() {
    # Four planned routers with four ports each.
    {
        echo '['
        n=1
        for spec in rtr1:ams rtr2:ams rtr3:ut rtr4:ut; do
            name=${spec%%:*}
            site=${spec#*:}
            echo "{\"kind\":\"device\",\"id\":$n,\"name\":\"$name\",\"site\":\"$site\",\"status\":\"planned\",\"subscription\":\"\"},"
            for p in 1 2 3 4; do
                echo "{\"kind\":\"interface\",\"id\":$((n * 100 + p)),\"device\":$n,\"name\":\"1/1/c$p\",\"circuit\":\"\"},"
            done
            n=$((n + 1))
        done
        echo '{"kind":"counter","id":0,"next_prefix":1}'
        echo ']'
    } >"$file.seed.$$"
    mv "$file.seed.$$" "$file"
}

# lock / unlock: one writer at a time. Every update reads the whole file and writes
# it back, so two at once (a worker runs many steps together) would lose one of them.
# mkdir is atomic in POSIX; a lock left behind by a killed step is broken after 10 s.
lock() {
    tries=0
    until mkdir "$file.lock" 2>/dev/null; do
        tries=$((tries + 1))
        if [ "$tries" -ge 200 ]; then
            echo "netbox: breaking the lock $file.lock, held for over 10 s" >&2
            rmdir "$file.lock" 2>/dev/null || true
            tries=0
        fi
        sleep 0.05
    done
}
unlock() {
    rmdir "$file.lock" 2>/dev/null || true
}

if [ ! -f "$file" ]; then
    lock
    [ -f "$file" ] || seed
    unlock
fi

# json_get KEY: the first value of "KEY" in the JSON on stdin (a string or a number).
json_get() {
    awk -v k="\"$1\":" '{
        i = index($0, k); if (!i) next
        s = substr($0, i + length(k))
        if (substr(s, 1, 1) == "\"") { s = substr(s, 2); print substr(s, 1, index(s, "\"") - 1) }
        else { match(s, /^[^,}\]]*/); print substr(s, 1, RLENGTH) }
        exit
    }'
}

# records KIND: the records of a kind, one per line, without the trailing comma.
records() {
    grep "\"kind\":\"$1\"" "$file" | sed 's/,$//'
}

# update KIND ID KEY VALUE: sets a key of one record (VALUE is raw JSON).
update() {
    tmp="$file.tmp.$$"
    lock
    awk -v m="\"kind\":\"$1\",\"id\":$2," -v k="$3" -v v="$4" '{
        if (index($0, m)) {
            i = index($0, "\"" k "\":")
            if (i) {
                head = substr($0, 1, i - 1 + length(k) + 3)
                rest = substr($0, i + length(k) + 3)
                if (substr(rest, 1, 1) == "\"") { rest = substr(rest, 2); rest = substr(rest, index(rest, "\"") + 1) }
                else { match(rest, /^[^,}]*/); rest = substr(rest, RLENGTH + 1) }
                $0 = head v rest
            }
        }
        print
    }' "$file" >"$tmp" && mv "$tmp" "$file" || { unlock; return 1; }
    unlock
}

fail() {
    echo "netbox: $*" >&2
    exit 1
}

state=$(cat)

case "${1:-}" in
planned-nodes)
    if ! records device | grep -q '"status":"planned"'; then
        echo "every router is enrolled, no planned router is left; netbox.sh reset starts over" >&2
    fi
    records device | grep '"status":"planned"' | awk 'BEGIN { printf "[" } {
        n = $0; sub(/.*"name":"/, "", n); sub(/".*/, "", n)
        s = $0; sub(/.*"site":"/, "", s); sub(/".*/, "", s)
        printf "%s{\"value\":\"%s\",\"label\":\"%s (site %s)\"}", (NR > 1 ? "," : ""), n, n, s
    } END { print "]" }'
    ;;
device-info)
    name=$(printf '%s' "$state" | json_get node_name)
    role=$(printf '%s' "$state" | json_get role)
    dev=$(records device | grep "\"name\":\"$name\"" || true)
    [ -n "$dev" ] || fail "no device named '$name'"
    id=$(printf '%s' "$dev" | json_get id)
    site=$(printf '%s' "$dev" | json_get site)
    ports=$(records interface | grep "\"device\":$id," | awk '{
        n = $0; sub(/.*"name":"/, "", n); sub(/".*/, "", n)
        i = $0; sub(/.*"id":/, "", i); sub(/,.*/, "", i)
        printf "%s{\"name\":\"%s\",\"netbox_id\":%s}", (NR > 1 ? "," : ""), n, i
    }')
    echo "device $name is netbox device $id at site $site" >&2
    printf '{"device_id":%s,"subscription":{"description":"Node %s (%s, %s)","node":{"name":"%s","role":"%s","netbox_id":%s,"site":"%s","ports":[%s]}}}\n' \
        "$id" "$name" "$role" "$site" "$name" "$role" "$id" "$site" "$ports"
    ;;
ip-info)
    id=$(printf '%s' "$state" | json_get device_id)
    [ -n "$id" ] || fail "state.device_id is missing"
    printf '{"subscription":{"node":{"loopback_ipv4":"10.0.0.%s","loopback_ipv6":"2001:db8::%s"}}}\n' "$id" "$id"
    ;;
set-status)
    id=$(printf '%s' "$state" | json_get device_id)
    [ -n "$id" ] || fail "state.device_id is missing"
    update device "$id" status "\"$2\""
    update device "$id" subscription "\"${ORCH_SUBSCRIPTION_ID:-}\""
    echo "device $id is now $2" >&2
    ;;
check-node)
    id=$(printf '%s' "$state" | json_get device_id)
    dev=$(records device | grep "\"id\":$id," || true)
    [ -n "$dev" ] || fail "device $id is not in netbox"
    status=$(printf '%s' "$dev" | json_get status)
    [ "$status" = active ] || fail "device $id is $status in netbox, expected active"
    echo "device $id is active in netbox" >&2
    echo '{"validated": true}'
    ;;
free-ports)
    sub=$(printf '%s' "$state" | json_get "node_$2")
    [ -n "$sub" ] || fail "answer node_$2 is missing"
    dev=$(records device | grep "\"subscription\":\"$sub\"" || true)
    [ -n "$dev" ] || fail "no netbox device belongs to subscription $sub"
    id=$(printf '%s' "$dev" | json_get id)
    records interface | grep "\"device\":$id," | grep '"circuit":""' | awk 'BEGIN { printf "[" } {
        n = $0; sub(/.*"name":"/, "", n); sub(/".*/, "", n)
        printf "%s\"%s\"", (NR > 1 ? "," : ""), n
    } END { print "]" }'
    ;;
next-subnet)
    # Two calls, as with a real IPAM: find the next free prefix, then reserve it.
    # NETBOX_LATENCY (seconds) stands in for the network between them; two circuits
    # created at once would get the same prefix unless they take turns (the step's lock).
    n=$(records counter | json_get next_prefix)
    sleep "${NETBOX_LATENCY:-0}"
    update counter 0 next_prefix "$((n + 1))"
    printf '{"subnet":"2001:db8:100:%x::/64","address_a":"2001:db8:100:%x::1","address_b":"2001:db8:100:%x::2"}\n' "$n" "$n" "$n"
    ;;
reserve-ports | release-circuit)
    sub="${ORCH_SUBSCRIPTION_ID:-}"
    [ "$1" = reserve-ports ] && mark="\"$sub\"" || mark='""'
    for side in a b; do
        node=$(printf '%s' "$state" | json_get "node_$side")
        port=$(printf '%s' "$state" | json_get "port_$side")
        dev=$(records device | grep "\"subscription\":\"$node\"" || true)
        [ -n "$dev" ] || continue
        id=$(printf '%s' "$dev" | json_get id)
        ifid=$(records interface | grep "\"device\":$id," | grep "\"name\":\"$port\"" | json_get id)
        [ -n "$ifid" ] && update interface "$ifid" circuit "$mark"
        echo "port $port of device $id: circuit $mark" >&2
    done
    ;;
routers)
    out=""
    for side in a b; do
        node=$(printf '%s' "$state" | json_get "node_$side")
        dev=$(records device | grep "\"subscription\":\"$node\"" || true)
        [ -n "$dev" ] || fail "no netbox device belongs to subscription $node (node_$side)"
        name=$(printf '%s' "$dev" | json_get name)
        out="$out${out:+,}\"router_$side\":\"$name\""
    done
    echo "{$out}"
    ;;
dump)
    cat "$file"
    ;;
*)
    fail "unknown command '${1:-}'"
    ;;
esac
