#include "ctl/queue_stats.h"

#include <jansson.h>
#include <string.h>

#include "ctl/ctl.h"

int vt_ctl_used_counts(int ctl, uint64_t used[VT_CTL_MAX_QUEUES])
{
	char err[256];
	json_t *reply = NULL, *queues = NULL, *q;
	size_t i;
	int n = 0;

	memset(used, 0, VT_CTL_MAX_QUEUES * sizeof(*used));
	if (ctl >= 0)
		reply = vt_ctl_call_json(ctl, "stats", 2000, err, sizeof(err));
	if (!reply || !vt_ctl_reply_ok(reply, err, sizeof(err)) ||
	    !json_is_array(queues = json_object_get(reply, "queues")))
		n = -1;
	json_array_foreach (queues, i, q) {
		json_int_t index, count;
		if (n < 0 || json_unpack(q, "{s:I, s:I}", "queue", &index, "used", &count) < 0 || index < 0 ||
		    index >= VT_CTL_MAX_QUEUES || count < 0) {
			n = -1;
			break;
		}
		used[index] = (uint64_t)count;
		if (index >= n)
			n = (int)index + 1;
	}
	json_decref(reply);
	return n;
}
