// IsolationManager against a target arena (partitions and their heaps) and a register file (the
// MPU's registers as plain words: this unit only stores images, the MPU model that enforces them
// lives in models/ and is tested there). Covers the placement geometry, the grants of each
// isolation type in the owner's and the peers' images, the refusals (security level, budget with
// rollback), switch_domain emitting exactly apply()'s store sequence, the access log ring,
// revocation and termination, and a randomized run checking that every domain image covers
// exactly its granted ranges with the right permissions. Seeds are printed; rerun one with
// EMSIM_ISOLATION_SEED=<n>.
#include "runtime/isolation_manager.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tests/runtime/target_arena.h"
#include "tests/runtime/test_rng.h"

namespace emsim::rt {
namespace {

using emsim::test::TARGET_BASE;
using emsim::test::TargetArena;

/// Records every store (address, value) and forwards it: the register sequence of a switch.
struct RecordingMemory {
    explicit RecordingMemory(DirectMemory inner) : m_inner(inner) {}
    uint8_t load8(Address a) { return m_inner.load8(a); }
    uint16_t load16(Address a) { return m_inner.load16(a); }
    uint32_t load32(Address a) { return m_inner.load32(a); }
    void store8(Address a, uint8_t v) { stores.push_back({a, v}), m_inner.store8(a, v); }
    void store16(Address a, uint16_t v) { stores.push_back({a, v}), m_inner.store16(a, v); }
    void store32(Address a, uint32_t v) { stores.push_back({a, v}), m_inner.store32(a, v); }
    std::vector<std::pair<Address, uint32_t>> stores;
    DirectMemory m_inner;
};

constexpr Address SCS_BASE = 0xE000E000u; ///< the register file covers the System Control Space

using Regs = CountingMemory<RecordingMemory>;
using Iso = IsolationManager<DirectMemory, Regs>;
using Parts = PartitionManager<DirectMemory>;

constexpr uint32_t PART_BYTES = 16 * 1024;

struct World {
    explicit World(MpuArch arch, uint8_t first_region = 2, uint8_t budget = 6)
        : parts(mem, part_params(arch)), iso(parts, regs, mpu_config(arch, first_region, budget)) {
        for (uint32_t i = 0; i < 3; ++i) {
            const Result<PartitionId> p = parts.create_partition(
                TARGET_BASE + i * PART_BYTES, PART_BYTES,
                PartitionRights{MpuAccess::ReadWrite, 1u << i, 0}, uint8_t(i));
            EXPECT_TRUE(p.ok());
            partition[i] = p.value;
        }
    }
    static PartitionManagerParams part_params(MpuArch arch) {
        PartitionManagerParams p;
        p.arch = arch;
        return p;
    }
    static MpuConfig mpu_config(MpuArch arch, uint8_t first_region, uint8_t budget) {
        MpuConfig c;
        c.arch = arch;
        c.regions_total = 8;
        c.first_region = first_region;
        c.region_budget = budget;
        return c;
    }
    /// A domain of `level` attached to partition i.
    DomainId domain(uint32_t i, SecurityLevel level = SecurityLevel::Normal) {
        const Result<DomainId> d = iso.create_isolation_domain(level);
        EXPECT_TRUE(d.ok());
        EXPECT_EQ(iso.attach_partition(d.value, partition[i]), RtStatus::Ok);
        return d.value;
    }

