@ The isolation self-check's exact-length pieces (Thumb-2, Cortex-M3):
@  - the unprivileged accesses: one 16-bit load or store each, so the MemManage handler skips a
@    faulting one by advancing the stacked PC by 2;
@  - the MemManage handler's entry (hands the stacked frame to fw_isolation_memmanage in
@    isolation_check.cpp).
@ fw_run_unprivileged runs the accesses unprivileged (../common/unprivileged.S; it stays on
@ MSP, which the fixed stack region opens to unprivileged code).
    .syntax unified
    .thumb
    .text

@ uint32_t fw_unprivileged_load32(uint32_t address, uint32_t unused): the word at address
@ (address itself when the load faulted and was skipped)
    .global fw_unprivileged_load32
    .type fw_unprivileged_load32, %function
    .thumb_func
fw_unprivileged_load32:
    ldr.n r0, [r0]
    bx lr
    .size fw_unprivileged_load32, . - fw_unprivileged_load32

@ uint32_t fw_unprivileged_store32(uint32_t address, uint32_t value): stores value, returns address
    .global fw_unprivileged_store32
    .type fw_unprivileged_store32, %function
    .thumb_func
fw_unprivileged_store32:
    str.n r1, [r0]
    bx lr
    .size fw_unprivileged_store32, . - fw_unprivileged_store32

@ MemManage: the stacked frame (MSP or PSP, from EXC_RETURN bit 2) to fw_isolation_memmanage,
@ which returns through EXC_RETURN in lr.
    .global fw_memmanage_handler
    .type fw_memmanage_handler, %function
    .thumb_func
fw_memmanage_handler:
    tst lr, #4
    ite eq
    mrseq r0, msp
    mrsne r0, psp
    b fw_isolation_memmanage
    .size fw_memmanage_handler, . - fw_memmanage_handler
