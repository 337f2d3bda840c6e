-- state.lua: the frontier hash (seen-set level, push and token
-- counters).
--@needs base

local FR = nil
RESETS[#RESETS + 1] = function()
    FR = nil
end

-- Read once per call: a second load (an ack that also leases) keeps
-- what the first read and changed.
local function load_fr()
    if FR then
        return
    end
    local v = rcall('HMGET', K_FR, 'L', 's', 'n', 'seq', 'tok')
    FR = {
        L = v[1] and v[1] + 0 or 0, s = v[2] and v[2] + 0 or 0,
        n = v[3] and v[3] + 0 or 0, seq = v[4] and v[4] + 0 or 0,
        tok = v[5] and v[5] + 0 or 0, dirty = false,
    }
end

local function flush_fr()
    if FR and FR.dirty then
        rcall('HSET', K_FR, 'L', fmt(FR.L), 's', fmt(FR.s), 'n', fmt(FR.n),
            'seq', fmt(FR.seq), 'tok', fmt(FR.tok))
    end
end

local function next_token()
    FR.tok = FR.tok + 1
    FR.dirty = true
    return FR.tok
end
