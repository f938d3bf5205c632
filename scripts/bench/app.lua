-- wrk script for scripts/bench.sh: per-request bearer tokens, request variants that defeat
-- the cache or create orders, a count of every status code, and a JSON summary.
--
-- Environment:
--   BENCH_OUT     file the JSON summary is written to (required)
--   BENCH_TOKENS  file with one bearer token per line, used in turn (optional)
--   BENCH_MODE    "get" (default: the URL's path as is), "uncached" (GET with a skip/limit
--                 pair no earlier request used, so every read misses the cache) or "order"
--                 (POST /orders/ with one line of a rotating SKU, no id: the server makes one)
--   BENCH_SKUS    number of seeded SKUs (BENCH-00001 ...), for "order"
--   BENCH_HEADER  one more "Name: value" request header (optional)

local threads = {}
local next_tid = 0

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

local mode, tokens, counter, nthreads_hint, skus
statuses = {}

function init(args)
  mode = os.getenv("BENCH_MODE") or "get"
  skus = tonumber(os.getenv("BENCH_SKUS") or "5000")
  tokens = {}
  local file = os.getenv("BENCH_TOKENS")
  if file and file ~= "" then
    for line in io.lines(file) do
      if line ~= "" then table.insert(tokens, line) end
    end
  end
  -- Threads interleave their counters (tid, tid + 64, ...) so no two requests collide.
  counter = tid
  local header = os.getenv("BENCH_HEADER")
  if header and header ~= "" then
    local name, value = header:match("^([^:]+):%s*(.*)$")
    wrk.headers[name] = value
  end
end

function request()
  local i = counter
  counter = counter + 64
  local headers = {}
  if #tokens > 0 then
    -- i % 64 is the thread's id, so the token follows the thread's own request count:
    -- every thread goes through every token, starting at a different one.
    headers["Authorization"] = "Bearer " .. tokens[((math.floor(i / 64) + tid) % #tokens) + 1]
  end
  if mode == "uncached" then
    -- 4,901 offsets x 900 page sizes: a key repeats only after ~4.4 million requests of
    -- one run. Every run starts the sequence again; bench.sh writes to items before each.
    local skip = i % 4901
    local limit = 100 + math.floor(i / 4901) % 900
    return wrk.format("GET", wrk.path .. "?skip=" .. skip .. "&limit=" .. limit, headers)
  elseif mode == "order" then
    -- Neighbouring requests take different SKUs, so concurrent orders rarely wait on one
    -- another's row lock; prices follow the seed's formula.
    local n = ((i * 7919) % skus) + 1
    headers["Content-Type"] = "application/json"
    local body = string.format(
      '{"items":[{"sku":"BENCH-%05d","quantity":1,"price":"%d.99"}]}', n, n % 500 + 1)
    return wrk.format("POST", wrk.path, headers, body)
  end
  return wrk.format("GET", wrk.path, headers)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for code, n in pairs(s) do
      counts[code] = (counts[code] or 0) + n
    end
  end
  local parts = {}
  local non2xx = 0
  for code, n in pairs(counts) do
    table.insert(parts, string.format('"%d": %d', code, n))
    if code < 200 or code > 299 then non2xx = non2xx + n end
  end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  local out = io.open(os.getenv("BENCH_OUT"), "w")
  out:write(string.format(
    '{"requests": %d, "duration_s": %.3f, "rps": %.1f, ' ..
    '"latency_ms": {"mean": %.3f, "p50": %.3f, "p90": %.3f, "p99": %.3f, "max": %.3f}, ' ..
    '"non_2xx": %d, "socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, ' ..
    '"statuses": {%s}}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency.mean / 1000, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    non2xx, e.connect, e.read, e.write, e.timeout, table.concat(parts, ", ")))
  out:close()
end
