/**
 * The Lua scripts of the Redis limiter (see limiter.ts for the key layout). Each runs atomically in
 * one round trip. KEYS carry the scopes' root keys (`<prefix>{<scope>}`); the scripts derive each
 * scope's sub-keys from its root, and the period keys from day/month strings, so they need a
 * single-node Redis (not Cluster, where every key must be declared and a request's scopes live in
 * different slots). Time is always the caller's `now` in ARGV, never Redis TIME.
 *
 * GCRA state is exact integer arithmetic: the theoretical arrival time (TAT) is `ms + rem/limit`
 * with 0 <= rem < limit, stored as "ms:rem:limit", so one emission interval (60000/limit ms) is
 * exactly 60000 units of 1/limit ms and no float drift accumulates.
 */

const WINDOW_MS = 60_000;
/** How long a TAT outlives its own time. */
const TAT_GRACE_MS = 61_000;
const DAY_KEEP_MS = 3 * 86_400_000;
const MONTH_KEEP_MS = 70 * 86_400_000;

const COMMON = `
local function int(n) return string.format('%d', n) end
local function num(v) return tonumber(v) or 0 end

local function tat_get(key, now, limit)
  local v = redis.call('GET', key)
  if not v then return now, 0 end
  local ms, rem, lim = string.match(v, '^(%-?%d+):(%d+):(%d+)$')
  if not ms then return now, 0 end
  ms, rem, lim = tonumber(ms), tonumber(rem), tonumber(lim)
  if lim ~= limit then rem = math.floor(rem * limit / lim) end
  if ms < now then return now, 0 end
  return ms, rem
end

local function tat_add(ms, rem, units, limit)
  local total = rem + units
  local q = math.floor(total / limit)
  local r = total - q * limit
  if r < 0 then q = q - 1; r = r + limit elseif r >= limit then q = q + 1; r = r - limit end
  return ms + q, r
end

local function tat_set(key, now, ms, rem, limit)
  redis.call('SET', key, int(ms) .. ':' .. int(rem) .. ':' .. int(limit), 'PX', int(ms - now + ${TAT_GRACE_MS}))
end

-- ceil(tat - now)
local function ahead(ms, rem, now)
  if rem > 0 then return ms - now + 1 end
  return ms - now
end
`;

/**
 * KEYS: root per scope. ARGV: now, ttl, id, est tokens, est micros, day, month, ms to next day,
 * ms to next month, structure keep ms; then per scope 7 limits ('' = none): rpm, tpm, concurrency,
 * daily tokens, monthly tokens, daily micros, monthly micros.
 * Returns {1, rate...} or {0, scope index, reason index, retry after ms, rate...}; rate is
 * {rpm limit, remaining, reset ms, tpm limit, remaining, reset ms} of the first scope, -1 = none.
 */
