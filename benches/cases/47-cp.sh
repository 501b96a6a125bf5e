# shellcheck shell=bash
# Copying a small file into a running container: find the container, join its user
# and mount namespaces, resolve the destination inside its root, write the file.
# Setup starts one detached container (--network none, busybox sleeping) per tool.
# The floor is the kernel's part: nsenter into the user and mount namespaces of a
# sleeping process that `unshare` made (45-exec.sh's exec-floor-target) and cp there.

if [[ -n ${WORK:-} && -d $WORK ]]; then
	CP_SOURCE=$WORK/cp-source
	echo "a small file to copy" >"$CP_SOURCE"
	chmod 644 "$CP_SOURCE"
	CP_TARGET=$WORK/cp-target
	cat >"$CP_TARGET" <<'EOF'
#!/bin/sh
# cp-target TOOL IMAGE: one running container named bench-cp.
set -e
"$1" rm -f -t 0 bench-cp >/dev/null 2>&1 || true
"$1" image exists "$2" || "$1" pull -q --tls-verify=false "$2" >/dev/null
"$1" run -d --name bench-cp --network none "$2" sleep 100000 >/dev/null
EOF
	CP_FLOOR=$WORK/cp-floor
	cat >"$CP_FLOOR" <<'EOF'
#!/bin/sh
# cp-floor SOURCE: cp inside the namespaces of exec-floor-target's process.
read -r pid <"$XDG_RUNTIME_DIR/exec-floor.pid"
exec nsenter --preserve-credentials -U -m -t "$pid" cp "$1" "$XDG_RUNTIME_DIR/cp-floor-copy"
EOF
	chmod 755 "$CP_TARGET" "$CP_FLOOR"
else
	CP_SOURCE=cp-source
	CP_TARGET=cp-target
	CP_FLOOR=cp-floor
fi

bench_case cp "cp a small file into a running container" \
	needs=cp \
	setup_rpod="$CP_TARGET $RPOD $REGISTRY/busybox" \
	setup_podman="$CP_TARGET $PODMAN $REGISTRY/busybox" \
	setup_floor="$EXEC_FLOOR_TARGET" \
	rpod="$RPOD cp $CP_SOURCE bench-cp:/tmp/copy" \
	podman="$PODMAN cp $CP_SOURCE bench-cp:/tmp/copy" \
	floor="$CP_FLOOR $CP_SOURCE"
