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
