#!/usr/bin/env bash
# Resident memory of an idle container monitor: rpod's (rpod re-executed into its
# monitor entry point) against podman's conmon, each watching a detached
# `sleep` with --network none, so only the monitor itself is measured. A third
# row shows what a monitor that is only a fork of `rpod run` would hold: the
# foreground `rpod run`, which is its container's monitor, measured the same way.
#
# Figures per process from /proc: VmRSS (resident, shared pages included),
# RssAnon (its own heap and stacks) and Pss (shared pages divided among their
# users); medians of N containers (default 5), each measured after 1 s idle.
#
# Run as root after tests/setup-host.sh and tests/registry.sh start +
# tests/fixtures/push.sh:
#   benches/monitor-rss.sh [--rpod PATH] [--runs N]
set -euo pipefail

usage() { sed -n '2,14p' "${BASH_SOURCE[0]}"; }
# shellcheck source=benches/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

IMAGE=$REGISTRY/busybox:latest
RUNS=5

parse_args --rpod --runs -- "$@"
[[ ${#ARGS[@]} == 0 ]] || die "unknown argument ${ARGS[0]} (see --help)"

require_root "the containers"
require podman "run tests/setup-host.sh"
find_user
require_registry "$REGISTRY"
build_rpod

FG_PIDS=()
cleanup() {
	local pid
	as_user rpod "$RPOD" rm -a -f -t 0 >/dev/null 2>&1 || true
	as_user podman podman rm -a -f -t 0 >/dev/null 2>&1 || true
	for pid in "${FG_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	kill_pause_processes
	remove_work
}
make_work rpod-monrss rpod-monrss
install_rpod
make_tool_dirs rpod podman

# KiB of one field of /proc/PID/status or smaps_rollup.
field() { awk -v f="$2:" '$1 == f { print $2 }' "$1"; }

declare -A RSS=() ANON=() PSS=()

# record ROW PID: the memory of process PID, idle.
record() {
	local row=$1 pid=$2
	[[ -r /proc/$pid/status ]] || die "$row: process $pid is gone"
	RSS[$row]+="$(field "/proc/$pid/status" VmRSS) "
	ANON[$row]+="$(field "/proc/$pid/status" RssAnon) "
	PSS[$row]+="$(field "/proc/$pid/smaps_rollup" Pss) "
}

as_user rpod "$RPOD" pull -q "$IMAGE" >/dev/null
as_user podman podman pull -q --tls-verify=false "$IMAGE" >/dev/null
for n in $(seq 1 "$RUNS"); do
	as_user rpod "$RPOD" run -d --network none --name "m$n" "$IMAGE" sleep 600 >/dev/null
	as_user podman podman run -d --network none --name "m$n" "$IMAGE" sleep 600 >/dev/null
	# The foreground run, backgrounded: the rpod process itself is the monitor.
	as_user rpod "$RPOD" run --rm --network none --name "f$n" "$IMAGE" sleep 600 >/dev/null 2>&1 &
	FG_PIDS+=($!)
done
sleep 1.5
for n in $(seq 1 "$RUNS"); do
	record "rpod monitor (re-executed)" "$(as_user rpod "$RPOD" inspect --format '{{.State.ConmonPid}}' "m$n")"
	record "podman conmon" "$(as_user podman podman inspect --format '{{.State.ConmonPid}}' "m$n")"
	record "rpod run in the foreground (a fork-only monitor)" "$(as_user rpod "$RPOD" inspect --format '{{.State.ConmonPid}}' "f$n")"
done

mb() { awk -v k="$1" 'BEGIN { printf "%.2f MB", k * 1024 / 1e6 }'; }

echo "rpod $(as_user rpod "$RPOD" version --format '{{.Version}}' 2>/dev/null || echo '?'), $(podman --version), kernel $(uname -r);" \
	"medians of $RUNS idle monitors per row, --network none, as $BENCH_USER"
echo
echo "| monitor | VmRSS | RssAnon | Pss |"
echo "|---|---:|---:|---:|"
for row in "rpod monitor (re-executed)" "podman conmon" "rpod run in the foreground (a fork-only monitor)"; do
	echo "| $row | $(mb "$(median <<<"${RSS[$row]}")") | $(mb "$(median <<<"${ANON[$row]}")") | $(mb "$(median <<<"${PSS[$row]}")") |"
done
r=$(median <<<"${RSS["rpod monitor (re-executed)"]}") c=$(median <<<"${RSS["podman conmon"]}")
rp=$(median <<<"${PSS["rpod monitor (re-executed)"]}") cp=$(median <<<"${PSS["podman conmon"]}")
echo
awk -v r="$r" -v c="$c" -v rp="$rp" -v cp="$cp" 'BEGIN {
	printf "rpod/conmon: VmRSS %.2f×, Pss %.2f×\n", r / c, rp / cp }'
