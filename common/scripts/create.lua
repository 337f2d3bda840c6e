--@lib base
-- create: KEYS[1] stats; ARGV: now_ms, then config name/value pairs.
-- Stores the config and starts the crawl (state running) unless it
-- exists. Reply: 1 created, 0 existed (nothing changed).
local now = int_arg(ARGV[1])
if not now then
    return bad('now_ms')
end
if #ARGV % 2 ~= 1 then
    return bad('config name/value pairs')
end
for i = 2, #ARGV, 2 do
    if not match(ARGV[i], '^[a-z_]+$') then
        return bad('config name')
    end
end
if rcall('EXISTS', K_CONFIG) == 1 or rcall('EXISTS', K_STATS) == 1 then
    return 0
end
local cfg = {}
for i = 2, #ARGV do
    cfg[#cfg + 1] = ARGV[i]
end
if #cfg > 0 then
    rcall('HSET', K_CONFIG, unpack(cfg))
else
    rcall('HSET', K_CONFIG, 'created_ms', ARGV[1])
end
-- the config's identity for the scripts' cache of it (config.lua)
local cfgid = ARGV[1] .. ' ' .. redis.sha1hex(table.concat(ARGV, ' ', 2))
local stats = {'state', 'running', 'layout', LAYOUT, 'created_ms', ARGV[1],
    'ended_ms', '0', 'cfgid', cfgid}
local zero = {'seeded', 'discovered', 'dup_links', 'links_found',
    'out_of_scope', 'too_deep', 'skipped_ext', 'host_capped', 'queued',
    'inflight', 'done', 'dead', 'fetched', 'status_2xx', 'status_3xx', 'status_4xx', 'status_5xx', 'ok',
    'retries', 'reaped', 'stale_acks', 'bytes', 'robots_denied',
    'robots_fetched', 'breaker_trips', 'noindex', 'nofollow'}
for _, f in ipairs(zero) do
    stats[#stats + 1] = f
    stats[#stats + 1] = '0'
end
rcall('HSET', K_STATS, unpack(stats))
rcall('HSET', K_FR, 'L', '0', 's', '0', 'n', '0', 'seq', '0', 'tok', '0')
return 1
