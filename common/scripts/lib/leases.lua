-- leases.lua: in-flight entries, dead letters, expired leases.
--@needs base stats hosts result

-- In-flight entry: "<token> <hostkey> <score> <member>" where member is
-- the queue member "<fp> <record>". Returns token, hostkey, score, member.
local function parse_inflight(v)
    local a = find(v, ' ', 1, true)
    local b = find(v, ' ', a + 1, true)
    local c = find(v, ' ', b + 1, true)
    return tonumber(sub(v, 1, a - 1)), sub(v, a + 1, b - 1),
        sub(v, b + 1, c - 1), sub(v, c + 1)
end

-- "<hostkey> <score> <member>" (delayed retries, dead requests).
local function parse_hsm(v)
    local a = find(v, ' ', 1, true)
    local b = find(v, ' ', a + 1, true)
    return sub(v, 1, a - 1), sub(v, a + 1, b - 1),
        sub(v, b + 1)
end

-- Drop a page lease's in-flight state (not its attempts entry).
local function release(fp, hk)
    rcall('HDEL', K_INFLIGHT, fp)
    rcall('ZREM', K_LEASES, fp)
    rcall('HINCRBY', host_key(hk), 'i', '-1')
end

-- Move a request to the dead letters: the list gets
-- "<fp> <outcome> <result>", deadreq keeps what requeue-dead needs, and
-- the result (the worker's, with the dead flag; or one made here when
-- result is "") goes to the results stream as the URL's final result.
local function make_dead(fp, hk, score, member, outcome, result, now, att)
    if result == '' then
        result = dead_result(fp, member, outcome,
            'lease expired ' .. att .. ' times', now, att)
    end
    add_result(result)
    rcall('LPUSH', K_DEAD, fp .. ' ' .. outcome .. ' ' .. result)
    rcall('HSET', K_DEADREQ, fp, hk .. ' ' .. score .. ' ' .. member)
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
    for _, m in ipairs(due) do
        if sub(m, 1, 2) == 'r ' then
            local hk = sub(m, 3)
            rcall('ZREM', K_LEASES, m)
            rcall('HDEL', host_key(hk), 'rt')
            schedule(hk, now, cfg.per_host_concurrency)
        else
            local v = rcall('HGET', K_INFLIGHT, m)
            if v then
                local _, hk, score, member = parse_inflight(v)
                release(m, hk)
                local att = rcall('HINCRBY', K_ATTEMPTS, m, '1')
                inc('reaped', 1)
                inc('inflight', -1)
                if att >= cfg.max_attempts then
                    make_dead(m, hk, score, member, 'timeout', '', now, att)
                else
                    rcall('ZADD', queue_key(hk), score, member)
                    inc('queued', 1)
                end
                schedule(hk, now, cfg.per_host_concurrency)
                count = count + 1
            else
                rcall('ZREM', K_LEASES, m)
            end
        end
    end
    return count
end
