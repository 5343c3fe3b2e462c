-- Bad cases too big (or too exact about their bytes) to keep as files: each is
-- { name, text, expect = "LINE:COL: message" [, hint] [, file: the name diagnostics carry] }, run by tests/gen/run.lua like the
-- .def files beside this one.
local PRELUDE = table.concat({
    "abi t {", "    version 1", "    trap 0x80", "    arg_registers ebx ecx edx esi edi",
    "    user_space 0x1000 0xC0000000", "}",
    'error EFAULT 14 "Bad address"', 'error ENOSYS 38 "No such syscall"', 'error E2BIG 7 "Too big"',
    'error ENAMETOOLONG 36 "Name too long"', "" }, "\n")
local SYSCALL = 'syscall 1 f() -> i32 {\n    doc "d"\n}\n'
local KIB, MIB = 1024, 1024 * 1024

local cases = {
    -- Diagnostics are found in linear time: a bad byte after a long first line, or after many lines.
    { name = "utf8_after_64k_line", text = "# " .. ("a"):rep(64 * KIB) .. "\xFF\n" .. PRELUDE .. SYSCALL,
      expect = "1:65539: file is not UTF-8 text (byte 0xFF)" },
    { name = "utf8_after_1m_line", text = "# " .. ("a"):rep(MIB) .. "\xFF\n" .. PRELUDE .. SYSCALL,
      expect = "1:1048579: file is not UTF-8 text (byte 0xFF)" },
    { name = "utf8_after_100k_lines", text = PRELUDE .. SYSCALL .. ("#\n"):rep(100000) .. "  \xC3(\n",
      expect = "100014:3: file is not UTF-8 text (byte 0xC3)" },
    { name = "bare_cr_after_1m_line", text = "# " .. ("a"):rep(MIB) .. "\r#\n" .. PRELUDE .. SYSCALL,
      expect = "1:1048579: carriage return without a line feed (a bare CR)" },
    { name = "char_after_1m_line", text = PRELUDE .. SYSCALL .. (" "):rep(MIB) .. "@\n",
      expect = "14:1048577: unexpected character '@'" },
    { name = "long_doc_control_after_1m", text = PRELUDE .. 'syscall 1 f() -> i32 {\n    doc "d"\n    long """\n' ..
        ("x"):rep(MIB) .. "\n    \1\n    \"\"\"\n}\n",
      expect = "15:5: control character (byte 0x01) in long doc" },
    { name = "unterminated_long_doc_1m", text = PRELUDE .. 'syscall 1 f() -> i32 {\n    doc "d"\n    long """' ..
        ("x\n"):rep(MIB // 2),
      expect = '13:10: unterminated long doc: no closing """' },
    -- Long docs of many blank lines, or of long runs of blanks, cost linear time too.
    { name = "long_doc_1m_blank_lines", text = PRELUDE .. 'syscall 1 f() -> i32 {\n    doc "d"\n    long """' ..
        ("\n"):rep(MIB) .. 'x\n    """\n}\n@\n',
      expect = "1048592:1: unexpected character '@'" },
    { name = "long_doc_1m_blanks_in_a_line", text = PRELUDE .. 'syscall 1 f() -> i32 {\n    doc "d"\n    long """x' ..
        (" "):rep(MIB) .. 'y' .. ("\t"):rep(MIB) .. '\n"""\n}\n@\n',
      expect = "16:1: unexpected character '@'" },
    -- A diagnostic stays one line whatever the file is called.
    { name = "file_name_with_newline", file = "two\nlines\27[31m.def", text = "",
      expect = "1:1: file is empty: it defines nothing" },
    -- The parser does not recurse: 100,000 nested brackets are one token too many, not a stack overflow.
    { name = "parens_100000", text = PRELUDE .. "syscall 1 f" .. ("("):rep(100000) .. (")"):rep(100000) .. " -> i32 {}\n",
      expect = "11:13: expected an argument name, got '('" },
    { name = "braces_100000", text = PRELUDE .. 'struct s "d" ' .. ("{"):rep(100000) .. ("}"):rep(100000) .. "\n" .. SYSCALL,
      expect = "11:15: expected a field name or '}', got '{'" },
    -- A byte order mark twice: the first opens the file, the second is a character.
    { name = "bom_twice", text = "\xEF\xBB\xBF\xEF\xBB\xBF" .. PRELUDE .. SYSCALL,
      expect = "1:1: unexpected byte order mark (U+FEFF)" },
    -- A whole file with CR line ends only (classic Mac): refused at the first CR.
    { name = "cr_only_file", text = (PRELUDE .. SYSCALL):gsub("\n", "\r"),
      expect = "1:8: carriage return without a line feed (a bare CR)" },
}

return cases
