# shellcheck shell=bash
# Running a process in a running container: find the container, join its
# namespaces, fork into its pid namespace, exec, wait. Setup starts one detached
# container (--network none, busybox sleeping) per tool; every timed run is an
# exec into it. The floor is the kernel's part: nsenter into the user, mount, pid,
# uts, ipc and network namespaces of a sleeping process that `unshare` made, and
# `true` there (through a one-line sh that reads the process's pid).

# Helpers, written at load time into the run's work dir, which the test user can
# read (the checkout need not be).
if [[ -n ${WORK:-} && -d $WORK ]]; then
	EXEC_TARGET=$WORK/exec-target
	cat >"$EXEC_TARGET" <<'EOF'
#!/bin/sh
# exec-target TOOL IMAGE: one running container named bench-exec.
set -e
"$1" rm -f -t 0 bench-exec >/dev/null 2>&1 || true
"$1" image exists "$2" || "$1" pull -q --tls-verify=false "$2" >/dev/null
"$1" run -d --name bench-exec --network none "$2" sleep 100000 >/dev/null
EOF
	EXEC_FLOOR_TARGET=$WORK/exec-floor-target
	cat >"$EXEC_FLOOR_TARGET" <<'EOF'
#!/bin/sh
# exec-floor-target: a waiting process in its own user, mount, pid, uts, ipc and
# network namespaces, its pid in the runtime dir; it ends once the benchmark has
# removed that dir (or after 15 minutes).
set -e
pidfile=$XDG_RUNTIME_DIR/exec-floor.pid
rm -f "$pidfile"
# shellcheck disable=SC2016 # for the inner shell
unshare -Urmpuin --fork sh -c 'i=0; while [ -d "$0" ] && [ $i -lt 900 ]; do sleep 1; i=$((i + 1)); done' \
	"$XDG_RUNTIME_DIR" </dev/null >/dev/null 2>&1 &
parent=$!
i=0
while [ $i -lt 100 ]; do
	pid=$(pgrep -P "$parent" || true)
	if [ -n "$pid" ]; then
		echo "$pid" >"$pidfile"
		exit 0
	fi
	i=$((i + 1))
	sleep 0.05
done
echo "exec-floor-target: the process did not start" >&2
exit 1
EOF
	EXEC_FLOOR=$WORK/exec-floor
	cat >"$EXEC_FLOOR" <<'EOF'
#!/bin/sh
# exec-floor: true inside the namespaces of exec-floor-target's process.
read -r pid <"$XDG_RUNTIME_DIR/exec-floor.pid"
exec nsenter --preserve-credentials -U -m -p -u -i -n -t "$pid" true
EOF
	chmod 755 "$EXEC_TARGET" "$EXEC_FLOOR_TARGET" "$EXEC_FLOOR"
else
	EXEC_TARGET=exec-target
	EXEC_FLOOR_TARGET=exec-floor-target
	EXEC_FLOOR=exec-floor
fi

bench_case exec "exec true in a running container (--network none)" \
	needs=exec \
	setup_rpod="$EXEC_TARGET $RPOD $REGISTRY/busybox" \
	setup_podman="$EXEC_TARGET $PODMAN $REGISTRY/busybox" \
	setup_floor="$EXEC_FLOOR_TARGET" \
	rpod="$RPOD exec bench-exec true" \
	podman="$PODMAN exec bench-exec true" \
	floor="$EXEC_FLOOR"
