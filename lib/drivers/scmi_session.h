/* `drive scmi` operations: words -> SCMI commands on a started
 * vt_scmi_driver, results printed one line each.
 *
 *   base                         version, vendor, protocols, agents
 *   sensors | clocks | perf      each domain and what it says of itself
 *   sensor read ID[,ID...] [async]
 *                                one READING_GET per sensor, all at once;
 *                                a line per value as it comes
 *   sensor notify ID [off]       SENSOR_UPDATE notifications on (off)
 *   sensor trip ID TRIP VALUE [up|down|both|off]
 *                                configure a trip point, events on
 *   clock rate ID | clock set ID HZ [async] | clock on ID | clock off ID
 *   clock notify ID [off]        CLOCK_RATE_CHANGED on (off)
 *   perf level ID [LEVEL] | perf limits ID [MIN MAX]
 *   perf notify ID [off]         level and limits notifications on (off)
 *   events N [MS]                print the next N notifications (each
 *                                waited for up to MS, default --timeout)
 *   raw PROTO MSG [WORD...]      any command; its status and return words
 */
#ifndef VT_DRIVERS_SCMI_SESSION_H
#define VT_DRIVERS_SCMI_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "drivers/run.h"
#include "drivers/scmi.h"

bool vt_scmi_check_words(char *const *words, unsigned n, char *err, size_t errlen);
enum vt_run_result vt_scmi_run_words(struct vt_scmi_driver *d, char *const *words, unsigned n,
				     const struct vt_run_opts *o, FILE *out, char *err, size_t errlen);

#endif
