-- Makes malformed copies of a valid ELF32 program, one per loader check, as boot modules for the
-- loader tests (tests/guest/elfload.c spawns every module named bad-* and expects ENOEXEC, and
-- every good-* one and expects it to run). The table below is the one list of shapes: the make
-- fragment and the boot spec ask for it with --list.
-- Usage: lua5.4 badelf.lua GOOD.elf OUTDIR | lua5.4 badelf.lua --list

-- Offsets in the ELF header and in a program header.
local E_TYPE, E_MACHINE, E_VERSION, E_ENTRY, E_PHOFF = 16, 18, 20, 24, 28
local E_PHENTSIZE, E_PHNUM = 42, 44
local P_TYPE, P_OFFSET, P_VADDR, P_FILESZ, P_MEMSZ, P_FLAGS, P_ALIGN = 0, 4, 8, 16, 20, 24, 28
local PT_NULL, PT_LOAD, PT_INTERP = 0, 1, 3
local PHDR_SIZE = 32

local function u32(s, off) return (string.unpack("<I4", s, off + 1)) end
local function u16(s, off) return (string.unpack("<I2", s, off + 1)) end
local function put32(s, off, v) return s:sub(1, off) .. string.pack("<I4", v) .. s:sub(off + 5) end
local function put16(s, off, v) return s:sub(1, off) .. string.pack("<I2", v) .. s:sub(off + 3) end
local function put8(s, off, v) return s:sub(1, off) .. string.char(v) .. s:sub(off + 2) end

