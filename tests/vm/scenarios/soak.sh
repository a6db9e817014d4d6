# soak: one short i2c read of the EEPROM's first bytes, then poweroff; the
# host boots this VM_SOAK_BOOTS times against one serve (group-soak.sh).
run read i2ctransfer -y 0 w1@0x50 0x00 r4
true
