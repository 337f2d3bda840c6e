-- base.lua: what every frontier script starts with: key names, argument
-- checks, small helpers. docs/keys.md documents the keys.
--
-- The shared functions live in pieces (common/scripts/lib/*.lua), one
-- concept each. The scripts are functions of one Redis function library
-- (docs/keys.md, "Functions"): tools/embed-scripts.sh puts every piece in
-- it once, each after those its "--@needs" line names (Lua locals: a
-- function sees only what is defined above it), then each script's body
-- as its function. A script names the pieces it uses in its "--@lib"
-- line, in order (checked likewise). Before every piece comes
-- build/gen/wire.lua, the numbers of the link and entry formats
-- (SEEN_BITS, PRIO_BITS, ENTRY_*) generated from common/wire.h; no Lua
-- file may define them.
--
-- KEYS[1] is the crawl's stats hash "cf:{C}:stats"; every other key of
-- the crawl is derived from its prefix "cf:{C}:" (same hash tag, same
-- cluster slot). Time always comes from the caller (ARGV), never from
-- the Redis clock. Every script validates all of its arguments before it
-- writes anything.
-- The library's top level runs once, at FUNCTION LOAD, where Redis 7.0
-- offers no global but redis.register_function and redis.log: what the
-- pieces take from the globals, the crawl's keys and each piece's state
-- of one call are upvalues that begin() sets at the start of every call
-- (a function call runs alone: nothing else runs in between).
local ARGV, KEYS
-- Globals as locals: every use of a global is a table lookup.
local tonumber, type, ipairs, pairs, unpack
local sub, find, byte
local match, format
local floor, min, max
local rcall
local unpack_nums -- struct.unpack

-- An ack's page numbers (wire.h, CF_ACK_NUMS): the struct format and the
-- argument's length.
local PAGE_NUMS -- made by begin() (no string library at load time)
local PAGE_NUMS_LEN = 8 * ACK_NUMS

local P
local K_STATS, K_CONFIG, K_FR, K_READY, K_SCHED, K_INFLIGHT, K_LEASES
local K_ATTEMPTS, K_DELAYED, K_DEAD, K_DEADREQ, K_RESULTS, K_ROBOTS

-- Each piece with state of one call adds a function that clears it.
local RESETS = {}

local function begin(keys, args)
    KEYS, ARGV = keys, args
    if not rcall then
        -- the same objects for the life of the library
        local G = _G
        tonumber, type, ipairs, pairs, unpack =
            G.tonumber, G.type, G.ipairs, G.pairs, G.unpack
        sub, find, byte = G.string.sub, G.string.find, G.string.byte
        match, format = G.string.match, G.string.format
        floor, min, max = G.math.floor, G.math.min, G.math.max
        rcall = G.redis.call
        unpack_nums = G.struct.unpack
        PAGE_NUMS = '<' .. G.string.rep('d', ACK_NUMS)
    end
    if keys[1] ~= K_STATS then
        -- another crawl than the last call's
        K_STATS = keys[1]
        P = sub(K_STATS, 1, -6)
        K_CONFIG = P .. 'config'
        K_FR = P .. 'frontier'
        K_READY = P .. 'ready'
        K_SCHED = P .. 'sched'
        K_INFLIGHT = P .. 'inflight'
        K_LEASES = P .. 'leases'
        K_ATTEMPTS = P .. 'attempts'
        K_DELAYED = P .. 'delayed'
        K_DEAD = P .. 'dead'
        K_DEADREQ = P .. 'deadreq'
        K_RESULTS = P .. 'results'
        K_ROBOTS = P .. 'robots'
    end
    for i = 1, #RESETS do
        RESETS[i]()
    end
end

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
RESETS[#RESETS + 1] = function()
    CRAWL_ERR = nil
end

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
