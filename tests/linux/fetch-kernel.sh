#!/bin/sh
# Fetches Debian's i686 Linux kernel (linux-image-VERSION-686-unsigned) for the real-kernel
# conformance boot (tests/linux/suite.lua), without adding an architecture to this system: a
# private apt configuration (its own sources list, package lists, cache and an empty dpkg status)
# with APT::Architecture=i386 for that apt only, the same Debian mirror the system uses,
# `apt-get download` and `dpkg-deb -x`. Only boot/vmlinuz-* and boot/config-* are kept.
#
#   tests/linux/fetch-kernel.sh CACHE_DIR     prints the path of the cached, verified vmlinuz
#
# The cache lives outside any checkout (make's LINUX_CACHE, by default
# ${XDG_CACHE_HOME:-$HOME/.cache}/layercake/linux-686), so every clone on a machine shares one
# download. Its entries are keyed by the package and version apt resolved:
#   CACHE/PACKAGE_VERSION/{vmlinuz,config,SHA256SUMS}   one complete entry, with what the suite
#       boots: vmlinux (the ELF vmlinuz's XZ payload unpacks to) and zeropage (a boot_params page
#       holding vmlinuz's setup header), for tests/linux/vmboot.c, which skips the decompressor
#   CACHE/current                                        the name of the entry in use
# An entry is built in a temporary directory and renamed into place, then `current` is replaced,
# so an interrupted fetch leaves no entry that looks whole. Every run checks the entry's
# SHA256SUMS before printing its path: a corrupt or partial entry is removed and fetched again,
# never handed out (checking costs a sha256sum of 6 MB). FETCH_KERNEL_OFFLINE=1 stops there instead of fetching (the suite's own tests).
set -eu

cache=${1:?usage: fetch-kernel.sh CACHE_DIR}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
# One run at a time per cache: checkouts on one machine share it.
exec 9>"$cache/.lock"
flock 9

# vmlinux and zeropage of the entry in directory $1, from its vmlinuz; their sums join SHA256SUMS.
derive() {
    off=$(LC_ALL=C grep -obUa "$(printf '\3757zXZ')" "$1/vmlinuz" | head -1 | cut -d: -f1)
    [ -n "$off" ] || { echo "fetch-kernel: $1/vmlinuz holds no XZ payload" >&2; return 1; }
    tail -c +$((off + 1)) "$1/vmlinuz" | xz -dc --single-stream > "$1/vmlinux.tmp"
    # The setup header: from 0x1f1 to 0x202 plus the jump offset at 0x201 (boot protocol 2.x).
    jump=$(od -An -tu1 -j 513 -N1 "$1/vmlinuz" | tr -d ' ')
    head -c 4096 /dev/zero > "$1/zeropage.tmp"
    dd if="$1/vmlinuz" of="$1/zeropage.tmp" bs=1 skip=497 seek=497 count=$((0x202 + jump - 0x1f1)) \
        conv=notrunc 2>/dev/null
    mv "$1/vmlinux.tmp" "$1/vmlinux"
    mv "$1/zeropage.tmp" "$1/zeropage"
    (cd "$1" && sha256sum vmlinux zeropage >> SHA256SUMS)
}

# The entry `current` names, if it is whole: every file its SHA256SUMS lists, with that sum.
entry=$(cat "$cache/current" 2>/dev/null || true)
case $entry in
    "" | */* | .*) entry="" ;;
esac
if [ -n "$entry" ]; then
    if [ -f "$cache/$entry/SHA256SUMS" ] && [ -f "$cache/$entry/vmlinuz" ] &&
        (cd "$cache/$entry" && sha256sum --quiet --status -c SHA256SUMS) 2>/dev/null; then
        # An entry from before vmlinux was kept: add it (vmlinuz is verified).
        grep -q ' vmlinux$' "$cache/$entry/SHA256SUMS" || derive "$cache/$entry"
        echo "$cache/$entry/vmlinuz"
        exit 0
    fi
    echo "fetch-kernel: $cache/$entry is corrupt or partial (a checksum in its SHA256SUMS does not match, or a file is missing): removed, fetching again" >&2
    rm -rf "${cache:?}/$entry" "$cache/current"
fi
if [ "${FETCH_KERNEL_OFFLINE:-}" = 1 ]; then
    echo "fetch-kernel: no verified kernel in $cache, and FETCH_KERNEL_OFFLINE=1: not fetching" >&2
    exit 1
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
version=$(basename "$deb" .deb | cut -d_ -f2)
entry=${pkg}_$version

tmp=$cache/.fetch.$$
rm -rf "$tmp"
mkdir -p "$tmp/entry"
dpkg-deb -x "$deb" "$tmp/x"
cp "$tmp"/x/boot/vmlinuz-* "$tmp/entry/vmlinuz"
cp "$tmp"/x/boot/config-* "$tmp/entry/config"
echo "$pkg $version" > "$tmp/entry/kernel-package"
(cd "$tmp/entry" && sha256sum vmlinuz config kernel-package > SHA256SUMS)
derive "$tmp/entry"
rm -rf "${cache:?}/$entry"
mv "$tmp/entry" "$cache/$entry"
echo "$entry" > "$tmp/current"
mv "$tmp/current" "$cache/current"
rm -rf "$tmp" "$deb"
echo "fetch-kernel: $pkg $version -> $cache/$entry/vmlinuz" >&2
echo "$cache/$entry/vmlinuz"
