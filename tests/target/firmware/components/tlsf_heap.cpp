// Code-size unit: TlsfHeap<DirectMemory> (and its Guarded<> wrapper, a few instructions).
#define EMSIM_FW_INSTANTIATE
#include "instantiations.h"

#if EMSIM_FW_HAVE_TLSF
template class emsim::rt::TlsfHeap<emsim::fw::Mem>;
template class emsim::rt::Guarded<emsim::fw::Tlsf>;
#endif