export const ADMIT_LUA = `${COMMON}
local now, ttl, id = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local est_t, est_m = tonumber(ARGV[4]), tonumber(ARGV[5])
local day, month = ARGV[6], ARGV[7]
local to_day, to_month, keep = tonumber(ARGV[8]), tonumber(ARGV[9]), ARGV[10]
local function lim(i, j)
  local v = ARGV[10 + (i - 1) * 7 + j]
  if v == nil or v == '' then return nil end
  return tonumber(v)
end

local function purge(root)
  local leases = root .. ':leases'
  local expired = redis.call('ZRANGEBYSCORE', leases, '-inf', int(now))
  if #expired == 0 then return end
  local t, m = 0, 0
  for _, rid in ipairs(expired) do
    local rec = redis.call('HGET', root .. ':resv', rid)
    if rec then
      local a, b = string.match(rec, '^(%d+) (%d+)')
      t, m = t + num(a), m + num(b)
      redis.call('HDEL', root .. ':resv', rid)
    end
  end
  redis.call('ZREMRANGEBYSCORE', leases, '-inf', int(now))
  if t ~= 0 then redis.call('HINCRBY', root .. ':reserved', 'tokens', int(-t)) end
  if m ~= 0 then redis.call('HINCRBY', root .. ':reserved', 'micros', int(-m)) end
end

local function rate(g, after)
  if not g then return -1, -1, -1 end
  if g.limit <= 0 then return g.limit, 0, 0 end
  local ms, rem = g.ms, g.rem
  if after then ms, rem = g.new_ms, g.new_rem end
  local left = math.floor(((${WINDOW_MS} - (ms - now)) * g.limit - rem) / ${WINDOW_MS})
  return g.limit, math.max(0, left), math.max(0, ahead(ms, rem, now))
end

local plans = {}
local function state(after)
  local p = plans[1]
  local a, b, c = rate(p.rpm, after)
  local d, e, f = rate(p.tpm, after)
  return a, b, c, d, e, f
end
local function refuse(i, reason, retry)
  return { 0, i, reason, math.max(0, retry), state(false) }
end

for i = 1, #KEYS do
  local root = KEYS[i]
  purge(root)
  local p = {}
  plans[i] = p
  for j, name in ipairs({ 'rpm', 'tpm' }) do
    local limit = lim(i, j)
    if limit then
      local g = { limit = limit, key = root .. ':' .. name }
      if limit > 0 then
        g.ms, g.rem = tat_get(g.key, now, limit)
        g.new_ms, g.new_rem = tat_add(g.ms, g.rem, (j == 1 and 1 or est_t) * ${WINDOW_MS}, limit)
      end
      p[name] = g
    end
  end
  for j, name in ipairs({ 'rpm', 'tpm' }) do
    local g = p[name]
    if g then
      if g.limit <= 0 then return refuse(i, j, ${WINDOW_MS}) end
      local over = ahead(g.new_ms, g.new_rem, now) - ${WINDOW_MS}
      if over > 0 then return refuse(i, j, over) end
    end
  end
  local conc = lim(i, 3)
  if conc and redis.call('ZCARD', root .. ':leases') >= conc then
    local first = redis.call('ZRANGE', root .. ':leases', 0, 0, 'WITHSCORES')
    return refuse(i, 3, first[2] and (tonumber(first[2]) - now) or 1000)
  end
  local dt, mt, dm, mm = lim(i, 4), lim(i, 5), lim(i, 6), lim(i, 7)
  if dt or mt or dm or mm then
    local r = redis.call('HMGET', root .. ':reserved', 'tokens', 'micros')
    local d = redis.call('HMGET', root .. ':d:' .. day, 'tokens', 'micros')
    local m = redis.call('HMGET', root .. ':m:' .. month, 'tokens', 'micros')
    local rt, rm = num(r[1]) + est_t, num(r[2]) + est_m
    if dt and num(d[1]) + rt > dt then return refuse(i, 4, to_day) end
    if mt and num(m[1]) + rt > mt then return refuse(i, 5, to_month) end
    if dm and num(d[2]) + rm > dm then return refuse(i, 6, to_day) end
    if mm and num(m[2]) + rm > mm then return refuse(i, 7, to_month) end
  end
end

local expiry = int(now + ttl)
local record = int(est_t) .. ' ' .. int(est_m) .. ' ' .. day .. ' ' .. month
for i = 1, #KEYS do
  local root, p = KEYS[i], plans[i]
  for _, name in ipairs({ 'rpm', 'tpm' }) do
    local g = p[name]
    if g then tat_set(g.key, now, g.new_ms, g.new_rem, g.limit) end
  end
  local resv, sums = root .. ':resv', root .. ':reserved'
  local old = redis.call('HGET', resv, id)
  local t, m = est_t, est_m
  if old then
    local a, b = string.match(old, '^(%d+) (%d+)')
    t, m = t - num(a), m - num(b)
  end
  redis.call('ZADD', root .. ':leases', expiry, id)
  redis.call('HSET', resv, id, record)
  redis.call('HINCRBY', sums, 'tokens', int(t))
  redis.call('HINCRBY', sums, 'micros', int(m))
  for _, k in ipairs({ root .. ':leases', resv, sums }) do redis.call('PEXPIRE', k, keep) end
end
return { 1, state(true) }
`;

/**
 * KEYS: the done marker, then root per scope. ARGV: now, id, actual tokens, actual micros, day,
 * month (of the settlement), done-marker ttl ms; then per scope 4 values ('' = none): tpm, daily
 * micros, monthly micros, alert threshold percent. Returns per scope {daily micros, monthly micros,
 * daily tokens, monthly tokens, daily alert 0/1, monthly alert 0/1} of the charged periods.
 */
