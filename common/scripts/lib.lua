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
-- bucket(fp) = fp mod 2^(L+1) if fp mod 2^L < s, else fp mod 2^L (see
-- push_links, which takes fp mod 2^25 from the caller; fpmod here agrees
-- with it for every k <= 25).

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

-- Links come grouped by host (common/frontier.c): nhosts, nlinks, then
-- per host: hostkey, k (>= 1), then k links of 4 arguments: fp, meta,
-- priority, record. meta = index * 2^25 + fp mod 2^25: the link's place
-- in the push reply and the low bits of its fingerprint, which pick its
-- seen bucket without decimal arithmetic.
local META = 33554432 -- 2^25
local FP_MAX = '9223372036854775807'

-- Validate the links from ARGV[first] to the end of ARGV. Returns nhosts,
-- nlinks, or nil and an error reply.
local function check_links(first)
    local nh = tonumber(ARGV[first] or '')
    local nl = tonumber(ARGV[first + 1] or '')
    if not nh or not nl or nh < 0 or nl < 0 or nh % 1 ~= 0 or
        nl % 1 ~= 0 then
        return nil, bad('link count')
    end
    local find, last = string.find, #ARGV
    local a, total = first + 2, 0
    for _ = 1, nh do
        local k = tonumber(ARGV[a + 1] or '')
        if not hostkey_arg(ARGV[a]) then
            return nil, bad('link hostkey')
        end
        if not k or k < 1 or k % 1 ~= 0 or a + 1 + 4 * k > last then
            return nil, bad('link count')
        end
        for i = a + 2, a + 4 * k - 2, 4 do
            local fp = ARGV[i]
            local m, pr = tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
            local len = #fp
            if len > 19 or not (find(fp, '^[1-9]%d*$') or fp == '0') or
                (len == 19 and fp > FP_MAX) then
                return nil, bad('link fp')
            end
            if not m or m < 0 or m % 1 ~= 0 or m >= nl * META then
                return nil, bad('link meta')
            end
            if not pr or pr % 1 ~= 0 then
                return nil, bad('link priority')
            end
        end
        total = total + k
        a = a + 2 + 4 * k
    end
    if total ~= nl or a ~= last + 1 then
        return nil, bad('link count')
    end
    return nh, nl
end

-- ZADD queue pairs (score, member) in slices (unpack has a stack limit).
local function zadd_pairs(key, args)
    local n = #args
    if n <= 2000 then
        rcall('ZADD', key, unpack(args))
        return
    end
    for i = 1, n, 2000 do
        local j = i + 1999
        if j > n then
            j = n
        end
        rcall('ZADD', key, unpack(args, i, j))
    end
end

-- Dedup and enqueue the nh host groups of validated links from
-- ARGV[first + 2]. res: nil, or a table that gets 1 (new) / 0 per link
-- at index + 1. cfg needs max_host_pages and per_host_concurrency.
local function push_links(first, nh, now, cfg, seeds, res)
    local L, s = FR.L, FR.s
    local m0, m1 = 2 ^ L, 2 ^ (L + 1)
    local seenp = P .. 'seen:'
    local cap, conc = cfg.max_host_pages, cfg.per_host_concurrency
    local a = first + 2
    local dups, capped, added = 0, 0, 0
    for _ = 1, nh do
        local hk, k = ARGV[a], tonumber(ARGV[a + 1])
        local fresh = {} -- ARGV positions of new links
        for i = a + 2, a + 4 * k - 2, 4 do
            local meta = tonumber(ARGV[i + 1])
            local bits = meta % META
            local b = bits % m1 -- linear hashing, as seen_bucket
            if b >= m0 and b - m0 >= s then
                b = b - m0
            end
            if res then
                res[(meta - bits) / META + 1] = 0
            end
            if rcall('SADD', seenp .. b, ARGV[i]) == 1 then
                fresh[#fresh + 1] = i
                FR.n = FR.n + 1
                if L < SEEN_MAXLEVEL and FR.n > SEEN_LOAD * (m0 + s) then
                    seen_split()
                    L, s = FR.L, FR.s
                    m0, m1 = 2 ^ L, 2 ^ (L + 1)
                end
            else
                dups = dups + 1
            end
        end
        local nnew = #fresh
        if nnew > 0 and cap > 0 then
            local hkey = host_key(hk)
            local over = rcall('HINCRBY', hkey, 'p', nnew) - cap
            if over > 0 then
                if over > nnew then
                    over = nnew
                end
                rcall('HINCRBY', hkey, 'p', -over)
                capped = capped + over
                nnew = nnew - over
            end
        end
        if nnew > 0 then
            local zargs = {}
            local best
            local seq = FR.seq
            for j = 1, nnew do
                local i = fresh[j]
                local prio = tonumber(ARGV[i + 2])
                if prio < 0 then
                    prio = 0
                elseif prio > PRIO_MAX then
                    prio = PRIO_MAX
                end
                local score = prio * SEQ_MOD + seq % SEQ_MOD
                seq = seq + 1
                if not best or score < best then
                    best = score
                end
                zargs[2 * j - 1] = score
                zargs[2 * j] = ARGV[i] .. ' ' .. ARGV[i + 3]
                if res then
                    local meta = tonumber(ARGV[i + 1])
                    res[(meta - meta % META) / META + 1] = 1
                end
            end
            FR.seq = seq
            zadd_pairs(queue_key(hk), zargs)
            host_touched(hk, best, now, conc)
            added = added + nnew
        end
        a = a + 2 + 4 * k
    end
    FR.dirty = true
    if dups > 0 then
        inc('dup_links', dups)
    end
    if capped > 0 then
        inc('host_capped', capped)
    end
    if added > 0 then
        inc('discovered', added)
        inc('queued', added)
        if seeds then
            inc('seeded', added)
        end
    end
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
