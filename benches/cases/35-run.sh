# shellcheck shell=bash
# Starting a container from an image that is already in the store: user
# namespace, five or six namespaces, overlay root, pivot_root, exec, wait,
# remove. The image is pulled once in setup. The floor is the kernel's part of
# it: entering a user namespace with a mount namespace and running true.
bench_case run "run --rm busybox true (default network)" \
	needs=run \
	pull="$REGISTRY/busybox" \
	rpod="$RPOD run --rm $REGISTRY/busybox true" \
	podman="$PODMAN run --rm $REGISTRY/busybox true" \
	floor="unshare -Urm true"

bench_case run-none "run --rm --network none busybox true" \
	needs=run \
	pull="$REGISTRY/busybox" \
	rpod="$RPOD run --rm --network none $REGISTRY/busybox true" \
	podman="$PODMAN run --rm --network none $REGISTRY/busybox true" \
	floor="unshare -Urmn true"
