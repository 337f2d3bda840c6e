-- lib.lua: shared prelude of every frontier script (prepended at build
-- time by tools/embed-scripts.sh). docs/keys.md documents the keys.
--
-- KEYS[1] is the crawl's stats hash "cf:{C}:stats"; every other key of
-- the crawl is derived from its prefix "cf:{C}:" (same hash tag, same
-- cluster slot). Time always comes from the caller (ARGV), never from
-- the Redis clock. Every script validates all of its arguments before it
-- writes anything.
-- Globals as locals: every use of a global is a table lookup.
local ARGV, KEYS = ARGV, KEYS
local tonumber, type, ipairs, pairs, unpack =
    tonumber, type, ipairs, pairs, unpack
local sub, find, byte = string.sub, string.find, string.byte
local match, format = string.match, string.format
local floor, min, max = math.floor, math.min, math.max

local P = sub(KEYS[1], 1, -6)
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


-- Integer to decimal text. Numbers given to redis.call are converted with
-- "%.17g", which costs several times more: pass text.
local function fmt(x)
    return format('%d', x)
end

-- Validation: each returns the value, or nil when malformed.
local function int_arg(s)
    if type(s) ~= 'string' or #s == 0 or #s > 17 or
        not match(s, '^%-?%d+$') then
        return nil
    end
    return tonumber(s)
end

