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

die() {
	echo "Error: $*" >&2
	exit 1
}
note() { echo "monitor-rss: $*" >&2; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_USER=${BENCH_USER:-rpodtest}
USER_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
IMAGE=127.0.0.1:5000/busybox:latest
RUNS=5
RPOD_SRC=

while [[ $# -gt 0 ]]; do
	case $1 in
	--rpod)
		[[ $# -ge 2 ]] || die "--rpod needs a path"
		RPOD_SRC=$(realpath -- "$2")
		shift 2
		;;
	--runs)
		[[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || die "--runs needs a positive number"
		RUNS=$2
		shift 2
		;;
	-h | --help)
		sed -n '2,14p' "${BASH_SOURCE[0]}"
		exit 0
		;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
done

[[ $(id -u) == 0 ]] || die "run as root (the containers themselves run as $BENCH_USER)"
command -v podman >/dev/null || die "podman not found: run tests/setup-host.sh"
USER_UID=$(id -u "$BENCH_USER" 2>/dev/null) || die "user $BENCH_USER missing: run tests/setup-host.sh"
USER_HOME=$(getent passwd "$BENCH_USER" | cut -d: -f6)
curl -fsS -o /dev/null --max-time 2 "http://${IMAGE%%/*}/v2/" ||
	die "no registry answers on ${IMAGE%%/*}: tests/registry.sh start && tests/fixtures/push.sh"

if [[ -z $RPOD_SRC ]]; then
	note "cargo build --release"
	(cd "$ROOT" && cargo build --release >&2) || die "cargo build --release failed"
	RPOD_SRC=$ROOT/target/release/rpod
fi
[[ -x $RPOD_SRC ]] || die "$RPOD_SRC is not an executable file"

WORK=$(mktemp -d /tmp/rpod-monrss.XXXXXX)
RUN=/run/user/$USER_UID/rpod-monrss.${WORK##*.}
RPOD=$WORK/bin/rpod
FG_PIDS=()
cleanup() {
	local pidfile pid
	as_user rpod "$RPOD" rm -a -f -t 0 >/dev/null 2>&1 || true
	as_user podman podman rm -a -f -t 0 >/dev/null 2>&1 || true
	for pid in "${FG_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	for pidfile in "$RUN"/*/libpod/tmp/pause.pid; do
		[[ -f $pidfile ]] || continue
		pid=$(<"$pidfile")
		[[ $pid =~ ^[0-9]+$ && $(stat -c %U "/proc/$pid" 2>/dev/null) == "$BENCH_USER" ]] || continue
		kill -KILL "$pid" 2>/dev/null || true
	done
	rm -rf "$RUN" "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
chmod 755 "$WORK"
install -d -m 755 "$WORK/bin"
install -m 755 "$RPOD_SRC" "$RPOD"
for tool in rpod podman; do
	install -d -m 700 -o "$BENCH_USER" -g "$BENCH_USER" "$WORK/$tool" "$WORK/$tool/data" "$RUN" "$RUN/$tool"
done

# as_user TOOL CMD...: CMD as the test user with TOOL's own store.
as_user() {
	local tool=$1
	shift
	(cd "$WORK" && setpriv --reuid="$BENCH_USER" --regid="$BENCH_USER" --init-groups \
		env -i HOME="$USER_HOME" USER="$BENCH_USER" LOGNAME="$BENCH_USER" LANG=C.UTF-8 \
		PATH="$USER_PATH" XDG_RUNTIME_DIR="$RUN/$tool" XDG_DATA_HOME="$WORK/$tool/data" "$@")
}

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

median() { tr ' ' '\n' | grep . | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
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
