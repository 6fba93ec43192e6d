// Code-size unit: PartitionManager<DirectMemory>. The TLSF heap it calls is its own unit
// (instantiations.h declares it extern here); the MpuPlanner members it calls are inline
// non-template functions, so this object carries a copy of them (5.6 KiB, as does the isolation
// manager's; the linker keeps one): its own code is the object's text minus that copy, or the
// PartitionManager line of scripts/firmware-size's linked table.
#include "instantiations.h"

template class emsim::rt::PartitionManager<emsim::fw::Mem>;
