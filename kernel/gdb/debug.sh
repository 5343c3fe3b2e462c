#!/bin/sh
# make debug (kernel/gdb/debug.mk passes the settings in the environment): start QEMU paused
# with a gdb stub, in its own session so a Ctrl-C typed at gdb reaches gdb alone (gdb then stops
# the guest); put the guest console next to gdb; run gdb; stop QEMU when gdb ends.
set -u

rm -f "$CONSOLE.in" "$CONSOLE.out"
mkfifo "$CONSOLE.in" "$CONSOLE.out" || exit 1

# shellcheck disable=SC2086 # QEMU_FLAGS is a list of words
setsid $QEMU $QEMU_FLAGS -S -gdb "tcp:127.0.0.1:$GDB_PORT" -serial "pipe:$CONSOLE" \
    -kernel "$KERNEL_ELF" ${INITRD:+-initrd "$INITRD"} ${APPEND:+-append "$APPEND"} \
    </dev/null >"$QEMU_LOG" 2>&1 &
qemu=$!

cleanup() {
    kill "$qemu" 2>/dev/null
    wait "$qemu" 2>/dev/null
    rm -f "$CONSOLE.in" "$CONSOLE.out"
}
trap cleanup EXIT
trap 'exit 1' TERM HUP
# A Ctrl-C at gdb reaches this shell too (and make): it must not end the session, only gdb
# acts on it. A trap, not an ignored signal, so gdb starts with SIGINT as usual.
trap ':' INT

# The stub listens once QEMU has set up the machine; a QEMU that failed says why.
sleep 0.3
if ! kill -0 "$qemu" 2>/dev/null; then
    echo "debug: QEMU did not start:" >&2
    cat "$QEMU_LOG" >&2
    exit 1
fi

console="sh kernel/gdb/console.sh $CONSOLE"
gdb_cmd="$GDB -q -ex 'target remote 127.0.0.1:$GDB_PORT' -x kernel/gdb/layercake.gdb"
gdb_cmd="$gdb_cmd${GDB_SCRIPT:+ -x '$GDB_SCRIPT'} $GDB_FLAGS '$KERNEL_ELF'"
echo "debug: QEMU (pid $qemu) in its own session, gdb on 127.0.0.1:$GDB_PORT; the guest is"
echo "debug: paused: type \`continue\`; Ctrl-C in gdb stops it again"

have_tmux=
[ "$USE_TMUX" = 1 ] && command -v tmux >/dev/null 2>&1 && have_tmux=1
if [ -n "$have_tmux" ] && [ -n "${TMUX:-}" ]; then
    # Inside tmux: the console in a pane on the right, gdb here.
    tmux split-window -h "$console" && tmux select-pane -L
    echo "debug: the guest console is the tmux pane on the right (Ctrl-] closes it)"
elif [ -n "$have_tmux" ] && [ -t 0 ] && [ -t 1 ]; then
    # A terminal but no tmux session: one for gdb (left) and the console (right), gone with gdb.
    tmux new-session -s "layercake-debug-$$" "$gdb_cmd; tmux kill-session" \; \
        split-window -h "$console" \; select-pane -L
    exit 0
else
    echo "debug: guest console: run \`make console\` in another terminal ($console)"
fi

eval "$gdb_cmd"
