-- The generated manual pages (gen/out_man.lua; tests/run.lua runs every tests/AREA/suite.lua):
-- one per syscall and amc message, each rendered by `man -l` without a groff warning
-- with the sections NAME SYNOPSIS DESCRIPTION ERRORS EXAMPLE, the wrapper's exact prototype, and
-- an example that compiles against libsys. Prints `ok NAME` / `FAIL NAME: why`.
-- weight: 3.5
local HERE = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = HERE .. "/../lib/?.lua;" .. HERE .. "/../../gen/?.lua;" .. package.path
local S = require("hostsuite")
local report, sh, shq, read, write = S.report, S.sh, S.shq, S.read, S.write
local model = require("model")
local libsys_h = require("out_libsys_h")
local amc_h = require("out_amc_h")

local LUA = os.getenv("LUA") or "lua5.4"
local BUILD = os.getenv("BUILD") or "build"
local CC = (os.getenv("CROSS") or "i686-linux-gnu-") .. "gcc"
local OUT = BUILD .. "/test-logs/man"
local SECTIONS = { "NAME", "SYNOPSIS", "DESCRIPTION", "ERRORS", "EXAMPLE" }

local def = assert(read("abi/syscalls.def"))
local m = model.load(def, "abi/syscalls.def")

-- docs/int80.svg: the picture of the int 0x80 path names real symbols, and its tags nest.
local function test_int80_svg()
    local svg = read("docs/int80.svg")
    if not svg then return report("int80_svg", false, "no docs/int80.svg") end
    local stack, bad = {}, nil
    for close, tag, selfclose in svg:gsub("<!%-%-.-%-%->", ""):gsub("<%?.-%?>", ""):gmatch("<(/?)([%w:]+)[^>]-(/?)>") do
        if close == "/" then
            if stack[#stack] ~= tag then bad = bad or ("</" .. tag .. "> closes <" .. tostring(stack[#stack]) .. ">") end
            stack[#stack] = nil
        elseif selfclose ~= "/" then
            stack[#stack + 1] = tag
        end
    end
    if not bad and (#stack > 0 or not svg:find("<svg ")) then bad = "unclosed <" .. tostring(stack[#stack]) .. ">" end
    local nm = (os.getenv("CROSS") or "i686-linux-gnu-") .. "nm"
    local _, symbols = sh(nm .. " " .. shq(BUILD .. "/kernel/kernel.elf") .. " " .. shq(BUILD .. "/libsys/libsys.a"))
    local known = {}
    for name in symbols:gmatch("%s[%a]%s+([%w_]+)\n") do known[name] = true end
    local missing, count = {}, 0
    for name in svg:gmatch('class="sym">([%w_]+)<') do
        count = count + 1
        if not known[name] then missing[#missing + 1] = name end
    end
    if not bad and count == 0 then bad = "no symbols marked class=\"sym\"" end
    if not bad and #missing > 0 then bad = "names symbols that do not exist: " .. table.concat(missing, " ") end
    report("int80_svg", bad == nil, bad)
end

sh("rm -rf " .. shq(OUT))
local rc, output = sh(LUA .. " gen/main.lua --def abi/syscalls.def --man " .. shq(OUT))
if not report("man_generate", rc == 0, "gen/main.lua --man exited " .. tostring(rc), output) then
    test_int80_svg()
    S.finish()
end

-- Every page the definition calls for, and nothing else.
local expected = {}
for _, sc in ipairs(m.syscalls) do
    expected[#expected + 1] = { path = "man2/" .. sc.name .. ".2", name = sc.name,
                                prototype = libsys_h.prototype(m, sc) }
end
for _, svc in ipairs(m.services) do
    for _, msg in ipairs(svc.messages) do
        local helper = svc.name .. "_send_" .. msg.name
        expected[#expected + 1] = { path = "man3/" .. helper .. ".3", name = helper,
                                    prototype = amc_h.send_prototype(svc, msg) }
    end
end
local _, listing = sh("cd " .. shq(OUT) .. " && ls man2 man3 | sort")
local want = {}
for _, e in ipairs(expected) do want[#want + 1] = e.path:match("[^/]+$") end
table.sort(want)
local have = {}
for f in listing:gmatch("[^\n]+") do
    if f:match("%.%d$") then have[#have + 1] = f end
end
report("man_one_page_per_entry", table.concat(have, " ") == table.concat(want, " "),
    string.format("%d pages, expected %d", #have, #want), "have: " .. table.concat(have, " ")
    .. "\nwant: " .. table.concat(want, " "))

local include = select(2, sh(CC .. " -print-file-name=include")):gsub("%s+$", "")
local cflags = "-std=c11 -ffreestanding -nostdinc -isystem " .. shq(include) .. " -I libsys/include -I "
    .. shq(BUILD .. "/gen") .. " -I " .. shq(BUILD .. "/gen/libsys") .. " -Wall -Wextra -Werror -fsyntax-only -m32"

-- The C of a page's .EX ... .EE block, roff escapes undone.
local function example_source(page)
    local block = page:match("\n%.EX\n(.-)\n%.EE\n")
    if not block then return nil end
    return (block:gsub("\\e", "\0"):gsub("\\%-", "-"):gsub("\\&", ""):gsub("%z", "\\")) .. "\n"
end

-- Each page once through `man -l`, with groff's warnings (--warnings=w: groff -ww) on their own
-- stream: what a user reads, and every warning groff has about it. MAN_DISABLE_SECCOMP: man-db's
-- sandbox of its filters costs half of each run and changes nothing in the text (the pages are
-- our own).
local function render(path)
    local err = OUT .. "/man.stderr"
    local status, text = sh("MAN_DISABLE_SECCOMP=1 MANWIDTH=200 MAN_KEEP_FORMATTING= man --warnings=w -P cat -l "
        .. shq(path) .. " 2>" .. shq(err))
    return status, text:gsub(".\b", ""), read(err) or "" -- overstrike bold and underline undone
end

-- The page's problems but its example's compile, or nil; and the example's file when it has one.
local function check_page(e, page, path)
    local status, text, warnings = render(path)
    if warnings:find("%S") then return "groff warns: " .. warnings, text end
    if status ~= 0 then return "man -l exited " .. tostring(status), text end
    for _, sect in ipairs(SECTIONS) do
        if not text:find("\n" .. sect .. "\n") and not text:find("^" .. sect .. "\n") then
            return "no " .. sect .. " section", text
        end
    end
    if not text:find("NAME\n%s+" .. e.name:gsub("%p", "%%%0") .. "[ ,]") then
        return "NAME does not start with " .. e.name, text
    end
    if not text:find(e.prototype .. ";", 1, true) then return "SYNOPSIS lacks the prototype " .. e.prototype, text end
    local src = example_source(page)
    if not src then return "no .EX/.EE example", text end
    local file = OUT .. "/" .. e.name .. "_example.c"
    write(file, src)
    return nil, text, file
end

-- The examples compile in one compiler run (each file is still its own translation unit); a
-- diagnostic names its file, which names its page.
local results, examples = {}, {}
for _, e in ipairs(expected) do
    local path = OUT .. "/" .. e.path
    local page = read(path)
    local r = { test = "man_" .. e.name }
    if not page then
        r.why = "no page " .. path
    else
        r.why, r.text, r.example = check_page(e, page, path)
        if r.example then examples[#examples + 1] = shq(r.example) end
    end
    results[#results + 1] = r
end
-- The checks see what they look for: a planted example that cannot compile goes into the same
-- compiler run (its error must come back under its own name, which also proves the run itself
-- worked), and a planted page with an unknown macro must draw a groff warning.
local PLANTED = OUT .. "/planted_fault_example.c"
write(PLANTED, "int planted_fault(void) { return no_such_name; }\n")
examples[#examples + 1] = shq(PLANTED)
local _, cout = sh(CC .. " " .. cflags .. " " .. table.concat(examples, " "))
local function lines_of(file)
    local mine = {}
    for line in cout:gmatch("[^\n]+") do
        if line:find(file, 1, true) then mine[#mine + 1] = line end
    end
    return mine
end
for _, r in ipairs(results) do
    if not r.why and r.example then
        local mine = lines_of(r.example)
        if #mine > 0 then r.why = "the example does not compile:\n" .. table.concat(mine, "\n") end
    end
    report(r.test, r.why == nil, r.why, r.text, 20)
end
write(OUT .. "/planted.2", ".TH PLANTED 2\n.SH NAME\nplanted\n.BX not a macro\n")
local _, _, planted_warnings = render(OUT .. "/planted.2")
local planted_error = table.concat(lines_of(PLANTED), "\n")
report("man_checks_see_planted_faults", planted_error:find("no_such_name", 1, true) ~= nil
    and planted_warnings:find("BX", 1, true) ~= nil,
    "a planted example error or groff warning went unseen", "compiler:\n" .. cout .. "\ngroff:\n" .. planted_warnings)

test_int80_svg()

S.finish()
