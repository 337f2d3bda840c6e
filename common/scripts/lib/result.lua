-- result.lua: results written by the scripts themselves (msgpack,
-- docs/records.md).
--@needs base entry

-- msgpack of a string and of a whole number in [0, 2^53) (readers take
-- any integer width, docs/records.md).
local function mp_str(s)
    local n, char = #s, string.char
    if n < 32 then
        return char(0xa0 + n) .. s
    elseif n < 256 then
        return '\217' .. char(n) .. s
    end
    return '\218' .. char(floor(n / 256) % 256, n % 256) .. s
end

local function mp_uint(x)
    local char = string.char
    if x < 128 then
        return char(x)
    elseif x < 65536 then
        return '\205' .. char(floor(x / 256), x % 256)
    end
    local b = {}
    for i = 8, 1, -1 do
        b[i] = x % 256
        x = floor(x / 256)
    end
    return '\207' .. char(unpack(b))
end

-- A decimal fingerprint (uint64, more than a double holds) as msgpack.
local function mp_fp(fp)
    local b = {0, 0, 0, 0, 0, 0, 0, 0}
    for k = 1, #fp do
        local carry = byte(fp, k) - 48
        for i = 8, 1, -1 do
            local v = b[i] * 10 + carry
            b[i] = v % 256
            carry = floor(v / 256)
        end
    end
    return '\207' .. string.char(unpack(b))
end

-- The final result of a request that died without one from a worker (its
-- lease expired max_attempts times): the cf_result keys v, u, fp, d, e,
-- em, td, a, rf = dead, in docs/records.md's order.
local function dead_result(fp, hk, el, outcome, msg, now, att)
    local url, depth = entry_request(hk, el)
    return '\137' .. mp_str('v') .. '\1' .. mp_str('u') .. mp_str(url) ..
        mp_str('fp') .. mp_fp(fp) .. mp_str('d') .. mp_uint(depth) ..
        mp_str('e') .. mp_str(outcome) .. mp_str('em') .. mp_str(msg) ..
        mp_str('td') .. mp_uint(now) .. mp_str('a') .. mp_uint(att) ..
        mp_str('rf') .. '\1'
end

-- The crawl's results_maxlen (0: no cap), read once per script call, and
-- its text (made once per call, not per result).
local results_maxlen, results_maxlen_text
RESETS[#RESETS + 1] = function()
    results_maxlen, results_maxlen_text = nil, nil
end

-- Append one result to the results stream, capped (approximately, MAXLEN
-- ~) at results_maxlen when the crawl sets it.
local function add_result(r)
    if results_maxlen == nil then
        results_maxlen = tonumber(rcall('HGET', K_CONFIG,
            'results_maxlen')) or 0
    end
    if results_maxlen > 0 then
        results_maxlen_text = results_maxlen_text or fmt(results_maxlen)
        rcall('XADD', K_RESULTS, 'MAXLEN', '~', results_maxlen_text, '*',
            'r', r)
    else
        rcall('XADD', K_RESULTS, '*', 'r', r)
    end
end
