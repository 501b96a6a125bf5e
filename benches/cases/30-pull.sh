# shellcheck shell=bash
# Pulling large:latest (busybox + 4 layers of 50 MiB incompressible data, ~210 MB)
# from the test registry on 127.0.0.1:5000 (tests/registry.sh start,
# tests/fixtures/push.sh). Peak memory and disk use are measured apart, by
# benches/pull-resources.sh: hyperfine reports time only.

PULL_IMAGE=$REGISTRY/large:latest
MANIFEST_ACCEPT='application/vnd.oci.image.manifest.v1+json'

# The manifest's URL and then every blob's (config first), one per line; nothing
# when the registry does not answer (the floor then fails with curl's message).
pull_urls() {
	local manifest
	echo "http://$REGISTRY/v2/large/manifests/latest"
	manifest=$(curl -fsS --max-time 5 -H "Accept: $MANIFEST_ACCEPT" \
		"http://$REGISTRY/v2/large/manifests/latest" 2>/dev/null) || return 0
	jq -r --arg b "http://$REGISTRY/v2/large/blobs/" \
		'.config.digest, .layers[].digest | $b + .' <<<"$manifest" 2>/dev/null || true
}

# The floor of a cold pull is the transfer itself: curl fetching the manifest and
# every blob, all at once (-Z, as rpod and podman fetch layers in parallel), into
# /dev/null. No puller can do less than receive these bytes from this registry.
# Not `skopeo copy` to a dir: that is containers/image, podman's own copy code,
# so it would measure podman's machinery again rather than a floor.
floor_cold="curl -fsS -Z -H Accept:$MANIFEST_ACCEPT"
while read -r url; do
	[[ -n $url ]] && floor_cold+=" -o /dev/null $url"
done < <(pull_urls)

bench_case pull-cold "pull large:latest (~210 MB, 5 layers) into an empty store" \
	needs=pull \
	rpod="$RPOD pull -q $PULL_IMAGE" \
	podman="$PODMAN pull -q $PULL_IMAGE" \
	floor="$floor_cold" \
	prepare_rpod="$RPOD rmi -a -f" \
	prepare_podman="$PODMAN rmi -a -f"

# With every layer present a pull fetches the manifest (and config), finds each
# layer, and records the name. The floor is the one request it cannot skip:
# the manifest, to learn what the tag points at now.
bench_case pull-warm "pull large:latest again, every layer present (target < 50 ms)" \
	needs=pull \
	rpod="$RPOD pull -q $PULL_IMAGE" \
	podman="$PODMAN pull -q $PULL_IMAGE" \
	floor="curl -fsS -o /dev/null -H Accept:$MANIFEST_ACCEPT http://$REGISTRY/v2/large/manifests/latest" \
	setup_rpod="$RPOD pull -q $PULL_IMAGE" \
	setup_podman="$PODMAN pull -q $PULL_IMAGE"
