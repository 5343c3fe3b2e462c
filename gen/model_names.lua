-- The model's checks of names: C keywords and reserved identifiers, const and error macros, and
-- claims in the names registry (gen/names.lua), which refuses a name that another part of the
-- definition, a fixed name of the outputs, the C library or the runtime already has. Also the
-- helpers every part of the checker shares: failing at a token, resolving a number or const.
local diag = require("diag")
local parser = require("parser")
local names = require("names")

local M = { methods = {} }
local Checker = M.methods

local pos_of = parser.pos_of

function M.fail(tok, msg, hint, notes)
    diag.fail(pos_of(tok), msg, hint, notes)
end
local fail = M.fail

function M.note(tok, msg)
    return { pos = pos_of(tok), msg = msg }
end
local note = M.note

-- Where a syscall's name and number stand: sc.at and sc.num_at are each line << 32 | column, and
-- sc.token_mt is its file's token metatable. The tokens themselves, which only diagnostics and
-- the lock read, are made when asked for: kept for every syscall they were a third of a large
-- model's tables (100,000 of 239,000 at 50,000 syscalls, 15 MB).
function M.position(tok) return tok.line << 32 | tok.col end
function M.syscall_tok(sc)
    local at = sc.at
    return setmetatable({ kind = "ident", value = sc.name, line = at >> 32, col = at & 0xFFFFFFFF }, sc.token_mt)
end
function M.syscall_num_tok(sc)
    local at = sc.num_at
    return setmetatable({ kind = "number", value = sc.num, line = at >> 32, col = at & 0xFFFFFFFF }, sc.token_mt)
end
local syscall_tok = M.syscall_tok

