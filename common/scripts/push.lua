--@lib base config stats state seen hosts links
-- push: KEYS[1] stats; ARGV: now_ms, seeds (0/1), order (each link's
-- index in the caller's array, in grouped order), then the links (see
-- check_links): n, then when n > 0 hosts, bits, prios, members. Dedups
-- and enqueues. A cancelled crawl takes nothing, nor does a done one
-- unless these are seeds (which make it running again). Reply: per link 1 new, 0 not.
local now = int_arg(ARGV[1])
local seeds = int_arg(ARGV[2])
if not now then
    return bad('now_ms')
end
if seeds ~= 0 and seeds ~= 1 then
    return bad('seeds')
end
local links = links_new()
local nxt, err = check_links(4, true, links)
if not nxt then
    return err
end
local n = links.nl
local order = ARGV[3]
if #order > 8 * n or find(order, '[^%d ]') then
    return bad('link order')
end
local idx, used, pos = {}, {}, 1
for j = 1, n do
    local s, e = find(order, '^%d+', pos)
    if not s or e - s > 6 or (j < n and byte(order, e + 1) ~= 32) then
        return bad('link order')
    end
    local i = sub(order, s, e) + 0
    if i >= n or used[i] then
        return bad('link order')
    end
    used[i] = true
    idx[j] = i + 1
    pos = e + 2
end
if pos ~= #order + 2 and n > 0 then
    return bad('link order')
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
local isnew = push_links(links, now, cfg, seeds == 1)
local res = {}
for j = 1, n do
    res[idx[j]] = isnew[j]
end
if ST.state == 'done' and ST.queued > 0 then
    set_state('running', now)
    ST.ended_ms = 0
    ST_DIRTY.ended_ms = true
end
check_done(now, cfg.max_pages)
flush_fr()
flush_hosts()
flush_stats()
return res
