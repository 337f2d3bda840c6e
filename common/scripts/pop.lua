--@lib base config stats state entry hosts result leases lease
-- pop: KEYS[1] stats; ARGV: worker, n, now_ms. Leases up to n requests.
-- Reply: state, wait_ms, seen_level, seen_split (the seen set's L and s,
-- -1 when not running: for callers that look links up before an ack,
-- cf_frontier_seen_key), then per lease 6 entries: kind (0 page, 1
-- robots), fp (text; "0" for robots), token, hostkey, record (page
-- record without the "<fp> " prefix; "" for robots), attempts.
-- wait_ms: 0 if something was leased, else ms until the next host or
-- retry is due; if nothing is scheduled, -2 while leases are out (their
-- acks may bring links) and -1 when none is.
local worker = ARGV[1]
local want = int_arg(ARGV[2])
local now = int_arg(ARGV[3])
if #ARGV ~= 3 or not worker or #worker == 0 then
    return bad('argument count')
end
if not want or want < 0 or want > 10000 then
    return bad('n')
end
if not now then
    return bad('now_ms')
end
if not load_stats() then
    return no_crawl()
end
local out, cfg = lease_requests(want, now)
if not cfg then
    return out
end
check_done(now, cfg.max_pages)
out[1] = ST.state
flush_fr()
flush_hosts()
flush_stats()
return out
