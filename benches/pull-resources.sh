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

usage() { sed -n '2,14p' "${BASH_SOURCE[0]}"; }
# shellcheck source=benches/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

IMAGE=$REGISTRY/large:latest
RUNS=3
TIMEOUT=300

parse_args --rpod --runs -- "$@"
[[ ${#ARGS[@]} == 0 ]] || IMAGE=${ARGS[-1]}

require_root "the pulls"
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found: apt-get install time (tests/setup-host.sh installs it)"
require podman "run tests/setup-host.sh"
find_user
require_registry "${IMAGE%%/*}"
build_rpod

cleanup() {
	kill_pause_processes
	remove_work
}
make_work rpod-pullres rpod-pullres
install_rpod

declare -A RSS=() DISK=() SECS=()

# measure TOOL N: one cold pull into a fresh store; appends to RSS/DISK/SECS.
measure() {
	local tool=$1 n=$2 dir=$WORK/$1-$2 log store kb secs
	make_tool_dirs "$tool-$n"
	log=$dir/time.log
	local -a cmd
	case $tool in
	rpod) cmd=("$RPOD" pull -q "$IMAGE") store=$dir/data/rpod ;;
	podman) cmd=(podman pull -q "$IMAGE") store=$dir/data/containers ;;
	esac
	if ! as_user "$tool-$n" timeout --kill-after=10 "$TIMEOUT" \
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

largest() { tr ' ' '\n' | grep . | sort -n | tail -1; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

for n in $(seq 1 "$RUNS"); do
	for tool in rpod podman; do
		measure "$tool" "$n"
	done
done

echo "rpod $("$RPOD" version --format '{{.Version}}' 2>/dev/null || echo '?'), $(podman --version), kernel $(uname -r), $(nproc) CPUs;" \
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
