@ The round trip to unprivileged Thread mode, shared by the self-check firmware (the isolation
@ check) and the MPU probe firmware (Thumb-2, Cortex-M3 and M33):
@  - fw_run_unprivileged: drop to unprivileged Thread mode (CONTROL.nPRIV = 1, ISB; the stack
@    stays MSP, so the caller's stack must be open to unprivileged code), call one access, and
@    come back to privileged through SVC;
@  - fw_svc_handler (the SVCall vector): clears nPRIV. Nothing else raises SVC in either firmware.
    .syntax unified
    .thumb
    .text

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
