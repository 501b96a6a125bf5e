#!/usr/bin/env bash
# Prepares this machine (Debian 12) for rpod's test suite and benchmarks. Idempotent; run as
# root. `--base` stops after packages, users and host fixes (no fixture images).
#
# What it does:
#   - installs the packages below (apt-get only when one is missing);
#   - creates the test user `rpodtest` with subordinate uid/gid ranges and `rpodnosub`
#     without any, each with a runtime dir /run/user/UID;
#   - opens /dev/fuse and /dev/net/tun, makes / a shared mount and mounts cgroup v1
#     controllers the hybrid v2 tree owns (rootless podman refuses to start otherwise);
#   - writes rpodtest's containers config (registries.conf is read by rpod too);
#   - builds the fixture images, and pushes them when the test registry
#     (tests/registry.sh start) answers.
set -euo pipefail

# systemd: only for `systemd-analyze verify` of the units `generate systemd` writes.
# podman's rootless helpers (slirp4netns, catatonit, netavark, ...) are only recommends:
# named here, since recommends are not installed.
PACKAGES=(uidmap busybox-static docker-registry skopeo fuse3 podman curl iperf3 apache2-utils hyperfine
          jq zstd openssl python3 build-essential iproute2 util-linux
          crun slirp4netns catatonit fuse-overlayfs netavark aardvark-dns attr libcap2-bin time
          systemd)
TEST_USER=rpodtest
NOSUB_USER=rpodnosub
SUB_START=100000
SUB_COUNT=65536

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
base_only=0
for arg in "$@"; do
    case "$arg" in
        --base) base_only=1 ;;
        -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "setup-host.sh: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
    esac
done

log() { echo "setup-host: $*" >&2; }

if [[ $(id -u) -ne 0 ]]; then
    echo "setup-host.sh must run as root (try: sudo $0)" >&2
    exit 1
fi

