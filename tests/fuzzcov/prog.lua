-- fuzz-cov programs: sequences of calls chosen from the descriptions of tests/fuzzcov/desc.lua,
-- in which resources flow from producers to consumers (a pid from fork or spawn goes to kill,
-- waitpid...), flag sets and enums are drawn from their definitions (and, less often, with bits
-- or values they do not define), and buffers come in the right size and in hostile sizes and
-- places. Generation and mutation draw only from the rng they are given: the same seed, the
-- same programs.
--
-- A program: { seed = u32 (its scratch contents), calls = { call... } }
-- call:      { d = syscall description, child = what a forked child does (fc.h), args = { arg... },
--              owner = the fork call whose child runs this call, or nil (the program's process) }
--            A fork's child runs the calls that follow it and name it as owner (the calls of its
--            span: a partner that serves or calls what the parent set up); the parent skips them.
-- arg:       { t = "lit", v = u32 } | { t = "res", call = an earlier call, reg = nil (its result)
--            or the fc_reg_* index of the register holding an extra result (desc.lua) } |
--            { t = "pair", words = { u32, u32 } } (a 64-bit scalar, in register order) |
--            { t = "scr", off = n } (scratch + n) | { t = "heap", off = n } (end of heap - n) |
--            { t = "str", off = n, bytes = s } (s and a NUL written at scratch + n) |
--            { t = "word", off = n, v = u32 } (scratch + n, holding v: a value-result length,
--            bytes[*LEN], and the capacity it gives its buffer)
local P = {}

local MASK = 0xFFFFFFFF
local SCRATCH = 65536
local STR_AREA = 0xC000 -- string arguments live above the buffers' usual places
local TEXT_AREA = 0xF000 -- and an in buffer that holds text (a name and its NUL) above them
local MAX_CALLS = 24
local CHILD_ACTIONS = 4 -- enum fc_child

-- ---- the random source: xorshift32, as the guest's fuzzer uses ----

function P.rng(seed)
    seed = seed & MASK
    return { s = seed ~= 0 and seed or 0x9E3779B9 }
end

local function rand(r)
    local x = r.s
    x = (x ~ (x << 13)) & MASK
    x = x ~ (x >> 17)
    x = (x ~ (x << 5)) & MASK
    r.s = x
    return x
end
P.rand = rand

local function below(r, n)
    return n > 0 and rand(r) % n or 0
end
P.below = below

local function pick(r, list)
    return list[below(r, #list) + 1]
end

local function lit(v)
    return { t = "lit", v = v & MASK }
end

-- ---- values ----

-- Integers on some boundary: the limits and sign bits of each width, a page and its neighbours.
local EDGES = { 0, 1, 2, 0xFFF, 0x1000, 0xFFFFFFFE }
for _, bits in ipairs({ 8, 16, 32 }) do
    for _, v in ipairs({ (1 << (bits - 1)) - 1, 1 << (bits - 1), (1 << bits) - 1, 1 << bits }) do
        EDGES[#EDGES + 1] = v & MASK
    end
end

-- An address no call may accept for size bytes.
local function hostile_addr(r, ctx, size)
    local k = 1 + below(r, math.max(size, 1))
    local D = ctx.D
    local x = below(r, 8)
    if x == 0 then return 0 end
    if x == 1 then return below(r, D.user_low) end
    if x == 2 then return D.user_high - (k - 1) end -- runs past the top of user space
    if x == 3 and #ctx.kaddrs > 0 then return pick(r, ctx.kaddrs) end
    if x == 4 then return 0x90000000 + below(r, 0x10000000) end -- never mapped (fuzz.c's choice)
    if x == 5 then return (0 - k) & MASK end -- wraps around
    return D.user_high + below(r, 0x100000000 - D.user_high)
end

-- The forks whose children run a call of owner o, innermost first (o itself first).
local function chain_of(o)
    local list = {}
    while o do
        list[#list + 1] = o
        o = o.owner
    end
    return list
end

-- The calls before position k whose results a call of owner o can take: those its own process
-- and the processes it was forked from made (before they forked it), but not those forks
-- themselves (fork returned 0 there).
local function visible(prog, k, o)
    local procs, forks = { [false] = true }, {}
    for _, f in ipairs(chain_of(o)) do
        procs[f], forks[f] = true, true
    end
    local list = {}
    for j = 1, k - 1 do
        local c = prog.calls[j]
        if c and procs[c.owner or false] and not forks[c] then list[#list + 1] = c end
    end
    return list
end

-- The results a call at k of owner o may take: { call, reg } (reg nil: the call's result);
-- with resource, only those holding one (a call's result or one of its extra results).
local function earlier(prog, k, o, resource)
    local list = {}
    for _, c in ipairs(visible(prog, k, o)) do
        if not resource or c.d.produces == resource then list[#list + 1] = { call = c } end
        for _, x in ipairs(resource and c.d.extra or {}) do
            if x.resource == resource then list[#list + 1] = { call = c, reg = x.reg } end
        end
    end
    return list
end

local function res(p)
    return { t = "res", call = p.call, reg = p.reg }
end

local function fits_hints(a, v)
    v = v & MASK
    if a.max then
        local t = v
        if a.signed and t >= 0x80000000 then t = 0 end -- a negative value is below the max
        if t > a.max then v = t % (a.max + 1) end
    end
    for _ = 0, #(a.avoid or {}) do
        local hit = false
        for _, x in ipairs(a.avoid or {}) do hit = hit or x == v end
        if not hit then break end
        v = (v + 1) & MASK
    end
    return v
end

local function flags_value(r, a)
    local v = 0
    for _, bit in ipairs(a.flags) do
        if below(r, 2) == 1 then v = v | bit end
    end
    local x = below(r, 100)
    if x < 70 then return v end
    if x < 90 then -- an undefined bit too: the shim refuses it
        local free = {}
        for b = 0, 31 do
            if (a.mask or 0) & (1 << b) == 0 then free[#free + 1] = 1 << b end
        end
        return v | (#free > 0 and pick(r, free) or 0)
    end
    return rand(r)
end

local function enum_value(r, a)
    local x = below(r, 100)
    if x < 75 then return pick(r, a.enum) end
    local top = 0
    for _, v in ipairs(a.enum) do top = math.max(top, v) end
    if x < 90 then return top + 1 + below(r, 4) end -- past the last value
    return rand(r)
end

local function plain_value(r, a, prog, k, o)
    local x = below(r, 100)
    if x < 45 then return lit(a.signed and below(r, 18) - 1 or below(r, 17)) end
    if x < 57 then return lit(pick(r, EDGES)) end
    if x < 65 then return lit(rand(r)) end
    if x < 73 then return lit(-(1 + below(r, 4096))) end
    if x < 83 and a.bits == 32 then
        local any = earlier(prog, k, o)
        if #any > 0 then return res(pick(r, any)) end
    end
    if x < 90 and a.bits == 32 then return { t = "scr", off = below(r, SCRATCH) } end
    return lit(below(r, 17) | (rand(r) & ~((1 << a.bits) - 1))) -- garbage above the width
end

local NEVER_LIVE = { 0, 0xFFFFFFFF, 0xFFFFFFFE, 0x7FFFFFFF, 0x80000000, 0xFFFFFC18 }

local function scalar(r, _ctx, prog, k, a, o)
    if a.bits == 64 then -- two words, small ones more often
        local lo = below(r, 2) == 0 and below(r, 4097) or rand(r)
        local hi = below(r, 2) == 0 and 0 or pick(r, EDGES)
        return { t = "pair", words = a.low_first and { lo, hi } or { hi, lo } }
    end
    if a.resource and not a.max and not a.avoid then
        local x = below(r, 100)
        local prods = earlier(prog, k, o, a.resource)
        -- the latest producer half the time: a server answers the call it received last
        if x < 35 and #prods > 0 then return res(prods[#prods]) end
        if x < 65 and #prods > 0 then return res(pick(r, prods)) end
        if #prods == 0 and x < 60 and a.specials and #a.specials > 0 then return lit(pick(r, a.specials)) end
        if x < 78 and a.specials and #a.specials > 0 then return lit(pick(r, a.specials)) end
        if x < 92 then return lit(pick(r, NEVER_LIVE)) end
        return lit(1 + below(r, 64)) -- somebody's pid, perhaps: init, the executor
    end
    if a.flags then return lit(fits_hints(a, flags_value(r, a))) end
    if a.enum then return lit(fits_hints(a, enum_value(r, a))) end
    local v = plain_value(r, a, prog, k, o)
    if (a.max or a.avoid) and v.t ~= "lit" then v = lit(below(r, 17)) end
    if v.t == "lit" then v.v = fits_hints(a, v.v) end
    return v
end

-- A length for a valid buffer of at most limit elements, short ones more often.
local function valid_len(r, limit)
    local x = below(r, 4)
    if x == 0 then return below(r, math.min(limit, 16) + 1) end
    if x == 1 then return below(r, math.min(limit, 256) + 1) end
    if x == 2 then return below(r, limit + 1) end
    return limit
end

-- The places in scratch of what the calls visible at k (owner o) and the arguments of c drawn
-- so far were given: { off, len } (len: a string's bytes and its NUL, or nil for a buffer).
local function earlier_buffers(prog, k, o, c)
    local list = {}
    local function add(call)
        for i, a in ipairs(call.args) do
            if a.t == "scr" and call.d.args[i].kind == "bytes" then list[#list + 1] = { a.off } end
            if a.t == "str" then list[#list + 1] = { a.off, #a.bytes + 1 } end
        end
    end
    for _, v in ipairs(visible(prog, k, o)) do add(v) end
    if c then add(c) end
    return list
end

-- A buffer argument of c: its address and its length register. A tenth of the time, an in
-- buffer holds a name and its NUL (text, and a packed list of one string: spawn's argv). A
-- quarter of the time when there is one, at the place of an earlier buffer or string: what one
-- call received, the next sends back (the request a server received is its answer).
local function buffer(r, ctx, a, prog, k, c)
    local type_max = (1 << a.len_bits) - 1
    local bound = math.min(a.max or type_max, type_max)
    local es = a.elem_size
    local limit = math.min(bound, 16384 // es)
    local x = below(r, 100)
    local before = prog and earlier_buffers(prog, k, c.owner, c) or {}
    if a.dir == "in" and es == 1 and below(r, 10) == 0 then -- text: a name and its NUL
        local bytes = pick(r, ctx.names)
        if #bytes + 1 <= limit then return { t = "str", off = TEXT_AREA, bytes = bytes }, #bytes + 1 end
    end
    if #before > 0 and below(r, 4) == 0 then
        local at = pick(r, before)
        local room = math.min(limit, (SCRATCH - at[1]) // es)
        local n = at[2] and below(r, 2) == 0 and at[2] // es or valid_len(r, room)
        return { t = "scr", off = at[1] }, math.min(n, room)
    end
    if x < 55 then
        local n = valid_len(r, limit)
        return { t = "scr", off = below(r, SCRATCH - n * es + 1) }, n
    elseif x < 65 then -- one past the bound, or far past it
        local n = bound < type_max and bound + 1 + (below(r, 2) == 1 and below(r, type_max - bound) or 0)
            or type_max
        return { t = "scr", off = 0 }, n
    elseif x < 75 then -- runs from the heap's last page into the unmapped one above it
        local back = 1 + below(r, 64)
        return { t = "heap", off = back }, math.min(limit, (back + 1 + below(r, 64)) // es + 1)
    elseif x < 85 then
        local n = valid_len(r, math.min(limit, 4096))
        return lit(hostile_addr(r, ctx, n * es)), n
    elseif x < 90 then
        return lit(hostile_addr(r, ctx, 1)), 0
    end
    return { t = "scr", off = below(r, 4096) }, a.len_bits >= 32 and (0x40000000 | rand(r)) or type_max
end

local function printable(r, n)
    local chars = "abcdefghijklmnopqrstuvwxyz0123456789-_."
    local t = {}
    for i = 1, n do
        local c = below(r, #chars) + 1
        t[i] = chars:sub(c, c)
    end
    return table.concat(t)
end

-- The strings earlier calls of prog passed (a name one call registers, the next may use); with
-- from = { syscall, arg }, only those that syscall passed as that argument. Names are seen by
-- every process: any earlier call counts.
local function earlier_strings(prog, k, from)
    local list = {}
    for i = 1, k - 1 do
        local c = prog.calls[i]
        for j, a in ipairs(c and c.args or {}) do
            if a.t == "str" and (not from or (c.d.name == from.syscall and c.d.args[j].name == from.arg)) then
                list[#list + 1] = a.bytes
            end
        end
    end
    return list
end

local function string_arg(r, ctx, prog, k, a, slot)
    local off = STR_AREA + slot * 0x1000
    local room = 0xFFE
    local x = below(r, 100)
    local made = a.from and earlier_strings(prog, k, a.from) or {}
    if x < 70 and #made > 0 then return { t = "str", off = off, bytes = pick(r, made) } end
    x = below(r, 100)
    if a.program and x < 70 and #ctx.programs > 0 then return { t = "str", off = off, bytes = pick(r, ctx.programs) } end
    local before = earlier_strings(prog, k)
    if x < 30 and #before > 0 then return { t = "str", off = off, bytes = pick(r, before) } end
    if x < 65 then return { t = "str", off = off, bytes = pick(r, ctx.names) } end
    if x < 72 then return { t = "str", off = off, bytes = printable(r, math.min(a.size, room)) } end
    if x < 79 then return { t = "str", off = off, bytes = printable(r, math.min(a.size + 1, room)) } end
    if x < 84 then return { t = "str", off = off, bytes = "" } end
    if x < 88 and a.optional then return lit(0) end
    return lit(hostile_addr(r, ctx, a.size + 1))
end

local function pointer(r, ctx, a)
    local x = below(r, 100)
    if x < 70 then return { t = "scr", off = below(r, STR_AREA - a.size) & ~3 } end
    if x < 80 then return lit(0) end
    if x < 90 then return lit(hostile_addr(r, ctx, a.size)) end
    return { t = "heap", off = 1 + below(r, math.max(a.size - 1, 1)) }
end

-- A value-result length (bytes[*LEN], a u32 pointer; a the pointer's description) for a buffer
-- drawn with n elements: seven times in eight a word in scratch holding n (the capacity the
-- kernel reads, which the executor takes from there just before the call for the guard past
-- it), else a pointer as any other (hostile, or scratch holding what the seed put there).
local function value_result_len(r, ctx, a, n)
    if below(r, 8) > 0 then return { t = "word", off = below(r, STR_AREA - 4) & ~3, v = n & MASK } end
    return pointer(r, ctx, a)
end

-- Fills args[i] for argument i of call k (1-based) of prog; a buffer fills its length too (and
-- a value-result length is drawn by its buffer).
local function gen_arg(r, ctx, prog, k, c, i, slot)
    local a = c.d.args[i]
    if a.kind == "scalar" then
        c.args[i] = scalar(r, ctx, prog, k, a, c.owner)
    elseif a.kind == "bytes" then
        local addr, n = buffer(r, ctx, a, prog, k, c)
        c.args[i] = addr
        if a.len_by_ptr then
            c.args[a.len_arg] = value_result_len(r, ctx, c.d.args[a.len_arg], n)
        else
            c.args[a.len_arg] = lit(n)
        end
    elseif a.kind == "str" then
        c.args[i] = string_arg(r, ctx, prog, k, a, slot)
    elseif a.kind == "ptr" and a.vr_buf then
        gen_arg(r, ctx, prog, k, c, a.vr_buf, slot)
    elseif a.kind == "ptr" then
        c.args[i] = pointer(r, ctx, a)
    end
end

local function gen_args(r, ctx, prog, k, c)
    c.args = {}
    local slot = 0
    for i, a in ipairs(c.d.args) do
        if a.kind == "len" then
            c.args[i] = c.args[i] or lit(0)
        elseif not (a.vr_buf and c.args[i]) then -- a value-result length its buffer drew
            gen_arg(r, ctx, prog, k, c, i, slot)
            if a.kind == "str" then slot = slot + 1 end
        end
    end
    for i, a in ipairs(c.d.args) do
        if a.kind == "len" and not c.args[i] then c.args[i] = lit(0) end
    end
    -- A quarter of the time, a plain number of a call with a buffer is within the buffer's
    -- length (how much of it is used: amc_reply_wait's len within its cap).
    local lens = {}
    for _, a in ipairs(c.d.args) do
        if a.kind == "bytes" and not a.len_by_ptr and c.args[a.len_arg].t == "lit" then
            lens[#lens + 1] = c.args[a.len_arg].v
        end
    end
    for i, a in ipairs(c.d.args) do
        if #lens > 0 and a.kind == "scalar" and a.bits == 32 and not (a.resource or a.flags or a.enum or a.max or a.avoid)
            and below(r, 4) == 0 then
            c.args[i] = lit(below(r, math.min(pick(r, lens), 0xFFFFFF) + 1))
        end
    end
end

local function choose_from(r, ctx, list)
    local total = 0
    for _, d in ipairs(list) do total = total + ctx.weight(d) end
    local x = below(r, total)
    for _, d in ipairs(list) do
        x = x - ctx.weight(d)
        if x < 0 then return d end
    end
end

-- The syscalls that take something the calls visible at k (owner o) made: a resource one of
-- them produced, a name one of them passed (`fuzz ARG from`), or the state one of them left
-- (`fuzz after`).
local function consumers(ctx, prog, k, o)
    local made, calls = {}, {}
    for _, p in ipairs(earlier(prog, k, o)) do
        local d = p.call.d
        calls[d.name] = true
        if d.produces then made[d.produces] = true end
        for _, x in ipairs(d.extra) do made[x.resource] = true end
    end
    for i = 1, k - 1 do
        local c = prog.calls[i]
        if c then calls[c.d.name] = calls[c.d.name] or "name" end
    end
    local list = {}
    for _, d in ipairs(ctx.D.syscalls) do
        local takes = d.after and calls[d.after] == true
        for _, a in ipairs(d.args) do
            takes = takes or (a.resource and made[a.resource]) or (a.from and calls[a.from.syscall])
        end
        if takes then list[#list + 1] = d end
    end
    return list
end

-- The syscalls a partner may take up at k: for "serve" (the parent of a child that waits), the
-- calls that need the state the process of owner o made (`fuzz after`), the blocking ones
-- (a server's wait) three times in four when there are; for "use" (a child forked before its
-- parent waits), the calls that take a name an earlier call made (`fuzz ARG from`: a send to the
-- parent's service).
local function partner_calls(r, ctx, prog, k, o, mode)
    local mine, any = {}, {}
    for i = 1, k - 1 do
        local c = prog.calls[i]
        any[c.d.name] = true
        if c.owner == o then mine[c.d.name] = true end
    end
    local list, blocking = {}, {}
    for _, d in ipairs(ctx.D.syscalls) do
        local takes = mode == "serve" and d.after and mine[d.after]
        for _, a in ipairs(d.args) do
            takes = takes or (mode == "use" and a.from and any[a.from.syscall])
        end
        if takes then
            list[#list + 1] = d
            if d.blocking then blocking[#blocking + 1] = d end
        end
    end
    if #blocking > 0 and below(r, 4) > 0 then return blocking end
    return list
end

-- A third of the time, a call that takes what earlier calls made; with mode, a partner's call
-- (partner_calls) when there is one.
local function choose_syscall(r, ctx, prog, k, o, mode)
    if mode then
        local list = partner_calls(r, ctx, prog, k, o, mode)
        if #list > 0 then return pick(r, list) end
    end
    if mode or below(r, 3) == 0 then
        local list = consumers(ctx, prog, k, o)
        if #list > 0 then return choose_from(r, ctx, list) end
    end
    return choose_from(r, ctx, ctx.D.syscalls)
end

-- Inserts a call of d at position k of prog, its arguments drawn there; returns it.
local function make_call(r, ctx, prog, k, o, d)
    local c = { d = d, child = below(r, CHILD_ACTIONS), owner = o }
    table.insert(prog.calls, k, c)
    gen_args(r, ctx, prog, k, c)
    return c
end

local function producers(ctx, resource)
    local list = {}
    for _, d in ipairs(ctx.D.syscalls) do
        local makes = d.produces == resource
        for _, x in ipairs(d.extra) do makes = makes or x.resource == resource end
        if makes then list[#list + 1] = d end
    end
    return list
end

local function made_before(prog, k, name)
    for i = 1, k - 1 do
        if prog.calls[i] and prog.calls[i].d.name == name then return true end
    end
    return false
end

-- The calls that make what d takes from its own process and nothing visible at k (owner o)
-- made: resources and state (`fuzz after`); each seven times in eight.
local function needs(r, ctx, prog, k, o, d)
    local list = {}
    for _, a in ipairs(d.args) do
        if a.resource and #earlier(prog, k, o, a.resource) == 0 and below(r, 8) > 0 then
            local makers = {}
            for _, m in ipairs(producers(ctx, a.resource)) do
                if m ~= d then makers[#makers + 1] = m end -- a loop's first call takes a special
            end
            if #makers > 0 then list[#list + 1] = pick(r, makers) end
        end
    end
    if d.after and not made_before(prog, k, d.after) and below(r, 8) > 0 then
        list[#list + 1] = ctx.D.by_name[d.after]
    end
    return list
end

-- Inserts at k, seven times in eight, the call that makes a name d takes (`fuzz ARG from`) when
-- no earlier call made one; returns how many calls it inserted.
local function add_names(r, ctx, prog, k, o, d, made)
    local n = 0
    for _, a in ipairs(d.args) do
        if a.from and not made_before(prog, k + n, a.from.syscall) and below(r, 8) > 0 and #prog.calls < MAX_CALLS then
            made[#made + 1] = make_call(r, ctx, prog, k + n, o, ctx.D.by_name[a.from.syscall])
            n = n + 1
        end
    end
    return n
end

-- Seven times in eight, each argument of c that takes what a call of made (inserted for it)
-- makes takes it from there: the latest such call's resource, or its name.
local function tie(r, c, made)
    local slot = 0
    for i, a in ipairs(c.d.args) do
        for m = #made, 1, -1 do
            local p = made[m]
            if a.resource and below(r, 8) > 0 then
                local found = earlier({ calls = { p } }, 2, p.owner, a.resource)
                if #found > 0 then
                    c.args[i] = res(found[1])
                    break
                end
            elseif a.from and p.d.name == a.from.syscall and below(r, 8) > 0 then
                local name
                for j, b in ipairs(p.args) do
                    if p.d.args[j].name == a.from.arg and b.t == "str" then name = b.bytes end
                end
                if name then
                    c.args[i] = { t = "str", off = STR_AREA + slot * 0x1000, bytes = name }
                    break
                end
            end
        end
        if a.kind == "str" then slot = slot + 1 end
    end
end

-- Inserts at k (owner o) the calls of list, then d, after the names they take. With fork (a
-- call not yet in prog): the names first, then the fork, then list and d in its child. Each
-- takes what the calls inserted before it made (tie). Returns the position past d.
local function add_with_needs(r, ctx, prog, k, o, d, list, fork)
    local made = {}
    for _, x in ipairs(list) do k = k + add_names(r, ctx, prog, k, o, x, made) end
    k = k + add_names(r, ctx, prog, k, o, d, made)
    if fork then
        table.insert(prog.calls, k, fork)
        gen_args(r, ctx, prog, k, fork)
        k, o = k + 1, fork
    end
    for _, x in ipairs(list) do
        if #prog.calls < MAX_CALLS then
            local c = make_call(r, ctx, prog, k, o, x)
            tie(r, c, made)
            made[#made + 1] = c
            k = k + 1
        end
    end
    local first = make_call(r, ctx, prog, k, o, d)
    tie(r, first, made)
    -- A call that takes what it makes (amc_reply_wait answers the badge its previous call
    -- received) mostly comes twice, the second taking the first's.
    local fed = {}
    for i, a in ipairs(d.args) do
        for _, p in ipairs(a.resource and earlier({ calls = { first } }, 2, o, a.resource) or {}) do fed[i] = p end
    end
    if next(fed) and below(r, 4) > 0 and #prog.calls < MAX_CALLS then
        for i in pairs(fed) do -- the loop's first call mostly takes a special (AMC_NO_CALL)
            local sp = d.args[i].specials
            if sp and #sp > 0 and below(r, 4) > 0 then first.args[i] = lit(pick(r, sp)) end
        end
        local again = make_call(r, ctx, prog, k + 1, o, d)
        for i, p in pairs(fed) do again.args[i] = res(p) end
        return k + 2
    end
    return k + 1
end

-- New calls at position k of prog, of owner o: a chosen call, with the calls that make what it
-- takes before it. A call that blocks waits for a partner, three times in four: half the time it
-- runs in the child of a new fork (unless it takes a resource its process already holds: a
-- waitpid stays with the children it waits for; the names it needs the parent makes), and the
-- parent goes on with a call that needs the state it made (a server answering the child's
-- call); a quarter of the time a fork before it starts a child that takes a name the parent
-- made (a send to the service the parent then waits on). Returns how many calls were inserted.
local function new_calls(r, ctx, prog, k, o)
    local n0 = #prog.calls
    local d = choose_syscall(r, ctx, prog, k, o)
    local list = needs(r, ctx, prog, k, o, d)
    local how = d.blocking and not d.returns_twice and ctx.forker and below(r, 4) or 3
    for _, a in ipairs(d.args) do -- what this process holds stays here (a pid to wait for)
        if how <= 1 and a.resource and #earlier(prog, k, o, a.resource) > 0 then how = 3 end
    end
    if how <= 1 then
        local fork = { d = ctx.forker, child = below(r, CHILD_ACTIONS), owner = o }
        k = add_with_needs(r, ctx, prog, k, o, d, list, fork)
        local e = choose_syscall(r, ctx, prog, k, o, "serve")
        add_with_needs(r, ctx, prog, k, o, e, needs(r, ctx, prog, k, o, e))
    elseif how == 2 then
        local made = {}
        for _, x in ipairs(list) do k = k + add_names(r, ctx, prog, k, o, x, made) end
        k = k + add_names(r, ctx, prog, k, o, d, made)
        for _, x in ipairs(list) do
            local c = make_call(r, ctx, prog, k, o, x)
            tie(r, c, made)
            made[#made + 1] = c
            k = k + 1
        end
        local fork = make_call(r, ctx, prog, k, o, ctx.forker)
        local e = choose_syscall(r, ctx, prog, k + 1, fork, "use")
        k = add_with_needs(r, ctx, prog, k + 1, fork, e, needs(r, ctx, prog, k + 1, fork, e))
        tie(r, make_call(r, ctx, prog, k, o, d), made)
    else
        add_with_needs(r, ctx, prog, k, o, d, list)
    end
    return #prog.calls - n0
end

-- The owners a new call at position k may have: the forks open there (the call before, when it
-- is a fork, and those it runs in), innermost first, or nil; the innermost half the time.
local function owner_at(r, prog, k)
    local prev = prog.calls[k - 1]
    local list = prev and chain_of(prev.owner) or {}
    if prev and prev.d.returns_twice then table.insert(list, 1, prev) end
    if #list == 0 or below(r, 2) == 0 then return list[1] end
    local i = below(r, #list + 1) + 1
    return list[i] -- nil past the end: the program's process
end

-- Normalizes the owners (a fork's calls follow it without a gap; an owner that is gone or whose
-- calls were interrupted leaves the call to the program's process); returns the span of each
-- fork (how many calls its child runs).
local function structure(prog)
    local stack, span = {}, {}
    for _, c in ipairs(prog.calls) do
        local at
        for i = 1, #stack do
            if stack[i] == c.owner then at = i end
        end
        if not at then c.owner = nil end
        for i = #stack, (at or 0) + 1, -1 do stack[i] = nil end
        for _, f in ipairs(stack) do span[f] = span[f] + 1 end
        if c.d.returns_twice then
            stack[#stack + 1] = c
            span[c] = 0
        end
    end
    return span
end
P.structure = structure

-- ctx: { D = descriptions, names = { strings worth passing }, kaddrs = { kernel addresses },
--        programs = { the boot modules' names } }
function P.context(D, names, kaddrs, programs)
    local ctx = { D = D, names = names, kaddrs = kaddrs or {}, programs = programs or {} }
    for _, d in ipairs(D.syscalls) do -- the call that makes partners
        if d.returns_twice and not ctx.forker then ctx.forker = d end
    end
    -- A call that ends the program comes a quarter as often, one that may block forever (fuzz
    -- isolate: the executor kills a program at its deadline, and the calls after it are lost)
    -- three quarters as often (a partner may wake it).
    function ctx.weight(d)
        return d.noreturn and 1 or d.isolate and 3 or 4
    end
    return ctx
end

function P.generate(r, ctx)
    local prog = { seed = rand(r), calls = {} }
    for _ = 1, 2 + below(r, 8) do
        local k = #prog.calls + 1
        if k > MAX_CALLS then break end
        new_calls(r, ctx, prog, k, owner_at(r, prog, k))
    end
    structure(prog)
    return prog
end

-- A copy whose calls are new tables, and whose results refer to the copies.
function P.copy(prog)
    local map, out = {}, { seed = prog.seed, calls = {} }
    for k, c in ipairs(prog.calls) do
        local n = { d = c.d, child = c.child, args = {} }
        map[c] = n
        out.calls[k] = n
    end
    for k, c in ipairs(prog.calls) do
        out.calls[k].owner = c.owner and map[c.owner]
        for i, a in ipairs(c.args) do
            local b = {}
            for key, v in pairs(a) do b[key] = v end
            if a.t == "res" then b.call = map[a.call] end
            out.calls[k].args[i] = b
        end
    end
    return out
end

-- After an edit: a result that refers to a call no longer before it becomes a new value.
local function fixup(r, ctx, prog)
    structure(prog)
    for k, c in ipairs(prog.calls) do
        local seen = {}
        for _, v in ipairs(visible(prog, k, c.owner)) do seen[v] = true end
        for i, a in ipairs(c.args) do
            if a.t == "res" and not seen[a.call] then
                c.args[i] = c.d.args[i].kind == "scalar" and scalar(r, ctx, prog, k, c.d.args[i], c.owner) or lit(0)
            end
        end
    end
end

-- Moves literal argument i of c (for a buffer: its length; for a value-result one: the capacity
-- its length word holds) by -4..+4; false when it is no literal. Keeps a length within its width.
function P.nudge(r, c, i)
    local d = c.d.args[i]
    if d.kind == "bytes" then i = d.len_arg end
    local a = c.args[i]
    if not a or (a.t ~= "lit" and a.t ~= "word") then return false end
    local delta = below(r, 8) + 1
    delta = delta <= 4 and delta or 4 - delta -- 1..4 or -1..-4
    a.v = (a.v + delta) & MASK
    return true
end

-- A mutant of prog (other: a second corpus program to splice with, or nil).
function P.mutate(r, ctx, prog, other)
    local p = P.copy(prog)
    local n = #p.calls
    local x = below(r, 10)
    if (x < 3 or n == 0) and n < MAX_CALLS then
        local k = below(r, n + 1) + 1
        new_calls(r, ctx, p, k, owner_at(r, p, k))
    elseif x < 5 and n > 1 then
        table.remove(p.calls, below(r, n) + 1)
    elseif x < 8 then
        local k = below(r, n) + 1
        local c = p.calls[k]
        if #c.d.args == 0 or below(r, 4) == 0 then
            c.child = below(r, CHILD_ACTIONS)
            if c.d.returns_twice and below(r, 2) == 0 and k < #p.calls then -- the next call changes sides
                local nx = p.calls[k + 1]
                nx.owner = nx.owner == c and c.owner or c
            end
            if #c.d.args == 0 then gen_args(r, ctx, p, k, c) end
        -- Half the time a number only moves by a little (off-by-ones sit next to the values that
        -- work); else, or when it is no number, the argument is drawn again.
        elseif below(r, 2) == 1 or not P.nudge(r, c, below(r, #c.d.args) + 1) then
            local i = below(r, #c.d.args) + 1
            if c.d.args[i].kind == "len" then -- its buffer chooses it
                for j, a in ipairs(c.d.args) do
                    if a.kind == "bytes" and a.len_arg == i then i = j end
                end
            end
            if c.d.args[i].kind ~= "len" then gen_arg(r, ctx, p, k, c, i, 0) end
            local slot = 0
            for j, a in ipairs(c.d.args) do -- string slots follow the argument order
                if a.kind == "str" then
                    if c.args[j].t == "str" then c.args[j].off = STR_AREA + slot * 0x1000 end
                    slot = slot + 1
                end
            end
        end
    elseif x < 9 and other and #other.calls > 0 then
        local o = P.copy(other)
        local cut, from = below(r, n + 1), below(r, #o.calls) + 1
        local calls = {}
        for k = 1, cut do calls[#calls + 1] = p.calls[k] end
        for k = from, #o.calls do
            if #calls < MAX_CALLS then calls[#calls + 1] = o.calls[k] end
        end
        p.calls = calls
    else
        p.seed = rand(r)
        if n > 0 and n < MAX_CALLS then -- and a call made twice
            local k = below(r, n) + 1
            local c = P.copy({ seed = 0, calls = { p.calls[k] } }).calls[1]
            c.owner = p.calls[k].owner
            for i, a in ipairs(p.calls[k].args) do
                if a.t == "res" then c.args[i] = { t = "res", call = a.call, reg = a.reg } end
            end
            table.insert(p.calls, k + 1, c)
        end
    end
    fixup(r, ctx, p)
    return p
end

-- prog without call k (a copy): results of that call become 0. Deterministic, for the minimizer.
function P.drop(prog, k)
    local p = P.copy(prog)
    local gone = table.remove(p.calls, k)
    for _, c in ipairs(p.calls) do
        for i, a in ipairs(c.args) do
            if a.t == "res" and a.call == gone then c.args[i] = lit(0) end
        end
        if c.owner == gone then c.owner = gone.owner end -- a dropped fork's calls go to its parent
    end
    structure(p)
    return p
end

-- The places in scratch the arguments of c give the kernel: { i = argument, from, to, out = it
-- may be written, vr = a value-result buffer }. A value-result buffer's size is known only in
-- the guest (its length sits in scratch): it counts as all its bound lets the kernel write.
local function regions(c)
    local list = {}
    for i, a in ipairs(c.args) do
        local d = c.d.args[i]
        local size
        if a.t == "scr" and d.kind == "bytes" and d.len_by_ptr then
            size = math.min((d.max or SCRATCH) * d.elem_size, SCRATCH - a.off)
        elseif a.t == "scr" and d.kind == "bytes" and c.args[d.len_arg].t == "lit" then
            size = (c.args[d.len_arg].v & ((1 << d.len_bits) - 1)) * d.elem_size
        elseif (a.t == "scr" or a.t == "word") and d.kind == "ptr" then
            size = d.size
        end
        if size and a.off + size <= SCRATCH then
            list[#list + 1] = { i = i, from = a.off, to = a.off + size, out = d.dir ~= "in", vr = d.len_by_ptr }
        end
    end
    return list
end

-- Whether a region of c other than those of arguments skip (a set) meets from..to.
local function overlaps(list, skip, from, to)
    for _, reg in ipairs(list) do
        if not skip[reg.i] and reg.from < to and from < reg.to then return true end
    end
    return false
end

-- The 16 bytes of scratch just past the first out buffer of c that lies in scratch and whose
-- length is a literal: the kernel must not change them (a write one past the end). nil when c
-- has none, or when they belong to another buffer of the call. Returns off, len.
local GUARD = 16
function P.guard(c)
    local list = regions(c)
    for _, reg in ipairs(list) do
        if reg.out and not reg.vr and reg.to + GUARD <= SCRATCH then
            if overlaps(list, {}, reg.to, reg.to + GUARD) then return nil end
            return reg.to, GUARD
        end
    end
    return nil
end

-- The guards past value-result buffers of c (bytes[*LEN]), which the executor places from the
-- capacity it reads at the length just before the call: { buf, lenp (argument words, 0-based),
-- max, es, len } for each such buffer in scratch whose length lies in scratch, unless another
-- argument's place meets the buffer or its guard wherever the capacity puts it (the length word
-- itself the executor keeps out of the guard).
function P.value_results(c)
    local list, out, word, words = regions(c), {}, 0, {}
    for i, a in ipairs(c.args) do
        words[i] = word
        word = word + (a.t == "pair" and 2 or 1)
    end
    for i, a in ipairs(c.args) do
        local d = c.d.args[i]
        local len = d.kind == "bytes" and d.len_by_ptr and c.args[d.len_arg]
        if len and a.t == "scr" and (len.t == "word" or len.t == "scr") then
            local to = d.max and math.min(a.off + d.max * d.elem_size + GUARD, SCRATCH) or SCRATCH
            if not overlaps(list, { [i] = true, [d.len_arg] = true }, a.off, to) then
                out[#out + 1] = { buf = words[i], lenp = words[d.len_arg], max = d.max or MASK,
                                  es = d.elem_size, len = GUARD }
            end
        end
    end
    return out
end

-- ---- the executor's text (tests/fuzzcov/exec.c) ----

local function encode_arg(a, index)
    if a.t == "lit" then return string.format("%x", a.v) end
    if a.t == "pair" then return string.format("%x %x", a.words[1], a.words[2]) end
    if a.t == "res" then return string.format("r%x", index[a.call] - 1) .. (a.reg and string.format(".%x", a.reg) or "") end
    if a.t == "scr" then return string.format("s%x", a.off) end
    if a.t == "heap" then return string.format("h%x", a.off) end
    if a.t == "word" then return string.format("w%x=%x", a.off, a.v) end
    return string.format("t%x=", a.off) .. a.bytes:gsub(".", function(ch) return string.format("%02x", ch:byte()) end)
end

-- A call's child field for the executor (fc.h): its action, and for a fork the span of calls its
-- child runs.
function P.child_field(c, span)
    return c.child + 16 * (span[c] or 0)
end

function P.encode(prog, id)
    local index = {}
    for k, c in ipairs(prog.calls) do index[c] = k end
    local span = structure(prog)
    local lines = { string.format("P %x %x", id, prog.seed) }
    for _, c in ipairs(prog.calls) do
        local words = { "C", string.format("%x", c.d.num), string.format("%x", P.child_field(c, span)) }
        for _, a in ipairs(c.args) do words[#words + 1] = encode_arg(a, index) end
        lines[#lines + 1] = table.concat(words, " ")
        local off, len = P.guard(c)
        if off then lines[#lines + 1] = string.format("G %x %x", off, len) end
        for _, v in ipairs(P.value_results(c)) do
            lines[#lines + 1] = string.format("V %x %x %x %x %x", v.buf, v.lenp, v.max, v.es, v.len)
        end
    end
    return table.concat(lines, "\n") .. "\n"
end

-- One line per call, for people: `3 kill(r1)`, with its result when rets has it.
-- The name of the extra result a res argument takes (reg), for people.
function P.reg_name(a)
    for _, x in ipairs(a.call.d.extra) do
        if x.reg == a.reg then return "." .. x.name end
    end
    return a.reg and ("." .. a.reg) or ""
end

function P.describe(prog, rets)
    local index = {}
    for k, c in ipairs(prog.calls) do index[c] = k end
    local span = structure(prog)
    local out = {}
    for k, c in ipairs(prog.calls) do
        local words = {}
        for i, a in ipairs(c.args) do
            words[i] = a.t == "lit" and string.format("0x%x", a.v)
                or a.t == "res" and ("r" .. (index[a.call] - 1) .. P.reg_name(a))
                or a.t == "pair" and string.format("0x%x:0x%x", a.words[1], a.words[2])
                or a.t == "scr" and string.format("scratch+0x%x", a.off)
                or a.t == "heap" and string.format("heap_end-0x%x", a.off)
                or a.t == "word" and string.format("scratch+0x%x holding 0x%x", a.off, a.v)
                or string.format("%q", a.bytes)
        end
        out[k] = string.format("%d %s%s(%s)%s%s", k - 1, string.rep("  ", #chain_of(c.owner)), c.d.name,
            table.concat(words, ", "),
            c.d.returns_twice and (" child=" .. c.child .. ((span[c] or 0) > 0 and (" runs the next " .. span[c]) or "")) or "",
            rets and rets[k] and string.format(" = 0x%x", rets[k]) or "")
    end
    return table.concat(out, "\n")
end

return P
