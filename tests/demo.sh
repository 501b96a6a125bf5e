#!/usr/bin/env bash
# The README's main job: builds rpod (release) and runs it as the unprivileged test
# user, entering its user namespace with the user's subordinate ranges. As root:
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

# The test user need not be able to read the checkout: run a world-readable copy.
stage=$(mktemp -d /tmp/rpod-demo.XXXXXX)
trap 'rm -rf -- "$stage"' EXIT
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

as_user unshare id
as_user unshare cat /proc/self/uid_map
