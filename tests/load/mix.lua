-- `make load`: researchers' requests in a mix, for wrk. The addresses come from a file written by
-- tests/load/addresses (one per line, already in the mix's proportions); each connection starts at a
-- different place in it and walks through it in turn.
local addresses = {}
local counter = 0
local threads = {}

for line in io.lines(os.getenv("LOAD_ADDRESSES")) do
  addresses[#addresses + 1] = line
end

function setup(thread)
  counter = counter + 1
  thread:set("start", counter * 7919)
  threads[#threads + 1] = thread
end

local position = nil
function request()
  position = ((position or start) % #addresses) + 1
  return wrk.format("GET", addresses[position])
end

-- The answers the front cache gave from what it held (each thread counts its own; HAProxy writes header
-- names in lower case).
held = 0
function response(status, headers, body)
  if headers["x-front-cache"] == "hit" then
    held = held + 1
  end
end

function done(summary, latency, requests)
  local hits = 0
  for _, thread in ipairs(threads) do
    hits = hits + thread:get("held")
  end
  local seconds = summary.duration / 1e6
  local failed = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout + summary.errors.status
  io.write(string.format(
    "RESULT requests=%d seconds=%.1f rps=%.1f p50_ms=%.1f p95_ms=%.1f p99_ms=%.1f max_ms=%.1f errors=%d"
      .. " front_pct=%.0f\n",
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000, failed,
    100 * hits / math.max(summary.requests, 1)))
end
