-- The model's syscalls and retired numbers: arguments and their checks, attributes, errors, the
-- kernel-stack budget of the entry shim, and the names each syscall claims.
local base = require("model_names")
local parser = require("parser")
local types = require("model_types")
local names = require("names")

local M = { methods = {} }
local Checker = M.methods
local fail, note, check_ident = base.fail, base.note, base.check_ident
local position, syscall_tok, syscall_num_tok = base.position, base.syscall_tok, base.syscall_num_tok
local SCALARS, TYPE_WORDS, SCALAR_LIST, UNSIGNED_LEN = types.SCALARS, types.TYPE_WORDS, types.SCALAR_LIST,
    types.UNSIGNED_LEN

local MAX_SYSCALL = 65535
local RETURN_TYPES = { i32 = true, u32 = true, uptr = true, void = true }
-- Returned in two result registers (v2): the low word in the first.
local RETURN_TYPES_64 = { i64 = true, u64 = true }
-- relays_errors: the result may also be any error of the definition (a call that hands back
-- another process's status, amc_call); error contracts allow every error for it.
local ATTRS = { noreturn = true, blocking = true, returns_twice = true, fails_only = true, relays_errors = true }
local V2_ATTRS = { fails_only = true, relays_errors = true }
local U32_MAX = 0xFFFFFFFF
-- Most syscalls have no extra results and imply no error they do not list: they share one
-- empty, read-only list.
local NO_RESULTS = setmetatable({}, { __newindex = error })
local NO_ERRORS = setmetatable({}, { __newindex = error })
local NO_ATTRS = setmetatable({}, { __newindex = error })
local ATTR_ORDER = { "noreturn", "blocking", "returns_twice", "fails_only", "relays_errors" }
-- For the fast path (gen/model_fast.lua), which builds the same tables.
M.MAX_SYSCALL, M.RETURN_TYPES, M.ATTRS, M.V2_ATTRS, M.U32_MAX = MAX_SYSCALL, RETURN_TYPES, ATTRS, V2_ATTRS, U32_MAX
M.NO_RESULTS, M.NO_ERRORS, M.NO_ATTRS = NO_RESULTS, NO_ERRORS, NO_ATTRS

-- One table per distinct list of errors (the model is read-only; a large definition repeats its
-- errors lines and what its checks imply): the list equal to list[1..n] in trie (a checker's
-- tree of the lists met so far, keyed by their errors in order), made from list the first time
-- (list itself when fresh is true, else a copy). The empty list is NO_ERRORS.
function M.shared_errors(trie, list, n, fresh)
    if n == 0 then return NO_ERRORS end
    local node = trie
    for i = 1, n do
        local e = list[i]
        local below = node[e]
        if not below then
            below = {}
            node[e] = below
        end
        node = below
    end
    local shared = node[true]
    if not shared then
        shared = fresh and list or { table.unpack(list, 1, n) }
        node[true] = shared
    end
    return shared
end

-- The errors the entry shim itself can return whether or not the .def lists them (and a resource
-- argument's lifecycle errors, which the handler returns), in argument order, less those listed:
-- as M.shared_errors's list in trie. Also the fast path's, so spelled without a call per error
-- (scratch: one argument's errors in order; implied: the list so far).
local scratch, implied = {}, {}
function M.implied_errors(args, listed, trie)
    local n = 0
    for i = 1, #args do
        local arg = args[i]
        local c, e = 0, arg.efault
        if e then c, scratch[1] = 1, e end
        -- A value-result capacity above max is lowered to max, never refused with toolong.
        e = not arg.len_by_ptr and arg.toolong
        if e then c = c + 1; scratch[c] = e end
        e = arg.einval
        if e then c = c + 1; scratch[c] = e end
        local lc = arg.lifecycle
        if lc then
            e = lc.invalid
            if e then c = c + 1; scratch[c] = e end
            e = lc.reaped
            if e then c = c + 1; scratch[c] = e end
            e = lc.foreign
            if e then c = c + 1; scratch[c] = e end
        end
        for j = 1, c do
            e = scratch[j]
            if not listed[e.name] then
                local k = 1
                while k <= n and implied[k] ~= e do k = k + 1 end
                if k > n then
                    n = n + 1
                    implied[n] = e
                end
            end
        end
    end
    return M.shared_errors(trie, implied, n, false)
end

-- The attribute set of an `attrs` list (a list of tokens): checked, and shared by every syscall
-- with the same attributes (the model is read-only, and a large definition repeats a few sets).
function Checker:attr_set(list, v2)
    if #list == 0 then return NO_ATTRS end
    for i = 1, #list do
        local at = list[i]
        if not ATTRS[at.value] then
            fail(at, "unknown attribute '" .. at.value .. "'", "attributes are noreturn, blocking and returns_twice" ..
                (v2 and ", and fails_only and relays_errors" or ""))
        end
        if V2_ATTRS[at.value] then self:need_v2(at, "attribute " .. at.value) end
        for j = 1, i - 1 do
            if list[j].value == at.value then fail(at, "duplicate attribute '" .. at.value .. "'") end
        end
    end
    local key = list[1].value
    if #list > 1 then
        local words = {}
        for _, w in ipairs(ATTR_ORDER) do
            for _, at in ipairs(list) do
                if at.value == w then words[#words + 1] = w end
            end
        end
        key = table.concat(words, " ")
    end
    local sets = self.attr_sets
    local set = sets[key]
    if not set then
        set = {}
        for _, at in ipairs(list) do set[at.value] = true end
        sets[key] = set
    end
    return set
end

function Checker:no_option(a, key, why)
    if a[key] then
        local tok = a[key .. "_kw"] or a[key]
        fail(tok, "'" .. tok.value .. "' " .. why)
    end
end

-- A scalar argument: a built-in scalar, or a flags, enum or resource type (v2; arg.type is then
-- its base and arg.named the type); 64-bit scalars (v2) take two registers.
function Checker:scalar_arg(a, arg)
    local name, t = arg.name, a.type.name
    if self.struct_nodes[t.value] then
        fail(t, "struct " .. t.value .. " cannot be passed in a register",
            "pass a pointer: " .. name .. ": in " .. t.value .. " (or out/inout)")
    end
    local nt = self.named_types[t.value]
    if nt then
        arg.type, arg.named = nt.base, nt
    elseif t.value == "char" or TYPE_WORDS[t.value] or not SCALARS[t.value] then
        fail(t, "unknown argument type '" .. t.value .. "'",
            "scalars are " .. SCALAR_LIST .. "; pointers are in/out/inout bytes[LEN], in str[N], in/out/inout T")
    else
        arg.type = SCALARS[t.value]
    end
    if arg.type.size > 4 and self.m.abi.version < 2 then
        fail(t, "argument '" .. name .. "' is 64-bit (" .. t.value .. ") and does not fit in one register",
            "pass it in a struct: in T, or use language version 2 (a register pair)")
    end
    if a.lifecycle then
        if not (nt and nt.kind == "resource") then
            local first = a.lifecycle.invalid or a.lifecycle.reaped or a.lifecycle.foreign
            fail(first.kw, "'" .. first.kw.value .. "' applies only to resource arguments",
                "declare the type: resource NAME : i32 \"doc\" { ... }")
        end
        arg.lifecycle = {}
        for _, why in ipairs(parser.LIFECYCLE) do
            local l = a.lifecycle[why]
            if l then
                arg.lifecycle[why] = self:need_error(l.err.value, l.err, "'" .. why .. "' of '" .. name .. "'")
            end
        end
    elseif nt and nt.kind == "resource" then
        arg.lifecycle = {}
    end
    if nt and nt.kind ~= "resource" then
        arg.einval = self:need_error("EINVAL", t, nt.kind .. " argument '" .. name .. "' (unknown values)")
    end
    return arg
end

-- The length (or element count) argument of a bytes or T[COUNT] argument: an unsigned scalar,
-- or (v2 bytes[*LEN]) an inout u32 pointer holding the capacity and receiving the size.
function Checker:length_arg(sc, a, by_name)
    local name = a.name.value
    if a.len.kind == "number" then
        fail(a.len, "the element count of '" .. name .. "' must name an argument, not a number",
            "write " .. a.elem.name.value .. "[COUNTARG] max N; a fixed-size array goes in a struct: in T")
    end
    local len = by_name[a.len.value]
    if not len then
        fail(a.len, "length '" .. a.len.value .. "' of '" .. name .. "' names no argument of " .. sc.name,
            a.elem and "T[COUNT] names the argument that holds the number of elements"
            or "bytes[LEN] names the argument that holds the length in bytes")
    end
    if a.len_by_ptr then
        self:need_v2(a.len_by_ptr, "a value-result length (bytes[*LEN])")
        if len.kind ~= "ptr" or len.dir.value ~= "inout" or len.type.name.value ~= "u32" then
            fail(a.len, "value-result length '" .. a.len.value .. "' of '" .. name ..
                "' must be an inout u32 argument", "declare it: " .. a.len.value .. ": inout u32")
        end
        return len
    end
    if len.kind ~= "scalar" or not UNSIGNED_LEN[len.type.name.value] then
        local what = len.kind == "scalar" and len.type.name.value or (len.kind .. " argument")
        fail(a.len, "length '" .. a.len.value .. "' of '" .. name ..
            "' must be an unsigned integer argument (u8, u16 or u32), not " .. what,
            len.kind == "ptr" and len.dir.value == "inout" and "a value-result length is written bytes[*" ..
            a.len.value .. "]" or nil)
    end
    return len
end

-- bytes[LEN], bytes[*LEN] and (v2) T[COUNT]: arg.elem (nil for bytes), arg.elem_size, arg.max (in
-- elements), arg.len_by_ptr.
function Checker:bytes_arg(sc, a, arg, by_name)
    local name = arg.name
    arg.elem_size = 1
    if a.elem then
        self:need_v2(a.array, "an array by element count (T[COUNT])")
        local t = a.elem.name
        if t.value == "char" or TYPE_WORDS[t.value] then
            fail(t, "'" .. t.value .. "' cannot be an array element", "use bytes[LEN] for bytes")
        end
        local elem = self:named_type(t, "argument " .. name)
        arg.elem, arg.elem_size = elem, elem.size
        if not a.max then
            fail(a.elem.name, "array '" .. name .. "' needs a max (in elements)",
                "write " .. t.value .. "[" .. a.len.value .. "] max N")
        end
    end
    local len = self:length_arg(sc, a, by_name)
    arg.len_arg, arg.len_name, arg.len_by_ptr = len.index, a.len.value, a.len_by_ptr ~= nil
    if a.max then
        arg.max = a.max.kind == "number" and { value = a.max.value, expr = a.max.text } or
            self:resolve(a.max, "the max of " .. name)
        local bytes = arg.max.value * arg.elem_size
        if bytes > U32_MAX then
            fail(a.max, string.format("max %d elements of %d bytes is %d bytes, more than a u32 can count",
                arg.max.value, arg.elem_size, bytes))
        end
        if bytes > self.m.abi.user_high - self.m.abi.user_low then
            fail(a.max, "max " .. arg.max.value .. (arg.elem and (" elements (" .. bytes .. " bytes)") or "") ..
                " is larger than user space")
        end
    end
end

function Checker:arg(sc, a, index, by_name)
    local name = a.name.value
    local kind = a.kind
    -- Every field an argument of its kind may get, in the constructor: the table is sized once
    -- (a scalar's einval, lifecycle and register pair are rare enough to add later).
    local arg
    if kind == "scalar" then
        arg = { name = name, index = index, kind = kind, tok = a.name, toolong_explicit = a.toolong ~= nil,
                type = nil, reg = nil, named = nil }
    elseif kind == "bytes" then
        arg = { name = name, index = index, kind = kind, dir = a.dir.value, tok = a.name,
                toolong_explicit = a.toolong ~= nil, efault = nil, reg = nil, optional = nil, toolong = nil,
                max = nil, len_arg = nil, len_name = nil, len_by_ptr = nil, elem = nil, elem_size = nil }
    else
        arg = { name = name, index = index, kind = kind, dir = a.dir.value, tok = a.name,
                toolong_explicit = a.toolong ~= nil, efault = nil, reg = nil, optional = nil, toolong = nil,
                type = nil, named = nil, size = nil }
    end
    if a.max and kind ~= "bytes" then
        self:no_option(a, "max", "applies only to bytes arguments (str[N] has its own bound)")
    end
    if a.toolong and (kind == "scalar" or kind == "ptr") then
        self:no_option(a, "toolong", "applies only to bytes and str arguments")
    end
    if a.optional and kind ~= "ptr" and (kind == "scalar" or self.m.abi.version < 2) then
        self:no_option(a, "optional", "applies only to in/out/inout T pointer arguments")
    end
    if a.lifecycle and a.kind ~= "scalar" then
        local first = a.lifecycle.invalid or a.lifecycle.reaped or a.lifecycle.foreign
        fail(first.kw, "'" .. first.kw.value .. "' applies only to resource arguments")
    end
    if a.kind == "scalar" then
        return self:scalar_arg(a, arg)
    end
    arg.efault = self.errors.EFAULT or self:need_error("EFAULT", a.name, "pointer argument '" .. name .. "'")
    if a.optional and a.kind ~= "ptr" then arg.optional = true end
    if a.kind == "bytes" then
        self:bytes_arg(sc, a, arg, by_name)
        if a.toolong and not arg.max then
            fail(a.toolong_kw, "'toolong' needs a 'max' to go with it", "write max N toolong ERROR")
        elseif a.toolong then
            arg.toolong = self:need_error(a.toolong.value, a.toolong, "toolong of '" .. name .. "'")
        elseif arg.max then
            arg.toolong = self.errors.E2BIG or self:need_error("E2BIG", a.max_kw, "the max of '" .. name .. "'")
        end
        return arg
    elseif a.kind == "str" then
        if arg.dir ~= "in" then
            fail(a.dir, "str arguments are input only", "use out bytes[LEN] to return a string")
        end
        arg.size = a.size.kind == "number" and { value = a.size.value, expr = a.size.text } or
            self:resolve(a.size, "the length of " .. name)
        if arg.size.value == 0 or arg.size.value > 65535 then
            fail(a.size, "string length must be in 1..65535")
        end
        local enametoolong = self.errors.ENAMETOOLONG or
            self:need_error("ENAMETOOLONG", a.kind_tok, "string argument '" .. name .. "'")
        arg.toolong = a.toolong and self:need_error(a.toolong.value,
            a.toolong, "toolong of '" .. name .. "'") or enametoolong
        return arg
    end
    local t = a.type.name
    if t.value == "char" or TYPE_WORDS[t.value] then
        fail(t, "'" .. t.value .. "' cannot follow '" .. arg.dir .. "'",
            "write " .. arg.dir .. " bytes[LEN], in str[N] or " .. arg.dir .. " TYPE")
    end
    local scalar = SCALARS[t.value]
    if scalar then
        arg.type = scalar
    else
        arg.type, arg.named = self:named_type(t, "argument " .. name)
    end
    arg.optional = a.optional ~= nil
    return arg
end
function Checker:syscall(node)
    local name = node.name.value
    local v2 = self.m.abi.version >= 2
    -- v2: a C keyword names a syscall; its C identifiers get a trailing underscore (cname).
    if not (v2 and names.C_KEYWORDS[name]) then check_ident(node.name, "syscall") end
    self:not_macro(node.name, "syscall")
    -- Every field but the rare produces and ret_regs in the constructor: the table is sized once.
    local sc = { num = node.num.value, name = name, at = position(node.name), num_at = position(node.num),
                 token_mt = getmetatable(node.name), cname = name,
                 doc = node.doc, long = node.long, args = {}, attrs = nil, errors = {},
                 results = #node.results > 0 and {} or NO_RESULTS, fuzz = nil, implied = nil, ret = nil,
                 ret_type = nil }
    if names.C_KEYWORDS[name] then sc.cname = name .. "_" end
    if not node.doc then
        fail(node.name, "syscall " .. name .. " has no doc line", 'add doc "what it does" to its body')
    end
    if sc.num > MAX_SYSCALL then
        fail(node.num, "syscall number " .. sc.num .. " is larger than " .. MAX_SYSCALL)
    end
    local regs = self.m.abi.arg_registers
    if #node.args > #regs then
        fail(node.args[#regs + 1].name, string.format("too many arguments: %s takes %d, the limit is %d (arg_registers %s)",
            name, #node.args, #regs, table.concat(regs, " ")), "pass the rest in a struct: in T")
    end
    local by_name = {}
    for i = 1, #node.args do
        local a = node.args[i]
        check_ident(a.name, "argument")
        self:not_macro(a.name, "argument")
        if by_name[a.name.value] then
            fail(a.name, "duplicate argument name '" .. a.name.value .. "' in " .. name, nil,
                { note(by_name[a.name.value].name, "first declared here") })
        end
        by_name[a.name.value] = a
        a.index = i
    end
    local word = 1 -- the next free register: a 64-bit scalar takes two (v2)
    for i = 1, #node.args do
        local a = node.args[i]
        local arg = self:arg(sc, a, i, by_name)
        local words = arg.kind == "scalar" and arg.type.size > 4 and 2 or 1
        if word + words - 1 > #regs then
            fail(a.name, string.format("too many argument words: %s needs %d registers with '%s', the limit is %d " ..
                "(arg_registers %s)", name, word + words - 1, arg.name, #regs, table.concat(regs, " ")),
                "a 64-bit scalar takes two registers; pass the rest in a struct: in T")
        end
        arg.reg = regs[word]
        if words == 2 then
            -- regs = { low word's register, high word's }: which is which, pair_order says.
            local low_first = self.m.abi.pair_order == "low_high"
            arg.lo_reg, arg.hi_reg = regs[word + (low_first and 0 or 1)], regs[word + (low_first and 1 or 0)]
            arg.regs, arg.reg = { arg.lo_reg, arg.hi_reg }, arg.lo_reg
        end
        word = word + words
        sc.args[i] = arg
    end
    self:stack_budget(sc)
    sc.attrs = self:attr_set(node.attrs, v2)
    self:return_type(sc, node)
    if sc.ret == "void" and not sc.attrs.noreturn then
        fail(node.ret, "only a noreturn syscall can return void", "add `attrs noreturn`, or return i32")
    end
    if sc.attrs.noreturn and sc.ret ~= "void" then
        fail(node.ret, "a noreturn syscall must be declared -> void")
    end
    if sc.attrs.noreturn and sc.attrs.returns_twice then
        fail(node.name, "syscall " .. name .. " cannot be both noreturn and returns_twice")
    end
    if sc.attrs.fails_only and (sc.attrs.noreturn or sc.attrs.returns_twice or sc.ret ~= "i32" or #sc.results > 0) then
        fail(node.name, "a fails_only syscall returns an i32 error and nothing else",
            "fails_only is for calls such as execve, which return only to report an error: -> i32, " ..
            "not noreturn or returns_twice")
    end
    local seen = {}
    for i = 1, #node.errors do
        local e = node.errors[i]
        local err = self.errors[e.value] or (self.aliases[e.value] and self.aliases[e.value].target)
        if not err then
            fail(e, "unknown error '" .. e.value .. "' in the errors of " .. name,
                "define it: error " .. e.value .. " N \"text\"")
        end
        if seen[err.name] then
            fail(e, "error " .. e.value .. " is listed twice" .. (err.name ~= e.value and (" (it is " .. err.name .. ")") or ""))
        end
        seen[err.name] = true
        sc.errors[#sc.errors + 1] = err
    end
    sc.errors = M.shared_errors(self.error_lists, sc.errors, #sc.errors, true)
    sc.fuzz = self:fuzz_hints(sc, node)
    sc.implied = M.implied_errors(sc.args, seen, self.error_lists)
    return sc
end

-- The return type and the extra results (v2) of a syscall: sc.ret (the base scalar's name, or
-- void), sc.ret_type, sc.produces, sc.ret_regs (64-bit), sc.results.
function Checker:return_type(sc, node)
    local t, abi = node.ret, self.m.abi
    local nt = self.named_types[t.value]
    local rregs = abi.result_registers
    if nt then
        sc.ret, sc.ret_type = nt.base.name, nt
        if nt.kind == "resource" then sc.produces = nt end
    elseif RETURN_TYPES_64[t.value] then
        self:need_v2(t, "a 64-bit result (" .. t.value .. ")")
        if rregs[2] ~= "edx" then
            fail(t, "a 64-bit result is returned in edx:eax, but result_registers does not list edx second",
                "result_registers eax edx ...", { note(abi.setting_tok.result_registers or abi.kw, "the result registers") })
        end
        sc.ret, sc.ret_type, sc.ret_regs = t.value, SCALARS[t.value], { "eax", "edx" }
    elseif RETURN_TYPES[t.value] then
        sc.ret, sc.ret_type = t.value, SCALARS[t.value]
    else
        fail(t, "unknown return type '" .. t.value .. "'", "return types are i32, u32, uptr and void" ..
            (abi.version >= 2 and ", i64, u64 and flags, enum and resource types" or ""))
    end
    local first = sc.ret_regs and 3 or 2
    if #node.results == 0 then return end
    local by_name = {}
    for i = 1, #sc.args do
        local a = sc.args[i]
        by_name[a.name] = true
    end
    for i = 1, #node.results do
        local r = node.results[i]
        self:need_v2(r.comma, "an extra result")
        check_ident(r.name, "result")
        self:not_macro(r.name, "result")
        if by_name[r.name.value] then
            fail(r.name, "result '" .. r.name.value .. "' has the name of an argument of " .. sc.name)
        end
        by_name[r.name.value] = true
        local reg = rregs[first + i - 1]
        if not reg then
            fail(r.name, string.format("%s returns %d words, but result_registers has %d (%s)", sc.name,
                first + #node.results - 1, #rregs, table.concat(rregs, " ")),
                "add registers: result_registers eax edx ecx")
        end
        local rt, named = self.named_types[r.type.value], nil
        if rt then
            rt, named = rt.base, rt
        else
            rt = SCALARS[r.type.value]
        end
        if not rt or rt.size ~= 4 then
            fail(r.type, "result '" .. r.name.value .. "' must be a 32-bit scalar (i32, u32, uptr) or a flags, " ..
                "enum or resource type, not '" .. r.type.value .. "'")
        end
        sc.results[i] = { name = r.name.value, type = named or rt, named = named, reg = reg, tok = r.name }
    end
end

-- The kernel copies of str and in/out/inout T arguments live on the entry shim's stack frame,
-- on the kernel stack of the calling process: all of them together must fit the budget. (A
-- definition without the kernel outputs describes a kernel that is not ours: no shim.)
function Checker:stack_budget(sc)
    if not self.m.abi.outputs.kernel then return end
    local budget, total = self.m.abi.kernel_stack_budget, 0
    for i = 1, #sc.args do
        local a = sc.args[i]
        local bytes = a.kind == "str" and a.size.value + 1 or a.kind == "ptr" and a.type.size or 0
        total = total + bytes
        if bytes > 0 and total > budget then
            fail(a.tok, string.format("argument '%s' of %s copies %d bytes onto the kernel stack, more than the " ..
                "budget of %d", a.name, sc.name, bytes, budget), total > bytes and string.format(
                "with the arguments before it, the entry shim would copy %d bytes; pass large inputs as " ..
                "in bytes[LEN] (checked, not copied)", total) or
                "pass a large input as in bytes[LEN] (checked, not copied)")
        end
    end
end

-- Every identifier the outputs spell for a syscall (gen/names.lua), against the registry. The
-- syscall and its arguments own their names; the family names (model_names.FAMILIES) are probed,
-- the others stored. An argument's conformance cases are named by its stem and a fixed suffix
-- (names.conf_case), and no suffix ends another: two case names are equal exactly when their
-- stems are, so the stem stands for all of them.
function Checker:claim_syscall(sc)
    local abi = self.m.abi
    local out = abi.outputs
    -- The family names can only meet a stored name that has the syscall's name after a family
    -- prefix: one lookup for most syscalls.
    local registry = self.registry
    local may_clash = registry:family_may_clash(sc.name) or registry:family_may_clash(sc.cname)
    if may_clash then self:probe_families(sc) end
    local wrapper = names.wrapper(abi, sc)
    if abi.prefix ~= "" and (names.C_KEYWORDS[wrapper] or wrapper:match("^_[_%u]")) then
        fail(syscall_tok(sc), "syscall '" .. sc.name .. "' would generate " .. wrapper .. ", " ..
            (names.C_KEYWORDS[wrapper] and "a C keyword" or "a reserved C identifier"),
            "rename the syscall or change the prefix", { note(abi.setting_tok.prefix, "the prefix is set here") })
    end
    self:claim_free("ordinary", wrapper, "user", sc)
    if out.conformance then
        for i = 1, #sc.args do
            local a = sc.args[i]
            if M.has_cases(a) then
                self.arg_syscall[a] = sc
                self:claim_cases(names.conf_stem(sc, a), a)
            end
        end
    end
end

-- True if the conformance outputs make cases for argument a: every pointer, and a flags or enum
-- argument (the values it refuses) or a resource with lifecycle errors.
function M.has_cases(a)
    return a.kind ~= "scalar" or a.einval ~= nil or (a.lifecycle ~= nil and next(a.lifecycle) ~= nil)
end

-- The conformance case names of argument a (stem .. suffix), in the registry.
function Checker:claim_cases(stem, a)
    local prev = self.registry:claim("case", stem, "user", a)
    if prev then self:clash(stem .. "*", a, prev) end
end

-- The names of sc's families (model_names.FAMILIES) of the outputs asked for, against the registry.
function Checker:probe_families(sc)
    self:probe("macro", names.sys_macro(sc), "all", sc)
    if self.m.abi.outputs.kernel then
        self:probe("ordinary", names.handler(sc), "kernel", sc)
        self:probe("ordinary", names.shim(sc), "kernel", sc)
        self:probe("ordinary", names.contract_errors(sc), "kernel", sc)
    end
end

-- Sort entries by number; a .def usually lists them in order already, and
-- checking that is linear where sorting is not.
local function sort_by_num(list)
    for i = 2, #list do
        if list[i - 1].num > list[i].num then
            table.sort(list, function(a, b) return a.num < b.num end)
            return
        end
    end
end

-- Retired numbers from tree.retired[from] on. Those retired after syscalls were checked (a
-- retired line below them in the file) are checked against them here.
function Checker:retired_pass(from)
    local m = self.m
    for i = from, #self.tree.retired do
        local r = self.tree.retired[i]
        -- v2: a retired name may be a C keyword (`retired 17 break`): it names no C identifier.
        if not (self.m.abi.version >= 2 and names.C_KEYWORDS[r.name.value]) then check_ident(r.name, "retired name") end
        local prev = self.retired_by_num[r.num.value]
        if prev then
            fail(r.num, "number " .. r.num.value .. " is retired twice", nil, { note(prev.num, "first retired here") })
        end
        if r.num.value > MAX_SYSCALL then fail(r.num, "syscall number " .. r.num.value .. " is larger than " .. MAX_SYSCALL) end
        self.retired_by_num[r.num.value] = r
        self.retired_by_name[r.name.value] = r
        m.retired[#m.retired + 1] = { num = r.num.value, name = r.name.value, why = r.why, tok = r.num }
        local sc = self.sc_by_num[r.num.value]
        if sc then self:reuses_retired(syscall_num_tok(sc), sc.name, r) end
        sc = self.sc_by_name[r.name.value]
        if sc then self:reuses_retired_name(syscall_tok(sc), r) end
    end
end

function Checker:reuses_retired(num_tok, name, r)
    fail(num_tok, "syscall number " .. num_tok.value .. " was retired (" .. r.name.value ..
        "): retired numbers are never reused", "give " .. name .. " a new number", { note(r.num, "retired here") })
end

function Checker:reuses_retired_name(name_tok, r)
    fail(name_tok, "syscall name '" .. name_tok.value .. "' was retired (number " .. r.num.value .. ")",
        "old programs may still expect the old meaning; pick another name", { note(r.name, "retired here") })
end

-- The checks of one syscall that need no other syscall: everything but its names (pure, so
-- that the driver may try it before the whole file is parsed).
function Checker:syscall_checked(node)
    local num, name = node.num.value, node.name.value
    local prev = self.sc_by_num[num]
    if prev then
        fail(node.num, "duplicate syscall number " .. num .. " (already " .. prev.name .. ")",
            "every syscall needs its own number", { note(syscall_num_tok(prev), "first used here") })
    end
    prev = self.sc_by_name[name]
    if prev then
        fail(node.name, "duplicate syscall name '" .. name .. "'", nil, { note(syscall_tok(prev), "first defined here") })
    end
    local r = self.retired_by_num[num]
    if r then self:reuses_retired(node.num, name, r) end
    r = self.retired_by_name[name]
    if r then self:reuses_retired_name(node.name, r) end
    return self:syscall(node)
end

-- Add a checked syscall to the model, claiming its names. Only the model's entry stays: the
-- syntax tree's node, and the tokens only it holds, can go as soon as their syscall is in.
function Checker:syscall_add(sc)
    self:claim_syscall(sc)
    if #sc.args > 0 then self.slow_args = true end -- (share_args: not only the fast path's)
    if sc.produces then local p = sc.produces.producers; p[#p + 1] = sc end
    for i = 1, #sc.args do
        local a = sc.args[i]
        if a.named and a.named.kind == "resource" then
            local c = a.named.consumers
            c[#c + 1] = { syscall = sc, arg = a }
        end
    end
    local m = self.m
    m.syscalls[#m.syscalls + 1] = sc
    self.sc_by_num[sc.num], self.sc_by_name[sc.name] = sc, sc
end

-- After the last syscall: the table's order and size.
function Checker:syscalls_done()
    local m = self.m
    sort_by_num(m.syscalls)
    sort_by_num(m.retired)
    local top = -1
    for i = 1, #m.syscalls do
        local s = m.syscalls[i]
        top = math.max(top, s.num)
    end
    for i = 1, #m.retired do
        local r = m.retired[i]
        top = math.max(top, r.num)
    end
    m.table_size = top + 1
end

-- The fields an argument may have (gen/model.lua lists them): arg_key reads each.
local ARG_FIELDS = {}
for w in ([[name index reg kind toolong_explicit type named einval lifecycle regs lo_reg hi_reg dir len_arg
    len_name max toolong efault elem elem_size len_by_ptr optional size]]):gmatch("%S+") do
    ARG_FIELDS[w] = true
end

-- The text that two arguments have alike exactly when every field is alike (a table they refer
-- to, a type or an error, by its number in ids), or nil for a table with a field this does not
-- know (it is then kept as it is).
local ids -- share_args's: a short string per table met (a number costs a conversion each time)
local function id(t)
    if t == nil then return "" end
    local s = ids[t]
    if not s then
        ids.n = ids.n + 1
        s = "#" .. ids.n
        ids[t] = s
    end
    return s
end
local NUMS = setmetatable({}, { __index = function(t, n)
    local s = tostring(n)
    t[n] = s
    return s
end })
local function flag(v) return v and "1" or v == false and "0" or "" end
-- (A {value, expr}'s expr decides its value: a number, or a const's name.)
local function num(v) return v and v.expr or "" end

local function arg_key(a)
    for k in pairs(a) do
        if not ARG_FIELDS[k] then return nil end
    end
    local lc, regs = a.lifecycle, a.regs
    return a.name .. "," .. NUMS[a.index] .. "," .. (a.reg or "") .. "," .. a.kind .. "," .. flag(a.toolong_explicit) .. "," ..
        id(a.type) .. "," .. id(a.named) .. "," .. id(a.einval) .. "," ..
        (lc and (id(lc.invalid) .. "/" .. id(lc.reaped) .. "/" .. id(lc.foreign)) or "") .. "," ..
        (regs and (regs[1] .. "/" .. regs[2]) or "") .. "," .. (a.lo_reg or "") .. "," .. (a.hi_reg or "") .. "," ..
        (a.dir or "") .. "," .. (a.len_arg and NUMS[a.len_arg] or "") .. "," .. (a.len_name or "") .. "," .. num(a.max) .. "," ..
        id(a.toolong) .. "," .. id(a.efault) .. "," .. id(a.elem) .. "," .. (a.elem_size and NUMS[a.elem_size] or "") .. "," ..
        flag(a.len_by_ptr) .. "," .. flag(a.optional) .. "," .. num(a.size)
end

-- One table for the arguments that are alike in every field, whichever syscalls they belong to
-- (the model is read-only, and a large definition spells few distinct ones: 8,000 for 126,000
-- arguments of the 50,000-syscall bench definition). The fast path shares the arguments it
-- reads alike already (model.load skips this when it made them all); this makes the sharing
-- the same whatever path built the syscall (after the load's checks, which need each
-- argument's own position).
function M.share_args(m)
    local canon, by_key = {}, {}
    ids = { n = 0 }
    local syscalls = m.syscalls
    for i = 1, #syscalls do
        local args = syscalls[i].args
        for j = 1, #args do
            local a = args[j]
            local c = canon[a]
            if not c then
                local key = arg_key(a)
                c = key and by_key[key] or a
                if key then by_key[key] = c end
                canon[a] = c
            end
            args[j] = c
        end
    end
    for _, r in ipairs(m.resources) do
        for _, use in ipairs(r.consumers) do use.arg = canon[use.arg] or use.arg end
    end
    ids = nil
end

-- The names the outputs spell once every syscall is known: the tracer's value lists of the
-- struct fields and syscall arguments that consts' docs give values ("S.f: ..."), and the
-- conformance cases of the retired numbers.
function Checker:claim_late_names()
    local m = self.m
    if m.abi.outputs.kernel then
        local struct_by_name, done = {}, {}
        for _, st in ipairs(m.structs) do struct_by_name[st.name] = st end
        for _, c in ipairs(m.consts) do
            local owner = (c.doc or ""):match("^([%w_]+%.[%w_]+):")
            if owner and not done[owner] then
                done[owner] = true
                local x, y = owner:match("^(.*)%.(.*)$")
                local sc, st, has = self.sc_by_name[x], struct_by_name[x], false
                for _, a in ipairs(sc and sc.args or {}) do has = has or (a.name == y and a.kind == "scalar") end
                for _, f in ipairs(st and st.fields or {}) do has = has or f.name == y end
                if has then
                    self:claim_free("ordinary", names.trace_values(owner), "kernel", { kind = "const", name = c.name,
                        what = "the trace values of " .. owner .. " (the doc of const " .. c.name .. ")", tok = c.tok })
                end
            end
        end
    end
    if m.abi.outputs.conformance then
        for _, r in ipairs(m.retired) do self:claim_retired_case(r) end
    end
end

-- The conformance case of a retired number (names.conf_nosys_numbers: the only ones of those
-- cases whose names the definition spells): it must differ from every other case's, among them
-- a syscall's register case (conf_NAME_regs) and an argument's (its stem and a suffix: a
-- claimed stem the name starts with is taken to meet it, whatever the rest).
function Checker:claim_retired_case(r)
    local name = names.conf_nosys_case(r.num, names.conf_retired_why(r))
    local owner = { kind = "retired entry", name = r.name, tok = r.tok,
                    what = "the conformance case of retired " .. r.num .. " " .. r.name }
    local sc = name:sub(-5) == "_regs" and self.sc_by_name[name:sub(6, -6)]
    if sc then self:clash(name, owner, sc) end
    local registry = self.registry
    for p in name:gmatch("()_", 6) do
        local prev = registry:find("case", name:sub(1, p), "user")
        if prev and (prev.arg or self.arg_syscall[prev]) then self:clash(name:sub(1, p) .. "*", owner, prev) end
    end
    self:claim("case", name, "user", owner)
end

return M
