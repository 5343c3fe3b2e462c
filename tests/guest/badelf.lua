-- Makes malformed copies of a valid ELF32 program, one per loader check, as boot modules for the
-- spawn_bad_elf guest test. Usage: lua5.4 badelf.lua GOOD.elf OUTDIR
local good_path, outdir = arg[1], arg[2]
if not good_path or not outdir then
  io.stderr:write("usage: lua5.4 badelf.lua GOOD.elf OUTDIR\n")
  os.exit(2)
end

local f = assert(io.open(good_path, "rb"))
local good = f:read("a")
f:close()

local function u32(s, off) return (string.unpack("<I4", s, off + 1)) end
local function u16(s, off) return (string.unpack("<I2", s, off + 1)) end
local function put32(s, off, v) return s:sub(1, off) .. string.pack("<I4", v) .. s:sub(off + 5) end

local phoff, phnum = u32(good, 28), u16(good, 44)
local loads = {}
for i = 0, phnum - 1 do
  local ph = phoff + i * 32
  if u32(good, ph) == 1 then loads[#loads + 1] = ph end
end
assert(#loads >= 2, "need a program with two PT_LOAD segments")

local variants = {
  ["bad-truncated"] = good:sub(1, 40),
  ["bad-magic"] = "\127ELG" .. good:sub(5),
  ["bad-kernel-segment"] = put32(good, loads[1] + 8, 0xC0000000),
  ["bad-entry"] = put32(good, 24, 0x00300000),
  ["bad-overlap"] = put32(good, loads[2] + 8, u32(good, loads[1] + 8)),
  ["bad-phdrs"] = put32(good, 28, 0xFFFFFFF0),
}

for name, bytes in pairs(variants) do
  local out = assert(io.open(outdir .. "/" .. name .. ".elf", "wb"))
  out:write(bytes)
  out:close()
end
