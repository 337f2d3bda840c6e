--@lib base config stats state entry hosts result leases
-- fail: KEYS[1] stats; ARGV: now_ms, fp, token, hostkey, outcome, status,
-- retry_after_ms (-1 none), result. A transient failure: re-queue after
-- max(retry_after, min(backoff_ms * 2^(attempts-1), backoff_max_ms)) via
-- the delayed set, or past max_attempts move to the dead letters (and the
-- result, the dead flag set by the worker, to the results stream). Counts
-- toward the host's circuit breaker. Reply: "retry", "dead" or "stale".
local RETRY_AFTER_MAX = 3600000 -- Retry-After is capped at one hour
if #ARGV ~= 8 then
    return bad('argument count')
end
local now, fp, token, status = check_lease_args()
if not now then
    return fp
end
local outcome = ARGV[5]
local retry_after = int_arg(ARGV[7])
if not retry_after then
    return bad('retry_after_ms')
end
if not load_stats() then
    return no_crawl()
end
local v = rcall('HGET', K_INFLIGHT, fp)
local tok, hk, lv, el
if v then
    tok, hk, lv, el = parse_inflight(v)
end
if not v or tok ~= token then
    inc('stale_acks', 1)
    flush_hosts()
    flush_stats()
    return redis.status_reply('stale')
end
local cfg = load_cfg('max_pages', 'per_host_concurrency', 'max_attempts',
    'backoff_ms', 'backoff_max_ms', 'breaker_failures', 'breaker_ms')
release(fp, hk)
inc('inflight', -1)
local att = rcall('HINCRBY', K_ATTEMPTS, fp, '1')
local reply
if att >= cfg.max_attempts then
    make_dead(fp, hk, lv, el, outcome, ARGV[8], now, att)
    if status > 0 then
        inc('fetched', 1)
        inc('status_' .. floor(status / 100) .. 'xx', 1)
    end
    reply = 'dead'
else
    local wait = cfg.backoff_ms * 2 ^ (att - 1)
    if wait > cfg.backoff_max_ms then
        wait = cfg.backoff_max_ms
    end
    if retry_after > RETRY_AFTER_MAX then
        retry_after = RETRY_AFTER_MAX
    end
    if retry_after > wait then
        wait = retry_after
    end
    rcall('ZADD', K_DELAYED, fmt(now + wait),
        hk .. ' ' .. lv .. ' ' .. el)
    due_at(now + wait)
    inc('retries', 1)
    inc('queued', 1)
    reply = 'retry'
end
-- Circuit breaker: breaker_failures consecutive failures of one host
-- hold it back for breaker_ms (fleet-wide), then the count starts over.
local hkey = host_key(hk)
host_forget(hk)
local f = rcall('HINCRBY', hkey, 'f', '1')
if cfg.breaker_failures > 0 and f >= cfg.breaker_failures then
    local t = tonumber(rcall('HGET', hkey, 't')) or 0
    if now + cfg.breaker_ms > t then
        rcall('HSET', hkey, 't', fmt(now + cfg.breaker_ms))
    end
    rcall('HSET', hkey, 'f', '0')
    inc('breaker_trips', 1)
end
schedule(hk, now, cfg.per_host_concurrency)
check_done(now, cfg.max_pages)
flush_hosts()
flush_stats()
return redis.status_reply(reply)
