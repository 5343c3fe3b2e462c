#!/bin/sh
# Fetches Debian's i686 Linux kernel (linux-image-VERSION-686-unsigned) for the real-kernel
# conformance boot (tests/linux/suite.lua), without adding an architecture to this system: a
# private apt configuration (its own sources list, package lists, cache and an empty dpkg status)
# with APT::Architecture=i386 for that apt only, the same Debian mirror the system uses,
# `apt-get download` and `dpkg-deb -x`. Only boot/vmlinuz-* and boot/config-* are kept.
#
#   tests/linux/fetch-kernel.sh CACHE_DIR     prints the path of the cached vmlinuz
#
# A second run with the kernel already in CACHE_DIR downloads nothing.
set -eu

cache=${1:?usage: fetch-kernel.sh CACHE_DIR}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

if [ -f "$cache/vmlinuz" ] && [ -f "$cache/kernel-package" ]; then
    echo "$cache/vmlinuz"
    exit 0
fi

# The mirror: the first Debian archive URI of the system's own apt sources (deb822 or one-line
# format), deb.debian.org when there is none.
mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
    awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }')
if [ -z "$mirror" ]; then
    mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
        awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^(https?|file):/ && $i !~ /security/) { print $i; exit } }')
fi
mirror=${mirror:-http://deb.debian.org/debian}
suite=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
suite=${suite:-bookworm}

apt=$cache/apt
mkdir -p "$apt/lists/partial" "$apt/archives/partial" "$apt/etc/preferences.d"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
echo "deb [arch=i386 signed-by=$keyring] $mirror $suite main" > "$apt/etc/sources.list"
: > "$apt/status"
set -- -o "Dir::Etc::SourceList=$apt/etc/sources.list" -o "Dir::Etc::SourceParts=$apt/etc/none" \
    -o "Dir::Etc::PreferencesParts=$apt/etc/preferences.d" -o "Dir::State::Lists=$apt/lists" \
    -o "Dir::Cache=$apt" -o "Dir::Cache::Archives=$apt/archives" -o "Dir::State::Status=$apt/status" \
    -o APT::Architecture=i386 -o APT::Architectures=i386 -o Debug::NoLocking=1 \
    -o APT::Sandbox::User=root -o Acquire::Retries=3

echo "fetch-kernel: apt-get update (i386 lists of $mirror $suite, private to $apt)" >&2
apt-get "$@" -q update >&2

# linux-image-686 depends on linux-image-VERSION-686; the unsigned package is its twin.
image=$(apt-cache "$@" depends linux-image-686 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
[ -n "$image" ] || { echo "fetch-kernel: linux-image-686 names no kernel package" >&2; exit 1; }
pkg=$image-unsigned
echo "fetch-kernel: apt-get download $pkg" >&2
rm -f "$apt"/*.deb
(cd "$apt" && apt-get "$@" -q download "$pkg" >&2)
deb=$(ls "$apt"/"$pkg"_*_i386.deb)

tmp=$cache/extract.$$
rm -rf "$tmp"
dpkg-deb -x "$deb" "$tmp"
cp "$tmp"/boot/vmlinuz-* "$cache/vmlinuz.tmp"
cp "$tmp"/boot/config-* "$cache/config"
rm -rf "$tmp" "$deb"
mv "$cache/vmlinuz.tmp" "$cache/vmlinuz"
echo "$pkg $(basename "$deb" .deb | cut -d_ -f2)" > "$cache/kernel-package"
echo "fetch-kernel: $(cat "$cache/kernel-package") -> $cache/vmlinuz" >&2
echo "$cache/vmlinuz"
