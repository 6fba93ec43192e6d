@ The isolation self-check's exact-length pieces (Thumb-2, Cortex-M3):
@  - the unprivileged accesses: one 16-bit load or store each, so the MemManage handler skips a
@    faulting one by advancing the stacked PC by 2;
@  - fw_run_unprivileged: drop to unprivileged Thread mode (CONTROL.nPRIV = 1, ISB; still on
@    MSP, which the fixed stack region opens to unprivileged code), call one access, and come
@    back to privileged through SVC;
@  - the SVC handler (clears nPRIV) and the MemManage handler's entry (hands the stacked frame
@    to fw_isolation_memmanage in isolation_check.cpp).
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

@ uint32_t fw_run_unprivileged(uint32_t (*access)(uint32_t, uint32_t), uint32_t address,
@                              uint32_t value): access(address, value) run unprivileged; r0
@ survives the SVC (it is stacked and unstacked unchanged).
    .global fw_run_unprivileged
    .type fw_run_unprivileged, %function
    .thumb_func
fw_run_unprivileged:
    push {r4, lr}
    mov r4, r0
    mov r0, r1
    mov r1, r2
    mrs r3, control
    orr r3, r3, #1         @ nPRIV
    msr control, r3
    isb
    blx r4
    svc #0                 @ back to privileged (fw_svc_handler)
    pop {r4, pc}
    .size fw_run_unprivileged, . - fw_run_unprivileged

    .global fw_svc_handler
    .type fw_svc_handler, %function
    .thumb_func
fw_svc_handler:
    mrs r0, control
    bic r0, r0, #1
    msr control, r0
    isb
    bx lr
    .size fw_svc_handler, . - fw_svc_handler

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
