-- leases.lua: in-flight entries, dead letters, expired leases.
--@needs base stats hosts result

-- In-flight entry: "<token> <hostkey> <level> <entry>" (the queue entry
-- and the level it came from). Returns token, hostkey, level, entry.
local function parse_inflight(v)
    local a = find(v, ' ', 1, true)
    local b = find(v, ' ', a + 1, true)
    local c = find(v, ' ', b + 1, true)
    return tonumber(sub(v, 1, a - 1)), sub(v, a + 1, b - 1),
        sub(v, b + 1, c - 1), sub(v, c + 1)
end

-- "<hostkey> <level> <entry>" (delayed retries, dead requests).
local function parse_hsm(v)
    local a = find(v, ' ', 1, true)
    local b = find(v, ' ', a + 1, true)
    return sub(v, 1, a - 1), sub(v, a + 1, b - 1),
        sub(v, b + 1)
end

-- Put leases given back or expired into their host queues: each at the
-- head of its level, the oldest lease (lowest token) first in the end,
-- so that they leave again in the order they left. back: a list of
-- {token, hostkey, level, entry}.
local function requeue_leases(back)
    if #back > 1 then
        table.sort(back, function(a, b) return a[1] > b[1] end)
    end
    for _, e in ipairs(back) do
        requeue(e[2], e[3], e[4])
    end
end

-- Drop a page lease's in-flight state (not its attempts entry).
local function release(fp, hk)
    rcall('HDEL', K_INFLIGHT, fp)
    rcall('ZREM', K_LEASES, fp)
    host_forget(hk)
    rcall('HINCRBY', host_key(hk), 'i', '-1')
end

-- Move a request to the dead letters: the list gets
-- "<fp> <outcome> <result>", deadreq keeps what requeue-dead needs, and
-- the result (the worker's, with the dead flag; or one made here when
-- result is "") goes to the results stream as the URL's final result.
local function make_dead(fp, hk, lv, el, outcome, result, now, att)
    if result == '' then
        result = dead_result(fp, hk, el, outcome,
            'lease expired ' .. att .. ' times', now, att)
    end
    add_result(result)
    rcall('LPUSH', K_DEAD, fp .. ' ' .. outcome .. ' ' .. result)
    rcall('HSET', K_DEADREQ, fp, hk .. ' ' .. lv .. ' ' .. el)
    rcall('HDEL', K_ATTEMPTS, fp)
    inc('dead', 1)
    inc('err_' .. outcome, 1)
end

-- Re-queue up to limit leases past their deadline; returns how many page
-- leases were handled. cfg needs max_attempts, per_host_concurrency.
local function reap(now, limit, cfg)
    local due = rcall('ZRANGEBYSCORE', K_LEASES, '-inf', fmt(now),
        'LIMIT', '0', fmt(limit))
    local count = 0
    local back, hosts, order = {}, {}, {}
    for _, m in ipairs(due) do
        local hk
        if sub(m, 1, 2) == 'r ' then
            hk = sub(m, 3)
            rcall('ZREM', K_LEASES, m)
            host_forget(hk)
            rcall('HDEL', host_key(hk), 'rt')
        else
            local v = rcall('HGET', K_INFLIGHT, m)
            if v then
                local tok, lv, el
                tok, hk, lv, el = parse_inflight(v)
                release(m, hk)
                local att = rcall('HINCRBY', K_ATTEMPTS, m, '1')
                inc('reaped', 1)
                inc('inflight', -1)
                if att >= cfg.max_attempts then
                    make_dead(m, hk, lv, el, 'timeout', '', now, att)
                else
                    back[#back + 1] = {tok, hk, lv, el}
                    inc('queued', 1)
                end
                count = count + 1
            else
                rcall('ZREM', K_LEASES, m)
            end
        end
        if hk and not hosts[hk] then
            hosts[hk] = true
            order[#order + 1] = hk
        end
    end
    requeue_leases(back)
    for _, hk in ipairs(order) do
        schedule(hk, now, cfg.per_host_concurrency)
    end
    return count
end
