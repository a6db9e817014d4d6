/* Control commands of the trace recorder (serve):
 *   trace [snaplen N]  replies {"ok":true,"linktype":147,"snaplen":N,
 *                      "device":"i2c","virtio_id":34}, then the connection
 *                      carries a pcap stream (file header, then one trace
 *                      record per packet) until the client closes it; a
 *                      reader that falls behind loses records and gets a
 *                      DROPS record saying how many;
 *   trace-stats        the threshold, subscribers, records and drops, the
 *                      file sink, and per queue: requests followed,
 *                      timeouts, late and out-of-order completions. */
#ifndef VT_CTL_TRACE_CMDS_H
#define VT_CTL_TRACE_CMDS_H

#include "ctl/ctl.h"
#include "trace/recorder.h"

/* rec must outlive the server. */
void vt_ctl_add_trace(struct vt_ctl_server *s, struct vt_recorder *rec);

#endif
