#pragma once
// ARM semihosting (Arm "Semihosting for AArch32 and AArch64", v2): the firmware's only I/O.
// Under QEMU run with `-semihosting-config enable=on,target=native`, the BKPT 0xAB trap is
// answered by the emulator: SYS_WRITE0 prints to QEMU's stdout and SYS_EXIT_EXTENDED ends QEMU
// with the given exit status (plain SYS_EXIT on AArch32 cannot carry one).

#include <stdint.h>

namespace emsim::fw {

void write(const char* text);       ///< SYS_WRITE0
void write_u32(uint32_t value);     ///< decimal
void write_hex(uint32_t value);     ///< 0x%08x
[[noreturn]] void exit(int status); ///< SYS_EXIT_EXTENDED(ApplicationExit, status)

} // namespace emsim::fw
