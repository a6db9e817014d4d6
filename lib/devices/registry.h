/* The device registry: one descriptor per device type, and the only list
 * of device types.  Commands (serve, drive, loopback), trace's printing and
 * filters take everything device-specific from a descriptor; the
 * completions and man pages are checked against it (tests/bats).
 *
 * A new device type is its wire header (lib/virtio/virtio_DEV.h), its
 * decoder (lib/decode/DEV.c), its descriptor next to its model
 * (lib/devices/DEV_type.c) and one row in registry.c. */
#ifndef VT_DEVICES_REGISTRY_H
#define VT_DEVICES_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/run.h"

struct vt_decoder;
struct vt_device_model;
struct vt_loop;
struct vt_recorder;
struct vt_ctl_server;
struct vt_json;
struct vt_frontend;
struct vt_tok;
struct vt_device_faults;
struct vt_bench_conf;
struct vt_bench_plan;

/* An option of one device type: --NAME [ARG].  Its help text is what
 * `--help` prints; man pages and completions are checked against it. */
struct vt_device_option {
	const char *name;        /* "target" */
	char short_name;         /* 't', or 0 */
	const char *arg;         /* "SPEC"; NULL: a flag */
	const char *help;        /* lines separated by '\n' */
};

/* The device's options as given, in command-line order (a repeated option
 * once each time). */
#define VT_DEVICE_MAX_ARGS 64
struct vt_device_args {
	unsigned n;
	struct {
		const struct vt_device_option *opt;
		const char *val;   /* NULL for a flag */
	} a[VT_DEVICE_MAX_ARGS];
};

/* What `serve` builds for one device and hands to its hooks. */
struct vt_serve_ctx {
	struct vt_loop *loop;
	struct vt_recorder *rec;
	void *dev;               /* the model's instance (vt_device_model callbacks) */
	void *hw;                /* the device's own: what is behind the model */
};

/* A device type `vitool serve` can serve. */
struct vt_serve_ops {
	const struct vt_device_model *model;
	const char *synopsis;    /* usage after "--socket PATH": "[--lines N] ..." */
	const struct vt_device_option *options;   /* {NULL}-terminated */
	/* Builds ctx->hw and ctx->dev from args; bad arguments end the
	 * program (vt_die_usage: exit 2; vt_die: a device that cannot open). */
	void (*create)(struct vt_serve_ctx *ctx, const struct vt_device_args *args);
	void (*add_control)(struct vt_ctl_server *s, struct vt_serve_ctx *ctx);  /* optional */
	void (*add_info)(struct vt_json *j, const struct vt_serve_ctx *ctx);     /* optional */
	void (*destroy)(struct vt_serve_ctx *ctx);
};

/* A device type vitool's own front-end drives (`drive`, `loopback`). */
struct vt_front_ops {
	const char *ops_help;    /* drive --help's lines about the OPs */
	bool indirect;           /* takes --indirect */
	/* Validates words before connecting; false with err set. */
	bool (*check)(char *const *words, unsigned n, char *err, size_t errlen);
	/* Starts the driver over a connected fe: its state, or NULL with
	 * fe->err set. */
	void *(*start)(struct vt_frontend *fe, uint16_t queue_size, const struct vt_run_opts *ro);
	/* Runs operation words, printing results on stdout. */
	enum vt_run_result (*run)(void *drv, char *const *words, unsigned n, const struct vt_run_opts *ro,
				  char *err, size_t errlen);
	void (*stop)(void *drv);
	/* drive --bench (drivers/bench.h): the request words it repeats when
	 * none are given, --help's lines about its words, a check of them
	 * before connecting, and the builder of the plan's slots over a
	 * started driver.  NULL bench: no --bench. */
	const char *bench_words;
	const char *bench_help;
	bool (*bench_check)(char *const *words, unsigned n, char *err, size_t errlen);
	bool (*bench)(void *drv, char *const *words, unsigned n, const struct vt_bench_conf *c,
		      struct vt_bench_plan *p, char *err, size_t errlen);
};

