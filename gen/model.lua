-- Checker: syntax tree -> validated model.  Every rule of abi/README.md that is not about syntax
-- lives in the model_*.lua files this driver runs; the output modules trust the model.
--
--   model_names.lua     C keywords, reserved names, const/error macros, claims in gen/names.lua
--   model_abi.lua       the abi block's settings; consts and errors
--   model_types.lua     scalars, arrays, structs and their layouts
--   model_syscalls.lua  syscalls, arguments, retired numbers, the kernel-stack budget
--   model_fuzz.lua      fuzz hints
--   model_services.lua  amc services and messages
--
-- THE MODEL, for backend authors: model.load returns m with these fields (read-only; every name
-- a backend prints is spelled by gen/names.lua; `tok` fields are source positions for messages).
--   m.file                 the .def path given to --def
--   m.abi                  { name, version (1 | 2), trap, arg_registers = { "ebx", ... }, user_low,
--                          user_high, user_space = { {value, expr}, {value, expr} },
--                          amc_max_message = {value, expr} | nil, amc_name_max = {value, expr} | nil,
--                          prefix (libsys symbol prefix, "" by default), kernel_stack_budget,
--                          outputs = { kernel = true, user = true, ... } (output groups asked for),
--                          pair_order ("low_high" | "high_low"; v1: "low_high"),
--                          result_registers = { "eax", ... } (v1: { "eax" }; at most 3, eax first),
--                          kw, setting_tok = { [setting] = tok } }
--   m.consts[i]            { name, value, expr (the C spelling of the value), doc, tok,
--                          member_of = flags/enum/resource type | nil }  (file order; the members and
--                          specials of the named types below are consts too, appended when their type is
--                          checked: so abi.h, the docs and the lock see them as consts. A negative special
--                          is here as its u32 bit pattern, spelled in hex; its type's specials[i] has -1.)
--   m.errors[i]            { name, num, text, tok }  (file order)
--   m.error_aliases[i]     { name, target = error, doc | nil, tok }  (v2 `error EWOULDBLOCK = EAGAIN "doc"`;
--                          an `errors` line may name an alias: the syscall's errors list has the target)
--   m.flags[i], m.enums[i], m.resources[i]  the named scalar types (below), file order (v2)
--   m.structs[i]           a struct type (below), in dependency order (contained structs first)
--   m.syscalls[i]          sorted by num:
--                          { num, name, cname (the C spelling: name, or name .. "_" for a C keyword, v2),
--                            doc, long | nil,
--                            ret ("i32" "u32" "uptr" "void"; v2 also "i64" "u64", and a named type's base),
--                            ret_type = scalar or named type (nil for void), produces = resource | nil,
--                            ret_regs = { "eax", "edx" } | nil (64-bit results, low word in eax),
--                            results[i] = { name, type = 32-bit scalar or named type, named = the named
--                            type | nil, reg, tok }
--                            (v2 extra results, in result_registers[2..], after edx for a 64-bit ret),
--                            attrs = { noreturn, blocking, returns_twice, fails_only, relays_errors = true | nil }
--                            (relays_errors, v2: the result may also be any error of m.errors),
--                            args[i] = arg (below), errors[i] = error (the `errors` lines),
--                            implied[i] = error (what the entry checks add: EFAULT, toolong (not for a
--                            value-result length, whose capacity the shim lowers to max), EINVAL for a
--                            flags/enum argument; and a resource argument's lifecycle errors)
--                            (errors and implied: one table per distinct list, shared by the syscalls
--                            that have it),
--                            fuzz = { isolate = bool, args = { [arg name] = hint } },
--                            at, num_at, token_mt (where its name and number stand: their tokens are
--                            model_names.syscall_tok(sc) and syscall_num_tok(sc)) }
--                          hint: { kind = "own_child" } | { kind = "max", max = {value, expr} } |
--                                { kind = "avoid", avoid = { {value, expr}, ... } }
--   m.retired[i]           { num, name, why, tok }  (sorted by num)
--   m.table_size           highest syscall or retired number + 1
--   m.services[i]          { name, service (the name string), doc, long, tok,
--                            messages[i] = message (sorted by num), retired[i] = { num, name, why, tok } }
-- arg:     { name, index, reg, kind = "scalar" | "bytes" | "str" | "ptr", toolong_explicit }
--          (one table serves every syscall whose argument is alike in every field: an argument's
--          table does not tell its syscall; a memo on it holds for all of them)
--          scalar: type = scalar type (a named type's base), named = flags/enum/resource type | nil,
--                  einval = error (flags/enum: unknown bits or values), lifecycle = { invalid, reaped,
--                  foreign = error | nil } (resource arguments only, else nil);
--                  64-bit (v2): regs = { lo_reg, hi_reg } (the registers of the low and the high word,
--                  which pair_order decides), reg = regs[1]; registers are counted per word
--          bytes:  dir ("in" "out" "inout"), len_arg (index of the length argument), len_name,
--                  max = {value, expr} | nil (in elements), toolong = error | nil (set when max is), efault,
--                  elem = scalar or struct type | nil (v2 T[COUNT]; nil: plain bytes), elem_size (1 for
--                  bytes), len_by_ptr = bool (v2 bytes[*LEN]: len_arg is an inout u32 ptr argument holding
--                  the capacity, written back with the size), optional = true | nil (v2: NULL allowed)
--          str:    dir = "in", size = {value, expr} (N of str[N]), toolong = error, efault,
--                  optional = true | nil (v2: NULL allowed)
--          ptr:    dir, type = scalar or struct type (a named type's base), named = type | nil,
--                  optional = bool, efault
-- type:    scalar { kind = "scalar", name, size, align, signed, ctype, user_ctype, hex }
--          (char is a scalar named "char", only inside arrays)
--          array  { kind = "array", elem = type, count, count_expr, size, align }
--          struct { kind = "struct", name, doc, size, align, fields[i] = field, tok }
--          vararray (a message's last field) { kind = "vararray", elem, size = 0, align = 1 }
--          named (v2; never a field's or an argument's `type`, which is the base: see `named`)
--            flags    { kind = "flags", name, doc, base = scalar, members[i] = member, mask, tok }
--            enum     { kind = "enum", name, doc, base = scalar, members[i] = member (sorted by value), tok }
--            resource { kind = "resource", name, doc, base = i32/u32 scalar, specials[i] = member, tok,
--                       producers[i] = syscall (returns it), consumers[i] = { syscall, arg } }
--            each also has the base's size, align, signed, ctype, user_ctype
--          member:  { name, value (signed for a special of an i32 resource), expr (C spelling), doc, tok,
--                     member_of = the type }
-- field:   { name, doc, type, named = type | nil, offset, tok }  (+ for a message: len_field = field,
--          is_length)
-- message: { num, name, doc, service = svc, fields[i] = field (without the discriminator),
--            all_fields (with `event` first), fixed_size, max_size, var = field | nil,
--            var_max = {value, expr} | nil, tok, num_tok }
local diag = require("diag")
local lexer = require("lexer")
local parser = require("parser")
local names = require("names")

local model = {}

local PARTS = { "model_names", "model_abi", "model_types", "model_syscalls", "model_fuzz", "model_services",
                "model_fast" }

-- The fast path of gen/model_fast.lua, on by default; a test turns it off to prove that the
-- model it builds is the one the parser and the checks build.
model.fast = true
-- How many syscalls it took and left to the slow path, over every model.load of this process.
model.stats = { taken = 0, left = 0 }
-- A function model.load calls every TICK syscalls, or nil: the CLI's collector policy looks at
-- the heap there (a load of 50,000 syscalls allocates 130 MB, half of it the model).
model.tick = nil
local TICK = 1024

local Checker = {}
Checker.__index = Checker
for _, part in ipairs(PARTS) do
    for k, f in pairs(require(part).methods) do
        assert(not Checker[k], "two model parts define " .. k)
        Checker[k] = f
    end
end

local function new_checker(file, tree)
    return setmetatable({
        tree = tree, file = file, consts = {}, errors = {}, structs = {}, struct_nodes = {},
        named_types = {}, aliases = {}, attr_sets = {}, arg_syscall = {}, arg_where = {},
        error_by_num = {}, macro_names = {}, retired_by_num = {}, retired_by_name = {}, sc_by_num = {},
        error_lists = {}, -- (model_syscalls.shared_errors)
        sc_by_name = {},
        m = { file = file, consts = {}, errors = {}, structs = {}, syscalls = {}, retired = {}, services = {},
              flags = {}, enums = {}, resources = {}, error_aliases = {} },
    }, Checker)
end

-- What the syscalls build on: consts, errors, the abi block, structs and retired numbers, as far
-- as the file has them (seen: how many of each, for the ones that come later).
function Checker:prelude()
    local tree = self.tree
    self:consts_and_errors(1, 1)
    self.m.abi = self:abi_block()
    self.registry = names.registry(self.m.abi.outputs)
    self:claim_consts_and_errors(1, 1)
    self:error_aliases(1)
    self:named_types_pass(1)
    self:structs_pass(1)
    self:retired_pass(1)
    self.enosys = self:need_error("ENOSYS", self.abi_kw, "the syscall dispatcher")
    self.seen = { consts = #tree.consts, errors = #tree.errors, structs = #tree.structs, retired = #tree.retired,
                  aliases = #tree.aliases, named_types = #tree.named_types,
                  m_consts = #self.m.consts, m_errors = #self.m.errors }
end

-- The definitions that came after the first syscall, checked once the file is parsed.
function Checker:after_prelude()
    local tree, seen = self.tree, self.seen
    if #tree.abis ~= 1 then self:abi_block() end -- a second abi block: its error
    self:consts_and_errors(seen.consts + 1, seen.errors + 1)
    self:claim_consts_and_errors(seen.m_consts + 1, seen.m_errors + 1)
    -- A const or error defined below a syscall may carry the name of one of its arguments.
    for i = seen.m_consts + 1, #self.m.consts + #self.m.errors - seen.m_errors do
        local c = self.m.consts[i] or self.m.errors[seen.m_errors + i - #self.m.consts]
        for _, sc in ipairs(self.m.syscalls) do
            for _, a in ipairs(sc.args) do
                if a.name == c.name then self:not_macro(self:arg_tok(a, sc), "argument") end
            end
        end
    end
    self:error_aliases(seen.aliases + 1)
    self:named_types_pass(seen.named_types + 1)
    self:structs_pass(seen.structs + 1)
    self:retired_pass(seen.retired + 1)
end

-- Parse and check text (the contents of file); return the model or raise a diagnostic.
--
-- A large definition is mostly syscalls, and their syntax tree is most of the memory: so each
-- syscall is checked as soon as it is parsed, once what it builds on (above it in the file) has
-- been, and its tree dropped. A syscall that needs a definition further down waits for the end
-- of the file; a file whose consts, abi block or structs need anything below the first syscall
-- is checked after the parse, as a whole.
--   Most syscalls never become tokens: at each `syscall` keyword the fast path of
-- gen/model_fast.lua tries to take the whole declaration (and those right after it) from the
-- text; what it leaves, the parser reads and the hook below checks, as before.
function model.load(text, file)
    local tree = { abis = {}, consts = {}, errors = {}, structs = {}, retired = {}, services = {}, aliases = {},
                   named_types = {} }
    local self, waiting, count, inline, claim_error = nil, {}, 0, nil, nil
    tree.syscalls = setmetatable({}, {
        __len = function() return count end,
        __newindex = function(_, _, node)
            count = count + 1
            if count % TICK == 0 and model.tick then model.tick() end
            if inline == nil then
                self = new_checker(file, tree)
                inline = pcall(self.prelude, self)
            end
            if not inline or claim_error then
                waiting[#waiting + 1] = node
                return
            end
            local ok, sc = pcall(self.syscall_checked, self, node)
            if not ok then
                if not diag.is_diag(sc) then error(sc, 0) end
                waiting[#waiting + 1] = node -- may need a definition below: again at the end
                return
            end
            -- A name clash is final (more definitions cannot undo it): reported after the parse,
            -- so that a syntax error further down still comes first.
            ok, claim_error = pcall(self.syscall_add, self, sc)
            if ok then claim_error = nil end
        end,
    })
    local next_token, cursor = lexer.stream(text, file)
    local fast, refused
    if model.fast then
        local byte, sub = string.byte, string.sub
        local src = cursor.text
        fast = function(token_mt)
            if inline == nil then
                self = new_checker(file, tree)
                inline = pcall(self.prelude, self)
            end
            if not inline or claim_error then return nil end
            local pos, line, line_start = cursor.at()
            if pos == refused then return nil end -- tried already, below
            local stats, taken = model.stats, false
            -- Declarations that follow one another line by line are taken in a row, without
            -- going back to the lexer and the parser between them.
            -- (The cursor moves to the end of the last one taken when the row ends.)
            local last, last_line, last_start
            while true do
                local after, end_line, end_start = self:fast_syscall(src, pos, line, line_start, token_mt,
                    cursor.controls)
                if not after then
                    stats.left, refused = stats.left + 1, pos
                    if taken then cursor.seek(last, last_line, last_start) end
                    return taken
                end
                stats.taken, taken = stats.taken + 1, true
                if stats.taken % TICK == 0 and model.tick then model.tick() end
                last, last_line, last_start = after, end_line, end_start
                if byte(src, after) ~= 10 or sub(src, after + 1, after + 8) ~= "syscall " then
                    cursor.seek(last, last_line, last_start)
                    return true
                end
                pos, line, line_start = after + 9, end_line + 1, after + 1
            end
        end
    end
    parser.parse(next_token, tree, file, fast)
    if claim_error then error(claim_error, 0) end
    if inline then
        self:after_prelude()
    else
        self = new_checker(file, tree)
        self:prelude()
    end
    for _, node in ipairs(waiting) do self:syscall_add(self:syscall_checked(node)) end
    waiting = nil -- luacheck: ignore 311
    self:syscalls_done()
    self:fuzz_from_pass()
    self:services_pass()
    if #self.m.syscalls == 0 then
        require("model_names").fail(self.abi_kw, "the definition has no syscall",
            'add one: syscall 1 NAME() -> i32 { doc "..." }')
    end
    self:claim_late_names()
    -- The arguments' tokens served the checks; nothing after them needs an argument's position,
    -- and a large definition has hundreds of thousands of them. (Only the slow path's arguments
    -- have one: slow_args.)
    if self.slow_args then
        local syscalls = self.m.syscalls
        for i = 1, #syscalls do
            local args = syscalls[i].args
            for j = 1, #args do
                local a = args[j]
                a.tok = nil
            end
        end
        require("model_syscalls").share_args(self.m)
    end
    return self.m
end

return model