-- Each shape: name -> function(good, t, d) returning the bytes, where t and d are the file
-- offsets of the text and data PT_LOAD headers.
local shapes = {
    -- the header
    ["bad-truncated"] = function(g) return g:sub(1, 40) end,
    ["bad-magic"] = function(g) return "\127ELG" .. g:sub(5) end,
    ["bad-class64"] = function(g) return put8(g, 4, 2) end,
    ["bad-big-endian"] = function(g) return put8(g, 5, 2) end,
    ["bad-version"] = function(g) return put32(g, E_VERSION, 2) end,
    ["bad-et-dyn"] = function(g) return put16(g, E_TYPE, 3) end,
    ["bad-machine-x86-64"] = function(g) return put16(g, E_MACHINE, 62) end,
    -- the program header table
    ["bad-phdrs"] = function(g) return put32(g, E_PHOFF, 0xFFFFFFF0) end,
    ["bad-phdrs-past-eof"] = function(g) return put32(g, E_PHOFF, #g - PHDR_SIZE) end,
    ["bad-phnum-0"] = function(g) return put16(g, E_PHNUM, 0) end,
    ["bad-phnum-17"] = function(g, t, d)
        local table = g:sub(t + 1, t + PHDR_SIZE) .. g:sub(d + 1, d + PHDR_SIZE) ..
            string.rep(string.pack("<I4", PT_NULL) .. string.rep("\0", PHDR_SIZE - 4), 15)
        return put16(put32(g .. table, E_PHOFF, #g), E_PHNUM, 17)
    end,
    ["bad-phentsize"] = function(g) return put16(g, E_PHENTSIZE, 40) end,
    ["bad-no-load"] = function(g, t, d) return put32(put32(g, t + P_TYPE, PT_NULL), d + P_TYPE, PT_NULL) end,
    ["bad-interp"] = function(g, _, d) return put32(g, d + P_TYPE, PT_INTERP) end,
    -- one segment's own fields
    ["bad-filesz-gt-memsz"] = function(g, _, d) return put32(g, d + P_FILESZ, u32(g, d + P_MEMSZ) + 1) end,
    ["bad-huge-memsz"] = function(g, _, d) return put32(g, d + P_MEMSZ, 0xFFFFF000) end,
    ["bad-wrap-around"] = function(g, _, d)
        return put32(put32(g, d + P_VADDR, 0xFFFFF000 + u32(g, d + P_OFFSET) % 4096), d + P_MEMSZ, 0x2000)
    end,
    ["bad-segment-past-eof"] = function(g, t) return put32(g, t + P_OFFSET, #g - 16) end,
    ["bad-offset-huge"] = function(g, _, d) return put32(g, d + P_OFFSET, 0xFFFFFFFF) end,
    ["bad-kernel-segment"] = function(g, t) return put32(g, t + P_VADDR, 0xC0000000) end,
    ["bad-null-page"] = function(g, t) return put32(g, t + P_VADDR, 0) end,
    ["bad-stack-segment"] = function(g, _, d) return put32(g, d + P_VADDR, 0xBFFF0000) end,
    ["bad-at-heap-limit"] = function(g, _, d) return put32(g, d + P_VADDR, 0xB0000000) end,
    ["bad-across-heap-limit"] = function(g, _, d)
        return put32(put32(g, d + P_VADDR, 0xAFFFF000), d + P_MEMSZ, 0x2000)
    end,
    ["bad-unaligned-vaddr"] = function(g, _, d) return put32(g, d + P_VADDR, u32(g, d + P_VADDR) + 4) end,
    ["bad-align-not-power-of-2"] = function(g, _, d) return put32(g, d + P_ALIGN, 0x3000) end,
    ["bad-wx-segment"] = function(g, _, d) return put32(g, d + P_FLAGS, 7) end,
    -- segments against each other
    ["bad-overlap"] = function(g, t, d) return put32(g, d + P_VADDR, u32(g, t + P_VADDR)) end,
    ["bad-overlap-partial"] = function(g, t, d)
        return put32(g, d + P_VADDR, u32(g, t + P_VADDR) + 0x1000 + u32(g, d + P_OFFSET) % 4096)
    end,
    ["bad-duplicate"] = function(g, t, d) return g:sub(1, d) .. g:sub(t + 1, t + PHDR_SIZE) .. g:sub(d + PHDR_SIZE + 1) end,
    -- data placed in the last text page, right after the text bytes: no byte overlaps, but the
    -- page would have to be both read-only and writable
    ["bad-shared-page"] = function(g, t, d)
        local text_end = u32(g, t + P_VADDR) + u32(g, t + P_MEMSZ)
        local vaddr = (text_end + 0xFF) & ~0xFF
        local offset = vaddr % 4096 + 4096 * (u32(g, d + P_OFFSET) // 4096)
        return put32(put32(g, d + P_VADDR, vaddr), d + P_OFFSET, offset)
    end,
    -- the entry point
    ["bad-entry"] = function(g) return put32(g, E_ENTRY, 0x00300000) end,
    ["bad-entry-in-data"] = function(g, _, d) return put32(g, E_ENTRY, u32(g, d + P_VADDR)) end,
    ["bad-entry-past-text"] = function(g, t) return put32(g, E_ENTRY, u32(g, t + P_VADDR) + u32(g, t + P_MEMSZ)) end,
    -- accepted: a 24 MiB bss, for the long-spawn hog of tests/guest/preempt.c
    ["good-big-bss"] = function(g, _, d) return put32(g, d + P_MEMSZ, 24 * 1024 * 1024) end,
    -- accepted: the largest table (16 headers, 14 of them PT_NULL) at the end of the file
    ["good-phnum-16"] = function(g, t, d)
        local table = g:sub(t + 1, t + PHDR_SIZE) .. g:sub(d + 1, d + PHDR_SIZE) ..
            string.rep(string.pack("<I4", PT_NULL) .. string.rep("\0", PHDR_SIZE - 4), 14)
        return put16(put32(g .. table, E_PHOFF, #g), E_PHNUM, 16)
    end,
}

local names = {}
for name in pairs(shapes) do names[#names + 1] = name end
table.sort(names)

if arg[1] == "--list" then
    print(table.concat(names, " "))
    return
end

local good_path, outdir = arg[1], arg[2]
if not good_path or not outdir then
    io.stderr:write("usage: lua5.4 badelf.lua GOOD.elf OUTDIR | lua5.4 badelf.lua --list\n")
    os.exit(2)
end

local f = assert(io.open(good_path, "rb"))
local good = f:read("a")
f:close()

local phoff, phnum = u32(good, E_PHOFF), u16(good, E_PHNUM)
local loads = {}
for i = 0, phnum - 1 do
    local ph = phoff + i * PHDR_SIZE
    if u32(good, ph + P_TYPE) == PT_LOAD then loads[#loads + 1] = ph end
end
assert(#loads == 2 and u32(good, loads[1] + P_FLAGS) & 1 == 1, "need a program with text and data PT_LOADs")

for _, name in ipairs(names) do
    local bytes = shapes[name](good, loads[1], loads[2])
    local out = assert(io.open(outdir .. "/" .. name .. ".elf", "wb"))
    out:write(bytes)
    out:close()
end
