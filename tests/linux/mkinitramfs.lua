-- Writes a Linux initramfs: an uncompressed cpio archive in the "newc" format (what the kernel's
-- initramfs unpacker reads), with no root and no cpio program needed.
--
--   lua5.4 tests/linux/mkinitramfs.lua OUT INIT
--
-- The archive holds /dev, /dev/console (character device 5:1: the kernel opens it as init's
-- descriptors 0, 1 and 2, and there is no devtmpfs yet) and INIT as /init (mode 0755).
--
-- newc: each entry is "070701", 13 eight-digit hex fields (ino mode uid gid nlink mtime filesize
-- devmajor devminor rdevmajor rdevminor namesize check), the name with its NUL, padding to a
-- multiple of 4, the data, padding to 4; a "TRAILER!!!" entry ends the archive.
local out_path, init_path = arg[1], arg[2]
if not out_path or not init_path then
    io.stderr:write("usage: lua5.4 tests/linux/mkinitramfs.lua OUT INIT\n")
    os.exit(2)
end

local S_IFDIR, S_IFREG, S_IFCHR = 0x4000, 0x8000, 0x2000

local function pad4(n) return string.rep("\0", (4 - n % 4) % 4) end

local ino = 0
local function entry(name, mode, data, rmajor, rminor)
    ino = ino + 1
    data = data or ""
    local header = string.format("070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
        ino, mode, 0, 0, (mode & S_IFDIR) ~= 0 and 2 or 1, 0, #data, 0, 0, rmajor or 0, rminor or 0,
        #name + 1, 0)
    local head = header .. name .. "\0"
    return head .. pad4(#head) .. data .. pad4(#data)
end

local f = io.open(init_path, "rb")
if not f then
    io.stderr:write("mkinitramfs: cannot read " .. init_path .. "\n")
    os.exit(1)
end
local init = f:read("a")
f:close()

local archive = table.concat({
    entry("dev", S_IFDIR | 0x1ED),           -- 0755
    entry("dev/console", S_IFCHR | 0x180, nil, 5, 1), -- 0600, the system console
    entry("init", S_IFREG | 0x1ED, init),    -- 0755
    entry("TRAILER!!!", 0),
})
local tmp = out_path .. ".tmp"
local o = assert(io.open(tmp, "wb"))
o:write(archive)
o:close()
assert(os.rename(tmp, out_path))
