-- lib.lua: shared prelude of every frontier script (prepended at build
-- time by tools/embed-scripts.sh). docs/keys.md documents the keys.
--
-- KEYS[1] is the crawl's stats hash "cf:{C}:stats"; every other key of
-- the crawl is derived from its prefix "cf:{C}:" (same hash tag, same
-- cluster slot). Time always comes from the caller (ARGV), never from
-- the Redis clock. Every script validates all of its arguments before it
-- writes anything.
local P = string.sub(KEYS[1], 1, -6)
local K_STATS = KEYS[1]
local K_CONFIG = P .. 'config'
local K_FR = P .. 'frontier'
local K_READY = P .. 'ready'
local K_SCHED = P .. 'sched'
local K_INFLIGHT = P .. 'inflight'
local K_LEASES = P .. 'leases'
local K_ATTEMPTS = P .. 'attempts'
local K_DELAYED = P .. 'delayed'
local K_DEAD = P .. 'dead'
local K_DEADREQ = P .. 'deadreq'
local K_RESULTS = P .. 'results'
local K_ROBOTS = P .. 'robots'
local rcall = redis.call

local SEEN_LOAD = 192      -- mean members per seen bucket before a split
local SEEN_MAXLEVEL = 24   -- 2^24 buckets at most
local PRIO_MAX = 1048575   -- priorities are clamped to [0, 2^20)
local SEQ_MOD = 4294967296 -- 2^32: score = priority * 2^32 + seq
local RETRY_AFTER_MAX = 3600000 -- Retry-After is capped at one hour

local function fmt(x)
    return string.format('%.0f', x)
end

-- Validation: each returns the value, or nil when malformed.
local function int_arg(s)
    if type(s) ~= 'string' or #s == 0 or #s > 17 or
        not string.match(s, '^%-?%d+$') then
        return nil
    end
    return tonumber(s)
end

