/* Instances by name (instance.h): the control sockets that answer, asked
 * for `info`, and the one rule every command uses to pick one. */
#include "ctl/instance.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl/ctl.h"
#include "util/json.h"
#include "util/strbuf.h"

#define MAX_INSTANCES 64
/* An instance answers `info` at once; a socket that keeps silent this long
 * is no control socket (a vhost-user socket waits for its front-end to
 * speak first). */
#define INFO_TIMEOUT_MS 1000

static void copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src);
}

/* The string member key of o into dst (truncated); dst unchanged when o has
 * no such string. */
static void copy_member(char *dst, size_t len, const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	if (v)
		copy(dst, len, v);
}

int vt_instance_query(const char *path, struct vt_instance *in, char *err, size_t errlen)
{
	char why[256];
	json_t *reply, *pid;
	int fd;

	memset(in, 0, sizeof(*in));
	copy(in->control, sizeof(in->control), path);
	copy(in->device, sizeof(in->device), "?");
	fd = vt_ctl_connect(path, err, errlen);
	if (fd < 0)
		return -1;
	reply = vt_ctl_call_json(fd, "info", INFO_TIMEOUT_MS, why, sizeof(why));
	close(fd);
	if (!reply) {
		snprintf(err, errlen, "%s does not answer as a vitool control socket (%s)", path, why);
		return -1;
	}
	if (!vt_ctl_reply_ok(reply, why, sizeof(why))) {
		if (json_is_boolean(json_object_get(reply, "ok")))
			snprintf(err, errlen, "%s", why);   /* "permission denied: uid ..." */
		else
			snprintf(err, errlen, "%s: %s", path, why);   /* unexpected reply: ... */
		json_decref(reply);
		return -1;
	}
	copy_member(in->name, sizeof(in->name), reply, "name");
	copy_member(in->device, sizeof(in->device), reply, "device");
	if (!in->device[0])
		copy(in->device, sizeof(in->device), "?");
	copy_member(in->socket, sizeof(in->socket), reply, "socket");
	in->connected = json_is_true(json_object_get(reply, "connected"));
	pid = json_object_get(reply, "pid");
	if (json_is_integer(pid) && json_integer_value(pid) > 0 && json_integer_value(pid) <= INT32_MAX)
		in->pid = (long)json_integer_value(pid);
	in->answered = true;
	json_decref(reply);
	return 0;
}

int vt_instance_list(struct vt_instance **out, char *err, size_t errlen)
{
	char dir[256], path[512], *found[MAX_INSTANCES];
	struct vt_instance *v;
	int n;

	*out = NULL;
	if (vt_ctl_dir(dir, sizeof(dir)) < 0) {
		snprintf(err, errlen, "control directory path too long");
		return -1;
	}
	n = vt_ctl_scan(dir, found, MAX_INSTANCES);
	if (n < 0) {
		snprintf(err, errlen, "cannot read %s: %s", dir, strerror(errno));
		return -1;
	}
	v = calloc((size_t)n + 1, sizeof(*v));
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s.ctl", dir, found[i]);
		/* One that accepts but does not answer is alive: listed, unnamed
		 * details shown as unknown. */
		if (v && vt_instance_query(path, &v[i], v[i].why, sizeof(v[i].why)) < 0)
			copy(v[i].name, sizeof(v[i].name), found[i]);
		else if (v && !v[i].name[0])
			copy(v[i].name, sizeof(v[i].name), found[i]);
		free(found[i]);
	}
	if (!v) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*out = v;
	return n;
}

/* Same file (a socket given by another path, relative or through a link). */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return a[0] && b[0] && stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/* "a (gpio), b (i2c)" of the instances of device (NULL: all). */
static void candidates(struct vt_sb *sb, const struct vt_instance *v, int n, const char *device)
{
	bool first = true;

	for (int i = 0; i < n; i++) {
		if (device && v[i].answered && strcmp(v[i].device, device))
			continue;
		vt_sb_printf(sb, "%s%s (%s)", first ? "" : ", ", v[i].name, v[i].device);
		first = false;
	}
}

/* The instance is there; is it of the wanted type?  One that did not say
 * fails with its reason. */
static int check_device(const struct vt_instance_want *w, const struct vt_instance *in, char *err,
			size_t errlen)
{
	if (!in->answered) {
		snprintf(err, errlen, "%s", in->why[0] ? in->why : "the instance did not answer");
		return -1;
	}
	if (!w->device || !strcmp(in->device, w->device))
		return 0;
	snprintf(err, errlen, "%s is a%s %s instance; %s needs a %s instance", in->name,
		 strchr("aeiou", in->device[0]) ? "n" : "", in->device, w->cmd, w->device);
	return -1;
}

/* "(running: a (gpio), b (i2c))" or "(none running in DIR)". */
static void running_note(struct vt_sb *sb, const struct vt_instance *v, int n)
{
	char dir[256] = "";

	if (n > 0) {
		vt_sb_printf(sb, "%s", " (running: ");
		candidates(sb, v, n, NULL);
		vt_sb_printf(sb, "%s", ")");
	} else {
		vt_ctl_dir(dir, sizeof(dir));
		vt_sb_printf(sb, " (none running in %s)", dir);
	}
}

/* from_control: the name came as --control (no such file there). */
static int by_name(const struct vt_instance_want *w, const char *name, bool from_control,
		   struct vt_instance *out, const struct vt_instance *v, int n, char *err, size_t errlen)
{
	char path[512], why[256];
	struct vt_sb sb;

