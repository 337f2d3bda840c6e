--@lib base config stats state entry hosts result leases
-- robots: KEYS[1] stats; ARGV: now_ms, hostkey, token, status,
-- crawl_delay_ms (-1 none), body [, outcome, message, final]. Completes a
-- robots lease: stores the body in the robots hash (the caller passes the
-- rules to apply: as fetched for a 2xx, "" for a 4xx), the time and
-- status in the host hash, applies Crawl-delay (capped by
-- max_crawl_delay_ms, never below delay_ms) and reschedules the host.
-- With outcome (robots.txt could not be had: no answer, or a 5xx), no
-- rules are stored (RFC 9309: assume disallow while unreachable, do not
-- give the host up): the host's failure count rf goes up and it waits
-- robots_retry_ms * 2^(rf - 1), capped by backoff_max_ms, before its
-- robots.txt is leased again; at max_attempts failures, or at once when
-- final is 1, every page queued for the host is dead-lettered with that
-- outcome and message. Reply: 1, or 0 if stale.
local now = int_arg(ARGV[1])
local hk = hostkey_arg(ARGV[2])
local token = int_arg(ARGV[3])
local status = int_arg(ARGV[4])
local cdelay = int_arg(ARGV[5])
if #ARGV ~= 6 and #ARGV ~= 9 then
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
    'max_crawl_delay_ms', 'max_pages', 'max_attempts', 'robots_retry_ms',
    'backoff_max_ms')
if #ARGV == 9 then
    local outcome, msg = ARGV[7], ARGV[8]
    if #outcome == 0 or not string.match(outcome, '^[a-z_]+$') then
        return bad('outcome')
    end
    rcall('HDEL', hkey, 'rt')
    rcall('ZREM', K_LEASES, 'r ' .. hk)
    local rf = rcall('HINCRBY', hkey, 'rf', '1')
    if ARGV[9] ~= '1' and rf < cfg.max_attempts then
        local wait = cfg.robots_retry_ms * 2 ^ (rf - 1)
        if wait > cfg.backoff_max_ms then
            wait = cfg.backoff_max_ms
        end
        local t = tonumber(rcall('HGET', hkey, 't')) or 0
        if now + wait > t then
            rcall('HSET', hkey, 't', fmt(now + wait))
        end
        inc('robots_retries', 1)
    else
        -- given up: the host's queue is dead-lettered with the cause; a
        -- page queued later starts a new round of robots attempts
        local lk, gone = levels_key(hk), 0
        for _, lv in ipairs(rcall('ZRANGE', lk, '0', '-1')) do
            local qk = queue_key(hk, lv)
            for _, el in ipairs(rcall('LRANGE', qk, '0', '-1')) do
                local fp = entry_fp(el)
                make_dead(fp, hk, lv, el, outcome,
                    dead_result(fp, hk, el, outcome, msg, now, rf), now, rf)
                gone = gone + 1
            end
            rcall('DEL', qk)
        end
        inc('queued', -gone)
        rcall('DEL', lk)
        levels_changed(hk)
        rcall('HDEL', hkey, 'rf')
    end
    host_forget(hk)
    schedule(hk, now, cfg.per_host_concurrency)
    check_done(now, cfg.max_pages)
    flush_hosts()
    flush_stats()
    return 1
end
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
rcall('HDEL', hkey, 'rt', 'rf')
rcall('ZREM', K_LEASES, 'r ' .. hk)
inc('robots_fetched', 1)
host_forget(hk)
schedule(hk, now, cfg.per_host_concurrency)
flush_hosts()
flush_stats()
return 1
