#!/bin/sh
# Install the Debian packages edgesteer needs to build, test and demo.
# Only packages that are missing are installed; nothing is downloaded from
# anywhere but the configured Debian archive.
set -e

PACKAGES="clang llvm make gcc libc6-dev pkg-config libbpf-dev libelf-dev zlib1g-dev
libmnl-dev bpftool iproute2 ethtool tcpdump tshark socat procps python3 jq
iputils-ping iputils-tracepath curl"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing (run as root to install)" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no, quietly.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
	debconf-set-selections 2>/dev/null || true
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
