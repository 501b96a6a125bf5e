#!/usr/bin/env bash
# Network benchmarks that hyperfine cannot time: throughput of a published port and
# of outbound connections (iperf3), the rate of short HTTP requests through a
# published port (ab), the start-up cost of the private network (interleaved runs, against
# --network none) and the resident memory of what serves a container's network.
# rpod against rootless podman's defaults (rootlessport, slirp4netns) and a floor
# (the same traffic over plain loopback or the same veth, no container), as the
# unprivileged test user, in one run. Prints markdown rows like benches/bench.sh.
#
# Run as root after tests/setup-host.sh and tests/registry.sh start:
#   benches/net-throughput.sh                 build target/release/rpod and run
#   benches/net-throughput.sh --rpod PATH     benchmark this binary
#
# All traffic stays on this machine: 127.0.0.1, the containers' own namespaces, and
# a client namespace joined to the host by a veth pair on an RFC 5737 range that
# this host does not route (the veth rows are skipped when none is free).
set -euo pipefail

usage() {
	cat <<'EOF'
Usage: benches/net-throughput.sh [--rpod PATH] [--keep]

Environment:
  BENCH_USER      unprivileged user the tools run as          (rpodtest)
  NET_SECONDS     seconds per iperf3 run                      (5)
  NET_REPEAT      iperf3 runs per cell, the median is shown   (3)
  NET_REQUESTS    HTTP requests per ab run                    (2000)
  NET_CONCURRENCY ab's concurrency                            (4)
  NET_SETUP_RUNS  runs of each `run --rm true` variant         (20)
  NET_ONLY        parts to run: published outbound http setup (all)
EOF
}

NOTE_PREFIX="net-bench"
# shellcheck source=benches/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SECONDS_PER_RUN=${NET_SECONDS:-5}
REPEAT=${NET_REPEAT:-3}
REQUESTS=${NET_REQUESTS:-2000}
CONCURRENCY=${NET_CONCURRENCY:-4}
SETUP_RUNS=${NET_SETUP_RUNS:-20}
ONLY=${NET_ONLY:-published outbound http setup}
IMAGE=$REGISTRY/busybox
# The host's iperf3 and python3, run inside busybox containers through read-only
# binds of /usr (the image has no /usr, /lib or /lib64 of its own).
HOST_USR=(-v /usr:/usr:ro -v /usr/lib:/lib:ro -v /usr/lib64:/lib64:ro)
TOOLS=(rpod podman)

tool_cmd() {
	case $1 in
	rpod) echo "$RPOD" ;;
	podman) echo podman ;;
	esac
}

# A TCP or UDP port nobody listens on right now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("0.0.0.0", 0)); print(s.getsockname()[1])'
}

# ---------------------------------------------------------------------------
# Containers in the background: started with a control dir, ready once the
# script inside touches /ctl/ready, stopped by writing /ctl/stop.
# ---------------------------------------------------------------------------
declare -A CTL=() PID=()

# start NAME TOOL SETUP ARGS...: `TOOL run --rm -v CTL:/ctl ARGS busybox sh -c SETUP…`
start() {
	local name=$1 tool=$2 setup=$3
	shift 3
	local ctl=$WORK/ctl-$name
	install -d -m 755 -o "$BENCH_USER" -g "$BENCH_USER" "$ctl"
	CTL[$name]=$ctl
	user_cmd "$tool" timeout --kill-after=5 600 "$(tool_cmd "$tool")" run --rm \
		-v "$ctl:/ctl" "$@" "$IMAGE" sh -c \
		"$setup
touch /ctl/ready
while [ ! -e /ctl/stop ]; do sleep 0.1; done"
	"${USER_CMD[@]}" >"$WORK/$name.out" 2>&1 &
	PID[$name]=$!
	local i
	for i in $(seq 1 600); do
		[[ -e $ctl/ready ]] && return 0
		kill -0 "${PID[$name]}" 2>/dev/null ||
			die "$name: the container ended before it was ready: $(cat "$WORK/$name.out")"
		sleep 0.1
	done
	die "$name: not ready after 60 s: $(cat "$WORK/$name.out")"
}

stop() {
	local name=$1
	[[ -n ${CTL[$name]:-} ]] || return 0
	touch "${CTL[$name]}/stop"
	local i
	for i in $(seq 1 100); do
		kill -0 "${PID[$name]}" 2>/dev/null || break
		sleep 0.1
	done
	kill -TERM "${PID[$name]}" 2>/dev/null || true
	wait "${PID[$name]}" 2>/dev/null || true
	unset "CTL[$name]"
}

