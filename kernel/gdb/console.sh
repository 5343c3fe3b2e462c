#!/bin/sh
# make console: this terminal becomes the guest's serial console of a running `make debug`
# (the FIFOs CONSOLE.in and CONSOLE.out of QEMU's -serial pipe:CONSOLE). The terminal is put in
# raw mode with Ctrl-] as its interrupt key, so Ctrl-C, arrows and Ctrl-D go to the guest and
# Ctrl-] detaches. Output the guest wrote before attaching waits in the FIFO and comes first.
c=${1:-build/debug-console}
if [ ! -p "$c.in" ] || [ ! -p "$c.out" ]; then
    echo "console: no $c.in and $c.out: is \`make debug\` running?" >&2
    exit 1
fi

saved=
if [ -t 0 ]; then
    saved=$(stty -g)
    stty raw -echo isig intr '^]' quit undef susp undef
fi
reader=
detach() {
    [ -n "$reader" ] && kill "$reader" 2>/dev/null
    [ -n "$saved" ] && stty "$saved"
    printf '\r\nconsole: detached\r\n'
    exit 0
}
trap detach INT TERM HUP

printf 'console: attached to %s (Ctrl-] detaches)\r\n' "$c"
cat "$c.out" &
reader=$!
cat >"$c.in"
detach
