# shellcheck shell=bash
# Startup cost: parse the command line, print a few lines, exit. The floor is
# starting any program at all.
bench_case version "start, print the version, exit" \
	needs=version \
	rpod="$RPOD version" \
	podman="$PODMAN version" \
	floor="true"
