#!/usr/bin/env bash
# Peak memory and disk use of a cold pull, rpod against rootless podman: what
# hyperfine (benches/bench.sh pull-cold) does not show. Each run pulls the image
# into a fresh store as the unprivileged test user under GNU time; the peak RSS
# is the largest single process of the pull (GNU time's "Maximum resident set
# size", which covers the children it waited for: rpod's user-namespace child,
# podman's helpers). Disk is `du -sx` of the store afterwards.
#
# Run as root after tests/setup-host.sh and tests/registry.sh start +
# tests/fixtures/push.sh:
#   benches/pull-resources.sh [--rpod PATH] [--runs N] [IMAGE]
# IMAGE defaults to 127.0.0.1:5000/large:latest; N (default 3) runs per tool,
# the table shows the median peak RSS and the largest.
set -euo pipefail

die() {
	echo "Error: $*" >&2
	exit 1
}
note() { echo "pull-resources: $*" >&2; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_USER=${BENCH_USER:-rpodtest}
USER_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
IMAGE=127.0.0.1:5000/large:latest
RUNS=3
RPOD_SRC=
TIMEOUT=300

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
	-*) die "unknown option $1 (see --help)" ;;
	*)
		IMAGE=$1
		shift
		;;
	esac
done

[[ $(id -u) == 0 ]] || die "run as root (the pulls themselves run as $BENCH_USER)"
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found: apt-get install time (tests/setup-host.sh installs it)"
command -v podman >/dev/null || die "podman not found: run tests/setup-host.sh"
USER_UID=$(id -u "$BENCH_USER" 2>/dev/null) || die "user $BENCH_USER missing: run tests/setup-host.sh"
USER_HOME=$(getent passwd "$BENCH_USER" | cut -d: -f6)
registry=${IMAGE%%/*}
curl -fsS -o /dev/null --max-time 2 "http://$registry/v2/" ||
	die "no registry answers on $registry: tests/registry.sh start && tests/fixtures/push.sh"

if [[ -z $RPOD_SRC ]]; then
	note "cargo build --release"
	(cd "$ROOT" && cargo build --release >&2) || die "cargo build --release failed"
	RPOD_SRC=$ROOT/target/release/rpod
fi
[[ -x $RPOD_SRC ]] || die "$RPOD_SRC is not an executable file"

WORK=$(mktemp -d /tmp/rpod-pullres.XXXXXX)
RUN=/run/user/$USER_UID/rpod-pullres.${WORK##*.}
cleanup() {
	local pidfile pid
	# Rootless podman leaves a pause process in our runtime dir: end it.
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
install -m 755 "$RPOD_SRC" "$WORK/bin/rpod"

# as_user DATA_DIR RUN_DIR CMD...: CMD as the test user with its own store.
as_user() {
	local data=$1 run=$2
	shift 2
	(cd "$WORK" && setpriv --reuid="$BENCH_USER" --regid="$BENCH_USER" --init-groups \
		env -i HOME="$USER_HOME" USER="$BENCH_USER" LOGNAME="$BENCH_USER" LANG=C.UTF-8 \
		PATH="$USER_PATH" XDG_RUNTIME_DIR="$run" XDG_DATA_HOME="$data" "$@")
}

declare -A RSS=() DISK=() SECS=()

# measure TOOL N: one cold pull into a fresh store; appends to RSS/DISK/SECS.
measure() {
	local tool=$1 n=$2 dir=$WORK/$1-$2 run=$RUN/$1-$2 log store kb secs
	install -d -m 700 -o "$BENCH_USER" -g "$BENCH_USER" "$dir" "$dir/data" "$run"
	log=$dir/time.log
	local -a cmd
	case $tool in
	rpod) cmd=("$WORK/bin/rpod" pull -q "$IMAGE") store=$dir/data/rpod ;;
	podman) cmd=(podman pull -q "$IMAGE") store=$dir/data/containers ;;
	esac
	if ! as_user "$dir/data" "$run" timeout --kill-after=10 "$TIMEOUT" \
		/usr/bin/time -v -o "$dir/time.out" "${cmd[@]}" >"$log" 2>&1; then
		cat "$log" >&2
		die "$tool pull failed (run $n)"
	fi
	kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$dir/time.out")
	secs=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$dir/time.out")
	[[ $kb =~ ^[0-9]+$ ]] || die "$tool: no peak RSS in $dir/time.out"
	sync
	DISK[$tool]+="$(du -sxk "$store" | cut -f1) "
	RSS[$tool]+="$kb "
	SECS[$tool]+="$secs "
	note "$tool run $n: peak RSS $((kb / 1024)) MiB, ${secs}s, store $(du -sxh "$store" | cut -f1)"
}

median() { tr ' ' '\n' | grep . | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
largest() { tr ' ' '\n' | grep . | sort -n | tail -1; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

for n in $(seq 1 "$RUNS"); do
	for tool in rpod podman; do
		measure "$tool" "$n"
	done
done

echo "rpod $("$WORK/bin/rpod" version --format '{{.Version}}' 2>/dev/null || echo '?'), $(podman --version), kernel $(uname -r), $(nproc) CPUs;" \
	"$RUNS cold pulls of $IMAGE per tool as $BENCH_USER"
echo
echo "| tool | peak RSS (median) | peak RSS (max) | disk after pull (du -sx) | wall time (median) |"
echo "|---|---:|---:|---:|---:|"
for tool in rpod podman; do
	echo "| $tool | $(mib "$(median <<<"${RSS[$tool]}")") | $(mib "$(largest <<<"${RSS[$tool]}")")" \
		"| $(mib "$(median <<<"${DISK[$tool]}")") | $(median <<<"${SECS[$tool]}") s |"
done
r=$(median <<<"${RSS[rpod]}") p=$(median <<<"${RSS[podman]}")
dr=$(median <<<"${DISK[rpod]}") dp=$(median <<<"${DISK[podman]}")
echo
awk -v r="$r" -v p="$p" -v dr="$dr" -v dp="$dp" 'BEGIN {
	printf "rpod/podman: peak RSS %.2f×, disk %.3f×\n", r / p, dr / dp }'
