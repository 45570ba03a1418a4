/**
 * The Lua scripts of the Redis slot store (see slot-store.ts for the key layout); they mirror
 * policy.ts and memory/slot-store.ts step for step. KEYS[1] is the pool's root key, from which the
 * scripts derive its sub-keys (so, like the limiter's, they need a single-node Redis); the
 * endpoints' lease sets follow. Time is always the caller's `now`.
 */

const COMMON = `
local root = KEYS[1]
local VTC, WAIT, META, HOLDS, WEIGHT = root .. ':vtc', root .. ':wait', root .. ':meta', root .. ':holds', root .. ':weight'
local function int(n) return string.format('%d', n) end
local function flt(n) return string.format('%.17g', n) end
local function counter(t) return tonumber(redis.call('HGET', VTC, t) or '0') end
local function meta(k) return tonumber(redis.call('HGET', META, k) or '0') end

-- live waiting entries: tenant -> band; purges expired ones
local function waiting_tenants(now)
  redis.call('ZREMRANGEBYSCORE', WAIT, '-inf', int(now))
  local out = {}
  for _, m in ipairs(redis.call('ZRANGE', WAIT, 0, -1)) do
    local b, t = string.match(m, '^(%d)|([^|]*)|')
    out[t] = tonumber(b)
  end
  return out
end

local function min_of_band(waiting, band)
  local min = nil
  for t, b in pairs(waiting) do
    if b == band then
      local c = counter(t)
      if min == nil or c < min then min = c end
    end
  end
  return min
end

local function bands_of(waiting)
  local present = {false, false, false}
  for _, b in pairs(waiting) do present[b + 1] = true end
  return present
end

local function choose_band(present, limit)
  for b = 2, 0, -1 do
    if present[b + 1] and meta('skip:' .. b) >= limit then return b end
  end
  for b = 0, 2 do if present[b + 1] then return b end end
  return nil
end

local function leave(band, tenant, replica, now)
  redis.call('ZREM', WAIT, band .. '|' .. tenant .. '|' .. replica)
  if waiting_tenants(now)[tenant] == nil then redis.call('HSET', META, 'left:' .. band, flt(counter(tenant))) end
end

-- every pool key outlives its last write by \`keep\` ms
local function done(keep, result)
  for _, k in ipairs({VTC, WAIT, META, HOLDS, WEIGHT}) do redis.call('PEXPIRE', k, keep) end
  return result
end
`;

/**
 * KEYS: pool root, then one lease set per endpoint. ARGV: now, replica, lease ttl, wait ttl,
 * starvation limit, keep ms, endpoint count, {url, capacity} per endpoint, candidate count,
 * {tenant, band, weight, cost, lease, more (1/0), preferred url or '', space-separated urls to
 * avoid} per candidate.
 * Returns {'granted', tenant, lease, url} | {'full'} | {'yield'}.
 */
export const DISPATCH_LUA = `${COMMON}
local now, replica = tonumber(ARGV[1]), ARGV[2]
local lease_ttl, wait_ttl, limit, keep = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local ne = tonumber(ARGV[7])
local urls, caps, index = {}, {}, {}
local i = 8
for e = 1, ne do
  urls[e], caps[e], index[ARGV[i]] = ARGV[i], tonumber(ARGV[i + 1]), e
  i = i + 2
end
local cands, mine = {}, {}
for c = 1, tonumber(ARGV[i]) do
  local j = i + 1 + (c - 1) * 8
  local cand = { tenant = ARGV[j], band = tonumber(ARGV[j + 1]), weight = tonumber(ARGV[j + 2]),
    cost = tonumber(ARGV[j + 3]), lease = ARGV[j + 4], more = ARGV[j + 5] == '1', prefer = ARGV[j + 6],
    avoid = {} }
  for url in string.gmatch(ARGV[j + 7], '%S+') do cand.avoid[url] = true end
  cands[c] = cand
  mine[cand.tenant] = cand
end

-- this replica's entries for tenants no longer waiting here
for _, m in ipairs(redis.call('ZRANGE', WAIT, 0, -1)) do
  local t, r = string.match(m, '^%d|([^|]*)|(.*)$')
  if r == replica and mine[t] == nil then redis.call('ZREM', WAIT, m) end
end
local waiting = waiting_tenants(now)
for _, c in ipairs(cands) do
  if waiting[c.tenant] == nil then
    local base = (min_of_band(waiting, c.band) or meta('left:' .. c.band)) - c.cost / c.weight
    if counter(c.tenant) < base then redis.call('HSET', VTC, c.tenant, flt(base)) end
  end
  waiting[c.tenant] = c.band
  redis.call('ZADD', WAIT, int(now + wait_ttl), c.band .. '|' .. c.tenant .. '|' .. replica)
  redis.call('HSET', WEIGHT, c.tenant, flt(c.weight))
end
local present = bands_of(waiting)

local function grant(c, e)
  redis.call('ZADD', KEYS[e + 1], int(now + lease_ttl), c.tenant .. '|' .. c.lease)
  redis.call('PEXPIRE', KEYS[e + 1], keep)
  redis.call('HINCRBYFLOAT', VTC, c.tenant, flt(c.cost / c.weight))
  for b = c.band + 1, 2 do
    if present[b + 1] then redis.call('HINCRBY', META, 'skip:' .. b, 1) else redis.call('HSET', META, 'skip:' .. b, 0) end
  end
  redis.call('HSET', META, 'skip:' .. c.band, 0)
  if not c.more then leave(c.band, c.tenant, replica, now) end
  return done(keep, {'granted', c.tenant, c.lease, urls[e]})
end

local load = {}
for e = 1, ne do
  redis.call('ZREMRANGEBYSCORE', KEYS[e + 1], '-inf', int(now))
  load[e] = redis.call('ZCARD', KEYS[e + 1])
end
local holds = redis.call('HGETALL', HOLDS)
for h = 1, #holds, 2 do
  local id, url = holds[h], holds[h + 1]
  local t = string.match(id, '^([^|]*)|')
  local e = index[url]
  if e == nil or not redis.call('ZSCORE', KEYS[e + 1], id) then
    redis.call('HDEL', HOLDS, id)
  elseif mine[t] ~= nil and not mine[t].avoid[url] then
    redis.call('ZREM', KEYS[e + 1], id)
    redis.call('HDEL', HOLDS, id)
    return grant(mine[t], e)
  end
end

local free, any = {}, false
for e = 1, ne do
  free[e] = caps[e] - load[e]
  if free[e] > 0 then any = true end
end
if not any then return done(keep, {'full'}) end
local band = choose_band(present, limit)
local winner, wc = nil, 0
for t, b in pairs(waiting) do
  if b == band then
    local c = counter(t)
    if winner == nil or c < wc or (c == wc and t < winner) then winner, wc = t, c end
  end
end
local c = mine[winner]
if c == nil then return done(keep, {'yield'}) end
-- the endpoint: preferred if it has room and was not tried, else the most room (untried first)
local p = index[c.prefer]
if p ~= nil and free[p] > 0 and not c.avoid[c.prefer] then return grant(c, p) end
for pass = 1, 2 do
  local best = nil
  for e = 1, ne do
    if free[e] > 0 and (pass == 2 or not c.avoid[urls[e]]) and (best == nil or free[e] > free[best]) then best = e end
  end
  if best ~= nil then return grant(c, best) end
end
`;