install_packages() {
    local missing=() p
    for p in "${PACKAGES[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$p")
        fi
    done
    if ((${#missing[@]})); then
        log "installing ${missing[*]}"
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
}

# The docker-registry package runs a system-wide registry on :5000 (every interface);
# the tests start their own on 127.0.0.1:5000 (tests/registry.sh), so keep it off.
disable_packaged_registry() {
    if [[ -d /run/systemd/system ]]; then
        if systemctl is-enabled --quiet docker-registry 2>/dev/null ||
            systemctl is-active --quiet docker-registry 2>/dev/null; then
            log "disabling the packaged docker-registry service"
            systemctl disable --now docker-registry
        fi
    elif [[ -x /etc/init.d/docker-registry ]]; then
        if [[ -f /var/run/docker-registry.pid ]]; then
            log "stopping the packaged docker-registry service"
            /etc/init.d/docker-registry stop || true
        fi
        if compgen -G '/etc/rc[2-5].d/S*docker-registry' >/dev/null; then
            update-rc.d docker-registry disable >/dev/null 2>&1 || true
        fi
    fi
}

# Prints the first free block of SUB_COUNT ids at or above SUB_START in a subid file.
free_subid_start() {
    local file=$1 start=$SUB_START name first count
    while IFS=: read -r name first count; do
        [[ -n "$name" && "$first" =~ ^[0-9]+$ && "$count" =~ ^[0-9]+$ ]] || continue
        if ((first < start + SUB_COUNT && first + count > start)); then
            start=$((first + count))
        fi
    done < <(sort -t: -k2,2n "$file")
    echo "$start"
}

has_subid() { # file user uid
    grep -qE "^($2|$3):" "$1"
}

create_users() {
    touch /etc/subuid /etc/subgid
    if ! id -u "$TEST_USER" >/dev/null 2>&1; then
        log "creating user $TEST_USER"
        useradd --create-home --home-dir "/home/$TEST_USER" --shell /bin/bash "$TEST_USER"
    fi
    if ! id -u "$NOSUB_USER" >/dev/null 2>&1; then
        log "creating user $NOSUB_USER"
        useradd --create-home --home-dir "/home/$NOSUB_USER" --shell /bin/bash \
            -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$NOSUB_USER"
    fi
    local uid nuid start
    uid=$(id -u "$TEST_USER")
    if ! has_subid /etc/subuid "$TEST_USER" "$uid"; then
        start=$(free_subid_start /etc/subuid)
        usermod --add-subuids "$start-$((start + SUB_COUNT - 1))" "$TEST_USER"
    fi
    if ! has_subid /etc/subgid "$TEST_USER" "$uid"; then
        start=$(free_subid_start /etc/subgid)
        usermod --add-subgids "$start-$((start + SUB_COUNT - 1))" "$TEST_USER"
    fi
    # The "no subordinate ids" tests need this user to have none, whatever useradd did.
    nuid=$(id -u "$NOSUB_USER")
    if has_subid /etc/subuid "$NOSUB_USER" "$nuid" || has_subid /etc/subgid "$NOSUB_USER" "$nuid"; then
        sed -i -E "/^($NOSUB_USER|$nuid):/d" /etc/subuid /etc/subgid
    fi
    local u id
    for u in "$TEST_USER" "$NOSUB_USER"; do
        id=$(id -u "$u")
        mkdir -p "/run/user/$id"
        chown "$u:$(id -g "$u")" "/run/user/$id"
        chmod 700 "/run/user/$id"
    done
}

fix_devices() {
    if [[ ! -c /dev/net/tun ]]; then
        mkdir -p /dev/net
        mknod /dev/net/tun c 10 200
    fi
    chmod 666 /dev/net/tun
    if [[ -c /dev/fuse ]]; then
        chmod 666 /dev/fuse
    else
        log "warning: /dev/fuse is missing (modprobe fuse); FUSE tests will fail"
    fi
}

fix_mounts() {
    # Propagation of / must be shared, or every rootless podman command warns.
    if ! awk '$5 == "/" { print $7 }' /proc/self/mountinfo | grep -q 'shared:'; then
        mount --make-rshared /
    fi
    # Hybrid cgroups: crun refuses to run while cgroup2 owns a controller, so give each
    # such controller a v1 hierarchy (cgroupfs reports size 0: read, don't test -s).
    local ctrl_file=/sys/fs/cgroup/unified/cgroup.controllers c controllers=()
    if [[ -e $ctrl_file ]]; then
        read -r -a controllers < "$ctrl_file" || true
        for c in "${controllers[@]}"; do
            if ! mountpoint -q "/sys/fs/cgroup/$c"; then
                log "mounting cgroup v1 controller $c"
                mkdir -p "/sys/fs/cgroup/$c"
                mount -t cgroup -o "$c" cgroup "/sys/fs/cgroup/$c"
            fi
        done
    fi
}

# Writes a file owned by the test user, only when its content differs.
write_user_file() { # path content
    local path=$1 content=$2 group
    group=$(id -gn "$TEST_USER")
    install -d -o "$TEST_USER" -g "$group" -m 755 "$(dirname "$path")"
    if [[ ! -f $path ]] || [[ "$(cat "$path")" != "$content" ]]; then
        printf '%s\n' "$content" > "$path"
    fi
    chown "$TEST_USER:$group" "$path"
    chmod 644 "$path"
}

user_config() {
    local home conf
    home=$(getent passwd "$TEST_USER" | cut -d: -f6)
    conf="$home/.config/containers"
    install -d -o "$TEST_USER" -g "$(id -gn "$TEST_USER")" -m 755 "$home/.config"
    # registries.conf (containers-registries.conf v2) is shared by podman and rpod.
    write_user_file "$conf/registries.conf" 'unqualified-search-registries = ["127.0.0.1:5000"]
short-name-mode = "permissive"

[[registry]]
location = "127.0.0.1:5000"
insecure = true'
    # No systemd and no journald here.
    write_user_file "$conf/containers.conf" '[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"'
    # Without this Debian podman 4.3 picks vfs for rootless users.
    write_user_file "$conf/storage.conf" '[storage]
driver = "overlay"'
}

install_packages
disable_packaged_registry
create_users
fix_devices
fix_mounts
user_config

if ((base_only)); then
    log "host ready (base)"
    exit 0
fi

fixtures_dir=$(python3 "$here/fixtures/build.py")
log "fixture layouts in $fixtures_dir"
if "$here/registry.sh" status plain >/dev/null 2>&1; then
    "$here/fixtures/push.sh"
else
    log "registry not running: fixtures built, not pushed (tests/registry.sh start, then tests/fixtures/push.sh)"
fi
log "host ready"
