// Code-size unit: StackAllocator<DirectMemory> and nothing else.
#define EMSIM_FW_INSTANTIATE
#include "instantiations.h"

template class emsim::rt::StackAllocator<emsim::fw::Mem>;
