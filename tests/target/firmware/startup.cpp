// Cortex-M3 start-up for the self-check firmware: vector table, reset handler (copy .data, zero
// .bss, run constructors, call main, exit through semihosting with main's status) and a fault
// handler that turns any fault - including EMSIM_RT_ASSERT's trap - into a non-zero exit.

#include <stdint.h>

#include "semihosting.h"

extern "C" {
extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
extern void (*__init_array_start[])();
extern void (*__init_array_end[])();
int main();
[[noreturn]] void emsim_reset_handler();
[[noreturn]] void emsim_fault_handler();
void fw_memmanage_handler(); // isolation_asm.S: the isolation check's faults, else fatal
void fw_svc_handler();       // ../common/unprivileged.S: back to privileged (SVC)
}

/// Exit status of a fault (hard fault, trap of a broken runtime invariant, bad vector).
constexpr int FAULT_EXIT_STATUS = 3;

extern "C" [[noreturn]] void emsim_reset_handler() {
    for (uint32_t *src = &_sidata, *dst = &_sdata; dst < &_edata;)
        *dst++ = *src++;
    for (uint32_t* dst = &_sbss; dst < &_ebss;)
        *dst++ = 0;
    for (auto* ctor = __init_array_start; ctor < __init_array_end; ++ctor)
        (*ctor)();
    emsim::fw::exit(main());
}

extern "C" [[noreturn]] void emsim_fault_handler() {
    uint32_t ipsr;
    asm volatile("mrs %0, ipsr" : "=r"(ipsr));
    emsim::fw::write("FAULT: exception ");
    emsim::fw::write_u32(ipsr & 0x1FFu);
    emsim::fw::write(" (a trap here is a broken runtime invariant: EMSIM_RT_ASSERT)\n");
    emsim::fw::exit(FAULT_EXIT_STATUS);
}

using Vector = void (*)();

/// Initial SP, reset, then NMI .. SysTick (ARMv7-M B1.5.3). Nothing here uses interrupts: every
/// exception is fatal except SVCall and MemManage, which the isolation check uses (a MemManage
/// fault outside that check is fatal too, see fw_isolation_memmanage).
__attribute__((section(".isr_vector"), used)) const Vector emsim_vector_table[16] = {
    reinterpret_cast<Vector>(&_estack),
    emsim_reset_handler,
    emsim_fault_handler,  // NMI
    emsim_fault_handler,  // HardFault
    fw_memmanage_handler, // MemManage
    emsim_fault_handler,  // BusFault
    emsim_fault_handler,  // UsageFault
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    fw_svc_handler,      // SVCall
    emsim_fault_handler, // DebugMonitor
    nullptr,
    emsim_fault_handler, // PendSV
    emsim_fault_handler, // SysTick
};