	for (int i = 0; i < n; i++)
		if (!strcmp(v[i].name, name)) {
			*out = v[i];
			return check_device(w, out, err, errlen);
		}
	/* Not listed (the directory may be unreadable): its socket may still
	 * answer. */
	if (vt_ctl_default_path(name, path, sizeof(path)) == 0 &&
	    vt_instance_query(path, out, why, sizeof(why)) == 0)
		return check_device(w, out, err, errlen);
	vt_sb_init(&sb);
	if (from_control)
		vt_sb_printf(&sb, "no control socket at %s, and no running instance named '%s'", name, name);
	else
		vt_sb_printf(&sb, "no running instance named '%s'", name);
	running_note(&sb, v, n);
	snprintf(err, errlen, "%s", vt_sb_str(&sb));
	return -1;
}

static int by_path(const struct vt_instance_want *w, const char *path, struct vt_instance *out,
		   const struct vt_instance *v, int n, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		snprintf(err, errlen, "no control socket at %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s is not a socket", path);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		if (same_file(v[i].socket, path)) {
			snprintf(err, errlen, "%s is the vhost-user socket of instance %s; its control socket "
				 "is %s (or use -i %s)", path, v[i].name, v[i].control, v[i].name);
			return -1;
		}
		if (same_file(v[i].control, path) && v[i].answered) {
			*out = v[i];
			copy(out->control, sizeof(out->control), path);
			return check_device(w, out, err, errlen);
		}
	}
	/* Elsewhere than the directory: ask it. */
	if (vt_instance_query(path, out, err, errlen) < 0)
		return -1;
	return check_device(w, out, err, errlen);
}

int vt_instance_resolve(const struct vt_instance_want *w, struct vt_instance *out, char *err,
			size_t errlen)
{
	struct vt_instance *v;
	struct vt_sb sb;
	int n, r = -1, match = 0, last = -1;
	struct stat st;

	memset(out, 0, sizeof(*out));
	n = vt_instance_list(&v, err, errlen);
	/* An unreadable directory (another user's) still lets a path or
	 * name be tried. */
	if (n < 0 && !w->control && !w->name)
		return -1;
	if (n < 0)
		n = 0;
	if (w->control) {
		/* "-C i2c": a name where a path was expected, when no such file
		 * is there. */
		if (!strchr(w->control, '/') && stat(w->control, &st) < 0)
			r = by_name(w, w->control, true, out, v, n, err, errlen);
		else
			r = by_path(w, w->control, out, v, n, err, errlen);
		goto out;
	}
	if (w->name) {
		if (strchr(w->name, '/'))   /* -i PATH: a path after all */
			r = by_path(w, w->name, out, v, n, err, errlen);
		else
			r = by_name(w, w->name, false, out, v, n, err, errlen);
		goto out;
	}
	/* One that did not say its type may be the one. */
	for (int i = 0; i < n; i++)
		if (!w->device || !v[i].answered || !strcmp(v[i].device, w->device)) {
			match++;
			last = i;
		}
	if (match == 1) {
		*out = v[last];
		r = check_device(w, out, err, errlen);
		goto out;
	}
	vt_sb_init(&sb);
	if (match > 1) {
		vt_sb_printf(&sb, "several %s instances running: ", w->device ? w->device : "vitool");
		candidates(&sb, v, n, w->device);
		vt_sb_printf(&sb, "%s", "; choose one with -i NAME");
	} else {
		vt_sb_printf(&sb, "no running %s instance", w->device ? w->device : "vitool");
		running_note(&sb, v, n);
	}
	snprintf(err, errlen, "%s", vt_sb_str(&sb));
out:
	free(v);
	return r;
}

void vt_instance_print(FILE *f, const struct vt_instance *v, int n)
{
	int wn = 4, ws = 6;

	for (int i = 0; i < n; i++) {
		int l = (int)strlen(v[i].name), m = (int)strlen(v[i].socket);
		wn = l > wn ? l : wn;
		ws = m > ws ? m : ws;
	}
	fprintf(f, "%-*s  %-6s  %-7s  %-9s  %-*s  %s\n", wn, "NAME", "DEVICE", "PID", "FRONT-END", ws,
		"SOCKET", "CONTROL");
	for (int i = 0; i < n; i++) {
		char pid[24] = "?";
		if (v[i].pid)
			snprintf(pid, sizeof(pid), "%ld", v[i].pid);
		fprintf(f, "%-*s  %-6s  %-7s  %-9s  %-*s  %s\n", wn, v[i].name, v[i].device, pid,
			!v[i].answered ? "?" : v[i].connected ? "connected" : "-", ws,
			v[i].socket[0] ? v[i].socket : "?", v[i].control);
	}
}

void vt_instance_print_json(FILE *f, const struct vt_instance *v, int n)
{
	struct vt_json j;

	vt_json_init(&j);
	vt_json_arr_begin(&j, NULL);
	for (int i = 0; i < n; i++) {
		vt_json_obj_begin(&j, NULL);
		vt_json_str(&j, "name", v[i].name);
		vt_json_str(&j, "device", v[i].answered ? v[i].device : NULL);
		vt_json_str(&j, "socket", v[i].socket[0] ? v[i].socket : NULL);
		vt_json_str(&j, "control", v[i].control);
		if (v[i].answered)
			vt_json_bool(&j, "connected", v[i].connected);
		else
			vt_json_null(&j, "connected");
		if (v[i].pid)
			vt_json_int(&j, "pid", v[i].pid);
		else
			vt_json_null(&j, "pid");
		vt_json_obj_end(&j);
	}
	vt_json_arr_end(&j);
	fprintf(f, "%s\n", vt_json_text(&j));
	vt_json_free(&j);
}
