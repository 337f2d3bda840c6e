-- links.lua: links (push, ack) checked, deduped and enqueued.
--@needs base stats state seen hosts

-- Links (push, ack) are packed by common/frontier.c into a few arguments,
-- all in host-grouped order, from ARGV[first]: n; then, when n > 0 (no
-- link is the count alone), hosts "hk k hk k ...";
-- bits (25 binary digits per link: fp mod 2^25); prios (20 binary digits
-- per link: priorities are clamped to [0, 2^20)); then the n members
-- "<fp> <entry>", one argument each: fp in decimal, then the queue entry
-- (entry.lua), which starts with the same fp in 8 bytes.
-- SEEN_BITS and PRIO_BITS come from common/wire.h (build/gen/wire.lua).
-- Priorities in binary: tonumber(s, 2) is strict, base 10 is not.
local FP_MAX = '9223372036854775807'

-- Link groups of one or more pages, kept in flat arrays (a table per page
-- or per group costs more than its links): links_new() makes an empty
-- set, check_links() appends a page's links to it.
--   ng, nl: groups and links so far
--   hk[g], k[g]: host key and link count of group g
--   at[g]: ARGV index of its page's link count (n; hosts, bits, prios and
--     the members follow it); j[g]: index in that page of its first link
--   fp[x]: fingerprint (decimal text) of link x, all groups in order
local function links_new()
    return {ng = 0, nl = 0, hk = {}, k = {}, at = {}, j = {}, fp = {}}
end