# stop_each NAME: the containers NAME-TOOL of every tool.
stop_each() {
	local tool
	for tool in "${TOOLS[@]}"; do
		stop "$1-$tool"
	done
}

# start_host_iperf PORT: the floor's iperf3 server, on the host as the test user;
# its pid in HOST_IPERF.
start_host_iperf() {
	user_cmd rpod iperf3 -s -p "$1"
	"${USER_CMD[@]}" >/dev/null 2>&1 &
	HOST_IPERF=$!
	sleep 0.5
}

# end_host_server VAR: ends the host process whose pid is in VAR, and clears VAR.
end_host_server() {
	local -n _pid=$1
	kill "$_pid" 2>/dev/null || true
	wait "$_pid" 2>/dev/null || true
	_pid=
}

# Pids of the processes of `tool`'s environment whose command name is one of
# the others: rpod's monitor, podman's conmon, rootlessport and slirp4netns.
helper_pids() {
	local tool=$1 names=$2 pid comm
	for pid in $(pgrep -u "$BENCH_USER"); do
		comm=$(cat "/proc/$pid/comm" 2>/dev/null) || continue
		[[ " $names " == *" $comm "* ]] || continue
		tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null |
			grep -qx "XDG_RUNTIME_DIR=$RUN/$tool" || continue
		echo "$pid"
	done
}

# Sum of one smaps_rollup field (kB) over the pids given (Rss, Private_Dirty).
mem_kb() {
	local field=$1 pid total=0 kb
	shift
	for pid in "$@"; do
		kb=$(awk -v f="$field" '$1 == f ":" { s += $2 } END { print s + 0 }' \
			"/proc/$pid/smaps_rollup" 2>/dev/null) || continue
		total=$((total + kb))
	done
	echo "$total"
}

# ---------------------------------------------------------------------------
# A client namespace on a veth pair (for a non-loopback client).
# ---------------------------------------------------------------------------
NS=
VETH=
VETH_HOST=
VETH_CLIENT=

setup_veth() {
	local routes range
	routes=$(ip -4 route show table all; ip -4 addr)
	for range in 198.51.100 203.0.113 192.0.2; do
		if [[ $routes != *"$range."* ]]; then
			NS=rpodcli-bench-$$
			VETH=rpvb$$
			VETH_HOST=$range.1
			VETH_CLIENT=$range.2
			ip netns add "$NS"
			ip link add "$VETH" type veth peer name "${VETH}c"
			ip link set "${VETH}c" netns "$NS"
			ip addr add "$VETH_HOST/24" dev "$VETH"
			ip link set "$VETH" up
			ip -n "$NS" link set lo up
			ip -n "$NS" addr add "$VETH_CLIENT/24" dev "${VETH}c"
			ip -n "$NS" link set "${VETH}c" up
			return 0
		fi
	done
	note "every RFC 5737 range is in use on this host: no veth rows"
	return 1
}

cleanup() {
	local name
	for name in "${!CTL[@]}"; do
		stop "$name"
	done
	[[ -n ${HOST_IPERF:-} ]] && kill "$HOST_IPERF" 2>/dev/null
	[[ -n ${HOST_HTTPD:-} ]] && kill "$HOST_HTTPD" 2>/dev/null
	[[ -n $VETH ]] && ip link del "$VETH" 2>/dev/null
	[[ -n $NS ]] && ip netns del "$NS" 2>/dev/null
	kill_pause_processes
	wait 2>/dev/null
	remove_work
}

# ---------------------------------------------------------------------------
# Measuring. Figures are kept in GB/s, requests/s, ms or MB; rows print them.
# ---------------------------------------------------------------------------
declare -A VAL=()

# iperf3 client JSON on stdin → GB/s received.
gbps() {
	jq -er '.end.sum_received.bits_per_second / 8 / 1e9'
}

# iperf_run KEY CMD...: one client run; its rate joins KEY's figures. CMD may be
# a function (as_user); it bounds itself (iperf3 -t, timeout). Callers take
# turns between tools run after run, so that load from elsewhere on the machine
# falls on all of them alike; the median of each key is kept.
declare -A FIGURES=()
iperf_run() {
	local key=$1 out
	shift
	if out=$("$@" 2>/dev/null | gbps); then
		FIGURES[$key]+="$out "
	else
		note "$key: a run failed"
	fi
}

