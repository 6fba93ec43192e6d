// Code-size unit: IsolationManager<DirectMemory, MmioMemory>: domains, isolated allocations,
// image replanning, the access log and switch_domain (apply<MmioMemory> inlined). The partition
// manager and TLSF heap it calls are their own units (extern in instantiations.h); the inline
// MpuPlanner members it calls are copied into this object as into the partition manager's
// (5.6 KiB, kept once when linked; see partition_manager.cpp).
#include "instantiations.h"

template class emsim::rt::IsolationManager<emsim::fw::Mem, emsim::rt::MmioMemory>;
