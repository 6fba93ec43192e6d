// The simulator's answer to a broken runtime invariant (EMSIM_RT_ASSERT): a SystemC error, which
// main() reports before exiting non-zero. Bad input never gets here; only emsim bugs do.
#include "runtime/config.h"

#include <systemc>

#include <string>

extern "C" void emsim_rt_assert_failed(const char* expr, const char* file, int line) {
    const std::string message =
        std::string("runtime invariant broken: ") + expr + " at " + file + ":" + std::to_string(line);
    SC_REPORT_ERROR("emsim/runtime", message.c_str());
}