# Medians of the figures gathered so far, into VAL.
settle() {
	local key
	for key in "${!FIGURES[@]}"; do
		VAL[$key]=$(median <<<"${FIGURES[$key]}")
		note "$key: ${FIGURES[$key]}GB/s"
	done
	FIGURES=()
}

# The address the iperf3 server in container NAME saw last.
seen_by() {
	sed -n 's/.*Accepted connection from \([^,]*\),.*/\1/p' "${CTL[$1]}/iperf.log" | tail -n 1
}

published_throughput() {
	local tool port
	local -A ports=()
	for tool in "${TOOLS[@]}"; do
		port=$(free_port)
		ports[$tool]=$port
		start "iperf-$tool" "$tool" \
			"/usr/bin/iperf3 -s -p 5201 >/ctl/iperf.log 2>&1 &
while ! netstat -ltn | grep -q ':5201 '; do sleep 0.05; done" \
			"${HOST_USR[@]}" -p "$port:5201"
	done
	port=$(free_port)
	start_host_iperf "$port"
	ports[floor]=$port
	local i
	for i in $(seq 1 "$REPEAT"); do
		for tool in "${TOOLS[@]}" floor; do
			iperf_run "pub:$tool" "${LIMIT[@]}" iperf3 -c 127.0.0.1 -p "${ports[$tool]}" -t "$SECONDS_PER_RUN" -J
		done
	done
	for tool in "${TOOLS[@]}"; do
		VAL[pub-seen:$tool]=$(seen_by "iperf-$tool")
	done
	if [[ -n $NS ]]; then
		for i in $(seq 1 "$REPEAT"); do
			for tool in "${TOOLS[@]}" floor; do
				iperf_run "veth:$tool" "${LIMIT[@]}" ip netns exec "$NS" \
					iperf3 -c "$VETH_HOST" -p "${ports[$tool]}" -t "$SECONDS_PER_RUN" -J
			done
		done
		for tool in "${TOOLS[@]}"; do
			VAL[veth-seen:$tool]=$(seen_by "iperf-$tool")
		done
	fi
	settle
	# What serves the network, measured while the servers are up and have carried traffic.
	local -a pids
	for tool in "${TOOLS[@]}"; do
		if [[ $tool == rpod ]]; then
			mapfile -t pids < <(helper_pids rpod "rpod")
		else
			mapfile -t pids < <(helper_pids podman "conmon rootlessport rootlessport-child slirp4netns exe")
		fi
		VAL[rss:$tool]=$(awk -v k="$(mem_kb Rss "${pids[@]}")" 'BEGIN { print k / 1024 }')
		VAL[uss:$tool]=$(awk -v k="$(mem_kb Private_Dirty "${pids[@]}")" 'BEGIN { print k / 1024 }')
		note "memory: $tool $(for p in "${pids[@]}"; do printf '%s(%s) ' "$p" "$(cat "/proc/$p/comm")"; done)" \
			"→ RSS ${VAL[rss:$tool]} MB, private dirty ${VAL[uss:$tool]} MB"
	done
	stop_each iperf
	end_host_server HOST_IPERF
}

# Outbound: iperf3 in the container to a server on the host's loopback through
# 10.0.2.2, sending (up) and receiving (-R, down).
outbound_throughput() {
	local port tool dir flag
	port=$(free_port)
	start_host_iperf "$port"
	local i
	for i in $(seq 1 "$REPEAT"); do
		for dir in up down; do
			flag=
			[[ $dir == down ]] && flag=-R
			for tool in "${TOOLS[@]}"; do
				iperf_run "out-$dir:$tool" as_user "$tool" "${LIMIT[@]}" "$(tool_cmd "$tool")" run --rm \
					--network slirp4netns:allow_host_loopback=true "${HOST_USR[@]}" "$IMAGE" \
					/usr/bin/iperf3 -c 10.0.2.2 -p "$port" -t "$SECONDS_PER_RUN" -J $flag
			done
			iperf_run "out-$dir:floor" "${LIMIT[@]}" iperf3 -c 127.0.0.1 -p "$port" -t "$SECONDS_PER_RUN" -J $flag
		done
	done
	settle
	end_host_server HOST_IPERF
}

