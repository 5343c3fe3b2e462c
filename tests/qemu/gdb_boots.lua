-- gdb boots for the helpers in kernel/gdb/ (layercake.gdb + layercake.py): gdb in batch mode
-- against a paused QEMU, the commands' output matched (each boot's stub on its own Unix socket).
return function(env)
    local function user(name)
        return { path = env.build .. "/user/" .. name .. ".elf", name = name }
    end
    local modules = { user("init"), user("hello") }
    return {
        {
            -- Stopped in a handler, bt goes through the shim and the trap into the user program;
            -- trapframe and user-bt read the frame the int 0x80 stub built.
            name = "gdb-backtrace-into-user",
            append = "init=hello",
            modules = modules,
            kernel = "plain", -- exact lines and frames
            gdb = { script = "kernel/gdb/layercake.gdb", commands = {
                "continue", "delete", 'hbreak sys_write if $_streq(current->name, "hello")',
                "continue", "user-symbols hello", "bt", "trapframe", "user-bt", "lc-ps",
                "info registers eip" } },
            timeout = 90,
            exit = 0,
            expect = {
                "user symbols: build/user/hello%.elf %(text 0x00400000%-0x%x+%)",
                "\n#0  sys_write %(fd=1, buf=%.%.%., len=41%) at kernel/sys_io%.c:%d+",
                -- the shim jumped to the handler (kernel/syscall_desc.h): the stub called sys_write
                "\n#1  0x%x+ in trap_stub_syscall %(%) at kernel/trap%.asm:%d+",
                "\n#2  0x%x+ in write %(%) at build/gen/libsys/syscalls%.asm:%d+",
                " vdprintf %(fd=1, fmt=0x%x+ \"Hello from ring 3!",
                "trap frame at 0x%x+: vector 128 %(System call%), error 0x0, from ring 3\n",
                "\n  at write %+ %d+ in section %.text of [^\n]*build/user/hello%.elf\n",
                -- user-bt: the same user frames, as if stopped in ring 3, down to main
                "\n#0  write %(%) at build/gen/libsys/syscalls%.asm:%d+\n#1  0x%x+ in write_all %(n=41, ",
                "\n#6  0x%x+ in main %(%) at user/hello%.c:6\n",
                "\n%*%s+2%s+1%s+running%s+hello\n", "\n%s+1%s+0%s+blocked%s+init\n",
                -- and the CPU's registers are back as they were
                "\neip%s+0x%x+%s+0x%x+ <sys_write>\n",
            },
            reject = { "Python Exception", "Error occurred in Python", "corrupt stack" },
        },
        {
            -- init and hello both have main at 0x00400040: the breakpoint stops only in hello,
            -- and next steps over a call with hardware breakpoints.
            name = "gdb-user-break",
            append = "init=hello",
            modules = modules,
            kernel = "plain", -- exact lines and frames
            gdb = { script = "kernel/gdb/layercake.gdb", commands = {
                "continue", "user-break hello main", "continue", "print current->pid",
                "print current->name", "next", "info breakpoints" } },
            timeout = 90,
            exit = 0,
            expect = {
                "Hardware assisted breakpoint 2 at 0x%x+: file user/hello%.c, line 6%.",
                "Breakpoint 2, main %(%) at user/hello%.c:6\n",
                "\n%$1 = 2\n", '\n%$2 = "hello", ',
                "\n7%s+return 0;\n",
                'stop only if %$_streq%(current%->name, "hello"%)\n%s+breakpoint already hit 1 time',
            },
            reject = { "Python Exception", "Error occurred in Python", "Cannot insert breakpoint" },
        },
    }
end
