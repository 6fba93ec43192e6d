#include "models/sim_context.h"

#include <systemc>

namespace emsim {

void fresh_simulation_context() {
    // SystemC 2.3.4 keeps the current context in these two globals (sc_simcontext.h); pointing
    // them at a new context is how its own regression harnesses run several elaborations.
    sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
    sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
}

} // namespace emsim
