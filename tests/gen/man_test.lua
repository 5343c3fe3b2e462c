-- gen/out_man.lua's long docs: the paragraph split (plain searches and a byte loop, for speed)
-- follows the rule it had as a pattern, kept here as the reference: paragraphs are
-- separated by a line break whose run of blanks (%s) holds another; in a paragraph a line break
-- and the blanks after it are one space; a paragraph of blanks only is dropped; ".PP" between.
-- Checked on every text of up to 12 bytes of a few letters, blanks and line breaks (random, from
-- a fixed seed) and on a page of a definition with long docs. Run by tests/gen/run.lua.
local model = require("model")
local out_man = require("out_man")
local random_texts = require("random_texts")

local function rule(text)
    local out, first = {}, true
    for para in (text .. "\n\n"):gmatch("(.-)\n%s*\n") do
        if para:find("%S") then
            if not first then out[#out + 1] = ".PP" end
            out[#out + 1] = (para:gsub("\n%s*", " "))
            first = false
        end
    end
    return table.concat(out, "|")
end

local DEF = ([[
abi t {
    version 1
    trap 0x80
    arg_registers ebx ecx edx esi edi
    user_space 0x00400000 0xC0000000
}
error EFAULT 14 "Bad address"
error ENOSYS 38 "No such syscall"
syscall 1 wait_for(ms: u32) -> i32 {
    doc "Waits."
    long """
    First paragraph,
      continued.

BLANKS
    Second, after blank lines.
    """
}
]]):gsub("BLANKS", "       ") -- a line of blanks only (a paragraph break too)

return function(report)
    local bad
    for text in random_texts({ "a", "-", " ", "\t", "\r", "\n", "\n", "\n" }, 12345, 20000, 13) do
        local got = {}
        -- (roff escapes "-": undo it to compare with the rule, which has no roff)
        local n = out_man.paragraphs(got, 0, text)
        local have = table.concat(got, "|", 1, n):gsub("\\%-", "-")
        if have ~= rule(text) and not bad then bad = string.format("%q gives %q, the rule %q", text, have, rule(text)) end
    end
    report("gen_man_paragraphs_follow_the_rule", bad == nil, bad)
    local page = out_man.render(model.load(DEF, "man_test.def"))["man2/wait_for.2"]
    report("gen_man_long_doc_paragraphs", page:find(".PP\nFirst paragraph, continued.\n.PP\nSecond, after blank lines.\n",
        1, true) ~= nil, page:sub(1, 400))
end
