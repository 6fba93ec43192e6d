// Code-size unit: StaticAllocator<DirectMemory> and nothing else.
#define EMSIM_FW_INSTANTIATE
#include "instantiations.h"

template class emsim::rt::StaticAllocator<emsim::fw::Mem>;
