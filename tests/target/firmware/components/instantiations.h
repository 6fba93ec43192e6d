#pragma once
// The runtime as the firmware instantiates it: every component over DirectMemory (identity
// mapping); the isolation runtime reaches the MPU and fault-status registers through MmioMemory.
// Each components/*.cpp explicitly instantiates one component, so its object file's
// .text is that component's code size; everyone else sees `extern template` and links to it.

#include "runtime/fixed_pool.h"
#include "runtime/heap_guard.h"
#include "runtime/isolation_manager.h"
#include "runtime/memory_access.h"
#include "runtime/mpu_driver.h"
#include "runtime/mpu_fault_handler.h"
#include "runtime/partition_manager.h"
#include "runtime/stack_allocator.h"
#include "runtime/static_allocator.h"
#include "runtime/tiered_pool.h"

#if __has_include("runtime/tlsf_heap.h")
#include "runtime/tlsf_heap.h"
#define EMSIM_FW_HAVE_TLSF 1
#else
// TODO(issue 3): runtime/tlsf_heap.h is missing; the TLSF checks and the tiered huge path are
// skipped until it lands.
#define EMSIM_FW_HAVE_TLSF 0
#endif

namespace emsim::fw {

using Mem = rt::DirectMemory;
#if EMSIM_FW_HAVE_TLSF
using Tlsf = rt::TlsfHeap<Mem>;
using HugeHeap = rt::Guarded<Tlsf>;
#else
using HugeHeap = rt::NoHugeAllocator;
#endif
using Pool = rt::FixedPool<Mem>;
using Tiered = rt::TieredPool<Mem, HugeHeap>;
using Static = rt::StaticAllocator<Mem>;
using Stack = rt::StackAllocator<Mem>;
using Partitions = rt::PartitionManager<Mem>;
using Isolation = rt::IsolationManager<Mem, rt::MmioMemory>;
using FaultHandler = rt::MpuFaultHandler<Mem, rt::MmioMemory>;

} // namespace emsim::fw

#ifndef EMSIM_FW_INSTANTIATE
extern template class emsim::rt::FixedPool<emsim::fw::Mem>;
extern template class emsim::rt::TieredPool<emsim::fw::Mem, emsim::fw::HugeHeap>;
extern template class emsim::rt::StaticAllocator<emsim::fw::Mem>;
extern template class emsim::rt::StackAllocator<emsim::fw::Mem>;
extern template class emsim::rt::PartitionManager<emsim::fw::Mem>;
extern template class emsim::rt::IsolationManager<emsim::fw::Mem, emsim::rt::MmioMemory>;
extern template class emsim::rt::MpuFaultHandler<emsim::fw::Mem, emsim::rt::MmioMemory>;
#if EMSIM_FW_HAVE_TLSF
extern template class emsim::rt::TlsfHeap<emsim::fw::Mem>;
extern template class emsim::rt::Guarded<emsim::fw::Tlsf>;
#endif
#endif
