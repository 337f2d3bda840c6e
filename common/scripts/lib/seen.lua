-- seen.lua: dedup, linear hashing over small intset buckets.
--@needs base state
--
-- A bucket is named by the low bits of its members' fingerprints, written
-- in binary (most significant first): "cf:{C}:seen:<bits>". A link goes to
-- the bucket of its low L bits, or of its low L + 1 bits if those L bits
-- are below s (buckets 0 .. s - 1 of this level are split). The caller
-- sends every link's low 25 bits as text, so picking a bucket takes two
-- string.sub and a comparison, no number conversion.

local SEEN_LOAD = 192      -- mean members per seen bucket before a split
local SEEN_MAXLEVEL = 24   -- 2^24 buckets at most

-- fp (decimal text of a 63-bit integer) mod 2^k, exactly, for k <= 25:
-- ((hi mod 2^k) * (10^9 mod 2^k) + lo) stays below 2^53. gm is 10^9 mod
-- 2^k (the caller's, once per split). The halves are converted with
-- "+ 0", one strtod each (tonumber takes two and a call): a split runs
-- this for each of its bucket's ~200 members.
local function fpmod(fp, m, gm)
    local n = #fp
    if n <= 9 then
        return (fp + 0) % m
    end
    return ((sub(fp, 1, n - 9) + 0) % m * gm + sub(fp, n - 8)) % m
end

-- v as w binary digits.
local function bitstr(v, w)
    local t = {}
    for i = w, 1, -1 do
        local bit = v % 2
        t[i] = bit == 1 and '1' or '0'
        v = (v - bit) / 2
    end
    return table.concat(t)
end

-- Split bucket s into "0" .. s and "1" .. s (L + 1 bits each).
local function seen_split()
    local L, s = FR.L, FR.s
    local sb = bitstr(s, L)
    local src = P .. 'seen:' .. sb
    local members = rcall('SMEMBERS', src)
    local move = {}
    local half = 2 ^ L
    local mod = 2 * half
    local gm = 1000000000 % mod
    local nmove = 0
    for i = 1, #members do
        local m = members[i]
        if fpmod(m, mod, gm) >= half then
            nmove = nmove + 1
            move[nmove] = m
        end
    end
    if #move > 0 then
        rcall('SREM', src, unpack(move))
        rcall('SADD', P .. 'seen:1' .. sb, unpack(move))
    end
    if #move < #members then
        rcall('RENAME', src, P .. 'seen:0' .. sb)
    end
    s = s + 1
    if s >= half then
        L = L + 1
        s = 0
    end
    FR.L, FR.s, FR.sb = L, s, nil
end

-- The split pointer s as L binary digits (kept until the next split).
local function split_bits()
    if not FR.sb then
        FR.sb = bitstr(FR.s, FR.L)
    end
    return FR.sb
end
