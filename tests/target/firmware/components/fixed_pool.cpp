// Code-size unit: FixedPool<DirectMemory> and nothing else.
#define EMSIM_FW_INSTANTIATE
#include "instantiations.h"

template class emsim::rt::FixedPool<emsim::fw::Mem>;
