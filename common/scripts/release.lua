--@lib base config stats state entry hosts result leases
-- release: KEYS[1] stats; ARGV: now_ms, n, then n leases of 4 arguments:
-- kind (0 page, 1 robots), fp ("0" for robots), token, hostkey. Gives
-- leases back unfinished (a worker stopping before its transfers end):
-- a page lease whose token matches goes back to its host queue with its
-- original score and attempts unchanged (inflight - 1, queued + 1, host
-- slot freed); a robots lease clears the host's pending robots fetch.
-- Each released host is rescheduled. A lease with an unknown or old
-- token is skipped and counted in stale_acks. Reply: {pages released,
-- robots released, stale}.
local LEASES_MAX = 10000
local now = int_arg(ARGV[1])
local n = int_arg(ARGV[2])
if not now then
    return bad('now_ms')
end
if not n or n < 0 or n > LEASES_MAX then
    return bad('n')
end
if #ARGV ~= 2 + 4 * n then
    return bad('argument count')
end
for i = 3, 2 + 4 * n, 4 do
    local kind = ARGV[i]
    if kind ~= '0' and kind ~= '1' then
        return bad('kind')
    end
    if not fp_arg(ARGV[i + 1]) or (kind == '1' and ARGV[i + 1] ~= '0') then
        return bad('fp')
    end
    if not int_arg(ARGV[i + 2]) then
        return bad('token')
    end
    if not hostkey_arg(ARGV[i + 3]) then
        return bad('hostkey')
    end
end
if not load_stats() then
    return no_crawl()
end
local cfg = load_cfg('max_pages', 'per_host_concurrency')
local pages, robots, stale = 0, 0, 0
local hosts = {}
local back = {} -- page leases to put back, requeue_leases
for i = 3, 2 + 4 * n, 4 do
    local fp, token = ARGV[i + 1], int_arg(ARGV[i + 2])
    if ARGV[i] == '0' then
        local v = rcall('HGET', K_INFLIGHT, fp)
        local tok, hk, lv, el
        if v then
            tok, hk, lv, el = parse_inflight(v)
        end
        if v and tok == token then
            release(fp, hk)
            back[#back + 1] = {tok, hk, lv, el}
            inc('inflight', -1)
            inc('queued', 1)
            hosts[hk] = true
            pages = pages + 1
        else
            stale = stale + 1
        end
    else
        local hk = ARGV[i + 3]
        host_forget(hk)
        if rcall('HGET', host_key(hk), 'rt') == fmt(token) then
            rcall('HDEL', host_key(hk), 'rt')
            rcall('ZREM', K_LEASES, 'r ' .. hk)
            hosts[hk] = true
            robots = robots + 1
        else
            stale = stale + 1
        end
    end
end
requeue_leases(back)
for hk in pairs(hosts) do
    schedule(hk, now, cfg.per_host_concurrency)
end
if stale > 0 then
    inc('stale_acks', stale)
end
check_done(now, cfg.max_pages)
flush_hosts()
flush_stats()
return {pages, robots, stale}
