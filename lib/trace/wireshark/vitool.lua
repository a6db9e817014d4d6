-- Wireshark dissector for vitool trace records (man vitool-pcap(5)).
--
-- vitool writes classic pcap with link type USER0 (147); each packet is
-- one trace record: a little-endian header, the descriptor chain's segment
-- table, the captured payload, then an optional text.  This dissector
-- decodes the header and segments of every record, the virtio-i2c and
-- virtio-gpio requests and responses in the payload, the virtio-scmi
-- messages' headers (type, protocol and message by name, token, status: the
-- names of lib/virtio/virtio_scmi.c, one table each), and (version 2) the
-- vhost-user messages: direction, reply, flags, size, fds and key payloads;
-- and the instance's log lines (LOG records: level and text).
--
-- Install: `make install` puts it in $(PREFIX)/share/wireshark/plugins/;
-- or copy it to ~/.local/lib/wireshark/plugins/; or load it for one run:
--   tshark -X lua_script:vitool.lua -r capture.pcap -V
--   wireshark -X lua_script:vitool.lua capture.pcap
-- Display filters: vitool.kind == 2, vitool.queue == 0, vitool.req_id == 3,
-- vitool.i2c.addr == 0x50, vitool.gpio.line == 3, vitool.flags.late == 1,
-- vitool.scmi.protocol == 0x15 && vitool.scmi.message == "READING_GET",
-- vitool.scmi.type == 2 (delayed responses), vitool.scmi.status < 0,
-- vitool.vhost.dir == 2, vitool.vhost.reply == 1, vitool.vhost_request == 9,
-- vitool.kind == 14 && vitool.log.level <= 1 (the instance's errors and warnings).

local p = Proto("vitool", "vitool trace record")

local kinds = {
	[1] = "AVAIL", [2] = "USED", [3] = "KICK", [4] = "CALL", [5] = "IRQ_INJECTED",
	[6] = "TIMEOUT", [7] = "LATE", [8] = "VHOST_MSG", [9] = "CONFIG",
	[10] = "RING_ERROR", [11] = "CONNECT", [12] = "DISCONNECT", [13] = "DROPS",
	[14] = "LOG",
}
-- LOG records: the level in flags bits 8-9 (lib/util/log.h's numbers).
local log_levels = { [0] = "error", [1] = "warning", [2] = "info", [3] = "debug" }
local devices = { [2] = "blk", [4] = "rng", [32] = "scmi", [34] = "i2c", [41] = "gpio" }

-- vhost-user request names (lib/vhost/msg.c's table).
local vhost_requests = {
	[1] = "GET_FEATURES", [2] = "SET_FEATURES", [3] = "SET_OWNER", [4] = "RESET_OWNER",
	[5] = "SET_MEM_TABLE", [6] = "SET_LOG_BASE", [7] = "SET_LOG_FD", [8] = "SET_VRING_NUM",
	[9] = "SET_VRING_ADDR", [10] = "SET_VRING_BASE", [11] = "GET_VRING_BASE",
	[12] = "SET_VRING_KICK", [13] = "SET_VRING_CALL", [14] = "SET_VRING_ERR",
	[15] = "GET_PROTOCOL_FEATURES", [16] = "SET_PROTOCOL_FEATURES", [17] = "GET_QUEUE_NUM",
	[18] = "SET_VRING_ENABLE", [19] = "SEND_RARP", [20] = "NET_SET_MTU",
	[21] = "SET_BACKEND_REQ_FD", [22] = "IOTLB_MSG", [23] = "SET_VRING_ENDIAN",
	[24] = "GET_CONFIG", [25] = "SET_CONFIG", [26] = "CREATE_CRYPTO_SESSION",
	[27] = "CLOSE_CRYPTO_SESSION", [28] = "POSTCOPY_ADVISE", [29] = "POSTCOPY_LISTEN",
	[30] = "POSTCOPY_END", [31] = "GET_INFLIGHT_FD", [32] = "SET_INFLIGHT_FD",
	[33] = "GPU_SET_SOCKET", [34] = "RESET_DEVICE", [35] = "VRING_KICK",
	[36] = "GET_MAX_MEM_SLOTS", [37] = "ADD_MEM_REG", [38] = "REM_MEM_REG", [39] = "SET_STATUS",
	[40] = "GET_STATUS",
}
-- the back-end channel's own requests (directions 3 and 4)
local backend_requests = {
	[1] = "IOTLB_MSG", [2] = "CONFIG_CHANGE_MSG", [3] = "VRING_HOST_NOTIFIER_MSG", [4] = "VRING_CALL",
	[5] = "VRING_ERR", [6] = "SHARED_OBJECT_ADD", [7] = "SHARED_OBJECT_REMOVE",
	[8] = "SHARED_OBJECT_LOOKUP",
}
local vhost_dirs = { [1] = "front-end -> back-end", [2] = "back-end -> front-end",
	[3] = "back-end -> front-end (back-end channel)", [4] = "front-end -> back-end (back-end channel)" }
local vhost_arrows = { [1] = "> ", [2] = "< ", [3] = "<< ", [4] = ">> " }

local f = p.fields
f.version = ProtoField.uint8("vitool.version", "Version")
f.kind = ProtoField.uint8("vitool.kind", "Kind", base.DEC, kinds)
f.header_len = ProtoField.uint16("vitool.header_len", "Header length")
f.flags = ProtoField.uint32("vitool.flags", "Flags", base.HEX)
f.f_timed_out = ProtoField.bool("vitool.flags.timed_out", "Timed out", 32, nil, 0x01)
f.f_late = ProtoField.bool("vitool.flags.late", "Late", 32, nil, 0x02)
f.f_ooo = ProtoField.bool("vitool.flags.out_of_order", "Out of order", 32, nil, 0x04)
f.f_trunc = ProtoField.bool("vitool.flags.truncated", "Truncated", 32, nil, 0x08)
f.f_nochain = ProtoField.bool("vitool.flags.no_chain", "No chain", 32, nil, 0x10)
f.f_indirect = ProtoField.bool("vitool.flags.indirect", "Indirect", 32, nil, 0x20)
f.log_level = ProtoField.uint32("vitool.log.level", "Log level", base.DEC, log_levels, 0x300)
f.virtio_id = ProtoField.uint32("vitool.virtio_id", "Device", base.DEC, devices)
f.instance = ProtoField.uint16("vitool.instance", "Instance")
f.queue = ProtoField.uint16("vitool.queue", "Queue")
f.head = ProtoField.uint16("vitool.head", "Descriptor head")
f.nseg = ProtoField.uint16("vitool.nseg", "Segments")
f.used_len = ProtoField.uint32("vitool.used_len", "Used length")
f.req_id = ProtoField.uint64("vitool.req_id", "Request id")
f.ts_ns = ProtoField.uint64("vitool.ts_ns", "Timestamp (ns since the epoch)")
f.latency_ns = ProtoField.uint64("vitool.latency_ns", "Latency (ns)")
f.vhost_request = ProtoField.uint32("vitool.vhost_request", "vhost-user request", base.DEC, vhost_requests)
f.caplen = ProtoField.uint32("vitool.caplen", "Captured payload length")
f.origlen = ProtoField.uint32("vitool.origlen", "Chain length")
f.textlen = ProtoField.uint32("vitool.textlen", "Text length")
f.seg = ProtoField.none("vitool.seg", "Segment")
f.seg_writable = ProtoField.bool("vitool.seg.writable", "Device-writable", 8, nil, 0x01)
f.seg_len = ProtoField.uint32("vitool.seg.len", "Length")
f.seg_caplen = ProtoField.uint32("vitool.seg.caplen", "Captured")
f.payload = ProtoField.bytes("vitool.payload", "Payload")
f.text = ProtoField.stringz("vitool.text", "Text")

-- vhost-user messages (VHOST_MSG, version 2: header_len 80)
f.vu_dir = ProtoField.uint8("vitool.vhost.dir", "Direction", base.DEC, vhost_dirs)
f.vu_nfds = ProtoField.uint8("vitool.vhost.nfds", "File descriptors")
f.vu_flags = ProtoField.uint32("vitool.vhost.flags", "Message flags", base.HEX)
f.vu_reply = ProtoField.bool("vitool.vhost.reply", "Reply", 32, nil, 0x04)
f.vu_need_reply = ProtoField.bool("vitool.vhost.need_reply", "Need reply", 32, nil, 0x08)
f.vu_size = ProtoField.uint32("vitool.vhost.size", "Payload size")
f.vu_u64 = ProtoField.uint64("vitool.vhost.u64", "Value", base.HEX)
f.vu_index = ProtoField.uint32("vitool.vhost.vring_index", "Vring index")
f.vu_num = ProtoField.uint32("vitool.vhost.vring_num", "Vring num/base/enable")
f.vu_desc = ProtoField.uint64("vitool.vhost.desc", "Descriptor table address", base.HEX)
f.vu_used = ProtoField.uint64("vitool.vhost.used", "Used ring address", base.HEX)
f.vu_avail = ProtoField.uint64("vitool.vhost.avail", "Available ring address", base.HEX)
f.vu_nregions = ProtoField.uint32("vitool.vhost.nregions", "Memory regions")

-- virtio-i2c
local i2c_status = { [0] = "OK", [1] = "ERR" }
f.i2c_addr = ProtoField.uint16("vitool.i2c.addr", "I2C address", base.HEX)
f.i2c_flags = ProtoField.uint32("vitool.i2c.flags", "I2C flags", base.HEX)
f.i2c_fail_next = ProtoField.bool("vitool.i2c.fail_next", "FAIL_NEXT", 32, nil, 0x01)
f.i2c_read = ProtoField.bool("vitool.i2c.read", "M_RD (read)", 32, nil, 0x02)
f.i2c_wdata = ProtoField.bytes("vitool.i2c.write_data", "Write data")
f.i2c_rdata = ProtoField.bytes("vitool.i2c.read_data", "Read data")
f.i2c_status = ProtoField.uint8("vitool.i2c.status", "I2C status", base.DEC, i2c_status)

-- virtio-gpio
local gpio_types = {
	[1] = "GET_LINE_NAMES", [2] = "GET_DIRECTION", [3] = "SET_DIRECTION",
	[4] = "GET_VALUE", [5] = "SET_VALUE", [6] = "SET_IRQ_TYPE",
}
local gpio_status = { [0] = "OK", [1] = "ERR" }
local gpio_irq_status = { [0] = "INVALID", [1] = "VALID" }
f.gpio_type = ProtoField.uint16("vitool.gpio.type", "GPIO request", base.DEC, gpio_types)
f.gpio_line = ProtoField.uint16("vitool.gpio.line", "GPIO line")
f.gpio_value = ProtoField.uint32("vitool.gpio.value", "GPIO value")
f.gpio_status = ProtoField.uint8("vitool.gpio.status", "GPIO status", base.DEC, gpio_status)
f.gpio_resp_value = ProtoField.uint8("vitool.gpio.resp_value", "GPIO response value")
f.gpio_names = ProtoField.bytes("vitool.gpio.names", "GPIO line names")
f.gpio_irq_status = ProtoField.uint8("vitool.gpio.irq_status", "GPIO irq status", base.DEC, gpio_irq_status)

-- virtio-scmi: the names of lib/virtio/virtio_scmi.c.  Message ids are
-- per protocol (key protocol * 256 + id); the ones every protocol has, and
-- the notifications, have tables of their own.
local scmi_protocols = {
	[0x10] = "BASE", [0x11] = "POWER", [0x12] = "SYSTEM", [0x13] = "PERF", [0x14] = "CLOCK",
	[0x15] = "SENSOR", [0x16] = "RESET", [0x17] = "VOLTAGE", [0x18] = "POWERCAP", [0x19] = "PINCTRL",
}
local scmi_types = { [0] = "cmd", [2] = "delayed", [3] = "notification" }
local scmi_status = {
	[0] = "SUCCESS", [-1] = "NOT_SUPPORTED", [-2] = "INVALID_PARAMETERS", [-3] = "DENIED",
	[-4] = "NOT_FOUND", [-5] = "OUT_OF_RANGE", [-6] = "BUSY", [-7] = "COMMS_ERROR",
	[-8] = "GENERIC_ERROR", [-9] = "HARDWARE_ERROR", [-10] = "PROTOCOL_ERROR", [-11] = "IN_USE",
}
local scmi_common = {
	[0x0] = "PROTOCOL_VERSION", [0x1] = "PROTOCOL_ATTRIBUTES", [0x2] = "PROTOCOL_MESSAGE_ATTRIBUTES",
	[0x10] = "NEGOTIATE_PROTOCOL_VERSION",
}
local scmi_msgs = {
	-- BASE
	[0x1003] = "DISCOVER_VENDOR", [0x1004] = "DISCOVER_SUB_VENDOR",
	[0x1005] = "DISCOVER_IMPLEMENTATION_VERSION", [0x1006] = "DISCOVER_LIST_PROTOCOLS",
	[0x1007] = "DISCOVER_AGENT", [0x1008] = "NOTIFY_ERRORS", [0x1009] = "SET_DEVICE_PERMISSIONS",
	[0x100a] = "SET_PROTOCOL_PERMISSIONS", [0x100b] = "RESET_AGENT_CONFIGURATION",
	-- PERF
	[0x1303] = "DOMAIN_ATTRIBUTES", [0x1304] = "DESCRIBE_LEVELS", [0x1305] = "LIMITS_SET",
	[0x1306] = "LIMITS_GET", [0x1307] = "LEVEL_SET", [0x1308] = "LEVEL_GET", [0x1309] = "NOTIFY_LIMITS",
	[0x130a] = "NOTIFY_LEVEL", [0x130b] = "DESCRIBE_FASTCHANNEL", [0x130c] = "DOMAIN_NAME_GET",
	-- CLOCK
	[0x1403] = "ATTRIBUTES", [0x1404] = "DESCRIBE_RATES", [0x1405] = "RATE_SET", [0x1406] = "RATE_GET",
	[0x1407] = "CONFIG_SET", [0x1408] = "NAME_GET", [0x1409] = "RATE_NOTIFY",
	[0x140a] = "RATE_CHANGE_REQUESTED_NOTIFY", [0x140b] = "CONFIG_GET", [0x140c] = "POSSIBLE_PARENTS_GET",
	[0x140d] = "PARENT_SET", [0x140e] = "PARENT_GET", [0x140f] = "GET_PERMISSIONS",
	-- SENSOR
	[0x1503] = "DESCRIPTION_GET", [0x1504] = "TRIP_POINT_NOTIFY", [0x1505] = "TRIP_POINT_CONFIG",
	[0x1506] = "READING_GET", [0x1507] = "AXIS_DESCRIPTION_GET", [0x1508] = "LIST_UPDATE_INTERVALS",
	[0x1509] = "CONFIG_GET", [0x150a] = "CONFIG_SET", [0x150b] = "CONTINUOUS_UPDATE_NOTIFY",
	[0x150c] = "NAME_GET", [0x150d] = "AXIS_NAME_GET",
}
local scmi_events = {
	[0x1000] = "BASE_ERROR_EVENT",
	[0x1300] = "PERFORMANCE_LIMITS_CHANGED", [0x1301] = "PERFORMANCE_LEVEL_CHANGED",
	[0x1400] = "CLOCK_RATE_CHANGED", [0x1401] = "CLOCK_RATE_CHANGE_REQUESTED",
	[0x1500] = "SENSOR_TRIP_POINT_EVENT", [0x1501] = "SENSOR_UPDATE",
}
f.scmi_header = ProtoField.uint32("vitool.scmi.header", "SCMI header", base.HEX)
f.scmi_msg_id = ProtoField.uint32("vitool.scmi.msg_id", "Message id", base.HEX, nil, 0xff)
f.scmi_type = ProtoField.uint32("vitool.scmi.type", "Message type", base.DEC, scmi_types, 0x300)
f.scmi_protocol = ProtoField.uint32("vitool.scmi.protocol", "Protocol", base.HEX, scmi_protocols, 0x3fc00)
f.scmi_token = ProtoField.uint32("vitool.scmi.token", "Token", base.DEC, nil, 0xffc0000)
f.scmi_message = ProtoField.string("vitool.scmi.message", "Message")
f.scmi_status = ProtoField.int32("vitool.scmi.status", "SCMI status", base.DEC, scmi_status)

local e_bad = ProtoExpert.new("vitool.bad", "Malformed vitool record", expert.group.MALFORMED, expert.severity.ERROR)
p.experts = { e_bad }

local HDR = 64
local SEG = 12

-- Readable and writable parts of the payload: {off, caplen, len} each.
local function split(tvb, hlen, nseg, payoff)
	local r = { off = payoff, cap = 0, len = 0 }
	local w = { off = nil, cap = 0, len = 0 }
	local off = payoff
	for i = 0, nseg - 1 do
		local e = hlen + i * SEG
		local writable = bit.band(tvb(e, 1):uint(), 1) == 1
		local len = tvb(e + 4, 4):le_uint()
		local cap = tvb(e + 8, 4):le_uint()
		if writable then
			if not w.off then w.off = off end
			w.cap = w.cap + cap
			w.len = w.len + len
		else
			r.cap = r.cap + cap
			r.len = r.len + len
		end
		off = off + cap
	end
	if not w.off then w.off = off end
	return r, w
end

local function dissect_i2c(tvb, tree, kind, r, w, pinfo)
	if r.cap < 8 then return end
	local t = tree:add(p, tvb(r.off, r.cap + w.cap), "virtio-i2c")
	local raw = tvb(r.off, 2):le_uint()
	local addr = raw
	if raw <= 0xfe and raw % 2 == 0 then addr = raw / 2 end
	t:add(f.i2c_addr, tvb(r.off, 2), addr)
	local fl = t:add_le(f.i2c_flags, tvb(r.off + 4, 4))
	fl:add_le(f.i2c_fail_next, tvb(r.off + 4, 4))
	fl:add_le(f.i2c_read, tvb(r.off + 4, 4))
	local rd = bit.band(tvb(r.off + 4, 4):le_uint(), 2) ~= 0
	if r.cap > 8 then t:add(f.i2c_wdata, tvb(r.off + 8, r.cap - 8)) end
	local what = rd and "read" or "write"
	if not rd and r.len == 8 and w.len <= 1 then what = "probe" end
	local info = string.format("0x%02x %s", addr, what)
	if (kind == 2 or kind == 7) and w.len > 0 and w.cap == w.len then
		if w.cap > 1 then t:add(f.i2c_rdata, tvb(w.off, w.cap - 1)) end
		t:add(f.i2c_status, tvb(w.off + w.cap - 1, 1))
		info = info .. " -> " .. (i2c_status[tvb(w.off + w.cap - 1, 1):uint()] or "?")
	end
	pinfo.cols.info:append(" " .. info)
end

local function dissect_gpio(tvb, tree, kind, queue, r, w, pinfo)
	local done = (kind == 2 or kind == 7)
	if queue == 1 then
		if r.cap < 2 then return end
		local t = tree:add(p, tvb(r.off, r.cap + w.cap), "virtio-gpio event")
		t:add_le(f.gpio_line, tvb(r.off, 2))
		local info = string.format("irq line %d", tvb(r.off, 2):le_uint())
		if done and w.cap >= 1 then
			t:add(f.gpio_irq_status, tvb(w.off, 1))
			info = info .. " -> " .. (gpio_irq_status[tvb(w.off, 1):uint()] or "?")
		end
		pinfo.cols.info:append(" " .. info)
		return
	end
	if r.cap < 8 then return end
	local t = tree:add(p, tvb(r.off, r.cap + w.cap), "virtio-gpio request")
	t:add_le(f.gpio_type, tvb(r.off, 2))
	t:add_le(f.gpio_line, tvb(r.off + 2, 2))
	t:add_le(f.gpio_value, tvb(r.off + 4, 4))
	local type = tvb(r.off, 2):le_uint()
	local info = string.format("%s line %d", gpio_types[type] or ("type " .. type), tvb(r.off + 2, 2):le_uint())
	if done and w.cap >= 1 then
		t:add(f.gpio_status, tvb(w.off, 1))
		info = info .. " -> " .. (gpio_status[tvb(w.off, 1):uint()] or "?")
		if type == 1 then
			if w.cap > 1 then t:add(f.gpio_names, tvb(w.off + 1, w.cap - 1)) end
		elseif w.cap >= 2 then
			t:add(f.gpio_resp_value, tvb(w.off + 1, 1))
		end
	end
	pinfo.cols.info:append(" " .. info)
end

-- The name of message msg of protocol proto, nil when lib/virtio/virtio_scmi.c
-- has none (the common messages are every protocol's, as there).
local function scmi_msg_name(proto, msg, notification)
	if notification then return scmi_events[proto * 256 + msg] end
	return scmi_common[msg] or scmi_msgs[proto * 256 + msg]
end

-- One SCMI message at off (cap bytes captured) into tree; as `vitool trace`
-- prints it: "cmd SENSOR READING_GET token 5" (an unknown protocol
-- "proto-0x80", message "msg 0x1f", type "type-1"), then the status
-- when with_status (a delayed response's, after the header).  The text,
-- or nil when the header is not there.
local function scmi_message(tvb, tree, off, cap, with_status)
	if cap < 4 then return nil end
	local h = tvb(off, 4):le_uint()
	local msg, typ = bit.band(h, 0xff), bit.band(bit.rshift(h, 8), 3)
	local proto = bit.band(bit.rshift(h, 10), 0xff)
	local ht = tree:add_le(f.scmi_header, tvb(off, 4))
	ht:add_le(f.scmi_msg_id, tvb(off, 4))
	ht:add_le(f.scmi_type, tvb(off, 4))
	ht:add_le(f.scmi_protocol, tvb(off, 4))
	ht:add_le(f.scmi_token, tvb(off, 4))
	local name = scmi_msg_name(proto, msg, typ == 3)
	if name then tree:add(f.scmi_message, tvb(off, 4), name) end
	local text = string.format("%s %s %s token %d", scmi_types[typ] or ("type-" .. typ),
		scmi_protocols[proto] or string.format("proto-0x%02x", proto),
		name or string.format("msg 0x%x", msg), bit.rshift(h, 18))
	if with_status and cap >= 8 then
		tree:add_le(f.scmi_status, tvb(off + 4, 4))
		local st = tvb(off + 4, 4):le_int()
		text = text .. " " .. (scmi_status[st] or ("status-" .. st))
	end
	return text
end

-- cmdq: the command (readable) and, completed, its response's status;
-- eventq: "event buffer N", and completed, the message the device wrote.
local function dissect_scmi(tvb, tree, kind, queue, r, w, pinfo)
	local done = (kind == 2 or kind == 7)
	local t = tree:add(p, tvb(r.off, r.cap + w.cap), "virtio-scmi")
	local info
	if queue == 1 then
		info = string.format("event buffer %d", w.len)
		local delayed = w.cap >= 4 and bit.band(bit.rshift(tvb(w.off, 4):le_uint(), 8), 3) == 2
		local m = done and scmi_message(tvb, t, w.off, w.cap, delayed)
		if m then info = info .. " -> " .. m end
	else
		info = scmi_message(tvb, t, r.off, r.cap, false)
		if not info then return end
		if done and w.cap >= 8 then
			t:add_le(f.scmi_status, tvb(w.off + 4, 4))
			local st = tvb(w.off + 4, 4):le_int()
			info = info .. " -> " .. (scmi_status[st] or ("status-" .. st))
		end
	end
	pinfo.cols.info:append(" " .. info)
end

-- The message header and its key payloads; the payload is the record's
-- one readable segment (r: its offset and captured length).
local function dissect_vhost(tvb, tree, r, pinfo)
	local t = tree:add(p, tvb(64, 16), "vhost-user message")
	t:add(f.vu_dir, tvb(64, 1))
	t:add(f.vu_nfds, tvb(65, 1))
	local fl = t:add_le(f.vu_flags, tvb(68, 4))
	fl:add_le(f.vu_reply, tvb(68, 4))
	fl:add_le(f.vu_need_reply, tvb(68, 4))
	t:add_le(f.vu_size, tvb(72, 4))
	local dir = tvb(64, 1):uint()
	local req = tvb(48, 4):le_uint()
	local reply = bit.band(tvb(68, 4):le_uint(), 4) ~= 0
	local channel = dir == 3 or dir == 4
	local info = (vhost_arrows[dir] or "? ") .. ((channel and backend_requests or vhost_requests)[req] or "UNKNOWN")
	if reply then info = info .. " reply" end
	if channel then req = 0 end   -- its numbers are not the front-end's: only a u64 is decoded
	local state = { [8] = true, [10] = true, [11] = true, [18] = true }
	if req == 9 and not reply and r.cap >= 40 then
		t:add_le(f.vu_index, tvb(r.off, 4))
		t:add_le(f.vu_desc, tvb(r.off + 8, 8))
		t:add_le(f.vu_used, tvb(r.off + 16, 8))
		t:add_le(f.vu_avail, tvb(r.off + 24, 8))
		info = info .. string.format(" q%d", tvb(r.off, 4):le_uint())
	elseif state[req] and (not reply or req == 11) and r.cap >= 8 then
		t:add_le(f.vu_index, tvb(r.off, 4))
		t:add_le(f.vu_num, tvb(r.off + 4, 4))
		info = info .. string.format(" q%d %d", tvb(r.off, 4):le_uint(), tvb(r.off + 4, 4):le_uint())
	elseif req == 5 and not reply and r.cap >= 4 then
		t:add_le(f.vu_nregions, tvb(r.off, 4))
		info = info .. string.format(" %d regions", tvb(r.off, 4):le_uint())
	elseif (req == 12 or req == 13 or req == 14) and not reply and r.cap >= 8 then
		t:add_le(f.vu_index, tvb(r.off, 4))
		info = info .. string.format(" q%d", bit.band(tvb(r.off, 4):le_uint(), 0xff))
	elseif tvb(72, 4):le_uint() == 8 and r.cap == 8 then
		t:add_le(f.vu_u64, tvb(r.off, 8))
		info = info .. " 0x" .. tvb(r.off, 8):le_uint64():tohex():gsub("^0+(.)", "%1")
	end
	pinfo.cols.info:append(" " .. info)
end

function p.dissector(tvb, pinfo, tree)
	local len = tvb:len()
	if len < HDR then return 0 end
	pinfo.cols.protocol = "vitool"
	local t = tree:add(p, tvb(), "vitool trace record")
	local hlen = tvb(2, 2):le_uint()
	local kind = tvb(1, 1):uint()
	t:add(f.version, tvb(0, 1))
	t:add(f.kind, tvb(1, 1))
	t:add_le(f.header_len, tvb(2, 2))
	local fl = t:add_le(f.flags, tvb(4, 4))
	fl:add_le(f.f_timed_out, tvb(4, 4))
	fl:add_le(f.f_late, tvb(4, 4))
	fl:add_le(f.f_ooo, tvb(4, 4))
	fl:add_le(f.f_trunc, tvb(4, 4))
	fl:add_le(f.f_nochain, tvb(4, 4))
	fl:add_le(f.f_indirect, tvb(4, 4))
	if kind == 14 then fl:add_le(f.log_level, tvb(4, 4)) end
	t:add_le(f.virtio_id, tvb(8, 4))
	t:add_le(f.instance, tvb(12, 2))
	t:add_le(f.queue, tvb(14, 2))
	t:add_le(f.head, tvb(16, 2))
	t:add_le(f.nseg, tvb(18, 2))
	t:add_le(f.used_len, tvb(20, 4))
	t:add_le(f.req_id, tvb(24, 8))
	t:add_le(f.ts_ns, tvb(32, 8))
	t:add_le(f.latency_ns, tvb(40, 8))
	t:add_le(f.vhost_request, tvb(48, 4))
	t:add_le(f.caplen, tvb(52, 4))
	t:add_le(f.origlen, tvb(56, 4))
	t:add_le(f.textlen, tvb(60, 4))

	local vid = tvb(8, 4):le_uint()
	local queue = tvb(14, 2):le_uint()
	local nseg = tvb(18, 2):le_uint()
	local caplen = tvb(52, 4):le_uint()
	local textlen = tvb(60, 4):le_uint()
	local info = devices[vid] or ("virtio-" .. vid)
	local inst = tvb(12, 2):le_uint()
	if inst ~= 0 then info = info .. "." .. inst end
	if kind == 1 or kind == 2 or kind == 6 or kind == 7 then
		info = info .. string.format(" q%d #%s", queue, tostring(tvb(24, 8):le_uint64()))
	elseif kind == 3 or kind == 4 or kind == 10 then
		info = info .. string.format(" q%d", queue)
	end
	pinfo.cols.info = info .. " " .. (kinds[kind] or ("kind-" .. kind)):lower():gsub("_", "-")
	if kind == 14 then
		-- as vitool trace prints it: "gpio log warning: TEXT"
		local level = bit.rshift(bit.band(tvb(4, 4):le_uint(), 0x300), 8)
		pinfo.cols.info:append(" " .. log_levels[level] .. ":")
	end

	local payoff = hlen + nseg * SEG
	if hlen < HDR or payoff + caplen + textlen > len then
		t:add_proto_expert_info(e_bad, "lengths run past the end of the record")
		return len
	end
	for i = 0, nseg - 1 do
		local e = hlen + i * SEG
		local st = t:add(f.seg, tvb(e, SEG))
		st:add(f.seg_writable, tvb(e, 1))
		st:add_le(f.seg_len, tvb(e + 4, 4))
		st:add_le(f.seg_caplen, tvb(e + 8, 4))
		st:append_text(string.format(" %d: %s %d bytes", i,
			bit.band(tvb(e, 1):uint(), 1) == 1 and "writable" or "readable", tvb(e + 4, 4):le_uint()))
	end
	if caplen > 0 then t:add(f.payload, tvb(payoff, caplen)) end
	if textlen > 0 then
		t:add(f.text, tvb(payoff + caplen, textlen))
		pinfo.cols.info:append(" " .. tvb(payoff + caplen, textlen):stringz())
	end

	if kind == 8 and tvb(0, 1):uint() >= 2 and hlen >= 80 then
		local r = split(tvb, hlen, nseg, payoff)
		dissect_vhost(tvb, tree, r, pinfo)
	end
	if (kind == 1 or kind == 2 or kind == 6 or kind == 7) and nseg > 0 then
		local r, w = split(tvb, hlen, nseg, payoff)
		if vid == 34 then
			dissect_i2c(tvb, tree, kind, r, w, pinfo)
		elseif vid == 41 then
			dissect_gpio(tvb, tree, kind, queue, r, w, pinfo)
		elseif vid == 32 then
			dissect_scmi(tvb, tree, kind, queue, r, w, pinfo)
		end
	end
	return len
end

DissectorTable.get("wtap_encap"):add(wtap_encaps.USER0, p)
