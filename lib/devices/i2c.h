/* virtio-i2c device model (virtio spec 5.18): turns requests into bus
 * messages, honours M_RD and FAIL_NEXT groups, zero-length requests. */
#ifndef VT_DEVICES_I2C_H
#define VT_DEVICES_I2C_H

#include "devices/device.h"
#include "hw/i2c_bus.h"

extern const struct vt_device_model vt_model_i2c;

/* A device instance over bus (not owned). */
void *vt_i2c_dev_new(struct vt_i2c_bus *bus);
void vt_i2c_dev_free(void *dev);

#endif
