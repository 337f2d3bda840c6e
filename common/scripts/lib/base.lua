-- base.lua: what every frontier script starts with: key names, argument
-- checks, small helpers. docs/keys.md documents the keys.
--
-- The shared functions live in pieces (common/scripts/lib/*.lua), one
-- concept each. A script names the pieces it uses in its "--@lib" line,
-- in order; a piece names those it uses in its "--@needs" line, which
-- must come before it. tools/embed-scripts.sh checks that and prepends
-- the pieces to the script's text (Lua locals: a function sees only what
-- is defined above it). Before every piece comes build/gen/wire.lua,
-- the numbers of the link and entry formats (SEEN_BITS, PRIO_BITS,
-- ENTRY_*) generated from common/wire.h; no Lua file may define them.
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

local LEVEL_MOD = 4294967296 -- 2^32: ready score = level * 2^32 + ms

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

-- The frontier layout these scripts read and write (stats field
-- "layout", set by create; a crawl without one is layout 1, the per-host
-- sorted sets of the builds before it).
local LAYOUT = '2'
local CRAWL_ERR = nil -- set by load_stats when a crawl is unusable

-- The error reply for a crawl load_stats refused.
local function no_crawl()
    return redis.error_reply(CRAWL_ERR or 'ERR no such crawl')
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
