# shellcheck shell=bash
# The container lifecycle without a daemon: starting a detached container (rpod's
# monitor is rpod re-executed, podman's is conmon), stopping one, removing one, and
# listing 100. Every row uses --network none, so the figures are the lifecycle's own
# and not the network setup's (benches/cases/35-run.sh has that). The busybox
# fixture is pulled once in setup; `prepare` puts the store back in the state each
# timed run needs, untimed.

# A helper the rows share: `lifecycle-fill TOOL N IMAGE` leaves exactly N containers,
# the last ten of them running.
case_file LIFECYCLE_FILL lifecycle-fill 755 <<'EOF'
#!/bin/sh
# lifecycle-fill TOOL N IMAGE: remove every container, then create N, starting the last ten.
set -e
tool=$1 n=$2 image=$3
"$tool" rm -a -f -t 0 >/dev/null 2>&1 || true
i=1
while [ "$i" -le "$n" ]; do
	if [ "$i" -gt $((n - 10)) ]; then
		"$tool" run -d --network none "$image" sleep 100000 >/dev/null
	else
		"$tool" create --network none "$image" true >/dev/null
	fi
	i=$((i + 1))
done
EOF

bench_case run-d "run -d --network none busybox sleep (returns once it runs)" \
	needs=run \
	pull="$REGISTRY/busybox" \
	prepare_rpod="$RPOD rm -a -f -t 0" \
	prepare_podman="$PODMAN rm -a -f -t 0" \
	prepare_floor="true" \
	rpod="$RPOD run -d --network none $REGISTRY/busybox sleep 100000" \
	podman="$PODMAN run -d --network none $REGISTRY/busybox sleep 100000" \
	floor="unshare -Urmn true"

bench_case stop-t0 "stop -t 0 of a running container (until its exit is recorded)" \
	needs=stop \
	pull="$REGISTRY/busybox" \
	prepare_rpod="$LIFECYCLE_FILL $RPOD 1 $REGISTRY/busybox" \
	prepare_podman="$LIFECYCLE_FILL $PODMAN 1 $REGISTRY/busybox" \
	prepare_floor="true" \
	rpod="$RPOD stop -t 0 -a" \
	podman="$PODMAN stop -t 0 -a" \
	floor="true"

bench_case rm "rm of an exited container" \
	needs=rm \
	setup_rpod="$RPOD create --name gone --network none $REGISTRY/busybox true" \
	setup_podman="$PODMAN create --name gone --network none $REGISTRY/busybox true" \
	prepare_rpod="sh -c '$RPOD rm -a -f -t 0; $RPOD create --name gone --network none $REGISTRY/busybox true'" \
	prepare_podman="sh -c '$PODMAN rm -a -f -t 0; $PODMAN create --name gone --network none $REGISTRY/busybox true'" \
	prepare_floor="true" \
	rpod="$RPOD rm gone" \
	podman="$PODMAN rm gone" \
	floor="true"

bench_case ps-100 "ps -a with 100 containers (10 running)" \
	needs=ps \
	setup_rpod="$LIFECYCLE_FILL $RPOD 100 $REGISTRY/busybox" \
	setup_podman="$LIFECYCLE_FILL $PODMAN 100 $REGISTRY/busybox" \
	rpod="$RPOD ps -a" \
	podman="$PODMAN ps -a" \
	floor="true"
