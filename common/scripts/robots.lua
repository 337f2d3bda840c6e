--@lib base config stats hosts
-- robots: KEYS[1] stats; ARGV: now_ms, hostkey, token, status,
-- crawl_delay_ms (-1 none), body. Completes a robots lease: stores the
-- body in the robots hash (the caller decides what an unreachable robots
-- means and passes the rules to apply), the time and status in the host
-- hash, applies Crawl-delay (capped by max_crawl_delay_ms, never below
-- delay_ms) and reschedules the host. Reply: 1, or 0 if stale.
local now = int_arg(ARGV[1])
local hk = hostkey_arg(ARGV[2])
local token = int_arg(ARGV[3])
local status = int_arg(ARGV[4])
local cdelay = int_arg(ARGV[5])
if #ARGV ~= 6 then
    return bad('argument count')
end
if not now then
    return bad('now_ms')
end
if not hk then
    return bad('hostkey')
end
if not token then
    return bad('token')
end
if not status or status < 0 or status > 999 then
    return bad('status')
end
if not cdelay then
    return bad('crawl_delay_ms')
end
if not load_stats() then
    return no_crawl()
end
local hkey = host_key(hk)
if rcall('HGET', hkey, 'rt') ~= ARGV[3] then
    return 0
end
local cfg = load_cfg('per_host_concurrency', 'delay_ms',
    'max_crawl_delay_ms', 'max_pages')
local delay = cfg.delay_ms
if cdelay > 0 then
    local c = cdelay
    if c > cfg.max_crawl_delay_ms then
        c = cfg.max_crawl_delay_ms
    end
    if c > delay then
        delay = c
    end
end
rcall('HSET', K_ROBOTS, hk, ARGV[6])
local t = tonumber(rcall('HGET', hkey, 't')) or 0
if now + delay > t then
    t = now + delay
end
rcall('HSET', hkey, 'rm', ARGV[1], 'rs', ARGV[4], 'd', fmt(delay),
    't', fmt(t))
rcall('HDEL', hkey, 'rt')
rcall('ZREM', K_LEASES, 'r ' .. hk)
inc('robots_fetched', 1)
schedule(hk, now, cfg.per_host_concurrency)
flush_stats()
return 1
