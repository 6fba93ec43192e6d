#pragma once
// A TLM memory manager for initiators: recycles generic payloads (AT needs one: a payload passed
// through nb_transport must have a memory manager so every hop can acquire and release it).

#include <tlm>

#include <memory>
#include <vector>

namespace emsim {

class PayloadPool : public tlm::tlm_mm_interface {
public:
    /// A fresh payload with reference count 1 (already acquired for the caller).
    tlm::tlm_generic_payload& allocate() {
        tlm::tlm_generic_payload* trans;
        if (m_free.empty()) {
            m_owned.push_back(std::make_unique<tlm::tlm_generic_payload>(this));
            trans = m_owned.back().get();
        } else {
            trans = m_free.back();
            m_free.pop_back();
        }
        trans->acquire();
        return *trans;
    }

    void free(tlm::tlm_generic_payload* trans) override {
        trans->reset(); // drops auto extensions, keeps sticky ones
        m_free.push_back(trans);
    }

private:
    std::vector<std::unique_ptr<tlm::tlm_generic_payload>> m_owned;
    std::vector<tlm::tlm_generic_payload*> m_free;
};

} // namespace emsim
