# shellcheck shell=bash
# Entering the user namespace: the step every rpod invocation that touches the
# store pays. rpod and podman both install the subordinate map through the setuid
# newuidmap/newgidmap helpers. Rootless podman keeps a pause process holding its
# namespace, so after the warmup it joins that one instead of creating one.

# The floor maps only the caller's own id and needs no helper: the kernel's cost.
bench_case unshare "enter a user namespace and run true" \
	needs=unshare \
	rpod="$RPOD unshare true" \
	podman="$PODMAN unshare true" \
	floor="unshare -Ur true"

# The same, with the floor also mapping the user's subordinate ranges through
# newuidmap/newgidmap (util-linux --map-auto): the kernel plus the two helper
# execs, the fair bound for a full map.
bench_case unshare-subids "as unshare, the floor also mapping /etc/subuid ranges via newuidmap" \
	needs=unshare \
	rpod="$RPOD unshare true" \
	podman="$PODMAN unshare true" \
	floor="unshare --map-root-user --map-auto true"
