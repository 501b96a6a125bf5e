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

# shellcheck source=benches/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WARMUP=${BENCH_WARMUP:-3}
MIN_RUNS=${BENCH_MIN_RUNS:-10}
MAX_RUNS=${BENCH_MAX_RUNS:-30}
TIMEOUT=${BENCH_TIMEOUT:-300}
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
#   pull=IMAGE                        setup_rpod and setup_podman pulling IMAGE
#                                     (podman with --tls-verify=false).
# Case files may use $RPOD, $PODMAN and $REGISTRY, and write the helper programs
# their rows run with case_file. Every tool column has its own
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
		pull)
			ROW[$name:setup_rpod]="$RPOD pull -q ${kv#*=}"
			ROW[$name:setup_podman]="$PODMAN pull -q --tls-verify=false ${kv#*=}"
			;;
		*) die "bench_case $name: unknown key '$key'" ;;
		esac
	done
	for key in "${TOOLS[@]}"; do
		[[ -n ${ROW[$name:$key]:-} ]] || die "bench_case $name: $key= is required"
	done
}

# case_file VAR NAME MODE: the text on stdin as the file NAME in the run's work
# dir, which the test user can read (the checkout need not be), with MODE; its
# path in VAR. Without a work dir (--list) VAR is just NAME.
case_file() {
	local -n _path=$1
	if [[ -n ${WORK:-} && -d $WORK ]]; then
		_path=$WORK/$2
		cat >"$_path"
		chmod "$3" "$_path"
	else
		_path=$2
		cat >/dev/null
	fi
}

load_cases() {
	local f
	for f in "$ROOT"/benches/cases/*.sh; do
		# shellcheck source=/dev/null
		source "$f"
	done
	[[ ${#ROW_NAMES[@]} -gt 0 ]] || die "no rows in $ROOT/benches/cases/"
}

# The commands are split on blanks, as hyperfine -N does; none needs quoting.
words() {
	local -n _out=$1
	read -r -a _out <<<"$2"
}

cleanup() {
	# Rows may leave containers running (40-lifecycle.sh): remove them while
	# their stores still exist.
	if [[ -n ${WORK:-} && -x ${RPOD:-} ]]; then
		as_user rpod "$RPOD" rm -a -f -t 0 >/dev/null 2>&1 || true
		as_user podman "$PODMAN" rm -a -f -t 0 >/dev/null 2>&1 || true
	fi
	kill_pause_processes
	remove_work
}

# ---------------------------------------------------------------------------
# Preconditions: each missing piece is named with its fix.
# ---------------------------------------------------------------------------
check_host() {
	require_root "the tools"
	require setpriv "install util-linux"
	require hyperfine "install hyperfine (apt-get install hyperfine)"
	require jq "install jq (apt-get install jq)"
	require timeout "install coreutils"
	find_user
	grep -qE "^($BENCH_USER|$USER_UID):" /etc/subuid ||
		die "$BENCH_USER has no range in /etc/subuid: run tests/setup-host.sh first"
	[[ -d /run/user/$USER_UID && $(stat -c %U "/run/user/$USER_UID") == "$BENCH_USER" ]] ||
		die "/run/user/$USER_UID missing or not owned by $BENCH_USER: run tests/setup-host.sh first"
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
	ratio_of "${MEDIAN[$1]:-}" "${MEDIAN[$2]:-}"
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
	local row tool
	local -a selected=()
	parse_args --rpod --keep --list -- "$@"
	selected=("${ARGS[@]}")

	if [[ $LIST == 1 ]]; then
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
	make_work rpod-bench rpod-bench

	# Rows first, so a mistyped name costs no build.
	load_cases
	[[ ${#selected[@]} -gt 0 ]] || selected=("${ROW_NAMES[@]}")
	for row in "${selected[@]}"; do
		[[ -n ${ROW[$row:about]:-} ]] || die "no row '$row'; rows: ${ROW_NAMES[*]}"
	done

	build_rpod
	# World-readable so the test user reaches the binary; the tool dirs are its own.
	install_rpod
	install -d -m 755 -o "$BENCH_USER" -g "$BENCH_USER" "$WORK/out"
	make_tool_dirs "${TOOLS[@]}"

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