# Requests per second of `ab` against URL (its own limits: REQUESTS and 60 s).
ab_rate() {
	local out
	out=$(timeout 90 ab -q -s 10 -t 60 -n "$REQUESTS" -c "$CONCURRENCY" "$1" 2>&1) || {
		note "ab $1 failed: $out"
		return 1
	}
	if ! grep -q "^Failed requests: *0" <<<"$out"; then
		note "ab $1: some requests failed: $(grep -E '^(Failed|Complete)' <<<"$out" | tr '\n' ' ')"
	fi
	awk '/^Requests per second:/ { print $4 }' <<<"$out"
}

connection_rate() {
	local www=$WORK/www port tool i
	local -A ports=()
	install -d -m 755 -o "$BENCH_USER" -g "$BENCH_USER" "$www"
	echo "hello" >"$www/index.html"
	chmod 644 "$www/index.html"
	for tool in "${TOOLS[@]}"; do
		port=$(free_port)
		ports[$tool]=$port
		start "httpd-$tool" "$tool" "httpd -p 80 -h /www" -v "$www:/www:ro" -p "127.0.0.1:$port:80"
	done
	port=$(free_port)
	user_cmd rpod busybox httpd -f -p "127.0.0.1:$port" -h "$www"
	"${USER_CMD[@]}" &
	HOST_HTTPD=$!
	sleep 0.3
	ports[floor]=$port
	local -A runs=()
	for i in $(seq 1 "$REPEAT"); do
		for tool in "${TOOLS[@]}" floor; do
			runs[$tool]+="$(ab_rate "http://127.0.0.1:${ports[$tool]}/index.html") "
		done
	done
	for tool in "${TOOLS[@]}" floor; do
		note "http:$tool: ${runs[$tool]}requests/s"
		VAL[http:$tool]=$(median <<<"${runs[$tool]}") || true
	done
	stop_each httpd
	end_host_server HOST_HTTPD
}

# Median wall time (ms) of `run --rm busybox true` per network. The variants
# take turns, run after run, so that a machine busy with something else slows
# them all alike and the differences stay meaningful (hyperfine would time each
# command's runs in one block). Each time includes starting the command as the
# test user (setpriv, env), the same for every variant.
setup_cost() {
	local port i variant tool net ms t0 t1
	local -a variants=(rpod:none rpod:private rpod:publish podman:none podman:private podman:publish floor:none)
	local -A times=()
	port=$(free_port)
	for i in $(seq 1 $((SETUP_RUNS + 3))); do
		for variant in "${variants[@]}"; do
			tool=${variant%%:*}
			net=${variant#*:}
			local -a cmd
			case $tool:$net in
			floor:*) cmd=(unshare -Urmn true) ;;
			*:none) cmd=("$(tool_cmd "$tool")" run --rm --network none "$IMAGE" true) ;;
			*:private) cmd=("$(tool_cmd "$tool")" run --rm "$IMAGE" true) ;;
			*:publish) cmd=("$(tool_cmd "$tool")" run --rm -p "127.0.0.1:$port:80" "$IMAGE" true) ;;
			esac
			t0=$(date +%s%N)
			if ! as_user "${tool/floor/rpod}" timeout 60 "${cmd[@]}" </dev/null >/dev/null 2>"$WORK/setup.err"; then
				note "setup $variant: '${cmd[*]}' failed: $(cat "$WORK/setup.err")"
				continue
			fi
			t1=$(date +%s%N)
			# The first three rounds warm caches up and are not kept.
			[[ $i -gt 3 ]] && times[$variant]+="$(((t1 - t0) / 1000)) "
		done
	done
	for variant in "${variants[@]}"; do
		tool=${variant%%:*}
		net=${variant#*:}
		[[ -n ${times[$variant]:-} ]] || continue
		ms=$(median <<<"${times[$variant]}" | awk '{ print $1 / 1000 }')
		VAL[setup-$net:$tool]=$ms
	done
	for tool in "${TOOLS[@]}"; do
		[[ -n ${VAL[setup-none:$tool]:-} ]] || continue
		[[ -n ${VAL[setup-private:$tool]:-} ]] &&
			VAL[setup-add:$tool]=$(awk -v a="${VAL[setup-private:$tool]}" -v b="${VAL[setup-none:$tool]}" 'BEGIN { print a - b }')
		[[ -n ${VAL[setup-publish:$tool]:-} ]] &&
			VAL[setup-addp:$tool]=$(awk -v a="${VAL[setup-publish:$tool]}" -v b="${VAL[setup-none:$tool]}" 'BEGIN { print a - b }')
	done
	note "setup: ${VAL[setup-none:rpod]:-?} / ${VAL[setup-private:rpod]:-?} / ${VAL[setup-publish:rpod]:-?} ms (rpod none/private/-p)," \
		"${VAL[setup-none:podman]:-?} / ${VAL[setup-private:podman]:-?} / ${VAL[setup-publish:podman]:-?} ms (podman)"
}

