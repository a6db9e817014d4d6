/* Runs gpio operations given as words (command line of `drive gpio`, a line
 * of a loopback script) against a started virtio-gpio driver, printing what
 * gpioinfo / gpioget / gpiomon would print.
 *
 * Operations (several may follow each other; they run in order):
 *   info                     "ngpio: 8", "gpio_names_size: 38", "irq: yes"
 *   names                    one line per line: "3\tbutton"
 *   get N...                 GET_VALUE of each: prints "0 1 1" (gpioget)
 *   set N=V...               SET_VALUE of each (V a vt_parse_level word);
 *                            an output drives it at once, any other line
 *                            when it becomes an output
 *   dir N in|out|none        SET_DIRECTION
 *   irq N rising|falling|both|high|low|none   SET_IRQ_TYPE
 *   wait N... [--timeout MS] [-n COUNT] [--format FMT]
 *                            unmask the lines' interrupts and take COUNT
 *                            events (default 1; 0: until the timeout);
 *                            prints gpiomon-like lines
 *                            event: RISING EDGE offset: 3 name: "button" timestamp: [  12.345678901]
 * N is a line offset ("3") or a line name ("button"); an operation word
 * ends the line list of the operation before it. */
#ifndef VT_DRIVERS_GPIO_SESSION_H
#define VT_DRIVERS_GPIO_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "drivers/gpio.h"
#include "drivers/run.h"

/* Runs the operations in order and stops at the first failure; err then
 * names the operation ("get 9: ...").  Output goes to out. */
enum vt_run_result vt_gpio_run_words(struct vt_gpio_driver *d, char *const *words, unsigned n,
					  const struct vt_run_opts *o, FILE *out,
					  char *err, size_t errlen);

/* Validates words without a connection (so a command line can be refused
 * with exit 2 before connecting).  Line offsets are range-checked and
 * names resolved only when running.  false with err set. */
bool vt_gpio_check_words(char *const *words, unsigned n, char *err, size_t errlen);

/* A line of a `loopback gpio` script (gpio_loopback.c): the operations
 * above, or one of
 *   inject LINE=LEVEL...   sets simulated inputs through the serve's control
 *                          socket ctl
 *   arm LINE               queues an eventq buffer for LINE (unmasks it)
 *   event [MS]             waits (default 1000 ms) for one eventq completion,
 *                          prints "event: line 1 (button) VALID"
 * Lines are named by the names read before (d->names). */
enum vt_run_result vt_gpio_loopback_run(struct vt_gpio_driver *d, int ctl, char *const *words, unsigned n,
					const struct vt_run_opts *o, FILE *out, char *err, size_t errlen);

#endif
