--@lib base config stats state seen hosts links entry result leases lease
-- ack: KEYS[1] stats; ARGV: now_ms, then per completed page 5 arguments:
-- fp, token, outcome, its numbers (PAGE_NUMS: 8 little-endian IEEE
-- doubles, each a whole number in [0, 2^53): status, bytes,
-- links_found, out_of_scope, too_deep, skipped_ext, flags (bits: 1
-- robots.txt denied it, 2 the page says noindex, 4 nofollow, 8 its lease
-- was a first attempt: no attempts entry to clear), started_ms (its
-- fetch's start, 0 if none)), result; and its links as push takes them
-- (n, then when n > 0 hosts, bits, prios, members; lib/links.lua).
-- One call for one page or a batch: per page it releases the lease,
-- appends the result to the results stream, counts and pushes the links;
-- then the hosts are rescheduled, a host with a delay no earlier than
-- delay after its latest fetch start (the pop set it from the pop's time;
-- a lease may wait in a worker before its fetch starts). Reply: per page
-- 1, or 0 if its lease is stale (already completed or re-queued; counted
-- in stale_acks).
-- After the pages, optionally 4 more arguments: "pop", worker, n, now_ms:
-- the worker's next leases in the same call, taken after the batch's
-- links are queued and its slots freed (lease.lua, as pop does with
-- worker, n, now_ms); pop's reply is then one more element of the reply.
local now = int_arg(ARGV[1])
if not now then
    return bad('now_ms')
end
local pages = {}
local pop_worker, pop_want, pop_now -- the "pop" tail, if any
-- all pages' links (check_links); each page knows its groups g0 .. g1
local links = links_new()

-- a page's counters: whole numbers in [0, 2^53)
local function nat_ok(x)
    return x >= 0 and x < 9007199254740992 and x % 1 == 0
end

-- The pages from ARGV[2] on. Numbers are converted with "+ 0", one strtod
-- (tonumber takes two): a malformed one raises an error, which the caller
-- turns into a bad argument. Returns nil, or an error reply.
local function parse_pages()
    local pos, nargs = 2, #ARGV
    local outcomes = {} -- outcome names checked already (most are "ok")
    while pos <= nargs and #pages <= 1000 do
        if ARGV[pos] == 'pop' then
            if pos + 3 ~= nargs or #ARGV[pos + 1] == 0 then
                return bad('pop')
            end
            pop_worker = ARGV[pos + 1]
            pop_want, pop_now = int_arg(ARGV[pos + 2]), int_arg(ARGV[pos + 3])
            if not pop_want or pop_want < 0 or pop_want > 10000 then
                return bad('n')
            end
            if not pop_now then
                return bad('now_ms')
            end
            break
        end
        -- fp and token only name the lease (the host comes from its
        -- in-flight entry): one that names none is stale, so they are
        -- not checked digit by digit here (a token that matches no lease
        -- is, below, before anything is written)
        local fp, token = ARGV[pos], ARGV[pos + 1]
        local outcome, nums = ARGV[pos + 2], ARGV[pos + 3]
        if #fp == 0 or #fp > 19 then
            return bad('fp')
        end
        if #token == 0 or #token > 17 then
            return bad('token')
        end
        if not outcomes[outcome] then
            if #outcome > 32 or not find(outcome, '^[a-z_]+$') then
                return bad('outcome')
            end
            outcomes[outcome] = true
        end
        -- eight numbers in one string: no strtod, no string per number
        if #nums ~= PAGE_NUMS_LEN then
            return bad('page numbers')
        end
        local status, nbytes, found, oos, deep, ext, denied, started =
            unpack_nums(PAGE_NUMS, nums)
        if not (nat_ok(status) and nat_ok(nbytes) and nat_ok(found) and
            nat_ok(oos) and nat_ok(deep) and nat_ok(ext) and
            nat_ok(denied) and nat_ok(started)) then
            return bad('counter')
        end
        if status > 999 then
            return bad('status')
        end
        if denied > 15 then
            return bad('robots')
        end
        if ARGV[pos + 4] == nil then
            return bad('result')
        end
        local g0, x0 = links.ng + 1, links.nl + 1
        local nxt, err = check_links(pos + 5, false, links)
        if not nxt then
            return err
        end
        pages[#pages + 1] = {at = pos, fp = fp, outcome = outcome,
            status = status, nbytes = nbytes, found = found, oos = oos,
            deep = deep, ext = ext, denied = denied, started = started,
            result = ARGV[pos + 4],
            g0 = g0, g1 = links.ng, x0 = x0}
        pos = nxt
    end
    if #pages == 0 or #pages > 1000 then
        return bad('argument count')
    end
end
local okp, err = pcall(parse_pages)
if not okp then
    -- a missing argument, or a number that is none
    return bad('page fields')
end
if err then
    return err
end
-- the counters most pages change (any other costs an HGET when changed)
if not load_stats('ok', 'fetched', 'bytes', 'links_found', 'discovered',
    'dup_links', 'status_2xx', 'out_of_scope', 'skipped_ext',
    'too_deep') then
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

-- The reply, with pop's reply last when the worker asked for leases.
local function finish(popped)
    if popped then
        popped[1] = ST.state
        reply[#reply + 1] = popped
    end
    flush_fr()
    flush_stats()
    return reply
end

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
    elseif not nat_arg(ARGV[pg.at + 1]) then
        return bad('token')
    else
        inc('stale_acks', 1)
        reply[i] = 0
    end
end
if #live == 0 then
    local popped, pcfg
    if pop_want then
        popped, pcfg = lease_requests(pop_want, pop_now)
        if pcfg then
            check_done(pop_now, pcfg.max_pages)
        end
    end
    return finish(popped)
end

-- one read of the config for the ack, the results stream's cap and, when
-- asked for, the lease step
local cfg = load_cfg('max_host_pages', 'results_maxlen',
    unpack(LEASE_CFG))
results_maxlen = cfg.results_maxlen
load_fr()
local done, again = {}, {}
for i, pg in ipairs(live) do
    done[i] = pg.fp
    if pg.denied < 8 then
        -- not a first attempt: an attempts entry to clear
        again[#again + 1] = pg.fp
    end
end
rcall('HDEL', K_INFLIGHT, unpack(done))
rcall('ZREM', K_LEASES, unpack(done))
if #again > 0 then
    rcall('HDEL', K_ATTEMPTS, unpack(again))
end
-- per host: slots freed, and whether a page succeeded; the counters are
-- summed over the batch
local hosts, order = {}, {}
local n_ok, n_fetched, n_2xx, n_bytes, n_found, n_oos, n_deep, n_ext =
    0, 0, 0, 0, 0, 0, 0, 0
local n_denied, n_noindex, n_nofollow = 0, 0, 0
local other = {} -- err_<outcome> and status classes other than 2xx
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
    add_result(pg.result)
    if pg.outcome == 'ok' then
        n_ok = n_ok + 1
        h.ok = true
    else
        local f = 'err_' .. pg.outcome
        other[f] = (other[f] or 0) + 1
    end
    local st = pg.status
    if st > 0 then
        n_fetched = n_fetched + 1
        if st >= 200 and st < 300 then
            n_2xx = n_2xx + 1
        else
            local f = 'status_' .. floor(st / 100) .. 'xx'
            other[f] = (other[f] or 0) + 1
        end
    end
    n_bytes = n_bytes + pg.nbytes
    n_found = n_found + pg.found
    n_oos = n_oos + pg.oos
    n_deep = n_deep + pg.deep
    n_ext = n_ext + pg.ext
    -- pg.denied: the flag bits
    n_denied = n_denied + pg.denied % 2
    n_noindex = n_noindex + floor(pg.denied / 2) % 2
    n_nofollow = n_nofollow + floor(pg.denied / 4) % 2
end
inc('done', #live)
inc('inflight', -#live)
for f, d in pairs({ok = n_ok, fetched = n_fetched, status_2xx = n_2xx,
    bytes = n_bytes, links_found = n_found, out_of_scope = n_oos,
    too_deep = n_deep, skipped_ext = n_ext, robots_denied = n_denied,
    noindex = n_noindex, nofollow = n_nofollow}) do
    if d > 0 then
        inc(f, d)
    end
end
for f, d in pairs(other) do
    inc(f, d)
end
-- new links of the whole batch: one ZADD per host; the acked hosts are
-- scheduled below
if ST.state ~= 'cancelled' then
    local acc = push_acc()
    for _, pg in ipairs(live) do
        if pg.g1 >= pg.g0 then
            push_add(links, pg.g0, pg.g1, pg.x0, cfg, false, acc)
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
-- the worker's next leases see this batch's links and freed slots
local popped = pop_want and lease_requests(pop_want, pop_now, cfg)
check_done(now, cfg.max_pages)
return finish(popped)
