-- stats.lua: the stats hash, read once, changed in Lua, written back
-- once; completion.
--@needs base config

local ST       -- field -> current value (numbers; state is a string)
local ST_DIRTY -- field -> true when changed
RESETS[#RESETS + 1] = function()
    ST, ST_DIRTY = {}, {}
end

-- Load the state and the given counters; false if the crawl is missing
-- or has another layout (no_crawl() then gives the error reply).
local function load_stats(...)
    local names = {'state', 'layout', 'cfgid', 'queued', 'inflight', 'done',
        'dead', ...}
    local vals = rcall('HMGET', K_STATS, unpack(names))
    if not vals[1] then
        return false
    end
    if vals[2] ~= LAYOUT then
        CRAWL_ERR = 'ERR crawl uses frontier layout ' .. (vals[2] or '1') ..
            '; this crawlfleet reads layout ' .. LAYOUT ..
            ' only: finish it with the release that created it, or' ..
            ' delete it and seed it again'
        return false
    end
    ST.state = vals[1]
    cfg_id(vals[3])
    -- "+ 0" converts once (tonumber twice); the counters are only written
    -- by these scripts
    for i = 4, #names do
        local v = vals[i]
        ST[names[i]] = v and v + 0 or 0
    end
    return true
end

-- The field of HTTP status class c (a status // 100) other than 2xx: made
-- once, at load, not per page.
local STATUS_FIELD = {}
for c = 0, 9 do
    STATUS_FIELD[c] = 'status_' .. c .. 'xx'
end

local function inc(field, d)
    local v = ST[field]
    if v == nil then
        v = rcall('HGET', K_STATS, field)
        v = v and v + 0 or 0
    end
    ST[field] = v + d
    ST_DIRTY[field] = true
end

local function set_state(s, now)
    ST.state = s
    ST_DIRTY.state = true
    if s == 'done' or s == 'cancelled' then
        ST.ended_ms = now
        ST_DIRTY.ended_ms = true
    end
end

local function flush_stats()
    local args = {}
    for f in pairs(ST_DIRTY) do
        args[#args + 1] = f
        local v = ST[f]
        if type(v) == 'number' then
            v = fmt(v)
        end
        args[#args + 1] = v
    end
    if #args > 0 then
        rcall('HSET', K_STATS, unpack(args))
    end
end

-- Completion: nothing in flight and nothing queued (or the page budget
-- spent) makes a running crawl done.
local function check_done(now, max_pages)
    if ST.state ~= 'running' or ST.inflight ~= 0 then
        return
    end
    if ST.queued == 0 or
        (max_pages > 0 and ST.done + ST.dead >= max_pages) then
        set_state('done', now)
    end
end
