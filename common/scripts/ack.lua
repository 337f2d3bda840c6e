-- ack: KEYS[1] stats; ARGV: now_ms, fp, token, hostkey, outcome, status,
-- bytes, links_found, out_of_scope, robots_denied, result, then the links
-- as push takes them (n, hosts, fps, bits, prios, records; lib.lua). One call per
-- completed page: releases the lease, appends the result to the results stream, counts,
-- pushes the links and reschedules the host. Reply: 1, or 0 if the lease
-- is stale (already completed or re-queued; counted in stale_acks).
local now, fp, token, status = check_lease_args()
if not now then
    return fp
end
local outcome = ARGV[5]
local nbytes = int_arg(ARGV[7])
local found = int_arg(ARGV[8])
local oos = int_arg(ARGV[9])
local denied = int_arg(ARGV[10])
if not nbytes or nbytes < 0 or not found or found < 0 or not oos or
    oos < 0 or not denied or denied < 0 then
    return bad('counter')
end
if ARGV[11] == nil then
    return bad('result')
end
local links, err = check_links(12)
if not links then
    return err
end
local sclass = 'status_' .. fmt(math.floor(status / 100)) .. 'xx'
if not load_stats('ok', 'fetched', 'bytes', 'links_found', 'discovered',
    'dup_links', sclass) then
    return no_crawl()
end
local v = rcall('HGET', K_INFLIGHT, fp)
if not v then
    inc('stale_acks', 1)
    flush_stats()
    return 0
end
local tok, hk = parse_inflight(v)
if tok ~= token then
    inc('stale_acks', 1)
    flush_stats()
    return 0
end
local cfg = load_cfg('max_pages', 'max_host_pages', 'per_host_concurrency')
load_fr()
release(fp, hk)
rcall('HDEL', K_ATTEMPTS, fp)
rcall('XADD', K_RESULTS, '*', 'r', ARGV[11])
inc('done', 1)
inc('inflight', -1)
if outcome == 'ok' then
    inc('ok', 1)
    rcall('HDEL', host_key(hk), 'f')
else
    inc('err_' .. outcome, 1)
end
if status > 0 then
    inc('fetched', 1)
    inc(sclass, 1)
end
if nbytes > 0 then
    inc('bytes', nbytes)
end
if found > 0 then
    inc('links_found', found)
end
if oos > 0 then
    inc('out_of_scope', oos)
end
if denied > 0 then
    inc('robots_denied', denied)
end
if links.n > 0 and ST.state ~= 'cancelled' then
    push_links(links, now, cfg, false)
end
schedule(hk, now, cfg.per_host_concurrency)
check_done(now, cfg.max_pages)
flush_fr()
flush_stats()
return 1
