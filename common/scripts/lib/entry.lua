-- entry.lua: queue entries, what a host queue holds per request.
--@needs base
--
-- An entry is "<fp><record>": the URL's fingerprint in 8 bytes
-- (big-endian), then the request record (docs/keys.md, queue entries):
-- either compact, a first byte below 0x80 (flags * 16 + depth, depth 15
-- followed by depth - 15 as a LEB128 varint) and the URL after its
-- host's origin; or 0xff and a whole msgpack cf_request. The caller
-- (common/frontier.c) builds it; the scripts only read the fingerprint,
-- and the URL and depth for a result they write themselves.

-- The fingerprint of entry el in decimal (the form of the seen set, the
-- in-flight hash and the replies): its four 16-bit limbs divided by 10^9
-- (every step stays below 2^53), then quotient and remainder. The
-- remainders by "%", not floor: a call fewer per step (a pop runs this
-- per lease).
local function entry_fp(el)
    local b1, b2, b3, b4, b5, b6, b7, b8 = byte(el, 1, 8)
    local r = (b1 * 256 + b2) * 65536 + b3 * 256 + b4
    local r2 = r % 1000000000
    local q2 = (r - r2) / 1000000000
    r = r2 * 65536 + b5 * 256 + b6
    local r1 = r % 1000000000
    local q1 = (r - r1) / 1000000000
    r = r1 * 65536 + b7 * 256 + b8
    local r0 = r % 1000000000
    local q0 = (r - r0) / 1000000000
    r = r0
    local q = (q2 * 65536 + q1) * 65536 + q0
    if q == 0 then
        return format('%d', r)
    end
    return format('%d%09d', q, r)
end

-- The URL and depth of entry el of host hk ('' and 0 if unreadable).
local function entry_request(hk, el)
    local b0 = byte(el, ENTRY_FP_LEN + 1)
    if not b0 then
        return '', 0
    end
    if b0 == ENTRY_WHOLE then
        local okr, req = pcall(cmsgpack.unpack,
            sub(el, ENTRY_FP_LEN + 2))
        if okr and type(req) == 'table' then
            return type(req.u) == 'string' and req.u or '',
                type(req.d) == 'number' and req.d or 0
        end
        return '', 0
    end
    local depth, pos = b0 % ENTRY_FLAG_UNIT, ENTRY_FP_LEN + 2
    if depth == ENTRY_DEPTH_MAX then
        local mul = 1
        repeat
            local b = byte(el, pos) or 0
            depth = depth + (b % 128) * mul
            mul = mul * 128
            pos = pos + 1
        until b < 128 or mul > 2 ^ 35
    end
    -- the host key "scheme://host:port" without a default port
    local origin = hk
    if sub(hk, 1, 7) == 'http://' and sub(hk, -3) == ':80' then
        origin = sub(hk, 1, -4)
    elseif sub(hk, 1, 8) == 'https://' and sub(hk, -4) == ':443' then
        origin = sub(hk, 1, -5)
    end
    return origin .. sub(el, pos), depth
end