-- Names the hand-written C code uses that no header scan finds (parameters and builtins of the
-- generated code, and names the kernel's C files use without a header).
local RESERVED = {}
for w in ([[main memcpy memset memmove memcmp noreturn bool true false NULL offsetof
    int8_t uint8_t int16_t uint16_t int32_t uint32_t int64_t uint64_t uintptr_t size_t
    user_in_t user_out_t user_inout_t trap_frame syscall_desc syscall_arg_desc syscall_arg_kind
    syscall_table syscall_dispatch syscall_nosys syscall_trace_enabled syscall_trace_enter
    syscall_trace_exit copy_from_user copy_to_user copy_str_from_user]]):gmatch("%S+") do
    RESERVED[w] = true
end

M.RESERVED = RESERVED

-- Reject names that would not survive as C identifiers.
function M.check_ident(tok, what)
    local name = tok.value
    if names.C_KEYWORDS[name] then
        fail(tok, what .. " '" .. name .. "' is a C keyword", "pick another name")
    end
    -- (A string comparison, not a call: only a name that starts with '_' is at least "_" and below "`".)
    if name >= "_" and name < "`" and name:match("^_[_%u]") then
        fail(tok, what .. " '" .. name .. "' is reserved in C (it starts with __ or _ and a capital)")
    end
    if RESERVED[name] then
        fail(tok, what .. " '" .. name .. "' is reserved: the generated code or the C library uses it")
    end
end

-- Consts and errors become C macros. Upper-case names keep them from replacing the ordinary
-- (lower-case) identifiers of the generated and hand-written C code, and the prefixes of the
-- generated macros stay free.
local MACRO_PREFIXES = { "ABI_", "SYS_", "SYSCALL_", "SARG_", "FUZZ_" }

function M.check_macro(tok, what)
    local name = tok.value
    if not name:match("^[A-Z][A-Z0-9_]*$") then
        fail(tok, what .. " '" .. name .. "' becomes a C macro, so its name must be upper case (A-Z, 0-9, _)",
            "a lower-case macro would replace identifiers of the C code; call it " .. name:upper())
    end
    for _, prefix in ipairs(MACRO_PREFIXES) do
        if name:sub(1, #prefix) == prefix then
            fail(tok, what .. " '" .. name .. "' is reserved: the generated code defines the " .. prefix .. "* macros")
        end
    end
end

-- Any other C identifier must not be a const's or an error's name, or any macro the generated
-- files meet: the macro would replace it.
function Checker:not_macro(tok, what)
    local name = tok.value
    if self.consts[name] or self.errors[name] then
        fail(tok, what .. " '" .. name .. "' has the name of a " .. (self.consts[name] and "const" or "error") ..
            ", whose macro would replace it")
    end
    -- A macro's name starts with a capital, a digit or '_', all below "a"; most names do not (a
    -- string comparison costs less than a call).
    if name < "a" and name:find("^[A-Z0-9_]*$") then
        for _, prefix in ipairs(MACRO_PREFIXES) do
            if name:sub(1, #prefix) == prefix then
                fail(tok, what .. " '" .. name .. "' is reserved: the generated code defines the " .. prefix .. "* macros")
            end
        end
    end
    local o = self.registry:macro(name)
    if o then self:clash(name, { kind = what, name = name, what = what .. " " .. name, tok = tok }, o) end
end

-- Refuse the identifier name that owner (an entity of the definition: { kind, name, what, tok })
-- would generate, because other already has it. Between two definitions the later one is the
-- culprit; a fixed name of the outputs, the C library's or the runtime's is always the other side.
function Checker:clash(name, owner, other)
    for _, o in ipairs({ owner, other }) do
        if o.arg and not o.tok then o.tok = self:arg_tok(o.arg, o.syscall) end -- an argument's cases (fast path)
    end
    owner, other = M.describe(owner, self.arg_syscall), M.describe(other, self.arg_syscall)
    local here, there, here_what, there_what = owner.tok, other.tok, owner.what, other.what
    if there then
        if there.line > here.line or (there.line == here.line and there.col > here.col) then
            here, there, here_what, there_what = there, here, there_what, here_what
        end
        local msg = here_what == there_what and ("duplicate " .. here_what)
            or ("name '" .. name .. "' of " .. here_what .. " clashes with " .. there_what)
        fail(here, msg, nil, { note(there, "first defined here") })
    end
    local subject = owner.kind .. " '" .. owner.name .. "'"
    local msg
    if name == owner.name then
        msg = subject .. " is reserved: the generated code or the C library uses it"
    else
        local by = other.fixed and "the generated code" or other.libc and "the C library" or "the runtime"
        msg = subject .. " would generate " .. name .. ", which " .. by .. " already defines"
    end
    if other.std then
        fail(here, msg, "the generated files include " .. other.what .. "; pick another name")
    end
    local said = other.fixed and (name .. " is a fixed name of " .. other.what) or (name .. " is declared here")
    fail(here, msg, "pick another name", { { pos = names.owner_pos(other), msg = said } })
end

-- An owner as clash() reads it. Syscalls and arguments own their names themselves (no table per
-- owner: there can be hundreds of thousands; arg_syscall maps an argument to its syscall); other
-- owners are { kind, name, what, tok }.
function M.describe(owner, arg_syscall)
    if owner.what or owner.fixed or owner.std or owner.pos then return owner end
    if owner.arg then
        return { kind = "argument", name = owner.arg.name, what = "argument " .. owner.arg.name .. " of " ..
                 owner.syscall.name, tok = owner.tok }
    end
    if owner.args then
        return { kind = "syscall", name = owner.name, what = "syscall " .. owner.name, tok = syscall_tok(owner) }
    end
    return { kind = "argument", name = owner.name, what = "argument " .. owner.name .. " of " .. arg_syscall[owner].name,
             tok = owner.tok }
end

-- Claim a C identifier for an entity of the definition (its owner, shared by every name of one
-- entity) in the names registry, or fail on a clash.
function Checker:claim(space, name, domain, owner)
    local prev = self.registry:claim(space, name, domain, owner)
    if prev then self:clash(name, owner, prev) end
end

-- The same for a name of a family (PREFIX .. syscall name, the FAMILIES below), which is looked
-- up but not stored: it can only meet names that are stored (names of the definition that are
-- spelled freely, fixed, C library and runtime names), and claim_free checks those against the
-- families.
function Checker:probe(space, name, domain, owner)
    local prev = self.registry:find(space, name, domain)
    if prev and prev ~= owner then self:clash(name, owner, prev) end
end

-- Names made of a fixed prefix and a syscall's name (gen/names.lua).
M.FAMILIES = names.FAMILIES

local function meet(a, b) return a == "all" or b == "all" or a == b end

-- The families by the first four characters of their prefix: a free name is compared only with
-- the prefixes it could have (most names have none, and a definition claims one per syscall).
local FAMILIES_BY_START = {}
for _, f in ipairs(M.FAMILIES) do
    local start = f[1]:sub(1, 4)
    assert(#start == 4, "a family prefix of at least four characters")
    FAMILIES_BY_START[start] = FAMILIES_BY_START[start] or {}
    table.insert(FAMILIES_BY_START[start], f)
end

M.FAMILIES_BY_START = FAMILIES_BY_START

-- Claim a name the definition spells freely (a wrapper, a service's or a message's name): stored,
-- and checked against the family names of the syscalls seen so far (later ones probe it).
function Checker:claim_free(space, name, domain, owner)
    self:claim(space, name, domain, owner)
    local families = FAMILIES_BY_START[name:sub(1, 4)]
    if not families then return end
    local outputs = self.m.abi.outputs
    for i = 1, #families do
        local f = families[i]
        local prefix = f[1]
        if name:sub(1, #prefix) == prefix and (f[2] == space or f[2] == "macro" or space == "macro")
            and meet(f[3], domain) and (not f[4] or outputs[f[4]]) then
            local sc = self.sc_by_name[name:sub(#prefix + 1)]
            if sc and sc ~= owner then self:clash(name, owner, sc) end
        end
    end
end

-- A number token, or a const name, -> { value, expr } (expr is the C spelling).
function Checker:resolve(tok, what)
    if tok.kind == "number" then
        return { value = tok.value, expr = tok.text }
    end
    if tok.kind ~= "ident" then
        fail(tok, "expected a number or a const name for " .. what)
    end
    local c = self.consts[tok.value]
    if not c then
        fail(tok, "unknown const '" .. tok.value .. "' in " .. what,
            "define it: const " .. tok.value .. " VALUE \"doc\"")
    end
    return { value = c.value, expr = c.name }
end

function Checker:need_error(name, tok, why)
    local e = self.errors[name]
    if not e then
        fail(tok, why .. " needs error " .. name .. ", which is not defined",
            "define it, e.g. error " .. name .. " N \"text\"")
    end
    return e
end

return M
