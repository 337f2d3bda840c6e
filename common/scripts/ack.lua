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
-- The pages in flat arrays by page number (a table per page cost more
-- than its fields): pg_at[i] its ARGV index (fp, token, outcome, numbers,
-- result, links follow), pg_started[i] its fetch start and pg_flags[i]
-- its flag bits. A page with links adds "i g0 g1 x0" to pg_links: its
-- groups g0 .. g1 in links and x0 its first link there.
local pg_at, pg_started, pg_flags, pg_links = {}, {}, {}, {}
local npages, nlinked = 0, 0
local pop_worker, pop_want, pop_now -- the "pop" tail, if any
-- all pages' links (check_links)
local links = links_new()

-- The batch's counters, summed as the pages are parsed (a page found
-- stale after is taken off again: tally with d = -1).
local n_ok, n_fetched, n_2xx, n_bytes, n_found, n_oos, n_deep, n_ext =
    0, 0, 0, 0, 0, 0, 0, 0
local n_denied, n_noindex, n_nofollow = 0, 0, 0
local other = {} -- err_<outcome> and status classes other than 2xx
local function tally(outcome, status, nbytes, found, oos, deep, ext,
    flags, d)
    if outcome == 'ok' then
        n_ok = n_ok + d
    else
        local f = 'err_' .. outcome
        other[f] = (other[f] or 0) + d
    end
    if status > 0 then
        n_fetched = n_fetched + d
        if status >= 200 and status < 300 then
            n_2xx = n_2xx + d
        else
            local f = STATUS_FIELD[floor(status / 100)]
            other[f] = (other[f] or 0) + d
        end
    end
    n_bytes = n_bytes + d * nbytes
    n_found = n_found + d * found
    n_oos = n_oos + d * oos
    n_deep = n_deep + d * deep
    n_ext = n_ext + d * ext
    -- bits 1, 2 and 4 (8, a first attempt, is most pages'), by "%": no
    -- call of floor
    local f = flags % 8
    if f > 0 then
        n_denied = n_denied + d * (f % 2)
        n_noindex = n_noindex + d * (f % 4 - f % 2) / 2
        n_nofollow = n_nofollow + d * (f - f % 4) / 4
    end
end

-- The pages from ARGV[2] on. Numbers are converted with "+ 0", one strtod
-- (tonumber takes two): a malformed one raises an error, which the caller
-- turns into a bad argument. Returns nil, or an error reply.
local function parse_pages()
    local pos, nargs = 2, #ARGV
    local outcomes = {} -- outcome names checked already (most are "ok")
    local n, nl = 0, 0
    while pos <= nargs and n <= 1000 do
        local fp = ARGV[pos]
        if fp == 'pop' then
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
        local token, outcome, nums = ARGV[pos + 1], ARGV[pos + 2],
            ARGV[pos + 3]
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
        local status, nbytes, found, oos, deep, ext, flags, started =
            unpack_nums(PAGE_NUMS, nums)
        -- each a whole number in [0, 2^53) (x % 1 is NaN for an infinite
        -- x, and NaN fails every comparison); written out, not a function
        -- called eight times a page
        if not (status >= 0 and nbytes >= 0 and found >= 0 and
            oos >= 0 and deep >= 0 and ext >= 0 and flags >= 0 and
            started >= 0 and nbytes < 9007199254740992 and
            found < 9007199254740992 and oos < 9007199254740992 and
            deep < 9007199254740992 and ext < 9007199254740992 and
            started < 9007199254740992 and
            status % 1 + nbytes % 1 + found % 1 + oos % 1 + deep % 1 +
            ext % 1 + flags % 1 + started % 1 == 0) then
            return bad('counter')
        end
        if status > 999 then
            return bad('status')
        end
        if flags > 15 then
            return bad('robots')
        end
        if ARGV[pos + 4] == nil then
            return bad('result')
        end
        n = n + 1
        pg_at[n], pg_started[n], pg_flags[n] = pos, started, flags
        tally(outcome, status, nbytes, found, oos, deep, ext, flags, 1)
        if ARGV[pos + 5] == '0' then
            -- no links: the count alone (most pages)
            pos = pos + 6
        else
            local g0, x0 = links.ng + 1, links.nl + 1
            local nxt, err = check_links(pos + 5, false, links)
            if not nxt then
                return err
            end
            pg_links[nl + 1], pg_links[nl + 2] = n, g0
            pg_links[nl + 3], pg_links[nl + 4] = links.ng, x0
            nl = nl + 4
            pos = nxt
        end
    end
    if n == 0 or n > 1000 then
        return bad('argument count')
    end
    npages, nlinked = n, nl
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
for i = 1, npages do
    fps[i] = ARGV[pg_at[i]]
end
local cur = rcall('HMGET', K_INFLIGHT, unpack(fps))
local reply, taken = {}, {}

-- The reply, with pop's reply last when the worker asked for leases.
local function finish(popped)
    if popped then
        popped[1] = ST.state
        reply[npages + 1] = popped
    end
    flush_fr()
    flush_hosts()
    flush_stats()
    return reply
end

-- Per live page: its number in live, its fp in again when its lease was
-- not a first attempt (an attempts entry to clear), its host in pg_hk;
-- per host: slots freed, the latest fetch start, and whether a page
-- succeeded. Nothing is written before every stale page's token is
-- checked.
local live, again, pg_hk = {}, {}, {}
local nlive, nagain = 0, 0
local hosts, order = {}, {}
for i = 1, npages do
    local at = pg_at[i]
    local fp, v = fps[i], cur[i]
    local hk
    if v and not taken[fp] then
        -- "<token> <hostkey> ...": the token compared as text, in place
        -- (no string made for it)
        local tok = ARGV[at + 1]
        local a = #tok + 1
        if byte(v, a) == 32 and find(v, tok, 1, true) == 1 then
            hk = sub(v, a + 1, find(v, ' ', a + 1, true) - 1)
        end
    end
    if hk then
        taken[fp] = true
        nlive = nlive + 1
        live[nlive], pg_hk[i] = i, hk
        reply[i] = 1
        if pg_flags[i] < 8 then
            nagain = nagain + 1
            again[nagain] = fp
        end
        local h = hosts[hk]
        if not h then
            h = {n = 0, ok = false, started = 0}
            hosts[hk] = h
            order[#order + 1] = hk
        end
        h.n = h.n + 1
        if pg_started[i] > h.started then
            h.started = pg_started[i]
        end
        if not h.ok and ARGV[at + 2] == 'ok' then
            h.ok = true
        end
    elseif not nat_arg(ARGV[at + 1]) then
        return bad('token')
    else
        inc('stale_acks', 1)
        reply[i] = 0
        -- its counters were summed with the others': off again
        local status, nbytes, found, oos, deep, ext, flags =
            unpack_nums(PAGE_NUMS, ARGV[at + 3])
        tally(ARGV[at + 2], status, nbytes, found, oos, deep, ext, flags,
            -1)
    end
end
if nlive == 0 then
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
-- the live pages' fps: all of the batch's, mostly
local done = fps
if nlive < npages then
    done = {}
    for k = 1, nlive do
        done[k] = fps[live[k]]
    end
end
rcall('HDEL', K_INFLIGHT, unpack(done))
rcall('ZREM', K_LEASES, unpack(done))
if nagain > 0 then
    rcall('HDEL', K_ATTEMPTS, unpack(again))
end
for k = 1, nlive do
    add_result(ARGV[pg_at[live[k]] + 4])
end
inc('done', nlive)
inc('inflight', -nlive)
-- the counters summed over the batch's live pages
local sums = {'ok', n_ok, 'fetched', n_fetched, 'status_2xx', n_2xx,
    'bytes', n_bytes, 'links_found', n_found, 'out_of_scope', n_oos,
    'too_deep', n_deep, 'skipped_ext', n_ext, 'robots_denied', n_denied,
    'noindex', n_noindex, 'nofollow', n_nofollow}
for k = 1, #sums, 2 do
    if sums[k + 1] > 0 then
        inc(sums[k], sums[k + 1])
    end
end
for f, d in pairs(other) do
    if d > 0 then
        inc(f, d)
    end
end
-- new links of the live pages: one ZADD per host; the acked hosts are
-- scheduled below
if ST.state ~= 'cancelled' and nlinked > 0 then
    local acc = push_acc()
    for k = 1, nlinked, 4 do
        if pg_hk[pg_links[k]] then
            push_add(links, pg_links[k + 1], pg_links[k + 2],
                pg_links[k + 3], cfg, false, acc)
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
