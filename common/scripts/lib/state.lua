-- state.lua: the frontier hash (seen-set level, push and token
-- counters, the next due check).
--@needs base

local FR = nil
-- FR_READ: the six fields' values as read (flush_fr writes those that
-- changed)
local FR_READ = nil
local FR_NAMES = {'L', 's', 'n', 'seq', 'tok', 'due'}
RESETS[#RESETS + 1] = function()
    FR, FR_READ = nil, nil
end

-- Read once per call: a second load (an ack that also leases) keeps
-- what the first read and changed.
local function load_fr()
    if FR then
        return
    end
    local v = rcall('HMGET', K_FR, 'L', 's', 'n', 'seq', 'tok', 'due')
    FR = {
        L = v[1] and v[1] + 0 or 0, s = v[2] and v[2] + 0 or 0,
        n = v[3] and v[3] + 0 or 0, seq = v[4] and v[4] + 0 or 0,
        tok = v[5] and v[5] + 0 or 0, due = v[6] and v[6] + 0 or 0,
        dirty = false,
    }
    FR_READ = {FR.L, FR.s, FR.n, FR.seq, FR.tok, FR.due}
end

-- Write back the fields that changed (most calls change one or two of
-- the six: a number's text costs a format call).
local function flush_fr()
    if FR and FR.dirty then
        local args, k = {}, 0
        for i = 1, 6 do
            local f = FR_NAMES[i]
            local x = FR[f]
            if x ~= FR_READ[i] then
                args[k + 1], args[k + 2] = f, fmt(x)
                k = k + 2
            end
        end
        if k > 0 then
            rcall('HSET', K_FR, unpack(args))
        end
    end
end

-- The due checks (lease.lua: expired leases, retries due, hosts whose
-- next allowed time has come) cost three commands; a lease call skips
-- them while nothing in leases, delayed or sched can be due: before the
-- frontier hash's "due" (ms), the earliest score any of them held at the
-- last check, or that a script has written to them since (due_at), and
-- at most DUE_EVERY_MS after that check. A missing "due" (0) checks.
-- The times are the callers' clocks: a "due" further than DUE_EVERY_MS
-- ahead of a caller's now is a clock that differs, and is not trusted.
-- A score written by a build without "due" is seen at most DUE_EVERY_MS
-- late.
local DUE_EVERY_MS = 100

-- Something in leases, delayed or sched may be due at t (ms): lower
-- "due" to t. A script that does not keep the frontier hash (load_fr)
-- sets it to 0: the next lease call checks.
local function due_at(t)
    if not FR then
        rcall('HSET', K_FR, 'due', '0')
    elseif t < FR.due then
        FR.due = t
        FR.dirty = true
    end
end

-- No score at all: later than any time.
local NEVER = 2 ^ 53

-- The lowest score in sorted set k, or NEVER when it is empty.
local function first_score(k)
    local r = rcall('ZRANGE', k, '0', '0', 'WITHSCORES')
    return r[2] and tonumber(r[2]) or NEVER
end

-- Whether the due checks can be skipped at now (FR loaded).
local function due_skip(now)
    local d = FR.due - now
    return d > 0 and d <= DUE_EVERY_MS
end

local function next_token()
    FR.tok = FR.tok + 1
    FR.dirty = true
    return FR.tok
end