local function fp_arg(s)
    if type(s) ~= 'string' or #s == 0 or #s > 19 or
        not string.match(s, '^%d+$') or
        (#s > 1 and string.sub(s, 1, 1) == '0') or
        (#s == 19 and s > '9223372036854775807') then
        return nil
    end
    return s
end

local function hostkey_arg(s)
    if type(s) ~= 'string' or #s == 0 or #s > 300 or
        string.find(s, '[%s%c]') then
        return nil
    end
    return s
end

local function bad(what)
    return redis.error_reply('ERR bad argument: ' .. what)
end

local function no_crawl()
    return redis.error_reply('ERR no such crawl')
end

-- fp (decimal text of a 63-bit integer) mod 2^k, exactly, for k <= 25:
-- ((hi mod 2^k) * (10^9 mod 2^k) + lo) stays below 2^53.
local function fpmod(fp, k)
    local m = 2 ^ k
    local n = #fp
    if n <= 9 then
        return tonumber(fp) % m
    end
    local hi = tonumber(string.sub(fp, 1, n - 9))
    local lo = tonumber(string.sub(fp, n - 8))
    return ((hi % m) * (1000000000 % m) + lo) % m
end

-- ---- configuration -----------------------------------------------------

local CFG_DEFAULT = {
    max_pages = 0, max_host_pages = 0, delay_ms = 0,
    per_host_concurrency = 1, obey_robots = 1, max_attempts = 3,
    backoff_ms = 1000, backoff_max_ms = 60000, lease_ms = 60000,
    robots_ttl_ms = 86400000, max_crawl_delay_ms = 30000,
    breaker_failures = 5, breaker_ms = 30000,
}

local function load_cfg(...)
    local names = {...}
    local vals = rcall('HMGET', K_CONFIG, unpack(names))
    local c = {}
    for i, name in ipairs(names) do
        c[name] = tonumber(vals[i]) or CFG_DEFAULT[name]
    end
    if c.per_host_concurrency and c.per_host_concurrency < 1 then
        c.per_host_concurrency = 1
    end
    return c
end

-- ---- stats: read once, change in Lua, written back once ----------------

local ST = {}      -- field -> current value (numbers; state is a string)
local ST_DIRTY = {} -- field -> true when changed

-- Load the state and the given counters; false if the crawl is missing.
local function load_stats(...)
    local names = {'state', 'queued', 'inflight', 'done', 'dead', ...}
    local vals = rcall('HMGET', K_STATS, unpack(names))
    if not vals[1] then
        return false
    end
    ST.state = vals[1]
    for i = 2, #names do
        ST[names[i]] = tonumber(vals[i]) or 0
    end
    return true
end

local function inc(field, d)
    local v = ST[field]
    if v == nil then
        v = tonumber(rcall('HGET', K_STATS, field)) or 0
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

-- ---- frontier state (seen-set level, counters) -------------------------

local FR = nil

local function load_fr()
    local v = rcall('HMGET', K_FR, 'L', 's', 'n', 'seq', 'tok')
    FR = {
        L = tonumber(v[1]) or 0, s = tonumber(v[2]) or 0,
        n = tonumber(v[3]) or 0, seq = tonumber(v[4]) or 0,
        tok = tonumber(v[5]) or 0, dirty = false,
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

-- ---- dedup: linear hashing over small intset buckets -------------------

local function seen_bucket(fp)
    local m = fpmod(fp, FR.L + 1)
    local b = m % (2 ^ FR.L)
    if b < FR.s then
        b = m
    end
    return b
end

-- Split bucket s into s and s + 2^L.
local function seen_split()
    local L, s = FR.L, FR.s
    local half = 2 ^ L
    local src = P .. 'seen:' .. fmt(s)
    local members = rcall('SMEMBERS', src)
    local move = {}
    for _, m in ipairs(members) do
        if fpmod(m, L + 1) ~= s then
            move[#move + 1] = m
        end
    end
    if #move > 0 then
        rcall('SREM', src, unpack(move))
        rcall('SADD', P .. 'seen:' .. fmt(s + half), unpack(move))
    end
    s = s + 1
    if s >= half then
        L = L + 1
        s = 0
    end
    FR.L, FR.s = L, s
end

-- Add fp to the seen set: true if it was new.
local function seen_add(fp)
    local b = seen_bucket(fp)
    if rcall('SADD', P .. 'seen:' .. fmt(b), fp) == 0 then
        return false
    end
    FR.n = FR.n + 1
    FR.dirty = true
    if FR.L < SEEN_MAXLEVEL and FR.n > SEEN_LOAD * (2 ^ FR.L + FR.s) then
        seen_split()
    end
    return true
end

-- ---- hosts -------------------------------------------------------------

local function host_key(hk)
    return P .. 'h:' .. hk
end

local function queue_key(hk)
    return P .. 'q:' .. hk
end

-- Put the host where it belongs: ready (due now, scored by its queue
-- head), sched (scored by its next allowed time) or neither (no queued
-- work, no free slot, or a robots fetch pending).
local function schedule(hk, now, conc)
    local h = rcall('HMGET', host_key(hk), 'i', 't', 'rt')
    local head = rcall('ZRANGE', queue_key(hk), 0, 0, 'WITHSCORES')
    if not head[1] or h[3] or (tonumber(h[1]) or 0) >= conc then
        rcall('ZREM', K_READY, hk)
        rcall('ZREM', K_SCHED, hk)
        return
    end
    local t = tonumber(h[2]) or 0
    if t > now then
        rcall('ZREM', K_READY, hk)
        rcall('ZADD', K_SCHED, fmt(t), hk)
    else
        rcall('ZREM', K_SCHED, hk)
        rcall('ZADD', K_READY, head[2], hk)
    end
end

-- After new queue entries for hk (best score among them: score): improve
-- its place in ready, or schedule it if it was in neither set.
local function host_touched(hk, score, now, conc)
    local cur = rcall('ZSCORE', K_READY, hk)
    if cur then
        if score < tonumber(cur) then
            rcall('ZADD', K_READY, 'XX', 'LT', fmt(score), hk)
        end
    elseif not rcall('ZSCORE', K_SCHED, hk) then
        schedule(hk, now, conc)
    end
end

-- ---- push --------------------------------------------------------------

-- Validate n links of 4 arguments each from ARGV[first]: fp, hostkey,
-- priority, record. Returns an error reply or nil.
local function check_links(first, n)
    for i = 0, n - 1 do
        local a = first + 4 * i
        if not fp_arg(ARGV[a]) then
            return bad('link fp')
        end
        if not hostkey_arg(ARGV[a + 1]) then
            return bad('link hostkey')
        end
        if not int_arg(ARGV[a + 2]) then
            return bad('link priority')
        end
        if ARGV[a + 3] == nil then
            return bad('link record')
        end
    end
    return nil
end

-- Dedup and enqueue validated links; returns a table of 1 (new) / 0.
-- cfg needs max_host_pages and per_host_concurrency.
local function push_links(first, n, now, cfg, seeds)
    local res = {}
    local touched = {}
    for i = 0, n - 1 do
        local a = first + 4 * i
        local fp, hk = ARGV[a], ARGV[a + 1]
        local prio = tonumber(ARGV[a + 2])
        res[i + 1] = 0
        if not seen_add(fp) then
            inc('dup_links', 1)
        elseif cfg.max_host_pages > 0 and
            rcall('HINCRBY', host_key(hk), 'p', 1) > cfg.max_host_pages then
            rcall('HINCRBY', host_key(hk), 'p', -1)
            inc('host_capped', 1)
        else
            if prio < 0 then
                prio = 0
            elseif prio > PRIO_MAX then
                prio = PRIO_MAX
            end
            local score = prio * SEQ_MOD + FR.seq % SEQ_MOD
            FR.seq = FR.seq + 1
            rcall('ZADD', queue_key(hk), fmt(score), fp .. ' ' .. ARGV[a + 3])
            if not touched[hk] or score < touched[hk] then
                touched[hk] = score
            end
            inc('discovered', 1)
            inc('queued', 1)
            if seeds then
                inc('seeded', 1)
            end
            res[i + 1] = 1
        end
    end
    for hk, score in pairs(touched) do
        host_touched(hk, score, now, cfg.per_host_concurrency)
    end
    return res
end

-- ---- leases ------------------------------------------------------------

-- In-flight entry: "<token> <hostkey> <score> <member>" where member is
-- the queue member "<fp> <record>". Returns token, hostkey, score, member.
local function parse_inflight(v)
    local a = string.find(v, ' ', 1, true)
    local b = string.find(v, ' ', a + 1, true)
    local c = string.find(v, ' ', b + 1, true)
    return tonumber(string.sub(v, 1, a - 1)), string.sub(v, a + 1, b - 1),
        string.sub(v, b + 1, c - 1), string.sub(v, c + 1)
end

-- "<hostkey> <score> <member>" (delayed retries, dead requests).
local function parse_hsm(v)
    local a = string.find(v, ' ', 1, true)
    local b = string.find(v, ' ', a + 1, true)
    return string.sub(v, 1, a - 1), string.sub(v, a + 1, b - 1),
        string.sub(v, b + 1)
end

-- Drop a page lease's in-flight state (not its attempts entry).
local function release(fp, hk)
    rcall('HDEL', K_INFLIGHT, fp)
    rcall('ZREM', K_LEASES, fp)
    rcall('HINCRBY', host_key(hk), 'i', -1)
end

-- Move a request to the dead letters: the list gets
-- "<fp> <outcome> <result>", deadreq keeps what requeue-dead needs.
local function make_dead(fp, hk, score, member, outcome, result)
    rcall('LPUSH', K_DEAD, fp .. ' ' .. outcome .. ' ' .. result)
    rcall('HSET', K_DEADREQ, fp, hk .. ' ' .. score .. ' ' .. member)
    rcall('HDEL', K_ATTEMPTS, fp)
    inc('dead', 1)
    inc('err_' .. outcome, 1)
end

-- Re-queue up to limit leases past their deadline; returns how many page
-- leases were handled. cfg needs max_attempts, per_host_concurrency.
local function reap(now, limit, cfg)
    local due = rcall('ZRANGEBYSCORE', K_LEASES, '-inf', fmt(now),
        'LIMIT', 0, limit)
    local count = 0
    for _, m in ipairs(due) do
        if string.sub(m, 1, 2) == 'r ' then
            local hk = string.sub(m, 3)
            rcall('ZREM', K_LEASES, m)
            rcall('HDEL', host_key(hk), 'rt')
            schedule(hk, now, cfg.per_host_concurrency)
        else
            local v = rcall('HGET', K_INFLIGHT, m)
            if v then
                local _, hk, score, member = parse_inflight(v)
                release(m, hk)
                local att = rcall('HINCRBY', K_ATTEMPTS, m, 1)
                inc('reaped', 1)
                inc('inflight', -1)
                if att >= cfg.max_attempts then
                    make_dead(m, hk, score, member, 'timeout', '')
                else
                    rcall('ZADD', queue_key(hk), score, member)
                    inc('queued', 1)
                end
                schedule(hk, now, cfg.per_host_concurrency)
                count = count + 1
            else
                rcall('ZREM', K_LEASES, m)
            end
        end
    end
    return count
end
