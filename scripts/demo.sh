#!/bin/sh
# Set up, build, and run the main job: OpenSSL's `openssl rand`, its DRBG
# seeded from timingseed through openssl.cnf.example, with the trace that
# proves where the seed came from.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
cmake -S . -B build -DBUILD_TESTING=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
echo "timingseed: sources on this machine" >&2
./build/bin/timingseed sources >&2
echo "timingseed: openssl rand -hex 32, seeded through openssl.cnf.example" >&2
TIMINGSEED_DEBUG=1 OPENSSL_MODULES="$PWD/build/modules" OPENSSL_CONF="$PWD/openssl.cnf.example" \
	openssl rand -hex 32 2>build/trace.txt
cat build/trace.txt >&2
if grep -q '^timingseed: get_seed' build/trace.txt; then
	echo "timingseed: the seed of OpenSSL's primary DRBG came from timingseed" >&2
else
	echo "timingseed: no trace line: OpenSSL fell back to its OS seed source" >&2
	exit 1
fi
