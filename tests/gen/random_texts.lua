-- The texts the rule tests (man_test.lua, model_test.lua) check a fast function on against its
-- reference: `cases` texts of fewer than `max` pieces each, drawn from pieces by a fixed linear
-- congruential sequence from seed, so that a failure names the same text on every run.
--   for text in random_texts(pieces, seed, cases, max) do ... end
return function(pieces, seed, cases, max)
    local state, made = seed, 0
    return function()
        if made == cases then return nil end
        made = made + 1
        local t = {}
        state = (state * 1103515245 + 12345) % 2147483648
        for j = 1, state % max do
            state = (state * 1103515245 + 12345) % 2147483648
            t[j] = pieces[state % #pieces + 1]
        end
        return table.concat(t)
    end
end
