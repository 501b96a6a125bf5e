# shellcheck shell=bash
# Copying a small file into a running container: find the container, join its user
# and mount namespaces, resolve the destination inside its root, write the file.
# Setup starts one detached container (--network none, busybox sleeping) per tool
# with 45-exec.sh's detached-target.
# The floor is the kernel's part: nsenter into the user and mount namespaces of a
# sleeping process that `unshare` made (45-exec.sh's exec-floor-target) and cp there.

case_file CP_SOURCE cp-source 644 <<<"a small file to copy"
case_file CP_FLOOR cp-floor 755 <<'EOF'
#!/bin/sh
# cp-floor SOURCE: cp inside the namespaces of exec-floor-target's process.
read -r pid <"$XDG_RUNTIME_DIR/exec-floor.pid"
exec nsenter --preserve-credentials -U -m -t "$pid" cp "$1" "$XDG_RUNTIME_DIR/cp-floor-copy"
EOF

bench_case cp "cp a small file into a running container" \
	needs=cp \
	setup_rpod="$DETACHED_TARGET $RPOD $REGISTRY/busybox bench-cp" \
	setup_podman="$DETACHED_TARGET $PODMAN $REGISTRY/busybox bench-cp" \
	setup_floor="$EXEC_FLOOR_TARGET" \
	rpod="$RPOD cp $CP_SOURCE bench-cp:/tmp/copy" \
	podman="$PODMAN cp $CP_SOURCE bench-cp:/tmp/copy" \
	floor="$CP_FLOOR $CP_SOURCE"