/* A device type `vitool loopback` exercises: its child serve's hardware,
 * what the front-end prints first, the built-in exercise, and the words a
 * script may use beyond drive's. */
struct vt_loopback_ops {
	const char *const *serve_args;  /* serve options that set up the hardware; NULL-terminated */
	const char *intro;              /* "# targets: ...": what the exercise runs against */
	const char *help;               /* loopback --help's lines about this device */
	const char *const *exercise;    /* operation lines; a "# ..." line says what the next show */
	/* Optional, instead of front->start (gpio: also reads the line names
	 * the extra words take). */
	void *(*start)(struct vt_frontend *fe, uint16_t queue_size, const struct vt_run_opts *ro);
	/* Optional, instead of front->run: also the loopback's own words (gpio:
	 * inject through the child's control socket ctl, -1 when there is none;
	 * arm; event). */
	enum vt_run_result (*run)(void *drv, int ctl, char *const *words, unsigned n,
				  const struct vt_run_opts *ro, char *err, size_t errlen);
	/* Optional, instead of front->check: validates a script line before
	 * the run starts, the loopback's own words included. */
	bool (*check)(char *const *words, unsigned n, char *err, size_t errlen);
	/* First words of steps that print their own picture of many requests
	 * (i2c: detect's grid): their served-request lines are counted into
	 * one line instead of printed, unless -v.  NULL-terminated; may be NULL. */
	const char *const *fold_words;
};

struct vt_device_type {
	const char *name;               /* "i2c": the word on command lines and in filters */
	uint32_t virtio_id;
	unsigned num_queues;
	const char *const *queue_names; /* "requestq", "eventq" */
	/* Queues whose buffers the device holds until something happens (an
	 * interrupt): never timed out nor out of order (bit per queue). */
	uint32_t event_queues;
	/* How the type shows on a backend, which never names it (drive's type
	 * check, drivers/ident.h): the device feature bits its spec defines,
	 * those every usable device offers (Linux refuses one without them),
	 * and its config space size (0: none). */
	uint64_t device_features;
	uint64_t required_features;
	uint32_t config_size;
	const struct vt_tok *feature_names;   /* those bits by name (drive -v); may be NULL */
	const struct vt_decoder *decoder;
	/* serve --fault rules: the selector words and how `fail` fails a
	 * request (fault/fault.h); NULL: queue and type only, fail = used 0. */
	const struct vt_device_faults *faults;
	const struct vt_serve_ops *serve;   /* NULL: vitool cannot serve it */
	const struct vt_front_ops *front;   /* NULL: vitool cannot drive it */
	const struct vt_loopback_ops *loopback;  /* NULL: no loopback (needs serve and front) */
};

/* Every type, in the registry's order (the order help texts list them). */
size_t vt_device_count(void);
const struct vt_device_type *vt_device_at(size_t i);
/* By name or virtio id; NULL when there is none. */
const struct vt_device_type *vt_device_find(const char *name);
const struct vt_device_type *vt_device_by_id(uint32_t virtio_id);

/* What a command can do with a type. */
enum vt_device_role { VT_DEVICE_SERVE, VT_DEVICE_FRONT, VT_DEVICE_LOOPBACK };
bool vt_device_has(const struct vt_device_type *t, enum vt_device_role role);
/* "i2c<sep>gpio": the names of the types with that role, in registry order
 * (usage lines, messages). */
void vt_device_names(char *buf, size_t len, enum vt_device_role role, const char *sep);
/* "i2c, gpio": the names of the types that serve (or, front: that drive)
 * knows, for messages. */
void vt_device_list(char *buf, size_t len, bool front);
/* The option of any servable type other than t with that long name (for
 * "--lines is a gpio option"); NULL. */
const struct vt_device_type *vt_device_option_owner(const struct vt_device_type *t, const char *name);

#endif
