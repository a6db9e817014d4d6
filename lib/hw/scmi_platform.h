/* A simulated SCMI platform (Arm DEN0056): the firmware behind a
 * virtio-scmi device.  It answers the base (0x10), performance (0x13),
 * clock (0x14) and sensor (0x15) protocols as Linux's
 * drivers/firmware/arm_scmi asks them, from sensors, clocks and performance
 * domains configured by serve's options (hw/scmi_conf.c), whose values a
 * script changes at run time (the control socket's `set`).
 *
 * The platform only turns messages into messages: a command into its
 * immediate response, and the delayed responses and notifications it
 * causes into calls of post(), in the order they happen.  Carrying them
 * (cmdq, eventq) is the device model's (devices/scmi.h).
 *
 * Versions are the ones Linux 6.12 implements in full (base 2.1, sensor
 * 3.1, clock 3.0, performance 4.0), so its drivers never negotiate. */
#ifndef VT_HW_SCMI_PLATFORM_H
#define VT_HW_SCMI_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VT_SCMI_MAX_SENSORS 64
#define VT_SCMI_MAX_CLOCKS 64
#define VT_SCMI_MAX_PERF 16
#define VT_SCMI_MAX_TRIPS 16
#define VT_SCMI_MAX_RATES 16      /* Linux's SCMI_MAX_NUM_RATES */
#define VT_SCMI_MAX_LEVELS 32     /* Linux's MAX_OPPS */
#define VT_SCMI_NAME_MAX 63       /* an extended name's 64 bytes, NUL included */
/* Largest message the platform builds (header, status, return values):
 * more than Linux's virtio transport takes (8 + 128 bytes). */
#define VT_SCMI_MSG_MAX 512

/* The agent ids of DISCOVER_AGENT: the platform, and the one agent. */
#define VT_SCMI_AGENT_PLATFORM 0
#define VT_SCMI_AGENT_OSPM 1

struct vt_scmi_trip {
	uint8_t mode;             /* 0 off, 1 upwards, 2 downwards, 3 both */
	int64_t value;
};

struct vt_scmi_sensor {
	char name[VT_SCMI_NAME_MAX + 1];
	uint8_t unit;             /* sensor unit type: 2 degrees C, 5 volts, ... */
	int scale;                /* the value is value * 10^scale units (-16..15) */
	bool async;               /* reads may be asynchronous (delayed response) */
	unsigned ntrips;          /* trip points the agent may configure */
	int64_t value;            /* now: set by the configuration or `set` */
	/* The agent's (back to these on reset). */
	uint32_t config;          /* SENSOR_CONFIG_SET's word; bit 0 enabled */
	bool trip_notify, update_notify;
	struct vt_scmi_trip trip[VT_SCMI_MAX_TRIPS];
};

struct vt_scmi_clock {
	char name[VT_SCMI_NAME_MAX + 1];
	bool range;               /* min-max in steps, else the list of rates */
	uint64_t min, max, step;  /* range */
	unsigned nrates;          /* list: ascending */
	uint64_t rates[VT_SCMI_MAX_RATES];
	uint64_t initial_rate;
	bool initial_on;
	/* Now; rate and enabled go back to the initial ones on reset. */
	uint64_t rate;
	bool enabled;
	bool rate_notify, request_notify;
};

struct vt_scmi_perf {
	char name[VT_SCMI_NAME_MAX + 1];
	unsigned nlevels;         /* ascending; levels are kHz (the sustained
	                             level is the highest, at its own kHz) */
	uint32_t levels[VT_SCMI_MAX_LEVELS];
	uint32_t initial_level;
	uint32_t level, min, max; /* now: the level and the limits */
	bool limits_notify, level_notify;
};

struct vt_scmi_platform {
	char vendor[16], sub_vendor[16];   /* NUL-terminated, at most 15 */
	uint32_t impl_version;
	unsigned nsensors, nclocks, nperf;
	struct vt_scmi_sensor sensor[VT_SCMI_MAX_SENSORS];
	struct vt_scmi_clock clock[VT_SCMI_MAX_CLOCKS];
	struct vt_scmi_perf perf[VT_SCMI_MAX_PERF];
	/* A P2A channel (the eventq) exists: without one there are no
	 * delayed responses and no notifications, so async reads and the
	 * NOTIFY commands are not supported. */
	bool p2a;
	bool error_notify;        /* BASE_NOTIFY_ERRORS: accepted, never raised */
	/* Where the delayed responses and notifications go: msg is a whole
	 * message (header first), len bytes, valid during the call. */
	void (*post)(void *arg, const uint8_t *msg, size_t len);
	void *post_arg;
};

