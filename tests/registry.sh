#!/usr/bin/env bash
# The test registries (docker-registry), storage in temp dirs that `stop` removes. Run as root.
#   plain  127.0.0.1:5000  plain HTTP, no auth, deletes enabled (the fixture images)
#   tls    127.0.0.1:5443  HTTPS with a CA made here (offline, openssl), htpasswd (bcrypt)
#                          auth for user rpodtest / password rpod-secret, deletes enabled.
#                          The CA goes to /etc/containers/certs.d/127.0.0.1:5443/ca.crt,
#                          where podman, skopeo and rpod all look.
#   tests/registry.sh start  [plain|tls|all]   start (already running: nothing to do)
#   tests/registry.sh stop   [plain|tls|all]   stop and remove storage (and the CA, for tls)
#   tests/registry.sh status [plain|tls|all]   exit 0 when every one named answers
# Without a name: all.
set -euo pipefail

STATE_DIR=/run/rpod-test
TLS_USER=rpodtest
TLS_PASSWORD=rpod-secret
CERTS_D=/etc/containers/certs.d

# Per registry: address, scheme and the files this script keeps for it.
setup_kind() {
    KIND=$1
    case $KIND in
        plain)
            ADDR=127.0.0.1:5000
            SCHEME=http
            PREFIX=$STATE_DIR/registry
            STORAGE_PATTERN=/var/tmp/rpod-registry.
            ;;
        tls)
            ADDR=127.0.0.1:5443
            SCHEME=https
            PREFIX=$STATE_DIR/registry-tls
            STORAGE_PATTERN=/var/tmp/rpod-registry-tls.
            TLS_DIR=$STATE_DIR/tls
            CA_INSTALLED=$CERTS_D/$ADDR/ca.crt
            ;;
        *) echo "registry.sh: unknown registry '$KIND' (plain, tls or all)" >&2; exit 2 ;;
    esac
    PID_FILE=$PREFIX.pid
    STORAGE_FILE=$PREFIX.storage
    LOG_FILE=$PREFIX.log
    CONFIG_FILE=$PREFIX.yml
}

answers() {
    # Any HTTP answer counts (the tls one says 401 without credentials); the
    # certificate is not what is checked here.
    local code
    code=$(curl -sS -k -o /dev/null -w '%{http_code}' --max-time 2 "$SCHEME://$ADDR/v2/" 2>/dev/null) || return 1
    [[ $code == 200 || $code == 401 ]]
}