-- Validate the links from ARGV[first] (to the end of ARGV if last_only)
-- and append them to L. Pattern scans cost some 25 ns per byte in Redis'
-- Lua, so the long arguments are checked with tonumber (strtoul) and
-- plain finds. Returns the ARGV index after them, or nil and an error
-- reply.
local function check_links(first, last_only, L)
    local n = nat_arg(ARGV[first])
    if not n or n > 9999999 then
        return nil, bad('link count')
    end
    if n == 0 then
        -- no links: the count alone
        if last_only and first ~= #ARGV then
            return nil, bad('link count')
        end
        return first + 1
    end
    local hosts, bits, prios = ARGV[first + 1], ARGV[first + 2],
        ARGV[first + 3]
    if first + 3 + n > #ARGV or not prios or
        (last_only and first + 3 + n ~= #ARGV) then
        return nil, bad('link count')
    end
    if #bits ~= SEEN_BITS * n or
        (n > 0 and (byte(bits) < 48 or byte(bits) > 49 or
        not tonumber(bits, 2))) then
        return nil, bad('link bits')
    end
    if #prios ~= PRIO_BITS * n or
        (n > 0 and (byte(prios) < 48 or byte(prios) > 49 or
        not tonumber(prios, 2))) then
        return nil, bad('link priority')
    end
    -- "hk k" pairs split at single spaces: a host key holds no space, k is
    -- 1 to 7 digits without a leading zero.
    local ghk, gk, gat, gj = L.hk, L.k, L.at, L.j
    local ng = L.ng
    local pos, last, total = 1, #hosts, 0
    while pos <= last do
        local a = find(hosts, ' ', pos, true)
        if not a or a == pos or a - pos > 300 then
            return nil, bad('link hostkey')
        end
        local b = find(hosts, ' ', a + 1, true) or last + 1
        local cnt = sub(hosts, a + 1, b - 1)
        local k = #cnt <= 7 and byte(cnt) ~= 48 and find(cnt, '^%d+$') and
            tonumber(cnt)
        if not k or k < 1 or b == last then
            return nil, bad('link hostkey')
        end
        ng = ng + 1
        ghk[ng] = sub(hosts, pos, a - 1)
        gk[ng] = k
        gat[ng] = first
        gj[ng] = total + 1
        total = total + k
        pos = b + 1
    end
    if total ~= n then
        return nil, bad('link count')
    end
    -- each member starts with its fingerprint: 1 to 19 digits, no
    -- leading zero (the decimal form Redis keeps in an intset)
    local fp, nl, rec0 = L.fp, L.nl, first + 3
    for j = 1, n do
        local m = ARGV[rec0 + j]
        local f = match(m, '^([1-9]%d*) ')
        if not f and sub(m, 1, 2) == '0 ' then
            f = '0'
        end
        if not f or #f > 19 or #m < #f + 10 or
            (#f == 19 and f > FP_MAX) then
            return nil, bad('link member')
        end
        fp[nl + j] = f
    end
    L.ng, L.nl = ng, nl + n
    return first + 4 + n
end

-- New queue entries of one call, gathered per host and level over one or
-- more link groups (push_add) and written by push_flush: one RPUSH per
-- host and level, one scheduling decision per host.
--   order: hosts in first-seen order; lvs[hk]: its levels (text), in
--   first-seen order; z[hk][lv]: the entries; best[hk]: its best level
local function push_acc()
    return {order = {}, lvs = {}, z = {}, best = {}}
end

-- Dedup the links of groups g0 .. g1 of L (check_links; x0 is the index
-- of the first of their links in L.fp) and gather the new ones in acc.
-- With isnew, isnew[x] becomes 1 (new) or 0 for each of them. cfg needs
-- max_host_pages.
local function push_add(L, g0, g1, x0, cfg, seeds, acc, isnew)
    local L2, s = FR.L, FR.s
    local sb = split_bits()
    local half = 2 ^ L2
    local seenp = P .. 'seen:'
    local cap = cfg.max_host_pages
    local fps, hks, ks, gat, gj = L.fp, L.hk, L.k, L.at, L.j
    local fresh = {} -- the group's new links: x, then j in its page
    local dups, capped, added = 0, 0, 0
    local n = FR.n
    local seq = FR.seq
    local x = x0 - 1
    for g = g0, g1 do
        local hk = hks[g]
        local first, j = gat[g], gj[g] - 1
        local bits = ARGV[first + 2]
        local nf = 0
        for _ = 1, ks[g] do
            x = x + 1
            j = j + 1
            local e = SEEN_BITS * j
            local b = sub(bits, e - L2 + 1, e)
            if b < sb then
                b = sub(bits, e - L2, e)
            end
            if rcall('SADD', seenp .. b, fps[x]) == 1 then
                if isnew then
                    isnew[x] = 1
                end
                fresh[nf + 1] = x
                fresh[nf + 2] = j
                nf = nf + 2
                n = n + 1
                if L2 < SEEN_MAXLEVEL and n > SEEN_LOAD * (half + s) then
                    FR.n = n
                    seen_split()
                    L2, s = FR.L, FR.s
                    sb = split_bits()
                    half = 2 ^ L2
                end
            else
                if isnew then
                    isnew[x] = 0
                end
                dups = dups + 1
            end
        end
        local nnew = nf / 2
        if nnew > 0 and cap > 0 then
            local hkey = host_key(hk)
            local over = rcall('HINCRBY', hkey, 'p', fmt(nnew)) - cap
            if over > 0 then
                if over > nnew then
                    over = nnew
                end
                rcall('HINCRBY', hkey, 'p', fmt(-over))
                capped = capped + over
                nnew = nnew - over
                -- the last ones are refused
                if isnew then
                    for y = 2 * nnew + 1, nf, 2 do
                        isnew[fresh[y]] = 0
                    end
                end
            end
        end
        if nnew > 0 then
            local prios, rec0 = ARGV[first + 3], first + 3
            local byl = acc.z[hk]
            local lvs = acc.lvs[hk]
            if not byl then
                byl, lvs = {}, {}
                acc.z[hk], acc.lvs[hk] = byl, lvs
                acc.order[#acc.order + 1] = hk
            end
            local best = acc.best[hk]
            -- a page's links mostly share one level: reuse the last one
            -- (its binary digits compared as text: no conversion)
            local pbin, ptext, pents
            for y = 2, 2 * nnew, 2 do
                local i = fresh[y]
                local bin = sub(prios, PRIO_BITS * i - PRIO_BITS + 1,
                    PRIO_BITS * i)
                if bin ~= pbin then
                    local lv = tonumber(bin, 2)
                    pbin, ptext = bin, fmt(lv)
                    pents = byl[ptext]
                    if not pents then
                        pents = {}
                        byl[ptext] = pents
                        lvs[#lvs + 1] = ptext
                    end
                    if not best or lv < best then
                        best = lv
                    end
                end
                -- the member "<fp> <entry>" without "<fp> "
                local m = ARGV[rec0 + i]
                pents[#pents + 1] = sub(m, #fps[fresh[y - 1]] + 2)
            end
            acc.best[hk] = best
            seq = seq + nnew
            added = added + nnew
        end
    end
    FR.n = n
    FR.seq = seq
    FR.dirty = true
    if dups > 0 then
        inc('dup_links', dups)
    end
    if capped > 0 then
        inc('host_capped', capped)
    end
    if added > 0 then
        inc('discovered', added)
        inc('queued', added)
        if seeds then
            inc('seeded', added)
        end
    end
end

-- Write what push_add gathered: each host's new entries, then its place
-- in ready or sched (hosts in skip are left to the caller, which
-- schedules them itself).
local function push_flush(acc, now, conc, skip)
    for _, hk in ipairs(acc.order) do
        local byl = acc.z[hk]
        for _, lv in ipairs(acc.lvs[hk]) do
            local ents, k = byl[lv], queue_key(hk, lv)
            local n, len = #ents
            for i = 1, n, 2000 do
                len = rcall('RPUSH', k, unpack(ents, i, min(i + 1999, n)))
            end
            if len == n then
                -- the list was empty: a new level for the host
                rcall('ZADD', levels_key(hk), lv, lv)
                levels_changed(hk)
            end
        end
        if not (skip and skip[hk]) then
            host_touched(hk, acc.best[hk], now, conc)
        end
    end
end

-- Dedup and enqueue all links of L (check_links). Returns a table with
-- 1 (new) / 0 per link in grouped order. cfg needs max_host_pages and
-- per_host_concurrency.
local function push_links(L, now, cfg, seeds)
    local acc = push_acc()
    local isnew = {}
    push_add(L, 1, L.ng, 1, cfg, seeds, acc, isnew)
    push_flush(acc, now, cfg.per_host_concurrency)
    return isnew
end
