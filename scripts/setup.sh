#!/usr/bin/env bash
# Installs everything evpn-vtep, its tests and its benchmarks need on a fresh
# Debian machine (run as root), then builds the project with `npm ci`.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
pkgs=(tshark frr gobgpd exabgp iproute2 iputils-ping arping iperf3 netsniff-ng ethtool
      libpcap-dev clang libclang-rt-14-dev procps psmisc bgpdump curl)
missing=()
for p in "${pkgs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  # wireshark-common asks whether non-root users may capture: answer for it.
  echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
npm ci --no-audit --no-fund
