/* The words a `vitool loopback gpio` script has beyond drive's
 * (gpio_loopback.c; the run is vt_gpio_loopback_run in gpio_session.h). */
#ifndef VT_DRIVERS_GPIO_LOOPBACK_H
#define VT_DRIVERS_GPIO_LOOPBACK_H

#include <stdbool.h>
#include <stddef.h>

/* Validates a script line before the run: inject LINE=LEVEL... [pulse MS]
 * [wait MS], arm LINE, event [MS], or drive's operations.  Line names and
 * levels are the serve's to judge.  false with err set. */
bool vt_gpio_loopback_check(char *const *words, unsigned n, char *err, size_t errlen);

#endif
