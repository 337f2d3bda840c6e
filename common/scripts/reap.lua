--@lib base config stats state entry hosts result leases
-- reap: KEYS[1] stats; ARGV: now_ms, limit. Re-queues (attempt + 1, or
-- dead past max_attempts) up to limit page leases past their deadline and
-- releases expired robots leases. Reply: page leases handled.
local now = int_arg(ARGV[1])
local limit = int_arg(ARGV[2])
if #ARGV ~= 2 then
    return bad('argument count')
end
if not now then
    return bad('now_ms')
end
if not limit or limit < 1 or limit > 100000 then
    return bad('limit')
end
if not load_stats() then
    return no_crawl()
end
local cfg = load_cfg('max_pages', 'per_host_concurrency', 'max_attempts')
local n = reap(now, limit, cfg)
check_done(now, cfg.max_pages)
flush_hosts()
flush_stats()
return n
