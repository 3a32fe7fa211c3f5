-- FreeSWITCH: push each new voicemail to Ringback. In autoload_configs/lua.conf.xml:
--   <hook event="CUSTOM" subclass="vm::maintenance" script="/usr/local/share/ringback/freeswitch-push.lua"/>
-- mod_voicemail fires vm::maintenance with VM-Action leave-message once a message is saved. The metadata goes as
-- Ringback's JSON sidecar; ringback-push (beside this file, or RINGBACK_PUSH) sends it with retries, in the
-- background so FreeSWITCH never waits on the network.
if event:getHeader("VM-Action") ~= "leave-message" then return end

local path = event:getHeader("VM-File-Path")
if path == nil or path == "" then return end

local function json(value)
  if value == nil then return "null" end
  return '"' .. tostring(value):gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
end

local stamp = tonumber(event:getHeader("VM-Timestamp") or "")
local received = stamp and os.date("!%Y-%m-%dT%H:%M:%SZ", stamp) or nil
local metadata = "{"
  .. '"caller_name": ' .. json(event:getHeader("VM-Caller-ID-Name"))
  .. ', "caller_number": ' .. json(event:getHeader("VM-Caller-ID-Number"))
  .. ', "received_at": ' .. json(received)
  .. ', "mailbox": ' .. json(event:getHeader("VM-User"))
  .. ', "uuid": ' .. json(event:getHeader("VM-UUID"))
  .. "}"

local sidecar = os.tmpname()
local file = io.open(sidecar, "w")
if file == nil then return end
file:write(metadata)
file:close()

local function quoted(text) return "'" .. text:gsub("'", "'\\''") .. "'" end
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local push = os.getenv("RINGBACK_PUSH") or (here .. "ringback-push")
os.execute("(" .. quoted(push) .. " " .. quoted(path) .. " " .. quoted(sidecar) .. "; rm -f " .. quoted(sidecar) .. ") >/dev/null 2>&1 &")
