#!/usr/bin/env bash
# The README's main job: builds rpod (release) and, as the unprivileged test user,
# pulls busybox from a local registry (started here, offline, with images built
# from busybox-static) and runs it as a rootless container. As root:
#   sudo tests/demo.sh
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
user=rpodtest

# shellcheck source=tests/lib.sh
. "$here/lib.sh"
require_root_and_cargo "$0" "it switches to the test user"

"$here/setup-host.sh" --base
(cd "$repo" && cargo build --release)

stage=$(mktemp -d /tmp/rpod-demo.XXXXXX)
started_registry=0
cleanup() {
    rm -rf -- "$stage"
    if ((started_registry)); then "$here/registry.sh" stop plain >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
if ! "$here/registry.sh" status plain >/dev/null 2>&1; then
    "$here/registry.sh" start plain
    started_registry=1
fi
"$here/setup-host.sh" >/dev/null   # builds and pushes the fixture images

# The test user need not be able to read the checkout: run a world-readable copy.
chmod 755 "$stage"
install -m 755 "$repo/target/release/rpod" "$stage/rpod"

uid=$(id -u "$user")
home=$(getent passwd "$user" | cut -d: -f6)
as_user() {
    echo "+ [$user] rpod $*" >&2
    (cd "$home" && setpriv --reuid="$uid" --regid="$(id -g "$user")" --init-groups \
        env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$home" USER="$user" LOGNAME="$user" \
        SHELL=/bin/bash LANG=C XDG_RUNTIME_DIR="/run/user/$uid" "$stage/rpod" "$@")
}

as_user unshare cat /proc/self/uid_map
as_user run --rm 127.0.0.1:5000/busybox sh -c \
    'echo "Hello from a rootless container: $(id)"; echo "pid $$ on $(hostname)"; ip -4 addr show tap0 | grep inet'
as_user images
