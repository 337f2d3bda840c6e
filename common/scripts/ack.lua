-- ack: KEYS[1] stats; ARGV: now_ms, then per completed page 11 arguments:
-- fp, token, hostkey, outcome, status, bytes, links_found, out_of_scope,
-- robots_denied, started_ms (its fetch's start, 0 if none), result; and
-- its links as push takes them (n, hosts, bits, prios, members; lib.lua).
-- One call for one page or a batch: per page it releases the lease,
-- appends the result to the results stream, counts and pushes the links;
-- then the hosts are rescheduled, a host with a delay no earlier than
-- delay after its latest fetch start (the pop set it from the pop's time;
-- a lease may wait in a worker before its fetch starts). Reply: per page
-- 1, or 0 if its lease is stale (already completed or re-queued; counted
-- in stale_acks).
local now = int_arg(ARGV[1])
if not now then
    return bad('now_ms')
end
local pages = {}
local pos = 2
while pos <= #ARGV and #pages <= 1000 do
    -- fp and hostkey only name the lease (the host comes from its
    -- in-flight entry): one that names none is stale, so they are not
    -- checked digit by digit
    local fp, token = ARGV[pos], nat_arg(ARGV[pos + 1])
    local hk, outcome = ARGV[pos + 2], ARGV[pos + 3]
    local status = nat_arg(ARGV[pos + 4])
    if type(fp) ~= 'string' or #fp == 0 or #fp > 19 then
        return bad('fp')
    end
    if not token then
        return bad('token')
    end
    if type(hk) ~= 'string' or #hk == 0 or #hk > 300 then
        return bad('hostkey')
    end
    if type(outcome) ~= 'string' or #outcome > 32 or
        not find(outcome, '^[a-z_]+$') then
        return bad('outcome')
    end
    if not status or status > 999 then
        return bad('status')
    end
    local nbytes, found = nat_arg(ARGV[pos + 5]), nat_arg(ARGV[pos + 6])
    local oos, denied = nat_arg(ARGV[pos + 7]), nat_arg(ARGV[pos + 8])
    local started = nat_arg(ARGV[pos + 9])
    if not nbytes or not found or not oos or not denied or not started then
        return bad('counter')
    end
    if ARGV[pos + 10] == nil then
        return bad('result')
    end
    local links, err = check_links(pos + 11, false)
    if not links then
        return err
    end
    pages[#pages + 1] = {at = pos, fp = fp, hk = hk, outcome = outcome,
        status = status, nbytes = nbytes, found = found, oos = oos,
        denied = denied, started = started, result = ARGV[pos + 10],
        links = links}
    pos = links.next
end
if #pages == 0 or #pages > 1000 then
    return bad('argument count')
end
local STATUS_CLASS = {}
for c = 0, 9 do
    STATUS_CLASS[c * 100] = 'status_' .. c .. 'xx'
end
if not load_stats('ok', 'fetched', 'bytes', 'links_found', 'discovered',
    'dup_links', 'status_2xx') then
    return no_crawl()
end

-- Which leases are still ours: one HMGET for the batch; a page twice in
-- one batch is stale the second time.
local fps = {}
for i, pg in ipairs(pages) do
    fps[i] = pg.fp
end
local cur = rcall('HMGET', K_INFLIGHT, unpack(fps))
local reply, live, taken = {}, {}, {}
for i, pg in ipairs(pages) do
    local v = cur[i]
    local ok = false
    if v and not taken[pg.fp] then
        -- "<token> <hostkey> ...": the token compared as text
        local a = find(v, ' ', 1, true)
        if sub(v, 1, a - 1) == ARGV[pg.at + 1] then
            pg.hk = sub(v, a + 1, find(v, ' ', a + 1, true) - 1)
            ok = true
        end
    end
    if ok then
        taken[pg.fp] = true
        live[#live + 1] = pg
        reply[i] = 1
    else
        inc('stale_acks', 1)
        reply[i] = 0
    end
end
if #live == 0 then
    flush_stats()
    return reply
end

local cfg = load_cfg('max_pages', 'max_host_pages', 'per_host_concurrency',
    'delay_ms')
load_fr()
local done = {}
for i, pg in ipairs(live) do
    done[i] = pg.fp
end
rcall('HDEL', K_INFLIGHT, unpack(done))
rcall('ZREM', K_LEASES, unpack(done))
rcall('HDEL', K_ATTEMPTS, unpack(done))
-- per host: slots freed, and whether a page succeeded
local hosts, order = {}, {}
for _, pg in ipairs(live) do
    local h = hosts[pg.hk]
    if not h then
        h = {n = 0, ok = false, started = 0}
        hosts[pg.hk] = h
        order[#order + 1] = pg.hk
    end
    h.n = h.n + 1
    if pg.started > h.started then
        h.started = pg.started
    end
    rcall('XADD', K_RESULTS, '*', 'r', pg.result)
    inc('done', 1)
    inc('inflight', -1)
    if pg.outcome == 'ok' then
        inc('ok', 1)
        h.ok = true
    else
        inc('err_' .. pg.outcome, 1)
    end
    if pg.status > 0 then
        inc('fetched', 1)
        inc(STATUS_CLASS[pg.status - pg.status % 100], 1)
    end
    if pg.nbytes > 0 then
        inc('bytes', pg.nbytes)
    end
    if pg.found > 0 then
        inc('links_found', pg.found)
    end
    if pg.oos > 0 then
        inc('out_of_scope', pg.oos)
    end
    if pg.denied > 0 then
        inc('robots_denied', pg.denied)
    end
end
-- new links of the whole batch: one ZADD per host; the acked hosts are
-- scheduled below
if ST.state ~= 'cancelled' then
    local acc = push_acc()
    for _, pg in ipairs(live) do
        if pg.links.n > 0 then
            push_add(pg.links, cfg, false, acc)
        end
    end
    push_flush(acc, now, cfg.per_host_concurrency, hosts)
end
-- per host: its slots freed, its failure count cleared if a page
-- succeeded, and a new place (its delay counts from its latest fetch
-- start)
for _, hk in ipairs(order) do
    local h = hosts[hk]
    schedule(hk, now, cfg.per_host_concurrency, h.started, cfg.delay_ms,
        h.n, h.ok)
end
check_done(now, cfg.max_pages)
flush_fr()
flush_stats()
return reply
