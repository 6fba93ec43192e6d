// Code-size unit: IsolationManager<DirectMemory, MmioMemory>: domains, isolated allocations,
// image replanning, the access log, and switch_domain's apply<MmioMemory> (a function template,
// so the MPU driver unit holds a copy too and the linker keeps one).
#include "instantiations.h"

template class emsim::rt::IsolationManager<emsim::fw::Mem, emsim::rt::MmioMemory>;