local function fp_arg(s)
    if type(s) ~= 'string' or #s == 0 or #s > 19 or
        not match(s, '^%d+$') or
        (#s > 1 and sub(s, 1, 1) == '0') or
        (#s == 19 and s > '9223372036854775807') then
        return nil
    end
    return s
end

-- A non-negative integer below 2^53, for the hot path (ack): one strtod
-- instead of a pattern match. Forms such as " 7" or "1e3" pass, as the
-- number they spell; nothing else does.
local function nat_arg(s)
    local x = tonumber(s)
    if not x or x < 0 or x >= 9007199254740992 or x % 1 ~= 0 then
        return nil
    end
    return x
end

local function hostkey_arg(s)
    if type(s) ~= 'string' or #s == 0 or #s > 300 or
        find(s, '[%s%c]') then
        return nil
    end
    return s
end

local function bad(what)
    return redis.error_reply('ERR bad argument: ' .. what)
end

-- ack and fail start alike: now_ms, fp, token, hostkey, outcome, status.
-- Returns now, fp, token, status, or nil and an error reply.
local function check_lease_args()
    local now, fp = int_arg(ARGV[1]), fp_arg(ARGV[2])
    local token, status = int_arg(ARGV[3]), int_arg(ARGV[6])
    local outcome = ARGV[5]
    if not now then
        return nil, bad('now_ms')
    end
    if not fp then
        return nil, bad('fp')
    end
    if not token then
        return nil, bad('token')
    end
    if not hostkey_arg(ARGV[4]) then
        return nil, bad('hostkey')
    end
    if type(outcome) ~= 'string' or #outcome > 32 or
        not find(outcome, '^[a-z_]+$') then
        return nil, bad('outcome')
    end
    if not status or status < 0 or status > 999 then
        return nil, bad('status')
    end
    return now, fp, token, status
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
    local hi = tonumber(sub(fp, 1, n - 9))
    local lo = tonumber(sub(fp, n - 8))
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
    -- "+ 0" converts once (tonumber twice); the counters are only written
    -- by these scripts
    for i = 2, #names do
        local v = vals[i]
        ST[names[i]] = v and v + 0 or 0
    end
    return true
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

-- ---- frontier state (seen-set level, counters) -------------------------

local FR = nil

local function load_fr()
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

-- ---- dedup: linear hashing over small intset buckets -------------------
-- A bucket is named by the low bits of its members' fingerprints, written
-- in binary (most significant first): "cf:{C}:seen:<bits>". A link goes to
-- the bucket of its low L bits, or of its low L + 1 bits if those L bits
-- are below s (buckets 0 .. s - 1 of this level are split). The caller
-- sends every link's low 25 bits as text, so picking a bucket takes two
-- string.sub and a comparison, no number conversion.

-- v as w binary digits.
local function bitstr(v, w)
    local t = {}
    for i = w, 1, -1 do
        local bit = v % 2
        t[i] = bit == 1 and '1' or '0'
        v = (v - bit) / 2
    end
    return table.concat(t)
end

-- Split bucket s into "0" .. s and "1" .. s (L + 1 bits each).
local function seen_split()
    local L, s = FR.L, FR.s
    local sb = bitstr(s, L)
    local src = P .. 'seen:' .. sb
    local members = rcall('SMEMBERS', src)
    local move = {}
    local half = 2 ^ L
    for _, m in ipairs(members) do
        if fpmod(m, L + 1) >= half then
            move[#move + 1] = m
        end
    end
    if #move > 0 then
        rcall('SREM', src, unpack(move))
        rcall('SADD', P .. 'seen:1' .. sb, unpack(move))
    end
    if #move < #members then
        rcall('RENAME', src, P .. 'seen:0' .. sb)
    end
    s = s + 1
    if s >= half then
        L = L + 1
        s = 0
    end
    FR.L, FR.s, FR.sb = L, s, nil
end

-- The split pointer s as L binary digits (kept until the next split).
local function split_bits()
    if not FR.sb then
        FR.sb = bitstr(FR.s, FR.L)
    end
    return FR.sb
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
-- With started (a fetch's start, ms) and delay_ms (the crawl's delay),
-- the host's next allowed time first becomes at least started + its
-- delay (d, robots' Crawl-delay, else delay_ms): pop set it from the
-- pop's time, and a lease may wait in a worker before its fetch starts.
-- With freed (ack), that many of its page slots are released first, and
-- with ok its failure count (f) is cleared: one read and one write of
-- the host's hash for all of it.
local function schedule(hk, now, conc, started, delay_ms, freed, ok)
    local hkey = host_key(hk)
    local h
    if ok then
        h = rcall('HMGET', hkey, 'i', 't', 'rt', 'd', 'f')
    else
        h = rcall('HMGET', hkey, 'i', 't', 'rt', 'd')
    end
    local busy = tonumber(h[1]) or 0
    local t = tonumber(h[2]) or 0
    local set
    if freed then
        busy = busy - freed
        set = {'i', fmt(busy)}
    end
    if started and started > 0 then
        local d = tonumber(h[4]) or delay_ms
        if d > 0 and started + d > t then
            t = started + d
            set = set or {}
            set[#set + 1] = 't'
            set[#set + 1] = fmt(t)
        end
    end
    if set then
        rcall('HSET', hkey, unpack(set))
    end
    if ok and h[5] then
        rcall('HDEL', hkey, 'f')
    end
    local head = rcall('ZRANGE', queue_key(hk), '0', '0', 'WITHSCORES')
    if not head[1] or h[3] or busy >= conc then
        rcall('ZREM', K_READY, hk)
        rcall('ZREM', K_SCHED, hk)
        return
    end
    if t > now then
        rcall('ZREM', K_READY, hk)
        rcall('ZADD', K_SCHED, fmt(t), hk)
    else
        rcall('ZREM', K_SCHED, hk)
        rcall('ZADD', K_READY, head[2], hk)
    end
end

-- After new queue entries for hk (best score among them: score, as text):
-- improve its place in ready, or schedule it if it was in neither set.
-- One call when the host is ready already (LT only lowers its score);
-- one that was not gets added, then is put where it belongs.
local function host_touched(hk, score, now, conc)
    if rcall('ZADD', K_READY, 'LT', score, hk) == 1 then
        if rcall('ZSCORE', K_SCHED, hk) then
            rcall('ZREM', K_READY, hk)
        else
            schedule(hk, now, conc)
        end
    end
end

-- ---- push --------------------------------------------------------------

-- Links (push, ack) are packed by common/frontier.c into a few arguments,
-- all in host-grouped order, from ARGV[first]: n; hosts "hk k hk k ...";
-- bits (25 binary digits per link: fp mod 2^25); prios (20 binary digits
-- per link: priorities are clamped to [0, 2^20)); then the n queue members
-- "<fp> <record>", one argument each (fp in decimal).
local SEEN_BITS = 25
local PRIO_DIGITS = 20 -- binary: tonumber(s, 2) is strict, base 10 is not
local FP_MAX = '9223372036854775807'

-- Link groups of one or more pages, kept in flat arrays (a table per page
-- or per group costs more than its links): links_new() makes an empty
-- set, check_links() appends a page's links to it.
--   ng, nl: groups and links so far
--   hk[g], k[g]: host key and link count of group g
--   at[g]: ARGV index of its page's link count (n; hosts, bits, prios and
--     the members follow it); j[g]: index in that page of its first link
--   fp[x]: fingerprint (decimal text) of link x, all groups in order
local function links_new()
    return {ng = 0, nl = 0, hk = {}, k = {}, at = {}, j = {}, fp = {}}
end

-- Validate the links from ARGV[first] (to the end of ARGV if last_only)
-- and append them to L. Pattern scans cost some 25 ns per byte in Redis'
-- Lua, so the long arguments are checked with tonumber (strtoul) and
-- plain finds. Returns the ARGV index after them, or nil and an error
-- reply.
local function check_links(first, last_only, L)
    local n = nat_arg(ARGV[first])
    if not n or n > 9999999 then
        return nil, bad('link count')
    end
    local hosts, bits, prios = ARGV[first + 1], ARGV[first + 2],
        ARGV[first + 3]
    if first + 3 + n > #ARGV or not prios or
        (last_only and first + 3 + n ~= #ARGV) then
        return nil, bad('link count')
    end
    if #bits ~= SEEN_BITS * n or
        (n > 0 and (byte(bits) < 48 or byte(bits) > 49 or
        not tonumber(bits, 2))) then
        return nil, bad('link bits')
    end
    if #prios ~= PRIO_DIGITS * n or
        (n > 0 and (byte(prios) < 48 or byte(prios) > 49 or
        not tonumber(prios, 2))) then
        return nil, bad('link priority')
    end
    -- "hk k" pairs split at single spaces: a host key holds no space, k is
    -- 1 to 7 digits without a leading zero.
    local ghk, gk, gat, gj = L.hk, L.k, L.at, L.j
    local ng = L.ng
    local pos, last, total = 1, #hosts, 0
    while pos <= last do
        local a = find(hosts, ' ', pos, true)
        if not a or a == pos or a - pos > 300 then
            return nil, bad('link hostkey')
        end
        local b = find(hosts, ' ', a + 1, true) or last + 1
        local cnt = sub(hosts, a + 1, b - 1)
        local k = #cnt <= 7 and byte(cnt) ~= 48 and find(cnt, '^%d+$') and
            tonumber(cnt)
        if not k or k < 1 or b == last then
            return nil, bad('link hostkey')
        end
        ng = ng + 1
        ghk[ng] = sub(hosts, pos, a - 1)
        gk[ng] = k
        gat[ng] = first
        gj[ng] = total + 1
        total = total + k
        pos = b + 1
    end
    if total ~= n then
        return nil, bad('link count')
    end
    -- each member starts with its fingerprint: 1 to 19 digits, no
    -- leading zero (the decimal form Redis keeps in an intset)
    local fp, nl, rec0 = L.fp, L.nl, first + 3
    for j = 1, n do
        local m = ARGV[rec0 + j]
        local _, e = find(m, '^[1-9]%d* ')
        if not e and sub(m, 1, 2) == '0 ' then
            e = 2
        end
        if not e or e > 20 then
            return nil, bad('link member')
        end
        local f = sub(m, 1, e - 1)
        if e == 20 and f > FP_MAX then
            return nil, bad('link member')
        end
        fp[nl + j] = f
    end
    L.ng, L.nl = ng, nl + n
    return first + 4 + n
end

-- cmd key a1 a2 ... in slices of 2000 arguments (unpack has a stack
-- limit): ZADD, HSET and HDEL with many pairs or fields.
local function call_slices(cmd, key, args)
    local n = #args
    if n <= 2000 then
        if n > 0 then
            rcall(cmd, key, unpack(args))
        end
        return
    end
    for i = 1, n, 2000 do
        local j = i + 1999
        if j > n then
            j = n
        end
        rcall(cmd, key, unpack(args, i, j))
    end
end

-- New queue entries of one call, gathered per host over one or more link
-- groups (push_add) and written by push_flush: one ZADD and one
-- scheduling decision per host.
local function push_acc()
    return {order = {}, z = {}, best = {}, bests = {}}
end

-- Dedup the links of groups g0 .. g1 of L (check_links; x0 is the index
-- of the first of their links in L.fp) and gather the new ones in acc.
-- With isnew, isnew[x] becomes 1 (new) or 0 for each of them. cfg needs
-- max_host_pages.
local function push_add(L, g0, g1, x0, cfg, seeds, acc, isnew)
    local L2, s = FR.L, FR.s
    local sb = split_bits()
    local half = 2 ^ L2
    local seenp = P .. 'seen:'
    local cap = cfg.max_host_pages
    local fps, hks, ks, gat, gj = L.fp, L.hk, L.k, L.at, L.j
    local fresh = {} -- the group's new links: x, then j in its page
    local dups, capped, added = 0, 0, 0
    local n = FR.n
    local seq = FR.seq
    local x = x0 - 1
    for g = g0, g1 do
        local hk = hks[g]
        local first, j = gat[g], gj[g] - 1
        local bits = ARGV[first + 2]
        local nf = 0
        for _ = 1, ks[g] do
            x = x + 1
            j = j + 1
            local e = SEEN_BITS * j
            local b = sub(bits, e - L2 + 1, e)
            if b < sb then
                b = sub(bits, e - L2, e)
            end
            if rcall('SADD', seenp .. b, fps[x]) == 1 then
                if isnew then
                    isnew[x] = 1
                end
                fresh[nf + 1] = x
                fresh[nf + 2] = j
                nf = nf + 2
                n = n + 1
                if L2 < SEEN_MAXLEVEL and n > SEEN_LOAD * (half + s) then
                    FR.n = n
                    seen_split()
                    L2, s = FR.L, FR.s
                    sb = split_bits()
                    half = 2 ^ L2
                end
            else
                if isnew then
                    isnew[x] = 0
                end
                dups = dups + 1
            end
        end
        local nnew = nf / 2
        if nnew > 0 and cap > 0 then
            local hkey = host_key(hk)
            local over = rcall('HINCRBY', hkey, 'p', fmt(nnew)) - cap
            if over > 0 then
                if over > nnew then
                    over = nnew
                end
                rcall('HINCRBY', hkey, 'p', fmt(-over))
                capped = capped + over
                nnew = nnew - over
                -- the last ones are refused
                if isnew then
                    for y = 2 * nnew + 1, nf, 2 do
                        isnew[fresh[y]] = 0
                    end
                end
            end
        end
        if nnew > 0 then
            local prios, rec0 = ARGV[first + 3], first + 3
            local zargs = acc.z[hk]
            if not zargs then
                zargs = {}
                acc.z[hk] = zargs
                acc.order[#acc.order + 1] = hk
            end
            local best = acc.best[hk]
            local z = #zargs
            for y = 2, 2 * nnew, 2 do
                local i = fresh[y]
                local score = tonumber(sub(prios, PRIO_DIGITS * i -
                    PRIO_DIGITS + 1, PRIO_DIGITS * i), 2) * SEQ_MOD +
                    seq % SEQ_MOD
                seq = seq + 1
                local text = fmt(score)
                zargs[z + 1] = text
                zargs[z + 2] = ARGV[rec0 + i]
                z = z + 2
                if not best or score < best then
                    best = score
                    acc.bests[hk] = text
                end
            end
            acc.best[hk] = best
            added = added + nnew
        end
    end
    FR.n = n
    FR.seq = seq
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

-- Write what push_add gathered: each host's new entries, then its place
-- in ready or sched (hosts in skip are left to the caller, which
-- schedules them itself).
local function push_flush(acc, now, conc, skip)
    for _, hk in ipairs(acc.order) do
        call_slices('ZADD', queue_key(hk), acc.z[hk])
        if not (skip and skip[hk]) then
            host_touched(hk, acc.bests[hk], now, conc)
        end
    end
end

-- Dedup and enqueue all links of L (check_links). Returns a table with
-- 1 (new) / 0 per link in grouped order. cfg needs max_host_pages and
-- per_host_concurrency.
local function push_links(L, now, cfg, seeds)
    local acc = push_acc()
    local isnew = {}
    push_add(L, 1, L.ng, 1, cfg, seeds, acc, isnew)
    push_flush(acc, now, cfg.per_host_concurrency)
    return isnew
end

-- ---- leases ------------------------------------------------------------

-- In-flight entry: "<token> <hostkey> <score> <member>" where member is
-- the queue member "<fp> <record>". Returns token, hostkey, score, member.
local function parse_inflight(v)
    local a = find(v, ' ', 1, true)
    local b = find(v, ' ', a + 1, true)
    local c = find(v, ' ', b + 1, true)
    return tonumber(sub(v, 1, a - 1)), sub(v, a + 1, b - 1),
        sub(v, b + 1, c - 1), sub(v, c + 1)
end

-- "<hostkey> <score> <member>" (delayed retries, dead requests).
local function parse_hsm(v)
    local a = find(v, ' ', 1, true)
    local b = find(v, ' ', a + 1, true)
    return sub(v, 1, a - 1), sub(v, a + 1, b - 1),
        sub(v, b + 1)
end

-- Drop a page lease's in-flight state (not its attempts entry).
local function release(fp, hk)
    rcall('HDEL', K_INFLIGHT, fp)
    rcall('ZREM', K_LEASES, fp)
    rcall('HINCRBY', host_key(hk), 'i', '-1')
end

-- msgpack of a string and of a whole number in [0, 2^53) (readers take
-- any integer width, docs/records.md).
local function mp_str(s)
    local n, char = #s, string.char
    if n < 32 then
        return char(0xa0 + n) .. s
    elseif n < 256 then
        return '\217' .. char(n) .. s
    end
    return '\218' .. char(floor(n / 256) % 256, n % 256) .. s
end

local function mp_uint(x)
    local char = string.char
    if x < 128 then
        return char(x)
    elseif x < 65536 then
        return '\205' .. char(floor(x / 256), x % 256)
    end
    local b = {}
    for i = 8, 1, -1 do
        b[i] = x % 256
        x = floor(x / 256)
    end
    return '\207' .. char(unpack(b))
end

-- A decimal fingerprint (uint64, more than a double holds) as msgpack.
local function mp_fp(fp)
    local b = {0, 0, 0, 0, 0, 0, 0, 0}
    for k = 1, #fp do
        local carry = byte(fp, k) - 48
        for i = 8, 1, -1 do
            local v = b[i] * 10 + carry
            b[i] = v % 256
            carry = floor(v / 256)
        end
    end
    return '\207' .. string.char(unpack(b))
end

-- The final result of a request that died without one from a worker (its
-- lease expired max_attempts times): the cf_result keys v, u, fp, d, e,
-- em, td, a, rf = dead, in docs/records.md's order.
local function dead_result(fp, member, outcome, msg, now, att)
    local rec = sub(member, find(member, ' ', 1, true) + 1)
    local okr, req = pcall(cmsgpack.unpack, rec)
    local url, depth = '', 0
    if okr and type(req) == 'table' then
        url = type(req.u) == 'string' and req.u or ''
        depth = type(req.d) == 'number' and req.d or 0
    end
    return '\137' .. mp_str('v') .. '\1' .. mp_str('u') .. mp_str(url) ..
        mp_str('fp') .. mp_fp(fp) .. mp_str('d') .. mp_uint(depth) ..
        mp_str('e') .. mp_str(outcome) .. mp_str('em') .. mp_str(msg) ..
        mp_str('td') .. mp_uint(now) .. mp_str('a') .. mp_uint(att) ..
        mp_str('rf') .. '\1'
end

-- Move a request to the dead letters: the list gets
-- "<fp> <outcome> <result>", deadreq keeps what requeue-dead needs, and
-- the result (the worker's, with the dead flag; or one made here when
-- result is "") goes to the results stream as the URL's final result.
local function make_dead(fp, hk, score, member, outcome, result, now, att)
    if result == '' then
        result = dead_result(fp, member, outcome,
            'lease expired ' .. att .. ' times', now, att)
    end
    rcall('XADD', K_RESULTS, '*', 'r', result)
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
        'LIMIT', '0', fmt(limit))
    local count = 0
    for _, m in ipairs(due) do
        if sub(m, 1, 2) == 'r ' then
            local hk = sub(m, 3)
            rcall('ZREM', K_LEASES, m)
            rcall('HDEL', host_key(hk), 'rt')
            schedule(hk, now, cfg.per_host_concurrency)
        else
            local v = rcall('HGET', K_INFLIGHT, m)
            if v then
                local _, hk, score, member = parse_inflight(v)
                release(m, hk)
                local att = rcall('HINCRBY', K_ATTEMPTS, m, '1')
                inc('reaped', 1)
                inc('inflight', -1)
                if att >= cfg.max_attempts then
                    make_dead(m, hk, score, member, 'timeout', '', now, att)
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
