# shellcheck shell=bash
# Building benches/fixtures/build (FROM the busybox fixture; ARG, ENV, WORKDIR,
# LABEL, a COPY of the context, three RUNs, EXPOSE, CMD), the base image already
# pulled. Cold: every step executed (--no-cache). Unchanged rebuild: every step
# from the cache (target <= 100 ms and <= 1/2 of podman's). The floor of both is
# the cheapest container start: a user namespace running true.

BUILD_CTX=$ROOT/benches/fixtures/build
BUILD_BASE=$REGISTRY/busybox:latest

bench_case build-cold "build the multi-step fixture, no cache (base image present)" \
	needs=build \
	rpod="$RPOD build -q --no-cache -t bench-build $BUILD_CTX" \
	podman="$PODMAN build -q --no-cache -t bench-build $BUILD_CTX" \
	floor="unshare -Ur true" \
	setup_rpod="$RPOD pull -q $BUILD_BASE" \
	setup_podman="$PODMAN pull -q $BUILD_BASE"

bench_case build-cached "rebuild the unchanged fixture, every step cached (target <= 100 ms)" \
	needs=build \
	rpod="$RPOD build -q -t bench-build $BUILD_CTX" \
	podman="$PODMAN build -q -t bench-build $BUILD_CTX" \
	floor="unshare -Ur true" \
	setup_rpod="$RPOD build -q -t bench-build $BUILD_CTX" \
	setup_podman="$PODMAN build -q -t bench-build $BUILD_CTX"
