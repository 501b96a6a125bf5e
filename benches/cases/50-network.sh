# shellcheck shell=bash
# What the network adds to starting a container (run and run-none in 35-run.sh
# are the default network and none). Throughput, request rates and memory are
# not hyperfine rows: benches/net-throughput.sh measures them.

# A host port free when the rows are loaded; each run binds and releases it.
NET_BENCH_PORT=${NET_BENCH_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}

# Publishing a port: binding it on the host before the container starts (rpod),
# or starting rootlessport (podman). The floor adds a network namespace.
bench_case run-publish "run --rm -p 127.0.0.1:PORT:80 busybox true" \
	needs=run \
	pull="$REGISTRY/busybox" \
	rpod="$RPOD run --rm -p 127.0.0.1:$NET_BENCH_PORT:80 $REGISTRY/busybox true" \
	podman="$PODMAN run --rm -p 127.0.0.1:$NET_BENCH_PORT:80 $REGISTRY/busybox true" \
	floor="unshare -Urmn true"

# The host's network: no namespace, no stack.
bench_case run-host-net "run --rm --network host busybox true" \
	needs=run \
	pull="$REGISTRY/busybox" \
	rpod="$RPOD run --rm --network host $REGISTRY/busybox true" \
	podman="$PODMAN run --rm --network host $REGISTRY/busybox true" \
	floor="unshare -Urm true"
