-- Boot specs for the shell's line editor, history, quoting and kill (user/sh.c with the console
-- modes of kernel/console.c). The input is typed ahead: it waits, uninterpreted, until the shell
-- reads it in raw mode, so each key reaches the editor exactly as a terminal sends it. A Ctrl-C
-- is acted on when it arrives, which for typed-ahead input depends on timing, so Ctrl-C is
-- tested with keys typed while the guest runs: tests/shell/suite.lua.
return function(env)
    local function user(name)
        return { path = env.build .. "/user/" .. name .. ".elf", name = name }
    end
    local ESC = "\27"
    local LEFT, HOME, END, UP, DOWN = ESC .. "[D", ESC .. "[H", ESC .. "[F", ESC .. "[A", ESC .. "[B"
    local DELETE = ESC .. "[3~"

    -- Lines as a terminal sends them (Enter is CR), with what the shell must run for each.
    local lines = {
        "echo wrld" .. LEFT .. LEFT .. LEFT .. "o",                  -- insert in the middle
        "echo abcx\127d",                                            -- backspace
        "cho hi" .. HOME .. "e" .. END .. "!",                       -- home, end
        "ho there" .. ESC .. "OH" .. "ec" .. ESC .. "[4~" .. "-vt",  -- the VT100 spellings
        "echo deXlete" .. LEFT:rep(5) .. DELETE,                     -- delete under the cursor
        "garbage\21echo clean",                                      -- Ctrl-U
        "echo keep drop\23again",                                    -- Ctrl-W
        "echo first", "echo second", UP .. UP,                       -- history: first again
        UP .. UP .. UP .. DOWN,                                      -- history: second again
        ESC .. "[1;5C" .. ESC .. "[99~echo odd-keys",                -- unknown keys: ignored
        "echo 'single  quoted' \"dq \\\"x\\\"\" a\\ b",              -- quotes and backslashes
        "kill 2", "kill 999", "kill x",                              -- kill: errors
        "exit 0",
    }

    local function count(log, pattern)
        local n = 0
        for _ in log:gmatch(pattern) do n = n + 1 end
        return n
    end

    return {
        {
            name = "guest-console",
            append = "init=console exit=qemu",
            modules = { user("init"), { path = env.build .. "/tests/console.elf", name = "console" } },
            input = "ab\4c\rx\by\rline\r",
            timeout = 30,
            exit = 1,
            guest_tests = true,
            reject = { "ab\4" }, -- raw input is never echoed
        },
        {
            name = "shell-line-editing",
            append = "services=echod,kvd exit=qemu",
            modules = { user("init"), user("sh"), user("echo"), user("echod"), user("kvd") },
            input = table.concat(lines, "\r") .. "\r",
            timeout = 60,
            exit = 1,
            expect = { "\nworld\n", "\nabcd\n", "\nhi!\n", "\nthere%-vt\n", "\ndelete\n",
                       "\nclean\n", "\nkeep again\n", "\nodd%-keys\n",
                       "\nsingle  quoted dq \"x\" a b\n",
                       -- echod is init's child, not the shell's: the kill is refused.
                       "sh: kill: 2: " .. dofile("tests/qemu/def_text.lua").error_text("EPERM") .. "\n",
                       "sh: kill: 999: " .. dofile("tests/qemu/def_text.lua").error_text("ESRCH") .. "\n",
                       "sh: kill: bad pid 'x'\n",
                       "init: sh exited: exited with status 0" },
            -- No escape byte is echoed, nothing erased is run.
            reject = { "\27", "no such program", "\nwrld\n", "init: service echod %(pid 2%) ended" },
            check = function(log)
                if count(log, "\nfirst\n") ~= 2 then
                    return false, "history: 'first' printed " .. count(log, "\nfirst\n") .. " times, not 2"
                end
                if count(log, "\nsecond\n") ~= 2 then
                    return false, "history: 'second' printed " .. count(log, "\nsecond\n") .. " times, not 2"
                end
                return true
            end,
        },
    }
end
