-- luacheck configuration for the generator and its tests (luacheck --std lua54).
std = "lua54"
max_line_length = 130
self = false -- checker methods keep the method form even when they do not use self
