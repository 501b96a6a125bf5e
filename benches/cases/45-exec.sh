# shellcheck shell=bash
# Running a process in a running container: find the container, join its
# namespaces, fork into its pid namespace, exec, wait. Setup starts one detached
# container (--network none, busybox sleeping) per tool; every timed run is an
# exec into it. The floor is the kernel's part: nsenter into the user, mount, pid,
# uts, ipc and network namespaces of a sleeping process that `unshare` made, and
# `true` there (through a one-line sh that reads the process's pid).

case_file DETACHED_TARGET detached-target 755 <<'EOF'
#!/bin/sh
# detached-target TOOL IMAGE NAME: one running container NAME (47-cp.sh's too).
set -e
"$1" rm -f -t 0 "$3" >/dev/null 2>&1 || true
"$1" image exists "$2" || "$1" pull -q --tls-verify=false "$2" >/dev/null
"$1" run -d --name "$3" --network none "$2" sleep 100000 >/dev/null
EOF
case_file EXEC_FLOOR_TARGET exec-floor-target 755 <<'EOF'
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
case_file EXEC_FLOOR exec-floor 755 <<'EOF'
#!/bin/sh
# exec-floor: true inside the namespaces of exec-floor-target's process.
read -r pid <"$XDG_RUNTIME_DIR/exec-floor.pid"
exec nsenter --preserve-credentials -U -m -p -u -i -n -t "$pid" true
EOF

bench_case exec "exec true in a running container (--network none)" \
	needs=exec \
	setup_rpod="$DETACHED_TARGET $RPOD $REGISTRY/busybox bench-exec" \
	setup_podman="$DETACHED_TARGET $PODMAN $REGISTRY/busybox bench-exec" \
	setup_floor="$EXEC_FLOOR_TARGET" \
	rpod="$RPOD exec bench-exec true" \
	podman="$PODMAN exec bench-exec true" \
	floor="$EXEC_FLOOR"
