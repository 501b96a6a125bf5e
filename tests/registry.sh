#!/usr/bin/env bash
# The test registry: docker-registry on 127.0.0.1:5000, plain HTTP, deletes enabled,
# storage in a temp dir that `stop` removes. Run as root.
#   tests/registry.sh start    start it (already running: nothing to do)
#   tests/registry.sh stop     stop it and remove its storage
#   tests/registry.sh status   exit 0 when it answers
set -euo pipefail

ADDR=127.0.0.1:5000
STATE_DIR=/run/rpod-test
PID_FILE=$STATE_DIR/registry.pid
STORAGE_FILE=$STATE_DIR/registry.storage
LOG_FILE=$STATE_DIR/registry.log
CONFIG_FILE=$STATE_DIR/registry.yml

answers() { curl -fsS -o /dev/null --max-time 2 "http://$ADDR/v2/" 2>/dev/null; }

our_pid() { # prints the pid of the registry this script started, if it still runs
    local pid
    [[ -f $PID_FILE ]] || return 1
    pid=$(cat "$PID_FILE")
    [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
    grep -q docker-registry "/proc/$pid/cmdline" 2>/dev/null || return 1
    echo "$pid"
}

start() {
    if answers; then
        if our_pid >/dev/null; then
            echo "registry: already running on $ADDR"
        else
            echo "registry: something else already answers on $ADDR; using it"
        fi
        return 0
    fi
    mkdir -p "$STATE_DIR"
    cleanup_storage
    local storage pid i
    storage=$(mktemp -d /var/tmp/rpod-registry.XXXXXX)
    echo "$storage" > "$STORAGE_FILE"
    cat > "$CONFIG_FILE" <<YML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $storage
  delete:
    enabled: true
http:
  addr: $ADDR
YML
    setsid docker-registry serve "$CONFIG_FILE" >"$LOG_FILE" 2>&1 </dev/null &
    pid=$!
    echo "$pid" > "$PID_FILE"
    for i in $(seq 1 100); do
        if answers; then
            echo "registry: running on $ADDR (pid $pid, storage $storage)"
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            break
        fi
        sleep 0.1
    done
    echo "registry: did not come up on $ADDR after ${i} tries; log $LOG_FILE:" >&2
    tail -n 20 "$LOG_FILE" >&2 || true
    stop
    return 1
}

cleanup_storage() {
    local storage
    if [[ -f $STORAGE_FILE ]]; then
        storage=$(cat "$STORAGE_FILE")
        # Only ever remove what start created.
        if [[ $storage == /var/tmp/rpod-registry.* && -d $storage ]]; then
            rm -rf -- "$storage"
        fi
        rm -f "$STORAGE_FILE"
    fi
}

stop() {
    local pid i
    if pid=$(our_pid); then
        kill "$pid"
        for i in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
        echo "registry: stopped (pid $pid)"
    else
        echo "registry: not running (started by this script)"
    fi
    rm -f "$PID_FILE" "$CONFIG_FILE"
    cleanup_storage
}

status() {
    local pid
    if answers; then
        if pid=$(our_pid); then
            echo "registry: running on $ADDR (pid $pid, storage $(cat "$STORAGE_FILE" 2>/dev/null))"
        else
            echo "registry: $ADDR answers (not started by this script)"
        fi
        return 0
    fi
    echo "registry: not answering on $ADDR"
    return 1
}

if [[ $(id -u) -ne 0 ]]; then
    echo "registry.sh must run as root" >&2
    exit 1
fi
case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
