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
--   m.abi                  { name, version, trap, arg_registers = { "ebx", ... }, user_low,
--                          user_high, user_space = { {value, expr}, {value, expr} },
--                          amc_max_message = {value, expr} | nil, amc_name_max = {value, expr} | nil,
--                          prefix (libsys symbol prefix, "" by default), kernel_stack_budget,
--                          outputs = { kernel = true, user = true, ... } (output groups asked for),
--                          kw, setting_tok = { [setting] = tok } }
--   m.consts[i]            { name, value, expr (the C spelling of the value), doc, tok }  (file order)
--   m.errors[i]            { name, num, text, tok }  (file order)
--   m.structs[i]           a struct type (below), in dependency order (contained structs first)
--   m.syscalls[i]          sorted by num:
--                          { num, name, doc, long | nil, ret ("i32" "u32" "uptr" "void"),
--                            attrs = { noreturn, blocking, returns_twice = true | nil },
--                            args[i] = arg (below), errors[i] = error (the `errors` lines),
--                            implied[i] = error (what the entry checks add: EFAULT, toolong),
--                            fuzz = { isolate = bool, args = { [arg name] = hint } }, tok, num_tok }
--                          hint: { kind = "own_child" } | { kind = "max", max = {value, expr} } |
--                                { kind = "avoid", avoid = { {value, expr}, ... } }
--   m.retired[i]           { num, name, why, tok }  (sorted by num)
--   m.table_size           highest syscall or retired number + 1
--   m.services[i]          { name, service (the name string), doc, long, tok,
--                            messages[i] = message (sorted by num), retired[i] = { num, name, why, tok } }
-- arg:     { name, index, reg, kind = "scalar" | "bytes" | "str" | "ptr", tok, toolong_explicit }
--          scalar: type = scalar type
--          bytes:  dir ("in" "out" "inout"), len_arg (index of the length argument), len_name,
--                  max = {value, expr} | nil, toolong = error | nil (set when max is), efault
--          str:    dir = "in", size = {value, expr} (N of str[N]), toolong = error, efault
--          ptr:    dir, type = scalar or struct type, optional = bool, efault
-- type:    scalar { kind = "scalar", name, size, align, signed, ctype, user_ctype, hex }
--          (char is a scalar named "char", only inside arrays)
--          array  { kind = "array", elem = type, count, count_expr, size, align }
--          struct { kind = "struct", name, doc, size, align, fields[i] = field, tok }
--          vararray (a message's last field) { kind = "vararray", elem, size = 0, align = 1 }
-- field:   { name, doc, type, offset, tok }  (+ for a message: len_field = field, is_length)
-- message: { num, name, doc, service = svc, fields[i] = field (without the discriminator),
--            all_fields (with `event` first), fixed_size, max_size, var = field | nil,
--            var_max = {value, expr} | nil, tok, num_tok }
local lexer = require("lexer")
local parser = require("parser")
local names = require("names")

local model = {}

local PARTS = { "model_names", "model_abi", "model_types", "model_syscalls", "model_fuzz", "model_services" }

local Checker = {}
Checker.__index = Checker
for _, part in ipairs(PARTS) do
    for k, f in pairs(require(part).methods) do
        assert(not Checker[k], "two model parts define " .. k)
        Checker[k] = f
    end
end

-- Parse and check text (the contents of file); return the model or raise a diagnostic.
function model.load(text, file)
    local tree = parser.parse(lexer.tokenize(text, file))
    local self = setmetatable({
        tree = tree, file = file, consts = {}, errors = {}, structs = {}, struct_nodes = {},
        m = { file = file, consts = {}, errors = {}, structs = {}, syscalls = {}, retired = {}, services = {} },
    }, Checker)
    tree = nil -- luacheck: ignore 311 (the checker holds the only reference: freed after load)
    self:consts_and_errors()
    self.m.abi = self:abi_block()
    self.registry = names.registry(self.m.abi.outputs)
    self:claim_consts_and_errors()
    self:structs_pass()
    self:syscalls_pass()
    self:services_pass()
    if #self.m.syscalls == 0 then
        require("model_names").fail(self.abi_kw, "the definition has no syscall",
            'add one: syscall 1 NAME() -> i32 { doc "..." }')
    end
    return self.m
end

return model
