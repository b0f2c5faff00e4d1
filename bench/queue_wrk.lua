-- One reviewer per wrk thread (run with -t K -c K): loop next -> submit, timing each request.
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } timespec_t;
int clock_gettime(int clk_id, timespec_t *tp);
]]
local ts = ffi.new("timespec_t")
local function now_ms()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local threads = {}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
  table.insert(threads, thread)
end

local warmup, started
local phase, task_id, lease, t0 = "next", nil, nil, 0
next_ms, submit_ms, completed, errors = {}, {}, 0, {}

function init(args)
  local all = {}
  for t in string.gmatch(os.getenv("BENCH_TOKENS"), "[^,]+") do table.insert(all, t) end
  token = all[index]
  warmup = tonumber(os.getenv("BENCH_WARMUP") or "3") * 1000
  started = now_ms()
  headers = {["Authorization"] = "Token " .. token, ["Content-Type"] = "application/json"}
  submit_fmt = os.getenv("BENCH_SUBMIT_BODY")
end

function request()
  t0 = now_ms()
  if phase == "next" then
    return wrk.format("POST", "/api/v1/queue/next", headers, "{}")
  end
  local body = '{"lease_token": "' .. lease .. '", ' .. submit_fmt
  return wrk.format("POST", "/api/v1/tasks/" .. task_id .. "/submit", headers, body)
end

function response(status, hdrs, body)
  local t1 = now_ms()
  local measured = (t0 - started) >= warmup
  if phase == "next" then
    if measured then table.insert(next_ms, t1 - t0) end
    if status == 200 then
      task_id = string.match(body, '^{"id":%s*(%d+)')
      lease = string.match(body, '"lease_token":%s*"([%x%-]+)"')
      if task_id and lease then phase = "submit" else table.insert(errors, "next: unparsed " .. body:sub(1, 120)) end
    elseif status ~= 204 then
      table.insert(errors, "next " .. status .. " " .. body:sub(1, 120))
    end
  else
    if measured then table.insert(submit_ms, t1 - t0) end
    if status == 201 then
      if measured then completed = completed + 1 end
    else
      table.insert(errors, "submit " .. status .. " " .. body:sub(1, 120))
    end
    phase = "next"
  end
end

function done(summary, latency, requests)
  local out = io.open(os.getenv("BENCH_OUT"), "w")
  for _, thread in ipairs(threads) do
    out:write("completed ", thread:get("completed"), "\n")
    for _, v in ipairs(thread:get("next_ms")) do out:write("next ", v, "\n") end
    for _, v in ipairs(thread:get("submit_ms")) do out:write("submit ", v, "\n") end
    for i, e in ipairs(thread:get("errors")) do if i <= 3 then out:write("error ", e, "\n") end end
  end
  out:close()
end
