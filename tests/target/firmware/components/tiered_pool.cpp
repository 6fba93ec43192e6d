// Code-size unit: TieredPool<DirectMemory, Guarded<TlsfHeap>> without the FixedPool and TLSF
// code it calls (those are their own units).
#include "instantiations.h"

template class emsim::rt::TieredPool<emsim::fw::Mem, emsim::fw::HugeHeap>;
