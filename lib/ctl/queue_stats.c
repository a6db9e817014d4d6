#include "ctl/queue_stats.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "util/json.h"

int vt_ctl_used_counts(int ctl, uint64_t used[VT_CTL_MAX_QUEUES])
{
	char *reply = NULL, *queues = NULL, q[512], err[128];
	bool ok = false;
	int n = 0;

	memset(used, 0, VT_CTL_MAX_QUEUES * sizeof(*used));
	if (ctl < 0 || vt_ctl_call(ctl, "stats", &reply, 2000, err, sizeof(err)) < 0)
		return -1;
	queues = malloc(strlen(reply) + 1);
	if (!queues || !vt_json_get_bool(reply, "ok", &ok) || !ok ||
	    !vt_json_get_raw(reply, "queues", queues, strlen(reply) + 1))
		n = -1;
	for (size_t i = 0; n >= 0 && vt_json_get_elem(queues, i, q, sizeof(q)); i++) {
		int64_t index, count;
		if (!vt_json_get_int(q, "queue", &index) || !vt_json_get_int(q, "used", &count) || index < 0 ||
		    index >= VT_CTL_MAX_QUEUES || count < 0) {
			n = -1;
			break;
		}
		used[index] = (uint64_t)count;
		if (index >= n)
			n = (int)index + 1;
	}
	free(queues);
	free(reply);
	return n;
}
