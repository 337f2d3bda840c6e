-- hosts.lua: host queues and the host schedule (ready, sched).
--@needs base state

local function host_key(hk)
    return P .. 'h:' .. hk
end

-- The fields of host hashes schedule and lease_requests read, read once
-- per call and host (an ack's schedule and its pop's lease look at the
-- same host): hk -> {i, t, rt, rm, d, f}, each as HMGET gave it (text,
-- or false when absent). host_set changes a host's entry and writes the
-- hash at the end of the call (flush_hosts: an ack's schedule and its
-- pop's lease write the host once); HOST_W: hk -> the fields to write.
-- Whatever reads or writes those fields of the hash itself calls
-- host_forget(hk) first, which writes what is pending and drops the
-- entry.
local HOST, HOST_W
RESETS[#RESETS + 1] = function()
    HOST, HOST_W = {}, {}
end

local function host_get(hk)
    local h = HOST[hk]
    if not h then
        local v = rcall('HMGET', host_key(hk), 'i', 't', 'rt', 'rm', 'd', 'f')
        h = {i = v[1], t = v[2], rt = v[3], rm = v[4], d = v[5], f = v[6]}
        HOST[hk] = h
    end
    return h
end

-- Set the host hash's fields f1 v1 ... (text): in its entry, written by
-- flush_hosts; at once when the host has no entry.
local function host_set(hk, ...)
    local h = HOST[hk]
    if not h then
        rcall('HSET', host_key(hk), ...)
        return
    end
    local args = {...}
    local w = HOST_W[hk]
    if not w then
        w = {}
        HOST_W[hk] = w
    end
    for i = 1, #args, 2 do
        h[args[i]] = args[i + 1]
        w[args[i]] = true
    end
end

-- Write the host's pending fields (host_set).
local function host_write(hk)
    local w = HOST_W[hk]
    if w then
        local h, args, n = HOST[hk], {}, 0
        for f in pairs(w) do
            args[n + 1], args[n + 2] = f, h[f]
            n = n + 2
        end
        rcall('HSET', host_key(hk), unpack(args))
        HOST_W[hk] = nil
    end
end

-- Every script that schedules or leases calls this before it returns.
local function flush_hosts()
    for hk in pairs(HOST_W) do
        host_write(hk)
    end
end

local function host_forget(hk)
    host_write(hk)
    HOST[hk] = nil
end

-- A host's queue: per priority level it holds, a LIST of queue entries
-- (entry.lua), oldest first, "q:<level>:<hostkey>"; and the zset of those
-- levels, "ql:<hostkey>" (member and score: the level). Requests leave a
-- queue in order, so a list (listpack nodes, a few bytes per entry) does
-- what a sorted set per host did at a quarter of the memory.
local function queue_key(hk, lv)
    return P .. 'q:' .. lv .. ':' .. hk
end

local function levels_key(hk)
    return P .. 'ql:' .. hk
end

-- The head levels read in this call: hk -> level, or false when the host
-- has none; whatever changes a host's levels zset drops its entry
-- (levels_changed).
local HEAD
RESETS[#RESETS + 1] = function()
    HEAD = {}
end

local function levels_changed(hk)
    HEAD[hk] = nil
end

-- The host's best (lowest) level, as text, or nil when its queue is empty.
local function head_level(hk)
    local lv = HEAD[hk]
    if lv == nil then
        lv = rcall('ZRANGE', levels_key(hk), '0', '0')[1] or false
        HEAD[hk] = lv
    end
    return lv or nil
end

-- A host's score in ready: its head level * 2^32 + the time it was put
-- there (ms mod 2^32): best level first, then the host waiting longest.
local function ready_score(lv, now)
    return fmt(lv * LEVEL_MOD + now % LEVEL_MOD)
end

-- Put entry el back at the head of its level lv (a lease given back, a
-- retry due, a dead letter re-queued: it was the oldest there).
local function requeue(hk, lv, el)
    if rcall('LPUSH', queue_key(hk, lv), el) == 1 then
        rcall('ZADD', levels_key(hk), lv, lv)
        levels_changed(hk)
    end
end

-- Put the host where it belongs: ready (due now, ready_score of its
-- head level), sched (scored by its next allowed time) or neither (no
-- queued work, no free slot, or a robots fetch pending).
-- With started (a fetch's start, ms) and delay_ms (the crawl's delay),
-- the host's next allowed time first becomes at least started + its
-- delay (d, robots' Crawl-delay, else delay_ms): pop set it from the
-- pop's time, and a lease may wait in a worker before its fetch starts.
-- With freed (ack), that many of its page slots are released first, and
-- with ok its failure count (f) is cleared: one read and one write of
-- the host's hash for all of it.
local function schedule(hk, now, conc, started, delay_ms, freed, ok)
    local h = host_get(hk)
    local busy = tonumber(h.i) or 0
    local t = tonumber(h.t) or 0
    local set
    if freed then
        busy = busy - freed
        set = {'i', fmt(busy)}
    end
    if started and started > 0 then
        local d = tonumber(h.d) or delay_ms
        if d > 0 and started + d > t then
            t = started + d
            set = set or {}
            set[#set + 1] = 't'
            set[#set + 1] = fmt(t)
        end
    end
    if set then
        host_set(hk, unpack(set))
    end
    if ok and h.f then
        rcall('HDEL', host_key(hk), 'f')
        h.f = false
    end
    local lv = head_level(hk)
    if not lv or h.rt or busy >= conc then
        rcall('ZREM', K_READY, hk)
        rcall('ZREM', K_SCHED, hk)
        return
    end
    if t > now then
        rcall('ZREM', K_READY, hk)
        rcall('ZADD', K_SCHED, fmt(t), hk)
        due_at(t)
    else
        rcall('ZREM', K_SCHED, hk)
        rcall('ZADD', K_READY, ready_score(lv, now), hk)
    end
end

-- After new queue entries for hk (best level among them: lv):
-- improve its place in ready, or schedule it if it was in neither set.
-- One call when the host is ready already (LT only lowers its score);
-- one that was not gets added, then is put where it belongs.
local function host_touched(hk, lv, now, conc)
    if rcall('ZADD', K_READY, 'LT', ready_score(lv, now), hk) == 1 then
        if rcall('ZSCORE', K_SCHED, hk) then
            rcall('ZREM', K_READY, hk)
        else
            schedule(hk, now, conc)
        end
    end
end
