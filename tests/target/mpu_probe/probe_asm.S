@ The MPU probe firmware's exact-length pieces (Thumb-2, Cortex-M3 and M33):
@  - the probes: one 16-bit load or store each, so the MemManage handler skips a faulting one by
@    advancing the stacked PC by 2; the exec probe branches to a `bx lr` in the probe window and
@    a faulting fetch returns through the stacked LR;
@  - the MemManage handler's entry.
@ fw_run_unprivileged runs a probe unprivileged (../common/unprivileged.S, with the SVC handler).
    .syntax unified
    .thumb
    .text

    .macro PROBE name, insn
    .global \name
    .type \name, %function
    .thumb_func
\name:
    \insn
    bx lr
    .size \name, . - \name
    .endm

@ void probe_xN(uint32_t address, uint32_t value)
    PROBE probe_r1, "ldrb.n r2, [r0]"
    PROBE probe_r2, "ldrh.n r2, [r0]"
    PROBE probe_r4, "ldr.n r2, [r0]"
    PROBE probe_w1, "strb.n r1, [r0]"
    PROBE probe_w2, "strh.n r1, [r0]"
    PROBE probe_w4, "str.n r1, [r0]"

    .global probe_x2
    .type probe_x2, %function
    .thumb_func
probe_x2:
    push {r4, lr}
    adds r0, r0, #1        @ Thumb state
    blx r0                 @ the target holds `bx lr`
    pop {r4, pc}
    .size probe_x2, . - probe_x2

@ MemManage: hand the stacked frame (MSP or PSP, from EXC_RETURN bit 2) to memmanage_record.
    .global memmanage_handler
    .type memmanage_handler, %function
    .thumb_func
memmanage_handler:
    tst lr, #4
    ite eq
    mrseq r0, msp
    mrsne r0, psp
    b memmanage_record
    .size memmanage_handler, . - memmanage_handler
