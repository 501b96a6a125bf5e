# shellcheck shell=bash
# Pushing large:latest (busybox + 4 layers of 50 MiB incompressible data, ~210 MB),
# pulled once in setup, to a fresh repository each run.
#
# push-upload: to the TLS registry with htpasswd auth (127.0.0.1:5443,
#   `tests/registry.sh start tls`), which has none of the image's blobs: every
#   layer is rebuilt from the store, gzip-compressed and uploaded. Both tools
#   remember where they pushed blobs before and would mount them from the last
#   run's repository; `prepare` deletes those caches so that both upload every
#   run.
#   The floor sends the image's existing compressed blobs with curl (one
#   monolithic upload each, all at once, read from the fixture's OCI layout):
#   the bytes alone, without compressing anything.
# push-mount: to the plain registry the image was pulled from (127.0.0.1:5000):
#   both tools find the blobs there and mount them across repositories, so the
#   push is a few requests and the manifest. The floor makes the same requests
#   with curl.

TLS_REGISTRY=127.0.0.1:5443
TLS_CREDS=rpodtest:rpod-secret
PUSH_IMAGE=$REGISTRY/large:latest

# push-fresh TOOL DEST IMAGE [FLAGS...]: push IMAGE to DEST-<unique>:1.
case_file PUSH_FRESH push-fresh 755 <<'SCRIPT'
#!/bin/sh
tool=$1 dest=$2 image=$3
shift 3
exec "$tool" push -q "$@" "$image" "$dest-$$-$(date +%s%N):1"
SCRIPT
# push-floor upload|mount LAYOUT TLS_REGISTRY CREDS REGISTRY: the same with curl.
case_file PUSH_FLOOR push-floor 755 <<'SCRIPT'
#!/bin/sh
set -e
mode=$1 layout=$2 tls=$3 creds=$4 plain=$5
ca=/etc/containers/certs.d/$tls/ca.crt
repo=bench-floor-$$-$(date +%s%N)
manifest=$(curl -fsS -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
	"http://$plain/v2/large/manifests/latest")
blobs=$(printf '%s' "$manifest" | jq -r '.config.digest, .layers[].digest')
if [ "$mode" = upload ]; then
	base=https://$tls/v2/$repo
	for d in $blobs; do
		loc=$(curl -fsS --cacert "$ca" -u "$creds" -X POST -o /dev/null -w '%header{location}' "$base/blobs/uploads/")
		curl -fsS --cacert "$ca" -u "$creds" -H 'Content-Type: application/octet-stream' -o /dev/null \
			-T "$layout/blobs/sha256/${d#sha256:}" "$loc&digest=$d" &
	done
	wait
	printf '%s' "$manifest" | curl -fsS --cacert "$ca" -u "$creds" -X PUT -o /dev/null --data-binary @- \
		-H 'Content-Type: application/vnd.oci.image.manifest.v1+json' "$base/manifests/1"
else
	base=http://$plain/v2/$repo
	for d in $blobs; do
		curl -fsS -X POST -o /dev/null "$base/blobs/uploads/?mount=$d&from=large"
	done
	printf '%s' "$manifest" | curl -fsS -X PUT -o /dev/null --data-binary @- \
		-H 'Content-Type: application/vnd.oci.image.manifest.v1+json' "$base/manifests/1"
fi
SCRIPT
if [[ -n ${WORK:-} && -d $WORK ]]; then
	# The fixture layouts (built already when the fixtures were pushed).
	PUSH_LAYOUT=$(python3 "$ROOT/tests/fixtures/build.py" 2>/dev/null)/large
else
	PUSH_LAYOUT=large
fi

bench_case push-upload "push large:latest (~210 MB) to a TLS+auth registry without its blobs (gzip, upload)" \
	needs=push \
	setup_rpod="$RPOD pull -q $PUSH_IMAGE" \
	setup_podman="$PODMAN pull -q $PUSH_IMAGE" \
	prepare_rpod="rm -f ${WORK:-}/rpod/data/rpod/storage/blob-locations.json" \
	prepare_podman="rm -f ${WORK:-}/podman/data/containers/cache/blob-info-cache-v1.boltdb" \
	prepare_floor="true" \
	rpod="$PUSH_FRESH $RPOD $TLS_REGISTRY/bench-push $PUSH_IMAGE --creds $TLS_CREDS" \
	podman="$PUSH_FRESH $PODMAN $TLS_REGISTRY/bench-push $PUSH_IMAGE --creds $TLS_CREDS" \
	floor="$PUSH_FLOOR upload $PUSH_LAYOUT $TLS_REGISTRY $TLS_CREDS $REGISTRY"

bench_case push-mount "push large:latest to a new repository of the registry it came from (mounts)" \
	needs=push \
	setup_rpod="$RPOD pull -q $PUSH_IMAGE" \
	setup_podman="$PODMAN pull -q $PUSH_IMAGE" \
	rpod="$PUSH_FRESH $RPOD $REGISTRY/bench-mount $PUSH_IMAGE" \
	podman="$PUSH_FRESH $PODMAN $REGISTRY/bench-mount $PUSH_IMAGE" \
	floor="$PUSH_FLOOR mount $PUSH_LAYOUT $TLS_REGISTRY $TLS_CREDS $REGISTRY"
