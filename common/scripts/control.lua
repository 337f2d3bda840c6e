--@lib base config stats state entry hosts result leases
-- control: KEYS[1] stats; ARGV: op, now_ms. op: pause (running ->
-- paused), resume (paused -> running), cancel (running or paused ->
-- cancelled; in-flight acks are still accepted), requeue-dead (dead
-- letters back into their host queues, attempts reset; a done crawl runs
-- again). Reply: the state after the call.
local op = ARGV[1]
local now = int_arg(ARGV[2])
if #ARGV ~= 2 then
    return bad('argument count')
end
if not now then
    return bad('now_ms')
end
if op ~= 'pause' and op ~= 'resume' and op ~= 'cancel' and
    op ~= 'requeue-dead' then
    return bad('op')
end
if not load_stats() then
    return no_crawl()
end
local cfg = load_cfg('max_pages', 'per_host_concurrency')
if op == 'pause' then
    if ST.state == 'running' then
        set_state('paused', now)
    end
elseif op == 'resume' then
    if ST.state == 'paused' then
        set_state('running', now)
        check_done(now, cfg.max_pages)
    end
elseif op == 'cancel' then
    if ST.state == 'running' or ST.state == 'paused' then
        set_state('cancelled', now)
    end
elseif ST.state ~= 'cancelled' then
    local all = rcall('HGETALL', K_DEADREQ)
    local hosts = {}
    for i = 1, #all, 2 do
        local fp = all[i]
        local hk, lv, el = parse_hsm(all[i + 1])
        requeue(hk, lv, el)
        rcall('HDEL', K_ATTEMPTS, fp)
        hosts[hk] = true
        inc('dead', -1)
        inc('queued', 1)
    end
    rcall('DEL', K_DEADREQ, K_DEAD)
    for hk in pairs(hosts) do
        schedule(hk, now, cfg.per_host_concurrency)
    end
    if ST.state == 'done' and ST.queued > 0 then
        set_state('running', now)
        ST.ended_ms = 0
    end
end
flush_hosts()
flush_stats()
return ST.state
