/* The words a `vitool loopback gpio` script has beyond drive's, moved here
 * from cmd/loopback.c so the command names no device: inject (the child
 * serve's control socket sets simulated inputs), and arm / event, which
 * take the eventq one step at a time so a script can show an edge latched
 * while masked, a level re-fired on unmask, or completions out of order. */
#include "drivers/gpio_session.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "util/json.h"
#include "util/parse.h"
#include "virtio/virtio_gpio.h"

/* A line by offset or by the name read at start; -1. */
static int line_of(const struct vt_gpio_driver *d, const char *word)
{
	unsigned v;

	if (vt_parse_uint(word, d->ngpio - 1u, &v))
		return (int)v;
	for (unsigned i = 0; d->names && i < d->ngpio; i++)
		if (!strcmp(d->names[i], word))
			return (int)i;
	return -1;
}

static enum vt_run_result inject(int ctl, char *const *words, unsigned n, char *err, size_t errlen)
{
	char line[1024] = "inject", msg[256], cerr[256];
	char *reply = NULL;
	bool ok = false;
	size_t len = strlen(line);

	if (ctl < 0) {
		snprintf(err, errlen, "inject: no control socket");
		return VT_RUN_TRANSPORT;
	}
	for (unsigned i = 1; i < n && len < sizeof(line); i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len, " %s", words[i]);
	if (vt_ctl_call(ctl, line, &reply, 5000, cerr, sizeof(cerr)) < 0) {
		snprintf(err, errlen, "inject: %s", cerr);
		return VT_RUN_TRANSPORT;
	}
	vt_json_get_bool(reply, "ok", &ok);
	if (!ok) {
		if (!vt_json_get_str(reply, "error", msg, sizeof(msg)))
			snprintf(msg, sizeof(msg), "%s", reply);
		snprintf(err, errlen, "inject: %s", msg);
	}
	free(reply);
	return ok ? VT_RUN_OK : VT_RUN_DEVICE_ERR;
}

static enum vt_run_result arm(struct vt_gpio_driver *d, char *const *words, unsigned n, char *err,
			      size_t errlen)
{
	int line = n == 2 ? line_of(d, words[1]) : -1;
	int r;

	if (line < 0) {
		snprintf(err, errlen, "arm: want one line (offset or name)");
		return VT_RUN_USAGE;
	}
	r = vt_gpio_arm(d, (uint16_t)line);
	if (r < 0) {
		snprintf(err, errlen, "arm %s: %s", words[1], strerror(-r));
		return VT_RUN_TRANSPORT;
	}
	return VT_RUN_OK;
}

static enum vt_run_result event(struct vt_gpio_driver *d, char *const *words, unsigned n, FILE *out,
				char *err, size_t errlen)
{
	unsigned line, ms = 1000;
	uint8_t status;
	int r;

	if (n > 2 || (n == 2 && !vt_parse_uint(words[1], 3600000, &ms))) {
		snprintf(err, errlen, "event: want at most a timeout in ms");
		return VT_RUN_USAGE;
	}
	r = vt_gpio_wait_event(d, (int)ms, &line, &status);
	if (r == -ETIMEDOUT) {
		snprintf(err, errlen, "event: no interrupt within %u ms", ms);
		return VT_RUN_DEVICE_ERR;
	}
	if (r < 0) {
		snprintf(err, errlen, "event: %s", d->fe->err);
		return VT_RUN_TRANSPORT;
	}
	fprintf(out, "event: line %u (%s) %s\n", line, d->names ? d->names[line] : "",
		status == VIRTIO_GPIO_IRQ_STATUS_VALID ? "VALID" : "INVALID");
	return VT_RUN_OK;
}

enum vt_run_result vt_gpio_loopback_run(struct vt_gpio_driver *d, int ctl, char *const *words, unsigned n,
					const struct vt_run_opts *o, FILE *out, char *err, size_t errlen)
{
	if (!strcmp(words[0], "inject"))
		return inject(ctl, words, n, err, errlen);
	if (!strcmp(words[0], "arm"))
		return arm(d, words, n, err, errlen);
	if (!strcmp(words[0], "event"))
		return event(d, words, n, out, err, errlen);
	return vt_gpio_run_words(d, words, n, o, out, err, errlen);
}
