#!/usr/bin/env bash
# make-bench-pcap.sh OUT [COPIES]
# Builds a large benchmark pcap (about 1.08 million packets with the default 6
# copies) by repeating the six benign graphtunnel captures from
# ../shared/data, each copy shifted in time so the result stays in time
# order. Needs editcap and mergecap (Debian package wireshark-common / tshark).
set -euo pipefail
out=${1:?usage: make-bench-pcap.sh OUT [COPIES]}
copies=${2:-6}
here=$(cd "$(dirname "$0")/.." && pwd)
src="$here/../shared/data/graphtunnel-dns-tunnel-datasets/normal/normal"
[ -d "$src" ] || { echo "missing $src" >&2; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mergecap -w "$tmp/base.pcap" "$src"/*.pcap
# Span of the base capture in seconds, rounded up, plus a gap.
span=$(capinfos -u -M "$tmp/base.pcap" | awk -F': *' '/Capture duration/ {print int($2)+3600}')
parts=()
for ((i = 0; i < copies; i++)); do
	editcap -t $((i * span)) "$tmp/base.pcap" "$tmp/part$i.pcap"
	parts+=("$tmp/part$i.pcap")
done
mergecap -a -w "$out" "${parts[@]}"
capinfos -c -M "$out" | sed -n 2p
