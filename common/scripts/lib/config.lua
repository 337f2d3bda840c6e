-- config.lua: the crawl's configuration (cf:{C}:config).
--@needs base

local CFG_DEFAULT = {
    max_pages = 0, max_host_pages = 0, delay_ms = 0,
    per_host_concurrency = 1, obey_robots = 1, max_attempts = 3,
    backoff_ms = 1000, backoff_max_ms = 60000, lease_ms = 60000,
    robots_ttl_ms = 86400000, max_crawl_delay_ms = 30000,
    robots_retry_ms = 2000,
    breaker_failures = 5, breaker_ms = 30000, results_maxlen = 0,
}

-- Across calls, the config last read in full (defaults filled in), of
-- the crawl with config key CFG_KEY and stats field "cfgid" CFG_ID. A
-- crawl's config is written once, by create, which also sets cfgid (its
-- creation time and a digest of the config): the same key and cfgid
-- mean the same config. A crawl without cfgid (created by an older
-- build) is read on every call. CFG_CALL_ID: this call's crawl's cfgid
-- (load_stats, cfg_id), or false.
local CFG_KEY, CFG_ID, CFG_ALL
local CFG_CALL_ID = false
RESETS[#RESETS + 1] = function()
    CFG_CALL_ID = false
end
local CFG_NAMES -- every field of CFG_DEFAULT (made on first use: the
-- library's top level has no pairs)

local function cfg_id(id)
    CFG_CALL_ID = id or false
end

-- The fields named, from a table the caller only reads.
local function load_cfg(...)
    if CFG_CALL_ID and CFG_CALL_ID == CFG_ID and CFG_KEY == K_CONFIG then
        return CFG_ALL
    end
    if CFG_CALL_ID and not CFG_NAMES then
        CFG_NAMES = {}
        for name in pairs(CFG_DEFAULT) do
            CFG_NAMES[#CFG_NAMES + 1] = name
        end
    end
    local names = CFG_CALL_ID and CFG_NAMES or {...}
    local vals = rcall('HMGET', K_CONFIG, unpack(names))
    local c = {}
    for i, name in ipairs(names) do
        c[name] = tonumber(vals[i]) or CFG_DEFAULT[name]
    end
    if c.per_host_concurrency and c.per_host_concurrency < 1 then
        c.per_host_concurrency = 1
    end
    if CFG_CALL_ID then
        CFG_KEY, CFG_ID, CFG_ALL = K_CONFIG, CFG_CALL_ID, c
    end
    return c
end
