-- Host tests of how the generator's command line writes its outputs (gen/cli.lua, gen/cgen.lua):
-- each output streams into its temp file as its buffer fills and is compared with the file it
-- replaces piece by piece, so the files on disk must be exactly what cli.render_all renders in
-- memory, whatever the old file held. Prints `ok NAME` / `FAIL NAME: why` per test.
-- weight: 2
-- needs: none (reads nothing of build/: tests/run.lua starts it beside the build)
local HERE = arg[0]:match("^(.*)/[^/]*$") or "."
local ROOT = io.popen("cd '" .. HERE .. "/../..' && pwd"):read("l")
local LUA = os.getenv("LUA") or "lua5.4"
package.path = ROOT .. "/gen/?.lua;" .. HERE .. "/../lib/?.lua;" .. package.path
local S = require("hostsuite")
local report, sh, shq, read, write = S.report, S.sh, S.shq, S.read, S.write
local cli = require("cli")
local cgen = require("cgen")
local model = require("model")

local TMP = io.popen("mktemp -d -t genout-suite.XXXXXX"):read("l")

local function gen(def, out)
    return sh(LUA .. " " .. shq(ROOT .. "/gen/main.lua") .. " --def " .. shq(def) .. " --out " .. shq(out))
end

-- The paths under out whose content is not render_all's, and the files there it did not render.
local function differences(files, out)
    local bad = {}
    for path, text in pairs(files) do
        if read(out .. "/" .. path) ~= text then bad[#bad + 1] = path end
    end
    local _, listing = sh("cd " .. shq(out) .. " && find . -type f | sort")
    for path in listing:gmatch("%./([^\n]+)") do
        if not files[path] then bad[#bad + 1] = "extra " .. path end
    end
    table.sort(bad)
    return bad
end

-- The streamed files are render_all's, for the definitions the tests and the build use.
local function test_streamed_equals_rendered()
    for _, def in ipairs({ "tests/gen/fixtures/full.def", "tests/gen/fixtures/minimal.def", "abi/syscalls.def" }) do
        local m = model.load(read(ROOT .. "/" .. def), ROOT .. "/" .. def)
        local files = cli.render_all(m)
        local out = TMP .. "/" .. def:gsub("[/.]", "_")
        local rc, text = gen(ROOT .. "/" .. def, out)
        local bad = differences(files, out)
        report("genout_streamed_equals_rendered_" .. def:match("([^/]+)%.def$"), rc == 0 and #bad == 0,
            "rc " .. tostring(rc) .. "; differ: " .. table.concat(bad, " "), text)
    end
end

-- Whatever the old file holds (a prefix of the new text, the new text and more, one byte
-- changed, nothing), the run leaves exactly the new text, and no temp file.
local function test_old_file_shapes()
    local def = ROOT .. "/tests/gen/fixtures/full.def"
    local files = cli.render_all(model.load(read(def), def))
    local out = TMP .. "/shapes"
    gen(def, out)
    local path = "kernel/syscall_table.c"
    local new = files[path]
    local shapes = {
        prefix = new:sub(1, #new // 2),
        longer = new .. "trailing junk\n",
        changed_last_byte = new:sub(1, -2) .. "x",
        changed_first_byte = "X" .. new:sub(2),
        empty = "",
    }
    for name, old in pairs(shapes) do
        write(out .. "/" .. path, old)
        local rc, text = gen(def, out)
        local _, tmps = sh("find " .. shq(out) .. " -name '*.tmp'")
        report("genout_old_" .. name .. "_replaced", rc == 0 and read(out .. "/" .. path) == new and tmps == "",
            "rc " .. tostring(rc) .. "; temp files: " .. tmps, text)
    end
    -- A missing output is written; the others, unchanged, keep their inode and time.
    os.remove(out .. "/abi.h")
    local list = "ls -li --time-style=full-iso " .. shq(out .. "/libsys/syscalls.asm")
    local _, before = sh(list)
    sh("sleep 0.01")
    local rc = gen(def, out)
    local _, after = sh(list)
    report("genout_missing_written_others_kept", rc == 0 and read(out .. "/abi.h") == files["abi.h"] and
        before == after, "rc " .. tostring(rc), before .. after)
end

-- cgen.append(w, rows) gives what w(rows():sub(1, -2)) does, across chunk boundaries, for an
-- empty buffer, and streamed.
local function test_append()
    local function build(nrows, nbefore, use_append, sink)
        if sink then cgen.render_to(sink, function() return build(nrows, nbefore, use_append) end) return end
        local w = cgen.buffer()
        for i = 1, nbefore do w("line %d", i) end
        local rows = cgen.buffer()
        for i = 1, nrows do rows("row %d", i) end
        if use_append then cgen.append(w, rows) else w(rows():sub(1, -2)) end
        w("end")
        return w()
    end
    local bad = {}
    for _, shape in ipairs({ { 0, 0 }, { 0, 3 }, { 1, 0 }, { 5, 4095 }, { 4096, 1 }, { 4097, 4096 }, { 10000, 5000 } }) do
        local want = build(shape[1], shape[2], false)
        local got = build(shape[1], shape[2], true)
        local pieces = {}
        build(shape[1], shape[2], true, function(s) pieces[#pieces + 1] = s end)
        if got ~= want or table.concat(pieces) ~= want then bad[#bad + 1] = shape[1] .. "/" .. shape[2] end
    end
    report("genout_append_same_as_copy", #bad == 0, "rows/lines before that differ: " .. table.concat(bad, " "))
end

-- A render that does not return its first buffer's text (another buffer's, text built
-- otherwise, or one that uses its first buffer's text) still gives its text through render_to,
-- and neither such a render nor a failing one leaves its sink to the next buffer.
local function test_render_to_any_render()
    local renders = {
        other_text = function()
            local w = cgen.buffer()
            for i = 1, 5000 do w("streamed %d", i) end
            w()
            return "the text\n"
        end,
        uses_first_buffer = function()
            local rows = cgen.buffer()
            for i = 1, 5000 do rows("row %d", i) end
            local w = cgen.buffer()
            w("head")
            w(rows():sub(1, -2))
            return w()
        end,
        not_a_buffer = function() return table.concat({ "a", "b", "" }, "\n") end,
    }
    for name, render in pairs(renders) do
        local want = render()
        local pieces = {}
        cgen.render_to(function(s)
            if s == cgen.RESTART then pieces = {} else pieces[#pieces + 1] = s end
        end, render)
        report("genout_render_to_" .. name, table.concat(pieces) == want, "the sink got other text")
    end
    pcall(cgen.render_to, function() end, function() error("boom") end)
    local w = cgen.buffer()
    w("still a string")
    report("genout_render_to_no_stale_sink", w() == "still a string\n", "a buffer after a failed render streamed")
end

test_streamed_equals_rendered()
test_old_file_shapes()
test_append()
test_render_to_any_render()
os.execute("rm -rf " .. shq(TMP))
S.finish()
