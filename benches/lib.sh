# shellcheck shell=bash
# What the benchmark scripts share: messages, the options they have in common,
# the checks of the host, the rpod binary under test, a work dir with a store and
# a runtime dir per tool, running a command as the test user in one tool's
# environment, the end of podman's pause processes, and the median.
#
# A script defines `usage` and `cleanup` before it calls parse_args and
# make_work; make_work arms `cleanup` for every way out. Its messages start with
# NOTE_PREFIX, by default the script's name.

# shellcheck disable=SC2034 # the scripts read these
{
	ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	NOTE_PREFIX=${NOTE_PREFIX:-$(basename "$0" .sh)}
	BENCH_USER=${BENCH_USER:-rpodtest}
	USER_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	REGISTRY=127.0.0.1:5000
	KEEP=0
	LIST=0
	RPOD_SRC=
	ARGS=()
}

die() {
	echo "Error: $*" >&2
	exit 1
}
note() { echo "$NOTE_PREFIX: $*" >&2; }

# parse_args OPTION... -- ARG...: the options named before `--` that this script
# takes (--rpod PATH, --runs N, --keep, --list) into RPOD_SRC, RUNS, KEEP and
# LIST; -h/--help prints `usage`; every other word is left in ARGS.
parse_args() {
	local -a known=()
	while [[ $1 != -- ]]; do
		known+=("$1")
		shift
	done
	shift
	ARGS=()
	while [[ $# -gt 0 ]]; do
		case $1 in
		-h | --help)
			usage
			exit 0
			;;
		-*)
			[[ " ${known[*]} " == *" $1 "* ]] || die "unknown option $1 (see --help)"
			case $1 in
			--rpod)
				[[ $# -ge 2 ]] || die "--rpod needs a path"
				RPOD_SRC=$(realpath -- "$2")
				shift
				;;
			--runs)
				[[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || die "--runs needs a positive number"
				RUNS=$2
				shift
				;;
			--keep) KEEP=1 ;;
			--list) LIST=1 ;;
			esac
			;;
		*) ARGS+=("$1") ;;
		esac
		shift
	done
}

# ---------------------------------------------------------------------------
# Preconditions: each missing piece is named with its fix.
# ---------------------------------------------------------------------------

# require PROGRAM FIX
require() {
	command -v "$1" >/dev/null || die "'$1' not found: $2"
}

# require_root WHO: WHO (the tools, the pulls) run as the test user, not root.
require_root() {
	[[ $(id -u) == 0 ]] || die "run as root ($1 themselves run as $BENCH_USER)"
}

# find_user: USER_UID and USER_HOME of the test user.
find_user() {
	USER_UID=$(id -u "$BENCH_USER" 2>/dev/null) ||
		die "user $BENCH_USER does not exist: run tests/setup-host.sh first"
	USER_HOME=$(getent passwd "$BENCH_USER" | cut -d: -f6)
}

# require_registry HOST:PORT
require_registry() {
	curl -fsS -o /dev/null --max-time 2 "http://$1/v2/" ||
		die "no registry answers on $1: tests/registry.sh start && tests/fixtures/push.sh"
}

# build_rpod: RPOD_SRC, the binary given with --rpod or else a fresh release build.
build_rpod() {
	if [[ -n $RPOD_SRC ]]; then
		[[ -x $RPOD_SRC ]] || die "--rpod $RPOD_SRC: not an executable file"
		return
	fi
	require cargo "install Rust (https://rustup.rs) or pass --rpod PATH"
	note "cargo build --release"
	(cd "$ROOT" && cargo build --release >&2) || die "cargo build --release failed"
	RPOD_SRC=$ROOT/target/release/rpod
}

# ---------------------------------------------------------------------------
# The work dir and the test user's environments.
# ---------------------------------------------------------------------------

# make_work NAME RUN_NAME: WORK, a fresh dir /tmp/NAME.XXXXXX, and RUN, its
# counterpart RUN_NAME.XXXXXX in the test user's runtime dir (kept short: with a
# runtime dir of more than ~40 characters, podman 4.3 waits 20 s for every
# container's exit, a socket path under it passing the 108-byte limit). RPOD is
# where install_rpod puts the binary.
make_work() {
	WORK=$(mktemp -d "/tmp/$1.XXXXXX")
	RUN=/run/user/$USER_UID/$2.${WORK##*.}
	RPOD=$WORK/bin/rpod
	trap cleanup EXIT
	trap 'exit 130' INT TERM
}

# install_rpod: RPOD_SRC copied to RPOD, where the test user reaches it (the
# checkout need not be readable by it).
install_rpod() {
	chmod 755 "$WORK"
	install -d -m 755 "$WORK/bin"
	install -m 755 "$RPOD_SRC" "$RPOD"
}

# make_tool_dirs TOOL...: each tool's own store and runtime dir, the test user's.
make_tool_dirs() {
	local tool
	install -d -m 700 -o "$BENCH_USER" -g "$BENCH_USER" "$RUN"
	for tool in "$@"; do
		install -d -m 700 -o "$BENCH_USER" -g "$BENCH_USER" "$WORK/$tool" "$WORK/$tool/data" "$RUN/$tool"
	done
}

# user_cmd ENV CMD...: sets USER_CMD to CMD run as the test user in $WORK, with
# the store $WORK/ENV/data and the runtime dir $RUN/ENV, so that stores never mix
# and the user's own podman state plays no part. A plain command, so
# `"${USER_CMD[@]}" &` gives its own pid in $!.
user_cmd() {
	local env=$1
	shift
	USER_CMD=(setpriv --reuid="$BENCH_USER" --regid="$BENCH_USER" --init-groups
		env -i -C "$WORK" HOME="$USER_HOME" USER="$BENCH_USER" LOGNAME="$BENCH_USER" LANG=C.UTF-8
		PATH="$USER_PATH" XDG_RUNTIME_DIR="$RUN/$env" XDG_DATA_HOME="$WORK/$env/data"
		"$@")
}

# as_user ENV CMD...: CMD run as user_cmd describes.
as_user() {
	user_cmd "$@"
	"${USER_CMD[@]}"
}

# Rootless podman leaves a pause process holding its user namespace in each
# runtime dir under RUN; they were started by this run, so end them.
kill_pause_processes() {
	local pidfile pid
	for pidfile in "${RUN:-/nonexistent}"/*/libpod/tmp/pause.pid; do
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
}

# remove_work: RUN, and WORK unless --keep.
remove_work() {
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
# Figures.
# ---------------------------------------------------------------------------

# The median of the numbers on stdin (separated by blanks or newlines); fails
# when there are none.
median() {
	tr ' ' '\n' | grep . | sort -g |
		awk '{ v[NR] = $1 } END { if (NR == 0) exit 1; print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ratio_of A B: A/B as "1.23×", or n/a without both figures.
ratio_of() {
	if [[ -z $1 || -z $2 ]] || awk -v b="$2" 'BEGIN { exit !(b == 0) }'; then
		echo "n/a"
	else
		awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f×", a / b }'
	fi
}
