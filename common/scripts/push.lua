-- push: KEYS[1] stats; ARGV: now_ms, seeds (0/1), n, then n links of 4
-- arguments: fp, hostkey, priority, record. Dedups and enqueues. A
-- cancelled crawl takes nothing, nor does a done one unless these are
-- seeds (which make it running again). Reply: per link 1 new, 0 not.
local now = int_arg(ARGV[1])
local seeds = int_arg(ARGV[2])
local n = int_arg(ARGV[3])
if not now then
    return bad('now_ms')
end
if seeds ~= 0 and seeds ~= 1 then
    return bad('seeds')
end
if not n or n < 0 or #ARGV ~= 3 + 4 * n then
    return bad('link count')
end
local e = check_links(4, n)
if e then
    return e
end
if not load_stats() then
    return no_crawl()
end
local skip = ST.state == 'cancelled' or (ST.state == 'done' and seeds == 0)
if skip then
    local res = {}
    for i = 1, n do
        res[i] = 0
    end
    return res
end
local cfg = load_cfg('max_host_pages', 'per_host_concurrency', 'max_pages')
load_fr()
local res = push_links(4, n, now, cfg, seeds == 1)
if ST.state == 'done' and ST.queued > 0 then
    set_state('running', now)
    ST.ended_ms = 0
    ST_DIRTY.ended_ms = true
end
check_done(now, cfg.max_pages)
flush_fr()
flush_stats()
return res
