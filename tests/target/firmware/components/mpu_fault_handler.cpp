// Code-size unit: MpuFaultHandler<DirectMemory, MmioMemory>: the MemManage register sequence,
// decode, attribution and policy (the termination it calls is the isolation manager's unit).
#include "instantiations.h"

template class emsim::rt::MpuFaultHandler<emsim::fw::Mem, emsim::rt::MmioMemory>;