our_pid() { # prints the pid of the registry this script started, if it still runs
    local pid
    [[ -f $PID_FILE ]] || return 1
    pid=$(cat "$PID_FILE")
    [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
    grep -q docker-registry "/proc/$pid/cmdline" 2>/dev/null || return 1
    echo "$pid"
}

# A CA and a server certificate for 127.0.0.1 (kept while they exist), and the
# htpasswd file; the CA is installed in certs.d.
make_tls_files() {
    command -v openssl >/dev/null || { echo "registry.sh: openssl missing (apt-get install openssl)" >&2; return 1; }
    command -v htpasswd >/dev/null || { echo "registry.sh: htpasswd missing (apt-get install apache2-utils)" >&2; return 1; }
    install -d -m 755 "$TLS_DIR"
    if [[ ! -s $TLS_DIR/server.crt || ! -s $TLS_DIR/ca.crt ]]; then
        openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
            -keyout "$TLS_DIR/ca.key" -out "$TLS_DIR/ca.crt" -subj "/CN=rpod test CA" \
            -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
        openssl req -newkey rsa:2048 -nodes -sha256 \
            -keyout "$TLS_DIR/server.key" -out "$TLS_DIR/server.csr" -subj "/CN=127.0.0.1" 2>/dev/null
        printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=CA:FALSE" \
            "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" \
            > "$TLS_DIR/server.ext"
        openssl x509 -req -sha256 -days 3650 -in "$TLS_DIR/server.csr" -CA "$TLS_DIR/ca.crt" \
            -CAkey "$TLS_DIR/ca.key" -CAcreateserial -extfile "$TLS_DIR/server.ext" \
            -out "$TLS_DIR/server.crt" 2>/dev/null
        chmod 600 "$TLS_DIR/ca.key" "$TLS_DIR/server.key"
    fi
    htpasswd -Bbn "$TLS_USER" "$TLS_PASSWORD" > "$TLS_DIR/htpasswd" 2>/dev/null
    install -d -m 755 "$CERTS_D" "$CERTS_D/$ADDR"
    install -m 644 "$TLS_DIR/ca.crt" "$CA_INSTALLED"
}

write_config() { # storage
    local storage=$1
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
    if [[ $KIND == tls ]]; then
        cat >> "$CONFIG_FILE" <<YML
  tls:
    certificate: $TLS_DIR/server.crt
    key: $TLS_DIR/server.key
auth:
  htpasswd:
    realm: rpod-test
    path: $TLS_DIR/htpasswd
YML
    fi
}

start() {
    if answers; then
        if our_pid >/dev/null; then
            echo "registry ($KIND): already running on $ADDR"
        else
            echo "registry ($KIND): something else already answers on $ADDR; using it"
        fi
        return 0
    fi
    mkdir -p "$STATE_DIR"
    cleanup_storage
    if [[ $KIND == tls ]]; then
        make_tls_files
    fi
    local storage pid i
    storage=$(mktemp -d "${STORAGE_PATTERN}XXXXXX")
    echo "$storage" > "$STORAGE_FILE"
    write_config "$storage"
    setsid docker-registry serve "$CONFIG_FILE" >"$LOG_FILE" 2>&1 </dev/null &
    pid=$!
    echo "$pid" > "$PID_FILE"
    for i in $(seq 1 100); do
        if answers; then
            echo "registry ($KIND): running on $ADDR (pid $pid, storage $storage)"
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            break
        fi
        sleep 0.1
    done
    echo "registry ($KIND): did not come up on $ADDR after ${i} tries; log $LOG_FILE:" >&2
    tail -n 20 "$LOG_FILE" >&2 || true
    stop
    return 1
}

cleanup_storage() {
    local storage
    if [[ -f $STORAGE_FILE ]]; then
        storage=$(cat "$STORAGE_FILE")
        # Only ever remove what start created.
        if [[ $storage == "$STORAGE_PATTERN"* && -d $storage ]]; then
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
        echo "registry ($KIND): stopped (pid $pid)"
    else
        echo "registry ($KIND): not running (started by this script)"
    fi
    rm -f "$PID_FILE" "$CONFIG_FILE"
    cleanup_storage
    if [[ $KIND == tls ]]; then
        # The installed CA only if it is still the one made here.
        if [[ -f $CA_INSTALLED && -f $TLS_DIR/ca.crt ]] && cmp -s "$CA_INSTALLED" "$TLS_DIR/ca.crt"; then
            rm -f "$CA_INSTALLED"
            rmdir "$CERTS_D/$ADDR" 2>/dev/null || true
        fi
        rm -rf -- "$TLS_DIR"
    fi
}

status() {
    local pid
    if answers; then
        if pid=$(our_pid); then
            echo "registry ($KIND): running on $ADDR (pid $pid, storage $(cat "$STORAGE_FILE" 2>/dev/null))"
        else
            echo "registry ($KIND): $ADDR answers (not started by this script)"
        fi
        return 0
    fi
    echo "registry ($KIND): not answering on $ADDR"
    return 1
}

if [[ $(id -u) -ne 0 ]]; then
    echo "registry.sh must run as root" >&2
    exit 1
fi
action=${1:-}
which=${2:-all}
case $which in
    all) kinds=(plain tls) ;;
    plain | tls) kinds=("$which") ;;
    *) echo "usage: $0 start|stop|status [plain|tls|all]" >&2; exit 2 ;;
esac
case $action in
    start | stop | status) ;;
    *) echo "usage: $0 start|stop|status [plain|tls|all]" >&2; exit 2 ;;
esac
# The first failure ends the script (set -e), with its status.
for kind in "${kinds[@]}"; do
    setup_kind "$kind"
    case $action in
        start) start ;;
        stop) stop ;;
        status) status ;;
    esac
done
