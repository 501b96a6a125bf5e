#!/usr/bin/env bash
# THE test command (README, CI): prepares this host, starts the test registry, pushes
# the fixture images, builds rpod and runs every test, unit and integration. As root:
#   sudo tests/run.sh                  everything
#   sudo tests/run.sh -- cli::         extra arguments go to `cargo test`
# The exit code is cargo test's. A registry this script started is stopped on exit.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")

# shellcheck source=tests/lib.sh
. "$here/lib.sh"
require_root_and_cargo "$0" "tests switch to the test user"

"$here/setup-host.sh" --base

# Each registry (plain: the fixtures; tls: TLS + htpasswd for login/push tests) is
# started when it does not answer, and then stopped on exit; one already running
# (another run's) is used and left alone.
started=()
stop_started() {
    local kind
    for kind in "${started[@]}"; do
        "$here/registry.sh" stop "$kind" || true
    done
}
trap stop_started EXIT
trap 'exit 130' INT TERM
for kind in plain tls; do
    if ! "$here/registry.sh" status "$kind" >/dev/null 2>&1; then
        "$here/registry.sh" start "$kind"
        started+=("$kind")
    fi
done
"$here/fixtures/push.sh"

cd "$repo"
cargo build
status=0
log=$(mktemp)
cargo test "$@" 2>&1 | tee "$log" || status=$?
# One closing line over every test binary (unit and integration).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i; if ($(i+1) ~ /^ignored/) s += $i } }
     END { printf "all tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$status"
