-- lease.lua: leasing requests, for pop and for an ack that asks for its
-- worker's next requests in the same call.
--@needs base config stats state entry hosts result leases

-- The config fields lease_requests reads.
local LEASE_CFG = {'max_pages', 'per_host_concurrency', 'delay_ms',
    'obey_robots', 'robots_ttl_ms', 'lease_ms', 'max_attempts'}

-- Lease up to want requests at now (ms), the crawl's stats loaded
-- (load_stats), with cfg (LEASE_CFG loaded, or nil: read here). Returns
-- pop's reply (pop.lua: state, wait_ms, seen level and split, then 6
-- entries per lease) and the config, or {state, -1, -1, -1} and nil when
-- the crawl is not running. out[1] is the state before the caller's
-- check_done: the caller sets it after.
local function lease_requests(want, now, cfg)
    if ST.state ~= 'running' then
        return {ST.state, -1, -1, -1}, nil
    end
    cfg = cfg or load_cfg(unpack(LEASE_CFG))
    local conc = cfg.per_host_concurrency
    load_fr()

    -- Expired leases, then due retries back into their host queues, then
    -- hosts whose next allowed time has come into ready; skipped while
    -- nothing can be due (state.lua, due_skip). Each set's first score
    -- says whether anything in it is due, and if not, when it will be.
    if not due_skip(now) then
        local sl, sd, ss = first_score(K_LEASES), first_score(K_DELAYED),
            first_score(K_SCHED)
        -- the next check: at the first score to come (one due now is
        -- checked again by the next call), DUE_EVERY_MS at most; what the
        -- work below writes lowers it again (due_at)
        FR.due = max(now, min(sl, sd, ss, now + DUE_EVERY_MS))
        FR.dirty = true
        if sl <= now then
            reap(now, 16, cfg)
        end
        if sd <= now then
            local due = rcall('ZRANGEBYSCORE', K_DELAYED, '-inf', fmt(now),
                'LIMIT', '0', '256')
            local hosts = {}
            for _, v in ipairs(due) do
                local hk, lv, el = parse_hsm(v)
                rcall('ZREM', K_DELAYED, v)
                requeue(hk, lv, el)
                hosts[hk] = true
            end
            for hk in pairs(hosts) do
                schedule(hk, now, conc)
            end
        end
        if ss <= now then
            local sched = rcall('ZRANGEBYSCORE', K_SCHED, '-inf', fmt(now),
                'LIMIT', '0', '1024')
            for _, hk in ipairs(sched) do
                schedule(hk, now, conc)
            end
        end
    end

    -- The page budget.
    local budget = want
    if cfg.max_pages > 0 then
        local left = cfg.max_pages - (ST.done + ST.dead + ST.inflight)
        if left < budget then
            budget = left
        end
    end

    local out = {'running', 0, FR.L, FR.s}
    local nout = 4
    local pages = 0
    local leased = 0
    -- in-flight entries and lease deadlines, written once after the loop;
    -- the attempts of the leased pages, read once (fps; att_at: where
    -- each goes in out). Counted here, not by "#": the length operator
    -- searches.
    local infl, leases, fps, att_at = {}, {}, {}, {}
    local ninfl, nfps = 0, 0
    local deadline = fmt(now + cfg.lease_ms)
    while pages < budget and leased < want do
        local top = rcall('ZPOPMIN', K_READY)
        if not top[1] then
            break
        end
        local hk = top[1]
        local h = host_get(hk)
        local rm = tonumber(h.rm)
        if h.rt then
            -- robots pending: the host waits for that call (or its expiry)
        elseif cfg.obey_robots == 1 and
            (not rm or now - rm >= cfg.robots_ttl_ms) then
            local tok = next_token()
            host_set(hk, 'rt', fmt(tok))
            rcall('ZADD', K_LEASES, deadline, 'r ' .. hk)
            out[nout + 1], out[nout + 2], out[nout + 3] = 1, '0', tok
            out[nout + 4], out[nout + 5], out[nout + 6] = hk, '', 0
            nout = nout + 6
            leased = leased + 1
        else
            local delay = tonumber(h.d) or cfg.delay_ms
            local busy = tonumber(h.i) or 0
            -- Without a delay, take as many of the host's free slots at once
            -- as the budget allows, from its head level's list: all of the
            -- same priority, no worse than the next ready host's head (this
            -- host's ready score was the lowest).
            local k = 1
            if delay <= 0 then
                k = max(1, min(conc - busy, budget - pages,
                    want - leased))
            end
            -- Up to k entries of the head level's list. Fewer than k: the
            -- list is gone, and so is its level. Exactly k may have
            -- emptied it too: its level then stays until a pop finds the
            -- list empty (no LLEN for the one case in many).
            local lv = head_level(hk)
            local items, emptied = nil, false
            if lv then
                items = rcall('LPOP', queue_key(hk, lv), fmt(k))
                if not items or #items < k then
                    rcall('ZREM', levels_key(hk), lv)
                    levels_changed(hk)
                    emptied = true
                end
            end
            items = items or {}
            local got = #items
            -- the in-flight entry "<token> <hostkey> <level> <entry>":
            -- what follows the token is the host's and level's
            local mid = got > 0 and ' ' .. hk .. ' ' .. lv .. ' '
            local tok = FR.tok
            for x = 1, got do
                local el = items[x]
                local fp = entry_fp(el)
                tok = tok + 1
                infl[ninfl + 1], infl[ninfl + 2] = fp, fmt(tok) .. mid .. el
                leases[ninfl + 1], leases[ninfl + 2] = deadline, fp
                ninfl = ninfl + 2
                out[nout + 1], out[nout + 2], out[nout + 3] = 0, fp, tok
                out[nout + 4] = hk
                out[nout + 5] = sub(el, ENTRY_FP_LEN + 1)
                out[nout + 6] = 0 -- attempts, filled in below
                nout = nout + 6
                nfps = nfps + 1
                fps[nfps], att_at[nfps] = fp, nout
            end
            if got > 0 then
                FR.tok = tok
                FR.dirty = true
                busy = busy + got
                -- the next allowed time only with a delay: without one it
                -- would only hold the host back from acks sent before this
                -- pop's time (it then bounced through sched)
                if delay > 0 then
                    host_set(hk, 'i', fmt(busy), 't', fmt(now + delay))
                else
                    host_set(hk, 'i', fmt(busy))
                end
                inc('inflight', got)
                inc('queued', -got)
                pages = pages + got
                leased = leased + got
                if busy < conc then
                    local head = lv
                    if emptied then
                        head = head_level(hk)
                    end
                    if head then
                        if delay <= 0 then
                            rcall('ZADD', K_READY, ready_score(head, now), hk)
                        else
                            rcall('ZADD', K_SCHED, fmt(now + delay), hk)
                            due_at(now + delay)
                        end
                    end
                end
            else
                -- nothing queued after all: where it belongs (nowhere)
                schedule(hk, now, conc)
            end
        end
    end

    call_slices('HSET', K_INFLIGHT, infl)
    call_slices('ZADD', K_LEASES, leases)
    if leased > 0 then
        due_at(now + cfg.lease_ms)
    end
    for i = 1, nfps, 1000 do
        local j = min(i + 999, nfps)
        local att = rcall('HMGET', K_ATTEMPTS, unpack(fps, i, j))
        for k = i, j do
            -- false (none) mostly; "+ 0" is one strtod, tonumber two
            local a = att[k - i + 1]
            if a then
                out[att_at[k]] = a + 0
            end
        end
    end

    if leased == 0 then
        local w = -1
        local s1 = rcall('ZRANGE', K_SCHED, '0', '0', 'WITHSCORES')
        local s2 = rcall('ZRANGE', K_DELAYED, '0', '0', 'WITHSCORES')
        for _, s in ipairs({s1, s2}) do
            if s[2] then
                local d = tonumber(s[2]) - now
                if d < 0 then
                    d = 0
                end
                if w < 0 or d < w then
                    w = d
                end
            end
        end
        if w < 0 and rcall('ZCARD', K_READY) > 0 then
            w = 0
        end
        if w < 0 and ST.inflight > 0 then
            w = -2
        end
        out[2] = w
    end
    return out, cfg
end