    TargetArena arena{64 * 1024};
    DirectMemory mem{arena.mem()};
    TargetArena reg_file{0x1000, SCS_BASE, 0};
    RecordingMemory recorder{reg_file.mem()};
    Regs regs{recorder};
    Parts parts;
    Iso iso;
    PartitionId partition[3]{};
};

// ---- reference decoder: which permissions each 32-byte granule gets from an image -----------

struct Granule {
    bool covered = false;
    uint32_t ap = 0; ///< v7 AP[2:0], or v8 AP[2:1]
};

/// Per 32-byte granule of [lo, hi): the enabled region with the highest number covering it.
std::vector<Granule> decode(const MpuImage& img, Address lo, Address hi) {
    std::vector<Granule> g((hi - lo) / 32);
    for (uint32_t j = 0; j < img.window; ++j) {
        const MpuRegionWords& r = img.region[j];
        for (uint32_t k = 0; k < g.size(); ++k) {
            const uint64_t a = lo + 32ull * k;
            if (img.arch == MpuArch::Pmsav8) {
                if ((r.rasr_or_rlar & 1u) == 0)
                    continue;
                if (a >= (r.rbar & ~0x1Fu) && a <= (r.rasr_or_rlar | 0x1Fu))
                    g[k] = Granule{true, (r.rbar >> 1) & 3u};
                continue;
            }
            if ((r.rasr_or_rlar & 1u) == 0)
                continue;
            const uint32_t log2 = ((r.rasr_or_rlar >> 1) & 0x1Fu) + 1;
            const uint64_t size = 1ull << log2;
            const uint64_t base = r.rbar & ~(size - 1) & 0xFFFFFFE0u;
            if (a < base || a >= base + size)
                continue;
            const uint32_t srd = log2 >= 8 ? (r.rasr_or_rlar >> 8) & 0xFFu : 0u;
            if ((srd >> uint32_t((a - base) / (size / 8))) & 1u)
                continue;
            g[k] = Granule{true, (r.rasr_or_rlar >> 24) & 7u};
        }
    }
    return g;
}

/// The image of `d` grants exactly what the allocation table says `d` may touch, each granule
/// with the permissions of its isolation type (derived here from the table, independently of the
/// manager's request list): owner and Shared peers P-RW/U-RW; SharedReadOnly peers P-RW/U-RO on
/// v7, P-RO/U-RO on v8.
void expect_image_matches_grants(const Iso& iso, DomainId d, Address lo, Address hi) {
    const MpuImage& img = iso.image(d);
    ASSERT_LE(img.used, iso.mpu_config().region_budget);
    std::vector<Granule> want((hi - lo) / 32);
    const bool v8 = img.arch == MpuArch::Pmsav8;
    for (uint32_t i = 0; i < Iso::MAX_REGIONS && iso.live(d); ++i) {
        const IsolatedRegion* r = iso.region(i);
        if (r == nullptr)
            continue;
        const bool owner = r->owner == d;
        if (!owner && (r->peers & domain_bit(d)) == 0)
            continue;
        const bool read_only = !owner && r->type == IsolationType::SharedReadOnly;
        const uint32_t ap = v8 ? (read_only ? 3u : 1u) : (read_only ? 2u : 3u);
        ASSERT_EQ(r->start % 32, 0u);
        ASSERT_EQ(r->size_bytes % 32, 0u);
        for (Address a = r->start; a < r->start + r->size_bytes; a += 32)
            want[(a - lo) / 32] = Granule{true, ap};
    }
    const std::vector<Granule> got = decode(img, lo, hi);
    for (size_t k = 0; k < want.size(); ++k) {
        ASSERT_EQ(got[k].covered, want[k].covered)
            << "domain " << domain_index(d) << " granule at 0x" << std::hex << lo + 32 * k;
        if (want[k].covered) {
            ASSERT_EQ(got[k].ap, want[k].ap) << "granule at 0x" << std::hex << lo + 32 * k;
        }
    }
}

// ---- tests ------------------------------------------------------------------------------------

TEST(IsolationGeometry, OneRegionPerAllocationWithBoundedWaste) {
    using G = Iso::IsolatedGeometry;
    auto geo = [](MpuArch arch, uint32_t size) { return Iso::isolated_geometry(arch, size); };
    auto eq = [](Result<G> r, uint32_t size, uint32_t align) {
        return r.ok() && r.value.size_bytes == size && r.value.align_bytes == align;
    };
    EXPECT_TRUE(eq(geo(MpuArch::Pmsav7, 1), 32, 32));
    EXPECT_TRUE(eq(geo(MpuArch::Pmsav7, 100), 128, 128));
    EXPECT_TRUE(eq(geo(MpuArch::Pmsav7, 300), 320, 512));
    EXPECT_TRUE(eq(geo(MpuArch::Pmsav7, 40 * 1024), 40 * 1024, 64 * 1024));
    EXPECT_TRUE(eq(geo(MpuArch::Pmsav7, 33 * 1024), 40 * 1024, 64 * 1024));
    EXPECT_EQ(geo(MpuArch::Pmsav7, 65 * 1024).status, RtStatus::InvalidAlignment);
    EXPECT_TRUE(eq(geo(MpuArch::Pmsav8, 100), 128, 32));
    EXPECT_TRUE(eq(geo(MpuArch::Pmsav8, 65 * 1024), 65 * 1024, 32));
    EXPECT_EQ(geo(MpuArch::Pmsav7, 0).status, RtStatus::InvalidSize);
    // The documented bound: waste < max(32, size / 4).
    for (uint32_t size = 1; size <= 64 * 1024; size += 7) {
        const Result<G> g = geo(MpuArch::Pmsav7, size);
        ASSERT_TRUE(g.ok());
        const uint32_t bound = size / 4 > 32 ? size / 4 : 32;
        ASSERT_LT(g.value.size_bytes - size, bound) << size;
    }
}

TEST(IsolationManager, PrivateAllocationIsOneExactRegionInTheOwnersImageOnly) {
    World w(MpuArch::Pmsav7);
    const DomainId a = w.domain(0);
    const DomainId b = w.domain(1);
    const Result<Address> x = w.iso.allocate_isolated_memory(a, 300, IsolationType::Private);
    ASSERT_TRUE(x.ok());
    EXPECT_EQ(x.value % 512, 0u);
    EXPECT_GE(x.value, TARGET_BASE);
    EXPECT_LT(x.value, TARGET_BASE + PART_BYTES);
    EXPECT_EQ(w.iso.regions_used(a), 1u);
    EXPECT_EQ(w.iso.regions_used(b), 0u);
    const MpuImage& img = w.iso.image(a);
    EXPECT_EQ(img.first_region, 2u);
    EXPECT_EQ(img.window, 6u);
    // 512 B region at x, subregions of 64 B: 5 enabled (320 B), SRD = 0b11100000; P-RW/U-RW, XN.
    EXPECT_EQ(img.region[0].rbar, x.value | MpuReg::RBAR_VALID | 2u);
    EXPECT_EQ(img.region[0].rasr_or_rlar,
              MpuReg::RASR_XN | (3u << MpuReg::RASR_AP_SHIFT) | MpuReg::RASR_S | MpuReg::RASR_C |
                  MpuReg::RASR_B | (0xE0u << MpuReg::RASR_SRD_SHIFT) |
                  (8u << MpuReg::RASR_SIZE_SHIFT) | MpuReg::RASR_ENABLE);
    expect_image_matches_grants(w.iso, a, TARGET_BASE, TARGET_BASE + 3 * PART_BYTES);
    expect_image_matches_grants(w.iso, b, TARGET_BASE, TARGET_BASE + 3 * PART_BYTES);
    EXPECT_EQ(w.parts.used_bytes(w.partition[0], a), 320u);
}

TEST(IsolationManager, SharedTypesGrantPeersReadOnlyOrReadWrite) {
    for (MpuArch arch : {MpuArch::Pmsav7, MpuArch::Pmsav8}) {
        World w(arch);
        const DomainId a = w.domain(0);
        const DomainId b = w.domain(1);
        const DomainId c = w.domain(2);
        const Result<Address> ro =
            w.iso.allocate_isolated_memory(a, 256, IsolationType::SharedReadOnly, domain_bit(b));
        const Result<Address> rw =
            w.iso.allocate_isolated_memory(a, 1024, IsolationType::Shared, domain_bit(c));
        ASSERT_TRUE(ro.ok());
        ASSERT_TRUE(rw.ok());
        MpuRequest reqs[4];
        ASSERT_EQ(w.iso.requests(b, reqs, 4), 1u);
        EXPECT_EQ(reqs[0].perms.unprivileged, MpuAccess::ReadOnly);
        EXPECT_EQ(reqs[0].perms.privileged,
                  arch == MpuArch::Pmsav7 ? MpuAccess::ReadWrite : MpuAccess::ReadOnly);
        ASSERT_EQ(w.iso.requests(c, reqs, 4), 1u);
        EXPECT_EQ(reqs[0].perms.unprivileged, MpuAccess::ReadWrite);
        EXPECT_EQ(w.iso.requests(a, reqs, 4), 2u);
        for (DomainId d : {a, b, c})
            expect_image_matches_grants(w.iso, d, TARGET_BASE, TARGET_BASE + 3 * PART_BYTES);

        EXPECT_TRUE(w.iso.check_access(a, ro.value, 4, AccessKind::Write));
        EXPECT_TRUE(w.iso.check_access(b, ro.value + 252, 4, AccessKind::Read));
        EXPECT_FALSE(w.iso.check_access(b, ro.value, 4, AccessKind::Write));
        EXPECT_FALSE(w.iso.check_access(b, ro.value + 254, 4, AccessKind::Read)); // past the end
        EXPECT_FALSE(w.iso.check_access(c, ro.value, 4, AccessKind::Read));
        EXPECT_TRUE(w.iso.check_access(c, rw.value, 1024, AccessKind::Write));
        EXPECT_FALSE(w.iso.check_access(a, rw.value, 4, AccessKind::Execute));
        EXPECT_TRUE(w.iso.check_access(NO_DOMAIN, rw.value, 4, AccessKind::Write)); // PRIVDEFENA
        ASSERT_EQ(w.iso.access_log_size(), 8u);
        const bool verdicts[] = {true, true, false, false, false, true, false, true};
        for (uint32_t i = 0; i < 8; ++i)
            EXPECT_EQ(w.iso.access_log_entry(i).allowed, verdicts[i]) << i;
        EXPECT_EQ(w.iso.access_log_entry(2).domain, b);
        EXPECT_EQ(w.iso.access_log_entry(2).kind, AccessKind::Write);
        EXPECT_EQ(w.iso.access_log_entry(2).address, ro.value);
    }
}

TEST(IsolationManager, RefusesLeaksToLessTrustedAndBadPeers) {
    World w(MpuArch::Pmsav7);
    const DomainId hi = w.domain(0, SecurityLevel::Trusted);
    const DomainId lo = w.domain(1, SecurityLevel::Untrusted);
    const Result<DomainId> bare = w.iso.create_isolation_domain(SecurityLevel::Normal);
    ASSERT_TRUE(bare.ok());
    EXPECT_EQ(w.iso.allocate_isolated_memory(hi, 64, IsolationType::Shared, domain_bit(lo)).status,
              RtStatus::AccessDenied);
    EXPECT_TRUE(
        w.iso.allocate_isolated_memory(lo, 64, IsolationType::SharedReadOnly, domain_bit(hi)).ok());
    EXPECT_EQ(w.iso.allocate_isolated_memory(hi, 64, IsolationType::Private, domain_bit(lo)).status,
              RtStatus::Unsupported);
    EXPECT_EQ(w.iso.allocate_isolated_memory(hi, 64, IsolationType::Shared, domain_bit(hi)).status,
              RtStatus::InvalidRegion);
    EXPECT_EQ(w.iso.allocate_isolated_memory(hi, 64, IsolationType::Shared, 1u << 9).status,
              RtStatus::InvalidRegion);
    EXPECT_EQ(w.iso.allocate_isolated_memory(bare.value, 64, IsolationType::Private).status,
              RtStatus::AccessDenied); // no partition attached
    EXPECT_EQ(w.iso.attach_partition(bare.value, w.partition[0]), RtStatus::AccessDenied);
    EXPECT_EQ(w.iso.allocate_isolated_memory(hi, 0, IsolationType::Private).status,
              RtStatus::InvalidSize);
    EXPECT_EQ(w.iso.allocate_isolated_memory(DomainId(12), 64, IsolationType::Private).status,
              RtStatus::InvalidRegion);
    // A v8 manager over partitions checked for v7 refuses to take memory from them.
    Iso v8(w.parts, w.regs, World::mpu_config(MpuArch::Pmsav8, 0, 8));
    const DomainId d = v8.create_isolation_domain(SecurityLevel::Normal).value;
    EXPECT_EQ(v8.attach_partition(d, w.partition[0]), RtStatus::Unsupported);
}

TEST(IsolationManager, AnImageOverTheWindowIsRefusedAndRolledBack) {
    World w(MpuArch::Pmsav7, 7, 1); // window: region 7 only
    const DomainId a = w.domain(0);
    const DomainId b = w.domain(1);
    // [x, x + 1 KiB) and a 4 KiB-aligned 4 KiB block cannot touch: two runs, two regions.
    ASSERT_TRUE(w.iso.allocate_isolated_memory(a, 1024, IsolationType::Shared, domain_bit(b)).ok());
    const MpuImage before_a = w.iso.image(a);
    const MpuImage before_b = w.iso.image(b);
    const Result<Address> second = w.iso.allocate_isolated_memory(a, 4096, IsolationType::Private);
    EXPECT_EQ(second.status, RtStatus::QuotaExceeded);
    EXPECT_EQ(w.iso.stats().refused_plans, 1u);
    EXPECT_EQ(w.parts.info(w.partition[0]).value.live_blocks, 1u);
    EXPECT_EQ(w.parts.heap_of(w.partition[0])->check_integrity(), RtStatus::Ok);
    EXPECT_EQ(memcmp(&w.iso.image(a), &before_a, sizeof before_a), 0);
    EXPECT_EQ(memcmp(&w.iso.image(b), &before_b, sizeof before_b), 0);
    EXPECT_EQ(w.iso.regions_used(a), 1u);
    // A block shared with b alone fits a's window only if it merges: refused too, b unchanged.
    EXPECT_EQ(w.iso.allocate_isolated_memory(a, 4096, IsolationType::Shared, domain_bit(b)).status,
              RtStatus::QuotaExceeded);
    EXPECT_EQ(memcmp(&w.iso.image(b), &before_b, sizeof before_b), 0);
    expect_image_matches_grants(w.iso, a, TARGET_BASE, TARGET_BASE + 3 * PART_BYTES);
    expect_image_matches_grants(w.iso, b, TARGET_BASE, TARGET_BASE + 3 * PART_BYTES);
}

TEST(IsolationManager, SwitchStoresExactlyTheApplySequenceOfTheTargetImage) {
    for (MpuArch arch : {MpuArch::Pmsav7, MpuArch::Pmsav8}) {
        World w(arch, 0, 8);
        const DomainId a = w.domain(0);
        const DomainId b = w.domain(1);
        for (uint32_t i = 0; i < 6; ++i) {
            ASSERT_TRUE(w.iso.allocate_isolated_memory(a, 100 + 300 * i, IsolationType::Private).ok());
            ASSERT_TRUE(w.iso.allocate_isolated_memory(b, 900 - 100 * i, IsolationType::Private).ok());
        }
        EXPECT_GE(w.iso.regions_used(a), 1u);
        // Reference: apply() of b's image into a separate recorder.
        TargetArena ref_file(0x1000, SCS_BASE, 0);
        RecordingMemory ref(ref_file.mem());
        const uint32_t ref_stores = apply(ref, w.iso.image(b));

        EXPECT_EQ(w.iso.switch_domain(a, b).status, RtStatus::AccessDenied); // a is not current
        EXPECT_TRUE(w.recorder.stores.empty());
        w.regs.reset();
        const Result<DomainSwitchCost> to_b = w.iso.switch_domain(NO_DOMAIN, b);
        ASSERT_TRUE(to_b.ok());
        EXPECT_EQ(w.recorder.stores, ref.stores);
        EXPECT_EQ(to_b.value.stores, ref_stores);
        EXPECT_EQ(to_b.value.stores, mpu_apply_store_count(w.iso.image(b)));
        EXPECT_EQ(w.regs.counts().stores, ref_stores);
        EXPECT_EQ(w.regs.counts().loads, 0u);
        EXPECT_EQ(to_b.value.stores, arch == MpuArch::Pmsav7 ? 18u : 21u);
        EXPECT_EQ(to_b.value.steps, 9u); // one per pair plus one
        EXPECT_EQ(w.iso.current(), b);
        EXPECT_EQ(w.reg_file.mem().load32(MpuReg::CTRL), w.iso.image(b).ctrl);

        // The switch cost does not depend on what the image holds.
        w.regs.reset();
        ASSERT_TRUE(w.iso.switch_domain(b, a).ok());
        EXPECT_EQ(w.regs.counts().stores, ref_stores);
        EXPECT_EQ(w.iso.switch_domain(a, DomainId(9)).status, RtStatus::InvalidRegion);
        EXPECT_EQ(w.iso.stats().switches, 2u);
    }
}

// Region numbers below first_region are the kernel's fixed regions: a switch never names them.
TEST(IsolationManager, SwitchWritesOnlyTheWindowsRegionNumbers) {
    for (MpuArch arch : {MpuArch::Pmsav7, MpuArch::Pmsav8}) {
        World w(arch, 3, 4); // fixed 0..2, window 3..6, region 7 unused
        const DomainId a = w.domain(0);
        for (uint32_t size : {64u, 700u, 3000u})
            ASSERT_TRUE(w.iso.allocate_isolated_memory(a, size, IsolationType::Private).ok());
        ASSERT_TRUE(w.iso.switch_domain(NO_DOMAIN, a).ok());
        std::vector<uint32_t> written;
        uint32_t rnr = 0;
        for (const auto& st : w.recorder.stores) {
            if (st.first == MpuReg::RNR)
                rnr = st.second;
            const Address off = st.first - MpuReg::RBAR;
            if (st.first < MpuReg::RBAR || off >= MpuReg::ALIAS_STRIDE * MpuReg::ALIASES ||
                off % MpuReg::ALIAS_STRIDE != 0)
                continue; // not an RBAR alias
            if (arch == MpuArch::Pmsav7) {
                ASSERT_NE(st.second & MpuReg::RBAR_VALID, 0u);
                written.push_back(st.second & MpuReg::RBAR_REGION_MASK);
            } else {
                written.push_back(rnr + off / MpuReg::ALIAS_STRIDE);
            }
        }
        EXPECT_EQ(written, (std::vector<uint32_t>{3, 4, 5, 6}));
    }
}

TEST(IsolationManager, AccessLogKeepsTheNewestAndCountsDrops) {
    World w(MpuArch::Pmsav7);
    const uint32_t cap = Iso::LOG_CAPACITY;
    for (uint32_t i = 0; i < cap + 5; ++i)
        w.iso.record_access(
            AccessLogEntry{TARGET_BASE + i, i, DomainId(uint8_t(i % 3)), AccessKind::Read, i % 2 == 0});
    EXPECT_EQ(w.iso.access_log_size(), cap);
    EXPECT_EQ(w.iso.access_log_dropped(), 5u);
    for (uint32_t i = 0; i < cap; ++i) {
        EXPECT_EQ(w.iso.access_log_entry(i).size_bytes, i + 5); // oldest first
        EXPECT_EQ(w.iso.access_log_entry(i).allowed, (i + 5) % 2 == 0);
    }
    w.iso.clear_access_log();
    EXPECT_EQ(w.iso.access_log_size(), 0u);
    EXPECT_EQ(w.iso.access_log_dropped(), 5u);
    w.iso.record_access(AccessLogEntry{1, 2, DomainId(0), AccessKind::Write, false});
    EXPECT_EQ(w.iso.access_log_entry(0).address, 1u);
}

TEST(IsolationManager, RevokeAndTerminateRemoveGrantsAndReleaseOnlyTheirPartition) {
    World w(MpuArch::Pmsav7);
    const DomainId a = w.domain(0);
    const DomainId b = w.domain(1);
    const DomainId c = w.domain(2);
    const Result<Address> shared =
        w.iso.allocate_isolated_memory(a, 512, IsolationType::SharedReadOnly, domain_bit(b));
    ASSERT_TRUE(shared.ok());
    const Result<Address> b_own = w.iso.allocate_isolated_memory(b, 512, IsolationType::Private);
    ASSERT_TRUE(b_own.ok());
    const Result<Address> c_shared =
        w.iso.allocate_isolated_memory(c, 256, IsolationType::Shared, domain_bit(a));
    ASSERT_TRUE(c_shared.ok());
    EXPECT_EQ(w.iso.regions_used(b), 2u);
    EXPECT_EQ(w.iso.regions_used(a), 2u);

    ASSERT_EQ(w.iso.terminate_domain(a), RtStatus::Ok);
    EXPECT_FALSE(w.iso.live(a));
    EXPECT_FALSE(w.parts.is_live(w.partition[0])); // a's partition: heap released
    EXPECT_EQ(w.iso.regions_used(a), 0u);
    EXPECT_EQ(w.iso.regions_used(b), 1u); // the shared block from a is gone
    EXPECT_FALSE(w.iso.check_access(b, shared.value, 4, AccessKind::Read));
    EXPECT_TRUE(w.iso.check_access(b, b_own.value, 4, AccessKind::Write));
    MpuRequest reqs[4];
    EXPECT_EQ(w.iso.requests(c, reqs, 4), 1u); // c's block stays; a is no longer its peer
    EXPECT_EQ(w.iso.region(0), nullptr);
    for (DomainId d : {a, b, c})
        expect_image_matches_grants(w.iso, d, TARGET_BASE, TARGET_BASE + 3 * PART_BYTES);
    EXPECT_EQ(w.iso.allocate_isolated_memory(a, 64, IsolationType::Private).status,
              RtStatus::InvalidRegion);
    // The others keep allocating.
    EXPECT_TRUE(w.iso.allocate_isolated_memory(b, 1024, IsolationType::Private).ok());
    EXPECT_TRUE(w.iso.allocate_isolated_memory(c, 1024, IsolationType::Private).ok());
    EXPECT_EQ(w.parts.heap_of(w.partition[1])->check_integrity(), RtStatus::Ok);

    // Revoking c's partition removes c's grants; c itself stays (no partition, no memory).
    ASSERT_EQ(w.iso.revoke_partition(w.partition[2]), RtStatus::Ok);
    EXPECT_EQ(w.iso.regions_used(c), 0u);
    EXPECT_TRUE(w.iso.live(c));
    EXPECT_EQ(w.iso.allocate_isolated_memory(c, 64, IsolationType::Private).status,
              RtStatus::AccessDenied);
    EXPECT_EQ(w.iso.revoke_partition(w.partition[2]), RtStatus::InvalidRegion);
    EXPECT_GE(w.iso.stats().regions_revoked, 3u);
}

TEST(IsolationManager, FreeIsOwnerOnlyAndRevokesFromPeers) {
    World w(MpuArch::Pmsav8);
    const DomainId a = w.domain(0);
    const DomainId b = w.domain(1);
    const Result<Address> x =
        w.iso.allocate_isolated_memory(a, 96, IsolationType::Shared, domain_bit(b));
    ASSERT_TRUE(x.ok());
    EXPECT_EQ(w.iso.regions_used(b), 1u);
    EXPECT_EQ(w.iso.free_isolated_memory(b, x.value), RtStatus::AccessDenied);
    EXPECT_EQ(w.iso.free_isolated_memory(a, x.value + 32), RtStatus::BadPointer);
    EXPECT_EQ(w.iso.free_isolated_memory(a, x.value), RtStatus::Ok);
    EXPECT_EQ(w.iso.regions_used(a), 0u);
    EXPECT_EQ(w.iso.regions_used(b), 0u);
    EXPECT_EQ(w.parts.info(w.partition[0]).value.live_blocks, 0u);
    EXPECT_EQ(w.iso.check_integrity(), RtStatus::Ok);
}

TEST(IsolationManager, CheckIntegrityFindsAStaleImage) {
    World w(MpuArch::Pmsav7);
    const DomainId a = w.domain(0);
    ASSERT_TRUE(w.iso.allocate_isolated_memory(a, 512, IsolationType::Private).ok());
    EXPECT_EQ(w.iso.check_integrity(), RtStatus::Ok);
    // Free the block behind the manager's back: its grant now names memory nobody owns.
    const IsolatedRegion* r = w.iso.region(0);
    ASSERT_NE(r, nullptr);
    ASSERT_EQ(w.parts.free_in_partition(r->partition, a, r->start), RtStatus::Ok);
    EXPECT_EQ(w.iso.check_integrity(), RtStatus::Corrupt);
}

// ---- randomized ------------------------------------------------------------------------------

uint64_t seed_from_env(const char* name, uint64_t fallback) {
    const char* s = getenv(name);
    return s != nullptr ? strtoull(s, nullptr, 0) : fallback;
}

void check_world(World& w) {
    const Address lo = TARGET_BASE;
    const Address hi = TARGET_BASE + 3 * PART_BYTES;
    for (uint32_t d = 0; d < w.iso.domain_count(); ++d) {
        expect_image_matches_grants(w.iso, DomainId(uint8_t(d)), lo, hi);
        if (::testing::Test::HasFatalFailure())
            return;
    }
    for (uint32_t i = 0; i < Iso::MAX_REGIONS; ++i) {
        const IsolatedRegion* r = w.iso.region(i);
        if (r == nullptr)
            continue;
        ASSERT_TRUE(w.iso.live(r->owner));
        const Result<PartitionInfo> p = w.parts.info(r->partition);
        ASSERT_TRUE(p.ok()) << "allocation in a dead partition";
        ASSERT_GE(r->start, p.value.start);
        ASSERT_LE(uint64_t(r->start) + r->size_bytes, uint64_t(p.value.start) + p.value.size_bytes);
        bool tracked = false;
        for (uint32_t k = 0; k < w.parts.block_count(); ++k)
            tracked |= w.parts.block(k).address == r->start && w.parts.block(k).owner == r->owner;
        ASSERT_TRUE(tracked);
    }
}

TEST(IsolationManager, RandomizedOperationsKeepImagesExact) {
    const uint64_t seed = seed_from_env("EMSIM_ISOLATION_SEED", 0x15014710u);
    printf("EMSIM_ISOLATION_SEED=%llu\n", static_cast<unsigned long long>(seed));
    test::TestRng rng(seed);
    uint32_t refused = 0, ok = 0;
    for (MpuArch arch : {MpuArch::Pmsav7, MpuArch::Pmsav8}) {
        for (uint32_t round = 0; round < 20; ++round) {
            World w(arch, uint8_t(rng.below(3)), uint8_t(1 + rng.below(5)));
            DomainId dom[3];
            for (uint32_t i = 0; i < 3; ++i)
                dom[i] = w.domain(i, SecurityLevel(rng.below(3)));
            for (uint32_t step = 0; step < 120; ++step) {
                const uint32_t op = rng.below(20);
                const DomainId d = dom[rng.below(3)];
                if (op < 10) {
                    const IsolationType type = IsolationType(rng.below(3));
                    const uint32_t peers =
                        type == IsolationType::Private ? 0u : (rng.below(8) & 0x7u & ~domain_bit(d));
                    const uint32_t size = 1 + rng.below(rng.below(2) ? 300 : 3000);
                    ok += w.iso.allocate_isolated_memory(d, size, type, peers).ok() ? 1 : 0;
                } else if (op < 17) {
                    const IsolatedRegion* r = w.iso.region(rng.below(Iso::MAX_REGIONS));
                    if (r != nullptr) {
                        ASSERT_EQ(w.iso.free_isolated_memory(r->owner, r->start), RtStatus::Ok);
                    }
                } else if (op < 18) {
                    const DomainId cur = w.iso.current();
                    const DomainId to = w.iso.live(d) ? d : NO_DOMAIN;
                    ASSERT_TRUE(w.iso.switch_domain(cur, to).ok());
                } else if (op < 19 && rng.below(3) == 0) {
                    const RtStatus s = w.iso.terminate_domain(d);
                    ASSERT_TRUE(s == RtStatus::Ok || (s == RtStatus::InvalidRegion && !w.iso.live(d)));
                } else if (rng.below(3) == 0) {
                    const RtStatus s = w.iso.revoke_partition(w.partition[rng.below(3)]);
                    ASSERT_TRUE(s == RtStatus::Ok || s == RtStatus::InvalidRegion);
                }
                check_world(w);
                ASSERT_EQ(w.iso.check_integrity(), RtStatus::Ok);
                if (HasFatalFailure()) {
                    printf("arch %d round %u step %u\n", int(arch), round, step);
                    return;
                }
            }
            EXPECT_EQ(w.iso.stats().degraded_images, 0u);
            refused += w.iso.stats().refused_plans;
        }
    }
    EXPECT_GT(ok, 200u);
    EXPECT_GT(refused, 20u); // the window is exhausted often enough to exercise rollback
}

// Goldens depend on it: the same operations leave the same target bytes, images and log.
TEST(IsolationManager, SameOperationsGiveByteIdenticalMemoryImagesAndLog) {
    auto run = [](uint64_t seed, std::vector<uint8_t>& bytes, std::vector<uint32_t>& words) {
        World w(MpuArch::Pmsav7);
        test::TestRng rng(seed);
        DomainId dom[3];
        for (uint32_t i = 0; i < 3; ++i)
            dom[i] = w.domain(i, SecurityLevel::Normal);
        for (uint32_t step = 0; step < 300; ++step) {
            const DomainId d = dom[rng.below(3)];
            if (rng.below(3) != 0) {
                const IsolationType type =
                    rng.below(2) != 0 ? IsolationType::Private : IsolationType::Shared;
                const uint32_t peers =
                    type == IsolationType::Shared ? (domain_bit(dom[rng.below(3)]) & ~domain_bit(d))
                                                  : 0u;
                const Result<Address> a =
                    w.iso.allocate_isolated_memory(d, 1 + rng.below(900), type, peers);
                if (a.ok())
                    w.iso.check_access(d, a.value, 4, AccessKind::Write);
            } else if (const IsolatedRegion* r = w.iso.region(rng.below(Iso::MAX_REGIONS))) {
                w.iso.free_isolated_memory(r->owner, r->start);
            }
        }
        bytes = w.arena.snapshot(TARGET_BASE, 3 * PART_BYTES);
        for (uint32_t i = 0; i < 3; ++i) {
            const MpuImage& img = w.iso.image(dom[i]);
            for (uint32_t j = 0; j < img.window; ++j) {
                words.push_back(img.region[j].rbar);
                words.push_back(img.region[j].rasr_or_rlar);
            }
        }
        for (uint32_t i = 0; i < w.iso.access_log_size(); ++i)
            words.push_back(w.iso.access_log_entry(i).address);
    };
    std::vector<uint8_t> bytes_a, bytes_b;
    std::vector<uint32_t> words_a, words_b;
    run(42, bytes_a, words_a);
    run(42, bytes_b, words_b);
    EXPECT_EQ(bytes_a, bytes_b);
    EXPECT_EQ(words_a, words_b);
    std::vector<uint8_t> bytes_c;
    std::vector<uint32_t> words_c;
    run(43, bytes_c, words_c);
    EXPECT_NE(words_a, words_c); // the comparison can tell runs apart
}

} // namespace
} // namespace emsim::rt