# ---------------------------------------------------------------------------
# The table.
# ---------------------------------------------------------------------------
cell() {
	local v=${VAL[$1]:-} unit=$2
	if [[ -z $v ]]; then
		echo "n/a"
	else
		awk -v v="$v" -v u="$unit" 'BEGIN { printf (u == "req/s" ? "%.0f %s" : "%.2f %s"), v, u }'
	fi
}

ratio() {
	ratio_of "${VAL[$1]:-}" "${VAL[$2]:-}"
}

row() {
	local name=$1 key=$2 unit=$3
	echo "| $name | $(cell "$key:rpod" "$unit") | $(cell "$key:podman" "$unit") |" \
		"$(cell "$key:floor" "$unit") | $(ratio "$key:rpod" "$key:podman") |" \
		"$(ratio "$key:rpod" "$key:floor") |"
}

print_table() {
	echo "| benchmark | rpod | podman | floor | rpod/podman | rpod/floor |"
	echo "|---|---:|---:|---:|---:|---:|"
	row "published port, loopback client (iperf3)" pub GB/s
	[[ -n $NS ]] && row "published port, veth client (iperf3)" veth GB/s
	row "outbound to host loopback, up (iperf3)" out-up GB/s
	row "outbound to host loopback, down (iperf3 -R)" out-down GB/s
	row "short HTTP requests through -p (ab -c $CONCURRENCY)" http req/s
	row "run --rm true, --network none (interleaved runs)" setup-none ms
	row "run --rm true, default network" setup-private ms
	row "run --rm true, default network + -p" setup-publish ms
	row "added by the default network (vs none)" setup-add ms
	row "added by the default network + -p (vs none)" setup-addp ms
	row "RSS serving the network (rpod monitor / conmon+rootlessport+slirp4netns)" rss MB
	row "of which private dirty (what one more container costs)" uss MB
	echo
	echo "Client address the server in the container saw: loopback client —" \
		"rpod ${VAL[pub-seen:rpod]:-?}, podman ${VAL[pub-seen:podman]:-?};" \
		"veth client $VETH_CLIENT — rpod ${VAL[veth-seen:rpod]:-?}, podman ${VAL[veth-seen:podman]:-?}."
}

main() {
	local tool
	parse_args --rpod --keep -- "$@"
	[[ ${#ARGS[@]} == 0 ]] || die "unknown argument ${ARGS[0]} (see --help)"
	require_root "the tools"
	for tool in iperf3 ab jq podman busybox python3 setpriv; do
		require "$tool" "run tests/setup-host.sh"
	done
	find_user
	require_registry "$REGISTRY"
	build_rpod

	LIMIT=(timeout --kill-after=5 $((SECONDS_PER_RUN + 60)))
	make_work rpod-netbench rpod-nb
	install_rpod
	install -d -m 755 -o "$BENCH_USER" -g "$BENCH_USER" "$WORK/out"
	make_tool_dirs "${TOOLS[@]}"
	as_user rpod "$RPOD" pull -q "$IMAGE" >/dev/null
	as_user podman podman pull -q --tls-verify=false "$IMAGE" >/dev/null
	setup_veth || true

	[[ " $ONLY " == *" published "* ]] && published_throughput
	[[ " $ONLY " == *" outbound "* ]] && outbound_throughput
	[[ " $ONLY " == *" http "* ]] && connection_rate
	[[ " $ONLY " == *" setup "* ]] && setup_cost

	echo "rpod $(as_user rpod "$RPOD" version --format '{{.Version}} ({{.GitCommit}})')," \
		"$(as_user podman podman --version), $(iperf3 --version | head -n 1 | cut -d' ' -f1-2)," \
		"kernel $(uname -r), $(nproc) CPUs; medians of $REPEAT runs ($SECONDS_PER_RUN s each for iperf3," \
		"$REQUESTS requests for ab) as $BENCH_USER"
	echo
	print_table
}

main "$@"
