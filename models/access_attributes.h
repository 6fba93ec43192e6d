#pragma once
// AccessAttributes: who makes a transaction and what kind of access it is, for the MPU. It is
// optional and ignorable like the other emsim extensions (access_info.h): a model from another
// virtual prototype that leaves it out makes privileged data accesses, which is what a bus
// master without a privilege signal (a DMA, a debugger) is on Cortex-M.
//
// Precedence: the TLM command decides read versus write; `kind` only turns a read into an
// instruction fetch. A write command is a Write whatever `kind` says, so an extension left over
// from an earlier use cannot make a store skip the write check.

#include "models/mpu_regions.h"

#include <tlm>

#include <cstdint>

namespace emsim {

class AccessAttributes : public tlm::tlm_extension<AccessAttributes> {
public:
    bool privileged = true;
    AccessKind kind = AccessKind::Read;
    uint16_t domain = 0; ///< the initiator or isolation domain making the access

    AccessAttributes() = default;
    AccessAttributes(bool privileged_, AccessKind kind_, uint16_t domain_)
        : privileged(privileged_), kind(kind_), domain(domain_) {}

    tlm::tlm_extension_base* clone() const override { return new AccessAttributes(*this); }
    void copy_from(const tlm::tlm_extension_base& other) override {
        *this = static_cast<const AccessAttributes&>(other);
    }
};

/// The attributes a checker applies to `trans`: the extension's, with the precedence above, or
/// a privileged data access of domain 0 when there is none.
struct ResolvedAttributes {
    bool privileged = true;
    AccessKind kind = AccessKind::Read;
    uint16_t domain = 0;
};

inline ResolvedAttributes resolve_attributes(const tlm::tlm_generic_payload& trans) {
    ResolvedAttributes r;
    const bool write = trans.get_command() == tlm::TLM_WRITE_COMMAND;
    r.kind = write ? AccessKind::Write : AccessKind::Read;
    if (const AccessAttributes* a = trans.get_extension<AccessAttributes>()) {
        r.privileged = a->privileged;
        r.domain = a->domain;
        if (!write && a->kind == AccessKind::Fetch) r.kind = AccessKind::Fetch;
    }
    return r;
}

} // namespace emsim
