// Code-size unit: PartitionManager<DirectMemory> without the TLSF heap and MPU planner code it
// calls (their own units; instantiations.h declares them extern here).
#include "instantiations.h"

template class emsim::rt::PartitionManager<emsim::fw::Mem>;