/* Zeroed, with the default vendor strings ("vitool", "sim"), p2a on. */
void vt_scmi_platform_init(struct vt_scmi_platform *p);
/* No sensor, clock or performance domain configured: one of each
 * (sensor "soc" 45 degrees C, clock "uart" 24/48 MHz, perf "cpu"
 * 500/1000/1500 MHz), so a bare `serve scmi` has something to show. */
void vt_scmi_platform_defaults(struct vt_scmi_platform *p);
/* Back to power-on for a new or reset driver: every notification off,
 * trip points off, sensors enabled, clocks and performance levels at their
 * initial values.  Sensor values stay: they are the host's. */
void vt_scmi_platform_reset(struct vt_scmi_platform *p);

/* The response to the command msg (len bytes: header then parameters) in
 * resp (cap bytes): the header, the status, the return values.  Its
 * length, at most cap; 0 when cap cannot hold header and status.  A list
 * (DESCRIBE_RATES, ...) returns as many entries as fit.  What the command
 * causes on the eventq goes to post() before this returns. */
size_t vt_scmi_platform_command(struct vt_scmi_platform *p, const uint8_t *msg, size_t len, uint8_t *resp,
				size_t cap);

/* The platform changes a value (the control socket's `set`): the
 * notifications the agent asked for go to post().  0, or -1 with err set
 * (no such domain, a rate or level it does not have). */
int vt_scmi_set_sensor(struct vt_scmi_platform *p, unsigned id, int64_t value, char *err, size_t errlen);
int vt_scmi_set_clock(struct vt_scmi_platform *p, unsigned id, uint64_t rate, char *err, size_t errlen);
int vt_scmi_set_perf_level(struct vt_scmi_platform *p, unsigned id, uint32_t level, char *err, size_t errlen);
int vt_scmi_set_perf_limits(struct vt_scmi_platform *p, unsigned id, uint32_t min, uint32_t max, char *err,
			    size_t errlen);

/* ---- configuration (hw/scmi_conf.c) ---- */

/* serve's --sensor, --clock and --perf specs:
 *   NAME:VALUE[:type=UNIT][:scale=N][:async][:trips=N]
 *   NAME:HZ[,HZ...][:rate=HZ][:off]  or  NAME:MIN-MAX[/STEP][:rate=HZ][:off]
 *   NAME:LEVEL[,LEVEL...][:level=L]
 * HZ and levels take a k, M or G suffix (x1000).  0, or -1 with err
 * set (the spec's fault, without the option's name). */
int vt_scmi_conf_sensor(struct vt_scmi_platform *p, const char *spec, char *err, size_t errlen);
int vt_scmi_conf_clock(struct vt_scmi_platform *p, const char *spec, char *err, size_t errlen);
int vt_scmi_conf_perf(struct vt_scmi_platform *p, const char *spec, char *err, size_t errlen);
/* --config FILE: one "KEY VALUE" a line, '#' comments; KEY is sensor,
 * clock or perf (VALUE their spec), vendor, sub-vendor or impl-version.
 * 0, -1 with err "FILE:LINE: why", or -2 when the file cannot be read. */
int vt_scmi_conf_file(struct vt_scmi_platform *p, const char *path, char *err, size_t errlen);
/* The unit words of type=: "temperature" for 2, ...; NULL past the end or
 * for a unit without a word. */
const char *vt_scmi_unit_name(uint8_t unit);
/* The i-th unit word (completion, help), NULL past the end. */
const char *vt_scmi_unit_word(unsigned i);

/* A domain by id ("0") or name; -1 when there is none. */
int vt_scmi_find_sensor(const struct vt_scmi_platform *p, const char *s);
int vt_scmi_find_clock(const struct vt_scmi_platform *p, const char *s);
int vt_scmi_find_perf(const struct vt_scmi_platform *p, const char *s);

#endif
