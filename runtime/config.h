#pragma once
// Build options of the runtime, each documented where it is defined. Override any of them with
// -D on the compiler command line; this header only supplies defaults.

/// EMSIM_RT_COUNT_STEPS: 1 = every operation counts its algorithm steps (loop iterations, list
/// hops) so a host can charge compute cycles; 0 = the counters compile away (firmware).
#ifndef EMSIM_RT_COUNT_STEPS
#if defined(__arm__) || defined(__thumb__)
#define EMSIM_RT_COUNT_STEPS 0
#else
#define EMSIM_RT_COUNT_STEPS 1
#endif
#endif

/// EMSIM_RT_ASSERT(cond): a broken *internal* invariant (never bad input: that returns a status).
/// Traps on the target; on the host it calls emsim_rt_assert_failed(), which the simulator
/// defines to report through SystemC and native tests define to fail the test.
#ifndef EMSIM_RT_ASSERT
#if defined(__arm__) || defined(__thumb__)
#define EMSIM_RT_ASSERT(cond)                                                                      \
    do {                                                                                           \
        if (!(cond)) __builtin_trap();                                                             \
    } while (0)
#else
extern "C" void emsim_rt_assert_failed(const char* expr, const char* file, int line);
#define EMSIM_RT_ASSERT(cond)                                                                      \
    do {                                                                                           \
        if (!(cond)) emsim_rt_assert_failed(#cond, __FILE__, __LINE__);                            \
    } while (0)
#endif
#endif

/// EMSIM_RT_GUARD_LOG_ENTRIES: violations a HeapGuard keeps (a ring: the newest are kept and
/// `overwritten` counts the lost ones). 16 x 24 bytes fits any MCU's .bss.
#ifndef EMSIM_RT_GUARD_LOG_ENTRIES
#define EMSIM_RT_GUARD_LOG_ENTRIES 16
#endif

/// EMSIM_RT_TIERED_MAX_CLASSES: capacity of TieredPoolConfig's class table (and the number of
/// FixedPools a TieredPool embeds). 16 covers three tiers of 3-5 block sizes each.
#ifndef EMSIM_RT_TIERED_MAX_CLASSES
#define EMSIM_RT_TIERED_MAX_CLASSES 16
#endif

/// EMSIM_RT_POWER_MAX_BANKS: capacity of PowerLayout's bank table and the number of TlsfHeap
/// objects a PowerAwareHeap embeds (about 1.3 KiB each: mostly TLSF's observed-cost tables). 16
/// covers an nRF52840 modelled per RAM block (RAM0..RAM8, POWER->RAM[n]) and an STM32L4 (SRAM1,
/// SRAM2); modelling every nRF52840 RAM section as its own bank needs more (raise it with -D).
#ifndef EMSIM_RT_POWER_MAX_BANKS
#define EMSIM_RT_POWER_MAX_BANKS 16
#endif

/// EMSIM_RT_POWER_MAX_REGIONS: capacity of the power-region table (one CTRL/STATUS pair each).
/// The simulator's controller has at most 32 (models/power_controller.h); 16 is enough for the
/// parts we model and keeps plans small.
#ifndef EMSIM_RT_POWER_MAX_REGIONS
#define EMSIM_RT_POWER_MAX_REGIONS 16
#endif

/// EMSIM_RT_MAX_PARTITIONS: partitions a PartitionManager holds at once (live ones; a terminated
/// partition's slot is reused). Each slot embeds a TlsfHeap object (about 1.3 KiB, mostly TLSF's
/// observed-cost tables): 8 covers an ARINC-653-style split of an MCU's SRAM.
#ifndef EMSIM_RT_MAX_PARTITIONS
#define EMSIM_RT_MAX_PARTITIONS 8
#endif

/// EMSIM_RT_MAX_DOMAINS: requesters a PartitionManager knows (rights are one bit per domain in
/// a 32-bit mask, so at most 32) and isolation domains an IsolationManager holds. Each domain
/// costs the IsolationManager one MpuImage (about 140 bytes).
#ifndef EMSIM_RT_MAX_DOMAINS
#define EMSIM_RT_MAX_DOMAINS 16
#endif

/// EMSIM_RT_PARTITION_MAX_BLOCKS: live allocations a PartitionManager tracks (owner, partition
/// and size of each, 12 bytes a block), across all partitions. free_in_partition() scans them.
#ifndef EMSIM_RT_PARTITION_MAX_BLOCKS
#define EMSIM_RT_PARTITION_MAX_BLOCKS 64
#endif

/// EMSIM_RT_PARTITION_QUEUE: pending requests the partition scheduler queues.
#ifndef EMSIM_RT_PARTITION_QUEUE
#define EMSIM_RT_PARTITION_QUEUE 16
#endif

/// EMSIM_RT_ISOLATED_REGIONS: isolated allocations an IsolationManager tracks (each is one MPU
/// request in the image of its owner and of each peer).
#ifndef EMSIM_RT_ISOLATED_REGIONS
#define EMSIM_RT_ISOLATED_REGIONS 32
#endif

/// EMSIM_RT_ACCESS_LOG_ENTRIES: entries of the IsolationManager's access log (a ring: the newest
/// are kept and `dropped` counts the overwritten ones). 32 x 16 bytes.
#ifndef EMSIM_RT_ACCESS_LOG_ENTRIES
#define EMSIM_RT_ACCESS_LOG_ENTRIES 32
#endif
