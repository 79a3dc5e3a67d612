-- wrk script for every HTTP figure. Two ways to say what to send:
--   WRK_BODY=<file> [WRK_TOKEN=<token>]   one JSON body, optionally with a bearer token;
--   WRK_REQUESTS=<file>                   one request per line, `token<TAB>body` (token
--                                         may be empty), sent in turn: spreads the load over
--                                         many credentials, as many users would (the server
--                                         rate-limits per credential).
--   WRK_METHOD=GET with WRK_REQUESTS      lines are `token<TAB>path` (path with its query
--                                         string): GET requests, no body (the REST façade).
-- When the run ends it prints one machine-readable summary line: `WRKJSON {...}`.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local list = os.getenv("WRK_REQUESTS")
local get = os.getenv("WRK_METHOD") == "GET"
if list ~= nil and list ~= "" then
  local requests = {}
  local i = 0
  function init(args)
    for line in io.lines(list) do
      local token, rest = line:match("^([^\t]*)\t(.*)$")
      if rest ~= nil then
        if get then
          local headers = {}
          if token ~= "" then headers["Authorization"] = "Bearer " .. token end
          requests[#requests + 1] = wrk.format("GET", rest, headers, nil)
        else
          local headers = { ["Content-Type"] = "application/json" }
          if token ~= "" then headers["Authorization"] = "Bearer " .. token end
          requests[#requests + 1] = wrk.format("POST", nil, headers, rest)
        end
      end
    end
    assert(#requests > 0, "WRK_REQUESTS holds no request")
  end
  function request()
    i = i % #requests + 1
    return requests[i]
  end
else
  local f = assert(io.open(os.getenv("WRK_BODY"), "rb"))
  wrk.body = f:read("*a")
  f:close()
  local token = os.getenv("WRK_TOKEN")
  if token ~= nil and token ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"max":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9)))
end
