#!/usr/bin/env bash
# Benchmarks rpod against rootless podman and a floor (the cheapest way the kernel
# offers to do the same thing), each as the unprivileged test user, in one run on
# the same fixtures, and prints a markdown table of medians and ratios.
#
# Run as root after tests/setup-host.sh (test user, subordinate ids, runtime dir,
# podman config) and, for rows that pull, `tests/registry.sh start`.
#
#   benches/bench.sh                 every row in benches/cases/*.sh
#   benches/bench.sh unshare version only these rows
#   benches/bench.sh --list          the rows and what they measure
#
# Rows are declared in benches/cases/*.sh with `bench_case` (see below); files are
# read in name order, which is the order of the table.
set -euo pipefail

usage() {
	cat <<'EOF'
Usage: benches/bench.sh [--rpod PATH] [--keep] [--list] [ROW...]

Options:
  --rpod PATH  benchmark this rpod binary instead of building target/release/rpod
  --keep       keep the work directory (hyperfine's JSON per row and tool)
  --list       list the rows and exit
  -h, --help   this text

Environment:
  BENCH_USER      unprivileged user the tools run as            (rpodtest)
  BENCH_WARMUP    hyperfine warmup runs per command             (3)
  BENCH_MIN_RUNS  hyperfine --min-runs                          (10)
  BENCH_MAX_RUNS  hyperfine --max-runs                          (30)
  BENCH_TIMEOUT   seconds before one hyperfine call is killed   (300)
EOF
}

die() {
	echo "Error: $*" >&2
	exit 1
}
note() { echo "bench: $*" >&2; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_USER=${BENCH_USER:-rpodtest}
WARMUP=${BENCH_WARMUP:-3}
MIN_RUNS=${BENCH_MIN_RUNS:-10}
MAX_RUNS=${BENCH_MAX_RUNS:-30}
TIMEOUT=${BENCH_TIMEOUT:-300}
USER_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# shellcheck disable=SC2034 # for case files
REGISTRY=127.0.0.1:5000
TOOLS=(rpod podman floor)

# ---------------------------------------------------------------------------
# Rows.
#
# bench_case NAME ABOUT KEY=VALUE...
#   rpod=CMD, podman=CMD, floor=CMD   the three commands (required). Commands run
#                                     without a shell (hyperfine -N): one program
#                                     and its words; use `sh -c '…'` for more.
#   needs=SUBCOMMAND                  rpod subcommand the row needs ("unshare",
#                                     "image ls"); without it the rpod cell says
#                                     "(missing: rpod SUBCOMMAND)".
#   setup_TOOL=CMD                    run once as the user in TOOL's environment
#                                     before timing (e.g. pull the fixture).
#   prepare_TOOL=CMD                  hyperfine --prepare for TOOL (before every
#                                     run, untimed; e.g. empty the store).
# Case files may use $RPOD, $PODMAN and $REGISTRY. Every tool column has its own
# XDG_DATA_HOME and XDG_RUNTIME_DIR, so stores never mix and podman's state from
# the user's own use plays no part.
# ---------------------------------------------------------------------------
ROW_NAMES=()
declare -A ROW=()

bench_case() {
	[[ $# -ge 2 ]] || die "bench_case: NAME and ABOUT are required"
	local name=$1 kv key
	[[ $name =~ ^[a-z0-9][a-z0-9-]*$ ]] || die "bench_case: bad row name '$name'"
	[[ -z ${ROW[$name:about]:-} ]] || die "bench_case: row '$name' declared twice"
	ROW_NAMES+=("$name")
	ROW[$name:about]=$2
	shift 2
	for kv in "$@"; do
		key=${kv%%=*}
		case $key in
		rpod | podman | floor | needs | setup_rpod | setup_podman | setup_floor | prepare_rpod | prepare_podman | prepare_floor)
			ROW[$name:$key]=${kv#*=}
			;;
		*) die "bench_case $name: unknown key '$key'" ;;
		esac
	done
	for key in "${TOOLS[@]}"; do
		[[ -n ${ROW[$name:$key]:-} ]] || die "bench_case $name: $key= is required"
	done
}

load_cases() {
	local f
	for f in "$ROOT"/benches/cases/*.sh; do
		# shellcheck source=/dev/null
		source "$f"
	done
	[[ ${#ROW_NAMES[@]} -gt 0 ]] || die "no rows in $ROOT/benches/cases/"
}

# ---------------------------------------------------------------------------
# Running as the test user.
# ---------------------------------------------------------------------------

# as_user TOOL CMD...: CMD as the test user, in TOOL's isolated environment.
as_user() {
	local tool=$1
	shift
	(cd "$WORK" && setpriv --reuid="$BENCH_USER" --regid="$BENCH_USER" --init-groups \
		env -i HOME="$USER_HOME" USER="$BENCH_USER" LOGNAME="$BENCH_USER" LANG=C.UTF-8 \
		PATH="$USER_PATH" XDG_RUNTIME_DIR="$RUN/$tool" XDG_DATA_HOME="$WORK/$tool/data" \
		"$@")
}

# The commands are split on blanks, as hyperfine -N does; none needs quoting.
words() {
	local -n _out=$1
	read -r -a _out <<<"$2"
}

cleanup() {
	local tool pidfile pid
	# Rows may leave containers running (40-lifecycle.sh): remove them while
	# their stores still exist.
	if [[ -n ${WORK:-} && -x ${RPOD:-} ]]; then
		as_user rpod "$RPOD" rm -a -f -t 0 >/dev/null 2>&1 || true
		as_user podman "$PODMAN" rm -a -f -t 0 >/dev/null 2>&1 || true
	fi
	for tool in "${TOOLS[@]}"; do
		# Rootless podman leaves a pause process holding its user namespace;
		# it was started by this run (its runtime dir is ours), so end it.
		pidfile=${RUN:-/nonexistent}/$tool/libpod/tmp/pause.pid
		[[ -f $pidfile ]] || continue
		pid=$(<"$pidfile")
		[[ $pid =~ ^[0-9]+$ ]] || continue
		[[ $(stat -c %U "/proc/$pid" 2>/dev/null) == "$BENCH_USER" ]] || continue
		kill -TERM "$pid" 2>/dev/null || continue
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$pid" 2>/dev/null || true
	done
	[[ -n ${RUN:-} ]] && rm -rf "$RUN"
	if [[ -n ${WORK:-} ]]; then
		if [[ $KEEP == 1 ]]; then
			note "kept $WORK"
		else
			rm -rf "$WORK"
		fi
	fi
}

# ---------------------------------------------------------------------------
# Preconditions: each missing piece is named with its fix.
# ---------------------------------------------------------------------------
require() {
	command -v "$1" >/dev/null || die "'$1' not found: install $2"
}

check_host() {
	[[ $(id -u) == 0 ]] || die "run as root (the tools themselves run as $BENCH_USER)"
	require setpriv "util-linux"
	require hyperfine "hyperfine (apt-get install hyperfine)"
	require jq "jq (apt-get install jq)"
	require timeout "coreutils"
	USER_UID=$(id -u "$BENCH_USER" 2>/dev/null) ||
		die "user $BENCH_USER does not exist: run tests/setup-host.sh first"
	USER_HOME=$(getent passwd "$BENCH_USER" | cut -d: -f6)
	grep -qE "^($BENCH_USER|$USER_UID):" /etc/subuid ||
		die "$BENCH_USER has no range in /etc/subuid: run tests/setup-host.sh first"
	[[ -d /run/user/$USER_UID && $(stat -c %U "/run/user/$USER_UID") == "$BENCH_USER" ]] ||
		die "/run/user/$USER_UID missing or not owned by $BENCH_USER: run tests/setup-host.sh first"
}

build_rpod() {
	if [[ -n $RPOD_SRC ]]; then
		[[ -x $RPOD_SRC ]] || die "--rpod $RPOD_SRC: not an executable file"
		return
	fi
	require cargo "Rust (https://rustup.rs) or pass --rpod PATH"
	note "cargo build --release"
	(cd "$ROOT" && cargo build --release >&2) || die "cargo build --release failed"
	RPOD_SRC=$ROOT/target/release/rpod
}

# The program a command starts must exist for the user; otherwise the whole run
# is meaningless, so stop rather than print a partial table.
check_program() {
	local row=$1 tool=$2 cmd=$3
	local -a argv
	words argv "$cmd"
	# shellcheck disable=SC2016 # $1 is for the inner shell
	as_user "$tool" sh -c 'command -v "$1" >/dev/null' sh "${argv[0]}" ||
		die "row $row: '${argv[0]}' ($tool) not found for $BENCH_USER; install it"
}

# ---------------------------------------------------------------------------
# Measuring.
# ---------------------------------------------------------------------------
declare -A CELL=() MEDIAN=()
FAILED=0

# measure ROW TOOL: fills CELL[ROW:TOOL] and, on success, MEDIAN[ROW:TOOL] (seconds).
measure() {
	local row=$1 tool=$2 cmd=${ROW[$1:$2]} json=$WORK/out/$1-$2.json
	local setup=${ROW[$row:setup_$tool]:-} prepare=${ROW[$row:prepare_$tool]:-}
	local err rc=0 median
	local -a argv
	local -a extra=()

	if [[ $tool == rpod && -n ${ROW[$row:needs]:-} ]]; then
		words argv "${ROW[$row:needs]}"
		if ! as_user rpod "$RPOD" "${argv[@]}" --help >/dev/null 2>&1; then
			CELL[$row:$tool]="(missing: rpod ${ROW[$row:needs]})"
			note "$row: rpod has no '${ROW[$row:needs]}' subcommand"
			return
		fi
	fi
	if [[ -n $setup ]]; then
		words argv "$setup"
		if ! err=$(as_user "$tool" "${argv[@]}" 2>&1 >/dev/null); then
			CELL[$row:$tool]="(failed: setup)"
			note "$row/$tool: setup '$setup' failed: $err"
			FAILED=1
			return
		fi
	fi
	# One plain run first, so a failing command is reported with its own
	# message instead of hyperfine's generic one, and never timed.
	words argv "$cmd"
	err=$(as_user "$tool" "${argv[@]}" 2>&1 >/dev/null </dev/null) || rc=$?
	if [[ $rc != 0 ]]; then
		CELL[$row:$tool]="(failed: exit $rc)"
		note "$row/$tool: '$cmd' exited $rc: $err"
		FAILED=1
		return
	fi
	if [[ -n $prepare ]]; then
		extra+=(--prepare "$prepare")
	fi
	note "$row/$tool: $cmd"
	if ! as_user "$tool" timeout --kill-after=10 "$TIMEOUT" \
		hyperfine -N --style basic --warmup "$WARMUP" --min-runs "$MIN_RUNS" \
		--max-runs "$MAX_RUNS" --export-json "$json" "${extra[@]}" \
		--command-name "$tool" "$cmd" >&2; then
		CELL[$row:$tool]="(failed: hyperfine)"
		note "$row/$tool: hyperfine failed or exceeded ${TIMEOUT}s"
		FAILED=1
		return
	fi
	median=$(jq -er '.results[0].median' "$json") ||
		die "$row/$tool: no median in $json"
	MEDIAN[$row:$tool]=$median
	CELL[$row:$tool]=$(awk -v s="$median" 'BEGIN { printf "%.2f ms", s * 1000 }')
}

ratio() {
	local a=${MEDIAN[$1]:-} b=${MEDIAN[$2]:-}
	if [[ -z $a || -z $b ]]; then
		echo "n/a"
	else
		awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f×", a / b }'
	fi
}

print_table() {
	local row
	echo "| benchmark | rpod | podman | floor | rpod/podman | rpod/floor |"
	echo "|---|---:|---:|---:|---:|---:|"
	for row in "$@"; do
		echo "| $row | ${CELL[$row:rpod]} | ${CELL[$row:podman]} | ${CELL[$row:floor]}" \
			"| $(ratio "$row:rpod" "$row:podman") | $(ratio "$row:rpod" "$row:floor") |"
	done
}

# ---------------------------------------------------------------------------
main() {
	local list=0 arg row tool
	local -a selected=()
	KEEP=0
	RPOD_SRC=
	while [[ $# -gt 0 ]]; do
		arg=$1
		shift
		case $arg in
		--rpod)
			[[ $# -gt 0 ]] || die "--rpod needs a path"
			RPOD_SRC=$(realpath -- "$1")
			shift
			;;
		--keep) KEEP=1 ;;
		--list) list=1 ;;
		-h | --help)
			usage
			exit 0
			;;
		-*) die "unknown option $arg (see --help)" ;;
		*) selected+=("$arg") ;;
		esac
	done

	if [[ $list == 1 ]]; then
		RPOD=rpod PODMAN=podman
		load_cases
		for row in "${ROW_NAMES[@]}"; do
			printf '%-16s %s\n' "$row" "${ROW[$row:about]}"
		done
		return
	fi

	check_host
	# shellcheck disable=SC2034 # for case files
	PODMAN=podman
	WORK=$(mktemp -d /tmp/rpod-bench.XXXXXX)
	RUN=/run/user/$USER_UID/rpod-bench.${WORK##*.}
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	RPOD=$WORK/bin/rpod

	# Rows first, so a mistyped name costs no build.
	load_cases
	[[ ${#selected[@]} -gt 0 ]] || selected=("${ROW_NAMES[@]}")
	for row in "${selected[@]}"; do
		[[ -n ${ROW[$row:about]:-} ]] || die "no row '$row'; rows: ${ROW_NAMES[*]}"
	done

	build_rpod
	# World-readable so the test user reaches the binary; the tool dirs are its own.
	chmod 755 "$WORK"
	install -d -m 755 "$WORK/bin"
	install -m 755 "$RPOD_SRC" "$RPOD"
	install -d -m 755 -o "$BENCH_USER" -g "$BENCH_USER" "$WORK/out"
	install -d -m 700 -o "$BENCH_USER" -g "$BENCH_USER" "$RUN"
	for tool in "${TOOLS[@]}"; do
		install -d -m 700 -o "$BENCH_USER" -g "$BENCH_USER" "$WORK/$tool" "$WORK/$tool/data" "$RUN/$tool"
	done

	as_user rpod "$RPOD" version >/dev/null 2>&1 ||
		die "$RPOD_SRC does not run as $BENCH_USER ('rpod version' failed)"
	for row in "${selected[@]}"; do
		check_program "$row" podman "${ROW[$row:podman]}"
		check_program "$row" floor "${ROW[$row:floor]}"
	done

	for row in "${selected[@]}"; do
		for tool in "${TOOLS[@]}"; do
			measure "$row" "$tool"
		done
	done

	echo "rpod $(as_user rpod "$RPOD" version --format '{{.Version}} ({{.GitCommit}})')," \
		"$(as_user podman podman --version)," \
		"$(hyperfine --version), kernel $(uname -r), $(nproc) CPUs;" \
		"medians as $BENCH_USER, $WARMUP warmups, $MIN_RUNS–$MAX_RUNS runs"
	echo
	print_table "${selected[@]}"
	[[ $FAILED == 0 ]] || die "some commands failed (see messages above); their cells hold no figure"
}

main "$@"