/**
 * KEYS: pool root, then the pool's endpoints' lease sets. ARGV: now, lease, tenant, band,
 * correction, hold ms, starvation limit, keep ms, index of the released endpoint (1-based), endpoint
 * count, {url, capacity} per endpoint. Returns 1 if the slot became a hold for the tenant, else 0.
 */
export const RELEASE_LUA = `${COMMON}
local now, lease, tenant, band = tonumber(ARGV[1]), ARGV[2], ARGV[3], tonumber(ARGV[4])
local correction, hold_ms, limit, keep = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8]
local released, ne = tonumber(ARGV[9]), tonumber(ARGV[10])
local set = KEYS[released + 1]
redis.call('ZREMRANGEBYSCORE', set, '-inf', int(now))
local freed = redis.call('ZREM', set, tenant .. '|' .. lease)
if correction ~= 0 then redis.call('HINCRBYFLOAT', VTC, tenant, flt(correction)) end
if freed == 0 or hold_ms <= 0 then return done(keep, 0) end
local waiting = waiting_tenants(now)
if next(waiting) == nil or waiting[tenant] ~= nil then return done(keep, 0) end
local present = bands_of(waiting)
present[band + 1] = true
if choose_band(present, limit) ~= band then return done(keep, 0) end
local min = min_of_band(waiting, band)
local hold = min == nil or counter(tenant) <= min
if not hold then
  -- below its weighted share of the pool's slots?
  local slots, capacity, active = {}, 0, {}
  for e = 1, ne do
    capacity = capacity + tonumber(ARGV[10 + 2 * e])
    redis.call('ZREMRANGEBYSCORE', KEYS[e + 1], '-inf', int(now))
    for _, m in ipairs(redis.call('ZRANGE', KEYS[e + 1], 0, -1)) do
      local t = string.match(m, '^([^|]*)|')
      slots[t] = (slots[t] or 0) + 1
      active[t] = true
    end
  end
  for t in pairs(waiting) do active[t] = true end
  active[tenant] = true
  local total = 0
  for t in pairs(active) do total = total + tonumber(redis.call('HGET', WEIGHT, t) or '1') end
  local w = tonumber(redis.call('HGET', WEIGHT, tenant) or '1')
  hold = (slots[tenant] or 0) < capacity * w / total
end
if not hold then return done(keep, 0) end
local id = tenant .. '|hold:' .. lease
redis.call('ZADD', set, int(now + hold_ms), id)
redis.call('PEXPIRE', set, keep)
redis.call('HSET', HOLDS, id, ARGV[9 + 2 * released])
return done(keep, 1)
`;

/** KEYS: pool root. ARGV: replica, tenant, band, now. */
export const WITHDRAW_LUA = `${COMMON}
leave(tonumber(ARGV[3]), ARGV[2], ARGV[1], tonumber(ARGV[4]))
return 1
`;

/** KEYS: lease sets. ARGV: now, ttl, then one lease member ("tenant|lease") per key. */
export const RENEW_LUA = `
local now, ttl = tonumber(ARGV[1]), tonumber(ARGV[2])
for k = 1, #KEYS do
  local score = redis.call('ZSCORE', KEYS[k], ARGV[k + 2])
  if score and tonumber(score) > now then
    redis.call('ZADD', KEYS[k], string.format('%d', now + ttl), ARGV[k + 2])
  end
end
return 1
`;