export const SETTLE_LUA = `${COMMON}
local now, id = tonumber(ARGV[1]), ARGV[2]
local act_t, act_m = tonumber(ARGV[3]), tonumber(ARGV[4])
local first = redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[7])
local function crossed(before, after, limit, pct)
  return limit and pct and limit > 0 and before * 100 < pct * limit and after * 100 >= pct * limit
end
local function charge(key, keep)
  if act_t ~= 0 then redis.call('HINCRBY', key, 'tokens', int(act_t)) end
  if act_m ~= 0 then redis.call('HINCRBY', key, 'micros', int(act_m)) end
  redis.call('PEXPIRE', key, keep)
end

local out = {}
for i = 2, #KEYS do
  local root, base = KEYS[i], 7 + (i - 2) * 4
  local tpm, dmax = tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2])
  local mmax, pct = tonumber(ARGV[base + 3]), tonumber(ARGV[base + 4])
  local day, month = ARGV[5], ARGV[6]
  local alert_d, alert_m = 0, 0
  if first then
    local resv, leases, sums = root .. ':resv', root .. ':leases', root .. ':reserved'
    local rec = redis.call('HGET', resv, id)
    local est = nil
    if rec then
      local rt, rm, rd, rmo = string.match(rec, '^(%d+) (%d+) (%S+) (%S+)$')
      local expiry = tonumber(redis.call('ZSCORE', leases, id))
      redis.call('HDEL', resv, id)
      redis.call('ZREM', leases, id)
      redis.call('HINCRBY', sums, 'tokens', int(-num(rt)))
      redis.call('HINCRBY', sums, 'micros', int(-num(rm)))
      -- An expired lease is treated as if already purged: charged to the settlement's periods.
      if rd and expiry and expiry > now then day, month, est = rd, rmo, num(rt) end
    end
    local dk, mk = root .. ':d:' .. day, root .. ':m:' .. month
    local before_d, before_m = num(redis.call('HGET', dk, 'micros')), num(redis.call('HGET', mk, 'micros'))
    charge(dk, ${DAY_KEEP_MS})
    charge(mk, ${MONTH_KEEP_MS})
    if crossed(before_d, before_d + act_m, dmax, pct)
      and redis.call('SET', root .. ':alert:d:' .. day, '1', 'NX', 'PX', ${DAY_KEEP_MS}) then
      alert_d = 1
    end
    if crossed(before_m, before_m + act_m, mmax, pct)
      and redis.call('SET', root .. ':alert:m:' .. month, '1', 'NX', 'PX', ${MONTH_KEEP_MS}) then
      alert_m = 1
    end
    if est and tpm and tpm > 0 then
      local ms, rem = tat_get(root .. ':tpm', now, tpm)
      ms, rem = tat_add(ms, rem, (act_t - est) * ${WINDOW_MS}, tpm)
      if ms < now then ms, rem = now, 0 end
      tat_set(root .. ':tpm', now, ms, rem, tpm)
    end
  end
  local d = redis.call('HMGET', root .. ':d:' .. day, 'tokens', 'micros')
  local m = redis.call('HMGET', root .. ':m:' .. month, 'tokens', 'micros')
  for _, v in ipairs({ num(d[2]), num(m[2]), num(d[1]), num(m[1]), alert_d, alert_m }) do
    out[#out + 1] = v
  end
end
return out
`;

/**
 * KEYS: root per scope. ARGV: now, new expiry, structure keep ms, then pairs (KEYS index, lease id).
 * Extends leases still present and unexpired.
 */
export const RENEW_LUA = `${COMMON}
local now = tonumber(ARGV[1])
local touched = {}
for k = 4, #ARGV, 2 do
  local i, id = tonumber(ARGV[k]), ARGV[k + 1]
  local leases = KEYS[i] .. ':leases'
  local expiry = tonumber(redis.call('ZSCORE', leases, id))
  if expiry and expiry > now then
    redis.call('ZADD', leases, 'XX', ARGV[2], id)
    touched[i] = true
  end
end
for i = 1, #KEYS do
  if touched[i] then
    for _, s in ipairs({ ':leases', ':resv', ':reserved' }) do redis.call('PEXPIRE', KEYS[i] .. s, ARGV[3]) end
  end
end
return 0
`;

/** KEYS: root. ARGV: day, month. Returns {daily micros, monthly micros, daily tokens, monthly tokens}. */
export const USAGE_LUA = `
local d = redis.call('HMGET', KEYS[1] .. ':d:' .. ARGV[1], 'tokens', 'micros')
local m = redis.call('HMGET', KEYS[1] .. ':m:' .. ARGV[2], 'tokens', 'micros')
return { tonumber(d[2]) or 0, tonumber(m[2]) or 0, tonumber(d[1]) or 0, tonumber(m[1]) or 0 }
`;
