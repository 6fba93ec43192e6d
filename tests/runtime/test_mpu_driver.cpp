// MPU driver: encodings, hand-computed PMSAv7/PMSAv8 plans, error naming, apply()'s exact store
// sequence against a fake register file, and randomized planner runs checked by an independent
// oracle (a reference decoder of the register images written here from the architecture:
// region match with subregions, highest number wins on v7, multiple matches fault on v8).
// Seeds are printed; rerun one with EMSIM_MPU_SEED=<n>.
#include "tests/runtime/test_rng.h"
#include "runtime/mpu_driver.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <algorithm>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/memory_access.h"

namespace emsim::rt {
namespace {

using A = MpuAccess;

constexpr MpuPermissions P(A priv, A unpriv, bool xn = true,
                           MpuMemoryType mem = MpuMemoryType::Normal) {
    MpuPermissions p;
    p.privileged = priv;
    p.unprivileged = unpriv;
    p.execute_never = xn;
    p.memory = mem;
    return p;
}
constexpr MpuPermissions RW_RW = P(A::ReadWrite, A::ReadWrite);
constexpr MpuPermissions RW_RO = P(A::ReadWrite, A::ReadOnly);
constexpr MpuPermissions RO_RO_X = P(A::ReadOnly, A::ReadOnly, false);
constexpr MpuPermissions RW_NA = P(A::ReadWrite, A::None);

MpuConfig v7(uint8_t budget, uint8_t total = 8, uint8_t first = 0) {
    MpuConfig c;
    c.arch = MpuArch::Pmsav7;
    c.regions_total = total;
    c.first_region = first;
    c.region_budget = budget;
    return c;
}
MpuConfig v8(uint8_t budget, uint8_t total = 8, uint8_t first = 0) {
    MpuConfig c = v7(budget, total, first);
    c.arch = MpuArch::Pmsav8;
    return c;
}

using Rng = emsim::test::TestRng;

uint64_t base_seed() {
    const char* env = getenv("EMSIM_MPU_SEED");
    return env ? strtoull(env, nullptr, 0) : 20261127u;
}

// ---- Reference decoder (independent of the driver's encoders) ---------------------------------

struct Decoded {
    bool mapped = false;
    bool multi = false; ///< v8: more than one enabled region matched (a fault)
    A priv = A::None;
    A unpriv = A::None;
    bool xn = false;
    MpuMemoryType mem = MpuMemoryType::Normal;
    bool attrs_known = true;
};

// ARMv7-M ARM table B3-15 (AP) and B3-13 (TEX/C/B).
bool v7_ap(uint32_t ap, A& priv, A& unpriv) {
    switch (ap) {
    case 0:
        priv = A::None, unpriv = A::None;
        return true;
    case 1:
        priv = A::ReadWrite, unpriv = A::None;
        return true;
    case 2:
        priv = A::ReadWrite, unpriv = A::ReadOnly;
        return true;
    case 3:
        priv = A::ReadWrite, unpriv = A::ReadWrite;
        return true;
    case 5:
        priv = A::ReadOnly, unpriv = A::None;
        return true;
    case 6:
    case 7:
        priv = A::ReadOnly, unpriv = A::ReadOnly;
        return true;
    default:
        return false;
    }
}

struct V7Region {
    uint32_t number;
    uint64_t base;
    uint32_t log2;
    uint32_t rasr;
};

std::vector<V7Region> v7_regions(const MpuImage& img) {
    std::vector<V7Region> out;
    for (uint32_t j = 0; j < img.window; ++j) {
        const uint32_t rbar = img.region[j].rbar;
        const uint32_t rasr = img.region[j].rasr_or_rlar;
        if (!(rasr & 1u))
            continue;
        V7Region r;
        r.number = rbar & 0xFu; // REGION, meaningful because VALID is set (checked elsewhere)
        r.log2 = ((rasr >> 1) & 0x1Fu) + 1;
        r.base = rbar & 0xFFFFFFE0u;
        r.rasr = rasr;
        out.push_back(r);
    }
    return out;
}

Decoded decode_v7(const std::vector<V7Region>& regions, uint64_t addr) {
    Decoded d;
    int best = -1;
    uint32_t rasr = 0;
    for (const V7Region& r : regions) {
        const uint64_t size = uint64_t(1) << r.log2;
        if (addr < r.base || addr >= r.base + size)
            continue;
        if (r.log2 >= 8) {
            const uint32_t sub = uint32_t((addr - r.base) >> (r.log2 - 3));
            if ((r.rasr >> (8 + sub)) & 1u)
                continue; // disabled subregion: not a match
        }
        if (int(r.number) > best) {
            best = int(r.number);
            rasr = r.rasr;
        }
    }
    if (best < 0)
        return d;
    d.mapped = true;
    if (!v7_ap((rasr >> 24) & 7u, d.priv, d.unpriv))
        d.attrs_known = false;
    d.xn = (rasr >> 28) & 1u;
    const uint32_t tex = (rasr >> 19) & 7u, s = (rasr >> 18) & 1u, c = (rasr >> 17) & 1u,
                   b = (rasr >> 16) & 1u;
    if (tex == 0 && s == 1 && c == 1 && b == 1)
        d.mem = MpuMemoryType::Normal;
    else if (tex == 0 && c == 0 && b == 1)
        d.mem = MpuMemoryType::Device;
    else
        d.attrs_known = false;
    return d;
}

Decoded decode_v8(const MpuImage& img, uint64_t addr) {
    Decoded d;
    int hits = 0;
    for (uint32_t j = 0; j < img.window; ++j) {
        const uint32_t rbar = img.region[j].rbar;
        const uint32_t rlar = img.region[j].rasr_or_rlar;
        if (!(rlar & 1u))
            continue;
        const uint64_t lo = rbar & 0xFFFFFFE0u;
        const uint64_t hi = uint64_t(rlar | 0x1Fu) + 1; // inclusive limit
        if (addr < lo || addr >= hi)
            continue;
        ++hits;
        switch ((rbar >> 1) & 3u) {
        case 0:
            d.priv = A::ReadWrite, d.unpriv = A::None;
            break;
        case 1:
            d.priv = A::ReadWrite, d.unpriv = A::ReadWrite;
            break;
        case 2:
            d.priv = A::ReadOnly, d.unpriv = A::None;
            break;
        case 3:
            d.priv = A::ReadOnly, d.unpriv = A::ReadOnly;
            break;
        }
        d.xn = rbar & 1u;
        const uint32_t attr = (rlar >> 1) & 7u;
        const uint32_t mair = (img.mair0 >> (8 * (attr & 3u))) & 0xFFu;
        if (attr > 3)
            d.attrs_known = false;
        else if (mair == 0xFF)
            d.mem = MpuMemoryType::Normal;
        else if (mair == 0x00)
            d.mem = MpuMemoryType::Device;
        else
            d.attrs_known = false;
    }
    d.mapped = hits > 0;
    d.multi = hits > 1;
    return d;
}

bool same(const Decoded& d, const MpuPermissions& p) {
    return d.mapped && !d.multi && d.attrs_known && d.priv == p.privileged &&
           d.unpriv == p.unprivileged && d.xn == p.execute_never && d.mem == p.memory;
}

// Checks `img` against `reqs` (the plan succeeded): every byte of each request carries its
// permissions, every other mapped byte is counted as waste and carries the permissions of some
// request, the waste equals the reported one, the window and budget are respected.
void check_plan(const MpuConfig& cfg, const std::vector<MpuRequest>& reqs, const MpuImage& img,
                const MpuPlanResult& res, const char* ctx) {
    SCOPED_TRACE(ctx);
    ASSERT_TRUE(res.ok());
    ASSERT_EQ(img.window, cfg.region_budget);
    ASSERT_EQ(img.first_region, cfg.first_region);
    ASSERT_LE(img.used, cfg.region_budget);
    ASSERT_EQ(res.regions_used, img.used);
    const bool is_v8 = cfg.arch == MpuArch::Pmsav8;
    EXPECT_EQ(img.ctrl, 1u | (cfg.privdefena ? 4u : 0u) | (cfg.hfnmiena ? 2u : 0u));
    std::vector<uint64_t> cuts = {0, uint64_t(1) << 32};
    for (uint32_t j = 0; j < img.window; ++j) {
        const uint32_t rbar = img.region[j].rbar;
        const uint32_t w2 = img.region[j].rasr_or_rlar;
        if (!is_v8) {
            // VALID | REGION always; REGION = the slot's region number.
            EXPECT_EQ(rbar & 0x1Fu, 0x10u | ((cfg.first_region + j) & 0xFu)) << "slot " << j;
            if (j >= img.used) {
                EXPECT_EQ(w2, 0u) << "unused slot " << j << " must disable its region";
                continue;
            }
            ASSERT_TRUE(w2 & 1u) << "used slot " << j << " not enabled";
            const uint32_t log2 = ((w2 >> 1) & 0x1Fu) + 1;
            ASSERT_GE(log2, 5u);
            const uint64_t size = uint64_t(1) << log2;
            const uint64_t base = rbar & 0xFFFFFFE0u;
            EXPECT_EQ(base % size, 0u) << "slot " << j << " base not aligned to its size";
            if (log2 < 8) {
                EXPECT_EQ((w2 >> 8) & 0xFFu, 0u) << "SRD on a region < 256 B";
            } else {
                EXPECT_NE((w2 >> 8) & 0xFFu, 0xFFu) << "all subregions disabled";
            }
            for (uint32_t i = 0; i <= 8; ++i)
                cuts.push_back(base + (size >> 3) * i);
        } else {
            if (j >= img.used) {
                EXPECT_EQ(rbar, 0u);
                EXPECT_EQ(w2, 0u);
                continue;
            }
            ASSERT_TRUE(w2 & 1u);
            EXPECT_EQ((rbar >> 3) & 3u, 0u) << "SH";
            const uint64_t lo = rbar & 0xFFFFFFE0u;
            const uint64_t hi = uint64_t(w2 | 0x1Fu) + 1;
            ASSERT_LT(lo, hi);
            cuts.push_back(lo);
            cuts.push_back(hi);
        }
    }
    for (const MpuRequest& r : reqs) {
        cuts.push_back(r.start);
        cuts.push_back(uint64_t(r.start) + r.size_bytes);
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    const std::vector<V7Region> regions = is_v8 ? std::vector<V7Region>{} : v7_regions(img);
    uint64_t waste = 0;
    for (size_t c = 0; c + 1 < cuts.size(); ++c) {
        const uint64_t x = cuts[c];
        const uint64_t len = cuts[c + 1] - x;
        const Decoded d = is_v8 ? decode_v8(img, x) : decode_v7(regions, x);
        ASSERT_FALSE(d.multi) << std::hex << "overlapping enabled v8 regions at 0x" << x;
        const MpuRequest* in = nullptr;
        for (const MpuRequest& r : reqs)
            if (x >= r.start && x < uint64_t(r.start) + r.size_bytes)
                in = &r;
        if (in) {
            ASSERT_TRUE(same(d, in->perms))
                << std::hex << "request byte 0x" << x << " (request at 0x" << in->start
                << ") has the wrong permissions or none";
        } else if (d.mapped) {
            waste += len;
            bool from_some_request = false;
            for (const MpuRequest& r : reqs)
                from_some_request |= same(d, r.perms);
            ASSERT_TRUE(from_some_request)
                << std::hex << "waste at 0x" << x << " has foreign rights";
        }
    }
    // Byte-level probes (the segment walk above is exact; these exercise the decoder on bytes
    // that are not segment starts): first, last and a middle byte of every request.
    for (const MpuRequest& r : reqs) {
        const uint64_t probes[3] = {r.start, uint64_t(r.start) + r.size_bytes - 1,
                                    r.start + uint64_t(r.size_bytes) / 2 + 1};
        for (uint64_t x : probes) {
            if (x >= uint64_t(r.start) + r.size_bytes)
                continue;
            const Decoded d = is_v8 ? decode_v8(img, x) : decode_v7(regions, x);
            ASSERT_TRUE(same(d, r.perms)) << std::hex << "byte 0x" << x;
        }
    }
    EXPECT_EQ(waste, res.waste_bytes);
    EXPECT_LE(res.waste_bytes, res.planned_waste_bytes);
    EXPECT_EQ(waste, plan_waste(img, reqs.data(), uint32_t(reqs.size())));
}

MpuPlanResult plan(const MpuConfig& cfg, const std::vector<MpuRequest>& reqs, MpuImage& img) {
    MpuPlanner planner(cfg);
    return planner.plan(reqs.data(), uint32_t(reqs.size()), img);
}

// Plans and checks with the oracle; returns the result.
MpuPlanResult plan_checked(const MpuConfig& cfg, const std::vector<MpuRequest>& reqs, MpuImage& img,
                           const char* ctx = "") {
    const MpuPlanResult r = plan(cfg, reqs, img);
    if (r.ok())
        check_plan(cfg, reqs, img, r, ctx);
    return r;
}

uint32_t size_field(uint32_t rasr) {
    return (rasr >> 1) & 0x1Fu;
}
uint32_t srd_field(uint32_t rasr) {
    return (rasr >> 8) & 0xFFu;
}

// ---- Encodings ---------------------------------------------------------------------------------

TEST(MpuEncoding, ApTablesMatchTheArchitecture) {
    const A acc[] = {A::None, A::ReadOnly, A::ReadWrite};
    int v7_ok = 0, v8_ok = 0;
    for (A p : acc)
        for (A u : acc) {
            const MpuPermissions perms = P(p, u);
            const Result<uint32_t> a7 = mpu_v7_ap(perms);
            if (a7.ok()) {
                ++v7_ok;
                A dp, du;
                ASSERT_TRUE(v7_ap(a7.value, dp, du));
                EXPECT_EQ(dp, p);
                EXPECT_EQ(du, u);
            } else {
                EXPECT_EQ(a7.status, RtStatus::Unsupported);
            }
            if (mpu_v8_ap(perms).ok())
                ++v8_ok;
        }
    EXPECT_EQ(v7_ok, 6); // NA/NA, RW/NA, RW/RO, RW/RW, RO/NA, RO/RO
    EXPECT_EQ(v8_ok, 4); // RW/NA, RW/RW, RO/NA, RO/RO
    EXPECT_FALSE(mpu_v8_ap(RW_RO).ok());
    // RASR: XN | AP=011 | S C B | SRD 0x81 | SIZE=9 (1 KiB) | ENABLE
    EXPECT_EQ(mpu_v7_rasr(RW_RW, 10, 0x81), 0x13078113u);
    // Regions below 256 B have no subregions: SRD written 0.
    EXPECT_EQ(srd_field(mpu_v7_rasr(RW_RW, 7, 0x81)), 0u);
    EXPECT_EQ(mpu_v8_rbar(RO_RO_X, 0x20001234u), 0x20001220u | (3u << 1));
    EXPECT_EQ(mpu_v8_rlar(P(A::ReadWrite, A::None, true, MpuMemoryType::Device), 0x200012FFu),
              0x200012E0u | (1u << 1) | 1u);
}

// ---- PMSAv7 hand cases -------------------------------------------------------------------------

TEST(MpuPlannerV7, ExactPowerOfTwoAlignedIsOneRegion) {
    MpuImage img;
    const std::vector<MpuRequest> reqs = {{0x20004000u, 0x4000u, RW_RW}};
    const MpuPlanResult r = plan_checked(v7(8), reqs, img);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.regions_used, 1);
    EXPECT_EQ(r.waste_bytes, 0u);
    EXPECT_EQ(img.region[0].rbar, 0x20004000u | 0x10u | 0u);
    EXPECT_EQ(size_field(img.region[0].rasr_or_rlar), 13u); // 16 KiB
    EXPECT_EQ(srd_field(img.region[0].rasr_or_rlar), 0u);
    for (uint32_t j = 1; j < 8; ++j) {
        EXPECT_EQ(img.region[j].rbar, 0x10u | j);
        EXPECT_EQ(img.region[j].rasr_or_rlar, 0u);
    }
}

TEST(MpuPlannerV7, ThirtyTwoByteMinimum) {
    MpuImage img;
    const std::vector<MpuRequest> reqs = {{0x20000020u, 32u, RW_NA}};
    const MpuPlanResult r = plan_checked(v7(8), reqs, img);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.regions_used, 1);
    EXPECT_EQ(size_field(img.region[0].rasr_or_rlar), 4u); // SIZE = 4: 32 B
    EXPECT_EQ(img.region[0].rbar & ~0x1Fu, 0x20000020u);
    // 4 unaligned bytes: rounded out to one 32-byte granule (28 bytes of waste).
    const std::vector<MpuRequest> tiny = {{0x20000044u, 4u, RW_NA}};
    const MpuPlanResult t = plan_checked(v7(8), tiny, img);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.waste_bytes, 28u);
    MpuConfig exact = v7(8);
    exact.exact_only = true;
    const MpuPlanResult e = plan(exact, tiny, img);
    EXPECT_EQ(e.status, RtStatus::InvalidAlignment);
    EXPECT_EQ(e.failed_request, 0);
}

TEST(MpuPlannerV7, FourGiBRegion) {
    MpuImage img;
    // The largest request a 32-bit size can say: rounded out to the whole space, SIZE = 31.
    const std::vector<MpuRequest> reqs = {{0u, 0xFFFFFFFFu, RO_RO_X}};
    const MpuPlanResult r = plan_checked(v7(8), reqs, img);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.regions_used, 1);
    EXPECT_EQ(size_field(img.region[0].rasr_or_rlar), 31u);
    EXPECT_EQ(img.region[0].rbar, 0x10u);
    EXPECT_EQ(r.waste_bytes, 1u);
    // The top 3.5 GiB: one 4 GiB region with subregion 0 (512 MiB) disabled.
    const std::vector<MpuRequest> top = {{0x20000000u, 0xE0000000u, RW_RW}};
    const MpuPlanResult t = plan_checked(v7(8), top, img);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.regions_used, 1);
    EXPECT_EQ(t.waste_bytes, 0u);
    EXPECT_EQ(size_field(img.region[0].rasr_or_rlar), 31u);
    EXPECT_EQ(srd_field(img.region[0].rasr_or_rlar), 0x01u);
}

TEST(MpuPlannerV7, RequestNeedingThreeRegionsTradesRegionsForWaste) {
    // [0x20000000, +0x1120) = 4 KiB + 256 B + 32 B. Exact: an 8 KiB region (4 x 1 KiB
    // subregions), a 1 KiB region nested in subregion 4 (2 x 128 B), a 32 B region. Two regions:
    // the 512 B region at 0x20001000 enables 5 x 64 B (32 B waste). One region: 8 KiB with five
    // 1 KiB subregions (0x2E0 waste). Naive: 8 KiB (0xEE0).
    const std::vector<MpuRequest> reqs = {{0x20000000u, 0x1120u, RW_RW}};
    MpuImage img;
    const uint64_t expected[4] = {0, 0x2E0u, 32u, 0u};
    for (uint8_t budget = 1; budget <= 3; ++budget) {
        const MpuPlanResult r = plan_checked(v7(budget), reqs, img);
        ASSERT_TRUE(r.ok()) << int(budget);
        EXPECT_EQ(r.waste_bytes, expected[budget]) << "budget " << int(budget);
        EXPECT_EQ(r.regions_used, budget);
    }
    const MpuPlanResult r8 = plan_checked(v7(8), reqs, img);
    EXPECT_EQ(r8.regions_used, 3); // more budget, still the 3-region exact cover
    EXPECT_EQ(r8.waste_bytes, 0u);
    EXPECT_EQ(naive_waste(reqs.data(), 1), 0xEE0u);
    MpuConfig exact = v7(2);
    exact.exact_only = true;
    const MpuPlanResult e = plan(exact, reqs, img);
    EXPECT_EQ(e.status, RtStatus::QuotaExceeded);
    EXPECT_EQ(e.failed_request, 0);
}

TEST(MpuPlannerV7, TockNineKiBApp) {
    // tock#629: a 9 KiB app gets 16 KiB from power-of-two rounding; subregions give 10 KiB with
    // one region, and two regions are exact.
    const std::vector<MpuRequest> reqs = {{0x20010000u, 9 * 1024u, RW_RW}};
    MpuImage img;
    EXPECT_EQ(plan_checked(v7(1), reqs, img).waste_bytes, 1024u);
    EXPECT_EQ(plan_checked(v7(2), reqs, img).waste_bytes, 0u);
    EXPECT_EQ(naive_waste(reqs.data(), 1), 7 * 1024u);
}

TEST(MpuPlannerV7, BudgetExhaustionNamesTheRequest) {
    // Nine 32 B requests side by side, alternating permissions: no region can serve two.
    std::vector<MpuRequest> reqs;
    for (uint32_t i = 0; i < 9; ++i)
        reqs.push_back({0x20000000u + 32 * i, 32, (i & 1) ? RW_RO : RW_RW});
    MpuImage img;
    MpuPlanResult r = plan(v7(8), reqs, img);
    EXPECT_EQ(r.status, RtStatus::QuotaExceeded);
    EXPECT_EQ(r.failed_request, 8);
    EXPECT_EQ(img.used, 0); // the empty image on failure
    for (uint32_t j = 0; j < 8; ++j)
        EXPECT_EQ(img.region[j].rasr_or_rlar, 0u);
    // Budget left after 3 fixed regions (8 total): the 6th request no longer fits.
    r = plan(v7(5, 8, 3), reqs, img);
    EXPECT_EQ(r.status, RtStatus::QuotaExceeded);
    EXPECT_EQ(r.failed_request, 5);
    // Same permissions everywhere: one run of 288 B = 256 + 32, exact with two regions.
    for (auto& q : reqs)
        q.perms = RW_RW;
    r = plan_checked(v7(2), reqs, img);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.waste_bytes, 0u);
    EXPECT_EQ(r.regions_used, 2);
    // exact_only: a request that needs 3 regions fails at its own index.
    std::vector<MpuRequest> two = {{0x20100000u, 0x1000u, RW_NA}, {0x20200000u, 0x1120u, RW_RW}};
    MpuConfig exact = v7(3);
    exact.exact_only = true;
    r = plan(exact, two, img);
    EXPECT_EQ(r.status, RtStatus::QuotaExceeded);
    EXPECT_EQ(r.failed_request, 1);
    exact.region_budget = 4;
    EXPECT_TRUE(plan_checked(exact, two, img).ok());
    // More than MAX_REQUESTS.
    std::vector<MpuRequest> many(17, MpuRequest{0x20000000u, 32, RW_RW});
    for (uint32_t i = 0; i < 17; ++i)
        many[i].start = 0x20000000u + 64 * i;
    r = plan(v7(8), many, img);
    EXPECT_EQ(r.status, RtStatus::QuotaExceeded);
    EXPECT_EQ(r.failed_request, 16);
}

TEST(MpuPlannerV7, ValidationErrorsNameTheRequest) {
    MpuImage img;
    std::vector<MpuRequest> reqs = {{0x20000000u, 0x100u, RW_RW}, {0x20000080u, 0x100u, RW_RO}};
    MpuPlanResult r = plan(v7(8), reqs, img);
    EXPECT_EQ(r.status, RtStatus::AddressConflict);
    EXPECT_EQ(r.failed_request, 1);
    reqs[1].perms = RW_RW; // same rights: merged, one region
    r = plan_checked(v7(8), reqs, img);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.waste_bytes, 0u);
    // Different rights in one 32-byte granule.
    reqs = {{0x20000000u, 0x10u, RW_RW}, {0x20000010u, 0x10u, RW_RO}};
    r = plan(v7(8), reqs, img);
    EXPECT_EQ(r.status, RtStatus::AddressConflict);
    EXPECT_EQ(r.failed_request, 1);
    reqs = {{0x20000000u, 0x100u, RW_RW}, {0x20001000u, 0u, RW_RW}};
    EXPECT_EQ(plan(v7(8), reqs, img).status, RtStatus::InvalidSize);
    reqs = {{0xFFFFFF00u, 0x200u, RW_RW}};
    EXPECT_EQ(plan(v7(8), reqs, img).status, RtStatus::InvalidRegion);
    reqs = {{0x20000000u, 0x100u, RW_RW}, {0x20001000u, 0x100u, P(A::ReadOnly, A::ReadWrite)}};
    r = plan(v7(8), reqs, img);
    EXPECT_EQ(r.status, RtStatus::Unsupported);
    EXPECT_EQ(r.failed_request, 1);
    r = plan(v7(8, 8, 1), reqs, img); // window past the last region
    EXPECT_EQ(r.status, RtStatus::Unsupported);
    EXPECT_EQ(r.failed_request, MpuPlanResult::NO_REQUEST);
}

TEST(MpuPlannerV7, WasteNeverLandsOnAnotherRequest) {
    // A = 0x20000000 + 0x1C0 RO, B right after it RW. A alone fits one 512 B region (7 x 64 B
    // subregions); B is its own 64 B region. With one region each, neither may spill.
    const std::vector<MpuRequest> reqs = {{0x20000000u, 0x1C0u, RO_RO_X},
                                          {0x200001C0u, 0x40u, RW_RW}};
    MpuImage img;
    const MpuPlanResult r = plan_checked(v7(2), reqs, img);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.waste_bytes, 0u);
    // B of 0x60 bytes at 0x1C0..0x220 crosses the 512 B boundary; with 2 regions it must take
    // [0x1C0,0x200) and [0x200,0x220) exactly, so 3 regions are needed in all; 2 fail on B.
    const std::vector<MpuRequest> reqs2 = {{0x20000000u, 0x1C0u, RO_RO_X},
                                           {0x200001C0u, 0x60u, RW_RW}};
    EXPECT_TRUE(plan_checked(v7(3), reqs2, img).ok());
    const MpuPlanResult f = plan(v7(2), reqs2, img);
    EXPECT_EQ(f.status, RtStatus::QuotaExceeded);
    EXPECT_EQ(f.failed_request, 1);
}

// ---- PMSAv8 hand cases -------------------------------------------------------------------------

TEST(MpuPlannerV8, ExactRegions) {
    const std::vector<MpuRequest> reqs = {{0x28000000u, 0x1120u, RW_RW},
                                          {0x10000000u, 0x3A0u, RO_RO_X},
                                          {0x28001120u, 0x40u, RW_RW}}; // touches #0: merged
    MpuImage img;
    const MpuPlanResult r = plan_checked(v8(8), reqs, img);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.regions_used, 2);
    EXPECT_EQ(r.waste_bytes, 0u);
    EXPECT_EQ(img.region[0].rbar, 0x28000000u | (1u << 1) | 1u);  // AP=01, XN
    EXPECT_EQ(img.region[0].rasr_or_rlar, 0x28001140u | 0u | 1u); // limit 0x2800115F
    EXPECT_EQ(img.region[1].rbar, 0x10000000u | (3u << 1));       // AP=11, executable
    EXPECT_EQ(img.region[1].rasr_or_rlar, 0x10000380u | 1u);      // limit 0x1000039F
    EXPECT_EQ(img.mair0, 0xFFu);
}

TEST(MpuPlannerV8, OverlapIsAnErrorNamingTheRequest) {
    const std::vector<MpuRequest> reqs = {{0x28000000u, 0x100u, RW_RW},
                                          {0x28000200u, 0x100u, RW_NA},
                                          {0x280002E0u, 0x40u, RW_NA}}; // same rights, overlapping
    MpuImage img;
    const MpuPlanResult r = plan(v8(8), reqs, img);
    EXPECT_EQ(r.status, RtStatus::AddressConflict);
    EXPECT_EQ(r.failed_request, 2);
    // Unaligned: rounded out (waste counted) unless exact_only.
    const std::vector<MpuRequest> un = {{0x28000010u, 0x100u, RW_RW}};
    const MpuPlanResult u = plan_checked(v8(8), un, img);
    ASSERT_TRUE(u.ok());
    EXPECT_EQ(u.waste_bytes, 0x20u);
    MpuConfig exact = v8(8);
    exact.exact_only = true;
    EXPECT_EQ(plan(exact, un, img).status, RtStatus::InvalidAlignment);
    // Budget and permissions v8 cannot say.
    std::vector<MpuRequest> many;
    for (uint32_t i = 0; i < 5; ++i)
        many.push_back({0x28000000u + 0x100 * i, 0x40, RW_RW});
    const MpuPlanResult q = plan(v8(4), many, img);
    EXPECT_EQ(q.status, RtStatus::QuotaExceeded);
    EXPECT_EQ(q.failed_request, 4);
    many[2].perms = RW_RO;
    const MpuPlanResult p = plan(v8(8), many, img);
    EXPECT_EQ(p.status, RtStatus::Unsupported);
    EXPECT_EQ(p.failed_request, 2);
}

// ---- apply() -----------------------------------------------------------------------------------

// A register-level fake of the MPU: interprets the stores as the architecture does (v7
// RBAR.VALID|REGION retargets RNR; aliases; v8 aliases = (RNR & ~3) + n) and logs them.
class FakeMpu {
public:
    explicit FakeMpu(MpuArch arch) : m_arch(arch) {}
    uint32_t load32(Address) { return 0; }
    void store32(Address a, uint32_t v) {
        log.push_back({a, v});
        if (a == MpuReg::CTRL)
            ctrl = v;
        else if (a == MpuReg::RNR)
            rnr = v & 0xFFu;
        else if (a == MpuReg::MAIR0)
            mair0 = v;
        else if (a >= MpuReg::RBAR && a < MpuReg::RBAR + 32) {
            const uint32_t slot = (a - MpuReg::RBAR) / 8;
            const bool second = ((a - MpuReg::RBAR) % 8) == 4;
            uint32_t n = rnr;
            if (m_arch == MpuArch::Pmsav8)
                n = (rnr & ~3u) + slot;
            if (!second) {
                if (m_arch == MpuArch::Pmsav7 && (v & 0x10u))
                    rnr = n = v & 0xFu;
                rbar[n] = m_arch == MpuArch::Pmsav7 ? (v & ~0x1Fu) : v;
            } else {
                word2[n] = v;
            }
            writes_while_enabled += (ctrl & 1u) ? 1u : 0u;
        }
    }
    void barrier() { ++barriers; }

    std::vector<std::pair<Address, uint32_t>> log;
    uint32_t ctrl = 0, rnr = 0, mair0 = 0, barriers = 0, writes_while_enabled = 0;
    uint32_t rbar[16] = {}, word2[16] = {};

private:
    MpuArch m_arch;
};

TEST(MpuApply, V7ExactStoreSequenceAndResultingRegisters) {
    const std::vector<MpuRequest> reqs = {
        {0x20000000u, 0x1120u, RW_RW},
        {0x00000000u, 0x40000u, RO_RO_X},
        {0x40004000u, 0x1000u, P(A::ReadWrite, A::ReadWrite, true, MpuMemoryType::Device)}};
    MpuImage img;
    ASSERT_TRUE(plan_checked(v7(6, 8, 2), reqs, img).ok());
    FakeMpu fake(MpuArch::Pmsav7);
    fake.ctrl = 5;
    fake.rbar[0] = 0xAAAA0000u; // fixed regions 0..1 must survive
    fake.word2[1] = 0x1234u;
    StepMeter meter;
    meter.begin();
    const uint32_t stores = apply(fake, img, &meter);
    EXPECT_EQ(stores, mpu_apply_store_count(img));
    EXPECT_EQ(stores, 2u + 2u * 6u);
    EXPECT_EQ(fake.log.size(), stores);
    // Through CountingMemory (which has no barrier() member: the host default applies).
    FakeMpu fake2(MpuArch::Pmsav7);
    CountingMemory<FakeMpu> counting(fake2);
    EXPECT_EQ(apply(counting, img), stores);
    EXPECT_EQ(counting.counts().stores, stores);
    EXPECT_EQ(counting.counts().loads, 0u);
    EXPECT_EQ(fake2.barriers, 0u);
#if EMSIM_RT_COUNT_STEPS
    EXPECT_EQ(meter.steps(), 7u);
#endif
    std::vector<std::pair<Address, uint32_t>> expect;
    expect.push_back({MpuReg::CTRL, 0u});
    for (uint32_t j = 0; j < 6; ++j) {
        expect.push_back({MpuReg::RBAR + 8 * (j % 4), img.region[j].rbar});
        expect.push_back({MpuReg::RASR + 8 * (j % 4), img.region[j].rasr_or_rlar});
    }
    expect.push_back({MpuReg::CTRL, 5u});
    EXPECT_EQ(fake.log, expect);
    EXPECT_EQ(fake.barriers, 2u);
    EXPECT_EQ(fake.writes_while_enabled, 0u);
    EXPECT_EQ(fake.ctrl, MpuReg::CTRL_ENABLE | MpuReg::CTRL_PRIVDEFENA);
    for (uint32_t j = 0; j < 6; ++j) {
        EXPECT_EQ(fake.rbar[2 + j], img.region[j].rbar & ~0x1Fu);
        EXPECT_EQ(fake.word2[2 + j], img.region[j].rasr_or_rlar);
    }
    EXPECT_EQ(fake.rbar[0], 0xAAAA0000u);
    EXPECT_EQ(fake.word2[1], 0x1234u);
}

TEST(MpuApply, V8GroupsByRnrAndAliases) {
    const std::vector<MpuRequest> reqs = {{0x28000000u, 0x1120u, RW_RW},
                                          {0x10000000u, 0x40000u, RO_RO_X}};
    MpuImage img;
    ASSERT_TRUE(plan_checked(v8(5, 8, 2), reqs, img).ok()); // regions 2..6
    FakeMpu fake(MpuArch::Pmsav8);
    const uint32_t stores = apply(fake, img);
    // CTRL, MAIR0, RNR=0, 2 pairs (regions 2,3), RNR=4, 3 pairs (4,5,6), CTRL.
    EXPECT_EQ(stores, 1u + 1u + 1u + 4u + 1u + 6u + 1u);
    EXPECT_EQ(stores, mpu_apply_store_count(img));
    ASSERT_EQ(fake.log.size(), stores);
    EXPECT_EQ(fake.log[2], (std::pair<Address, uint32_t>{MpuReg::RNR, 0u}));
    EXPECT_EQ(fake.log[3].first, MpuReg::RBAR + 16); // region 2 = alias 2
    EXPECT_EQ(fake.log[7], (std::pair<Address, uint32_t>{MpuReg::RNR, 4u}));
    EXPECT_EQ(fake.log[8].first, MpuReg::RBAR);
    for (uint32_t j = 0; j < 5; ++j) {
        EXPECT_EQ(fake.rbar[2 + j], img.region[j].rbar);
        EXPECT_EQ(fake.word2[2 + j], img.region[j].rasr_or_rlar);
    }
    EXPECT_EQ(fake.mair0, 0xFFu);
    EXPECT_EQ(fake.barriers, 2u);
    MpuImage full;
    ASSERT_TRUE(plan(v8(8), reqs, full).ok());
    EXPECT_EQ(mpu_apply_store_count(full), 21u);
}

TEST(MpuApply, DirectMemoryOverAHostRegisterFile) {
    // A host buffer mapped at 0xE000ED90 (TYPE..MAIR1): apply() through DirectMemory leaves the
    // last batch's words and CTRL in place; CountingMemory sees the constant store count.
    alignas(4) uint8_t regs[0x38] = {};
    DirectMemory direct(regs, MpuReg::TYPE);
    CountingMemory<DirectMemory> counting(direct);
    const std::vector<MpuRequest> reqs = {{0x20000000u, 0x2000u, RW_RW}};
    MpuImage img;
    ASSERT_TRUE(plan(v7(8), reqs, img).ok());
    EXPECT_EQ(apply(counting, img), 18u);
    EXPECT_EQ(counting.counts().stores, 18u);
    EXPECT_EQ(direct.load32(MpuReg::CTRL), 5u);
    // Pairs 4..7 (all disabled) were the last batch: alias j holds (VALID | 4 + j, 0).
    for (uint32_t j = 0; j < 4; ++j) {
        EXPECT_EQ(direct.load32(MpuReg::RBAR + 8 * j), 0x10u | (4 + j));
        EXPECT_EQ(direct.load32(MpuReg::RASR + 8 * j), 0u);
    }
    MpuConfig c = v7(8);
    c.privdefena = false;
    ASSERT_TRUE(MpuPlanner(c).plan(reqs.data(), 1, img).ok());
    apply(direct, img); // no barrier() member: the host default (a compiler barrier)
    EXPECT_EQ(direct.load32(MpuReg::CTRL), 1u);
    // MmioMemory (the target's register policy) over the same buffer: volatile word stores.
    MmioMemory mmio(reinterpret_cast<uintptr_t>(regs) - MpuReg::TYPE);
    ASSERT_TRUE(plan(v7(8), reqs, img).ok());
    EXPECT_EQ(apply(mmio, img), 18u);
    EXPECT_EQ(mmio.load32(MpuReg::CTRL), 5u);
    EXPECT_EQ(direct.load32(MpuReg::RBAR + 24), 0x10u | 7u);
}

// ---- Optimality against brute force ----------------------------------------------------------

// Every v7 region (any size, base, SRD; overlapping allowed) inside a 4 KiB aligned window, as a
// 128-bit mask of 32-byte granules. A region larger than the window could only enable a
// subregion holding the whole window, no better than the 4 KiB region.
struct Mask {
    uint64_t lo = 0, hi = 0;
    void set(uint32_t g) { (g < 64 ? lo : hi) |= uint64_t(1) << (g % 64); }
    bool test(uint32_t g) const { return ((g < 64 ? lo : hi) >> (g % 64)) & 1u; }
};
Mask operator|(Mask a, Mask b) {
    return {a.lo | b.lo, a.hi | b.hi};
}
Mask operator&(Mask a, Mask b) {
    return {a.lo & b.lo, a.hi & b.hi};
}
Mask operator~(Mask a) {
    return {~a.lo, ~a.hi};
}
bool empty(Mask a) {
    return (a.lo | a.hi) == 0;
}
uint32_t count(Mask a) {
    return uint32_t(__builtin_popcountll(a.lo) + __builtin_popcountll(a.hi));
}

std::vector<Mask> all_window_regions() {
    std::vector<Mask> out;
    for (uint32_t log2 = 5; log2 <= 12; ++log2) {
        const uint32_t granules = 1u << (log2 - 5);
        for (uint32_t base = 0; base < 128; base += granules) {
            const uint32_t srd_max = log2 >= 8 ? 255u : 1u;
            for (uint32_t srd = 0; srd < srd_max; ++srd) {
                Mask m;
                for (uint32_t g = 0; g < granules; ++g)
                    if (log2 < 8 || !((srd >> (g / (granules / 8))) & 1u))
                        m.set(base + g);
                out.push_back(m);
            }
        }
    }
    return out;
}

TEST(MpuPlannerV7, MatchesBruteForceOverOverlappingRegionPairs) {
    const std::vector<Mask> regions = all_window_regions();
    Rng rng(base_seed() + 11);
    const Address window = 0x20008000u;
    for (uint32_t c = 0; c < 40; ++c) {
        const uint32_t a = rng.below(128), b = rng.below(128);
        const uint32_t s = std::min(a, b), e = std::max(a, b) + 1; // granules [s, e)
        Mask t;
        for (uint32_t g = s; g < e; ++g)
            t.set(g);
        uint32_t best1 = ~0u, best2 = ~0u;
        for (const Mask& m1 : regions) {
            if (!m1.test(s))
                continue; // some region covers the first granule
            if (empty(t & ~m1))
                best1 = std::min(best1, count(m1 & ~t));
            const Mask need = t & ~m1;
            for (const Mask& m2 : regions)
                if (empty(need & ~m2))
                    best2 = std::min(best2, count((m1 | m2) & ~t));
        }
        const std::vector<MpuRequest> reqs = {{window + 32 * s, 32 * (e - s), RW_RW}};
        MpuImage img;
        const MpuPlanResult r1 = plan_checked(v7(1), reqs, img);
        const MpuPlanResult r2 = plan_checked(v7(2), reqs, img);
        ASSERT_TRUE(r1.ok() && r2.ok());
        EXPECT_EQ(r1.waste_bytes, 32u * best1) << "granules [" << s << ", " << e << ")";
        EXPECT_EQ(r2.waste_bytes, 32u * best2) << "granules [" << s << ", " << e << ")";
    }
}

// ---- Randomized planner runs against the oracle --------------------------------------------

const MpuPermissions kV7Perms[] = {P(A::None, A::None),
                                   P(A::ReadWrite, A::None),
                                   P(A::ReadWrite, A::ReadOnly),
                                   P(A::ReadWrite, A::ReadWrite),
                                   P(A::ReadOnly, A::None, false),
                                   P(A::ReadOnly, A::ReadOnly, false),
                                   P(A::ReadWrite, A::ReadWrite, true, MpuMemoryType::Device)};
const MpuPermissions kV8Perms[] = {
    P(A::ReadWrite, A::None), P(A::ReadWrite, A::ReadWrite), P(A::ReadOnly, A::None, false),
    P(A::ReadOnly, A::ReadOnly, false), P(A::ReadWrite, A::ReadWrite, true, MpuMemoryType::Device)};

// Disjoint requests, 32 B..256 KiB, random alignments, some touching with equal rights, some not
// 32-byte aligned, shuffled.
std::vector<MpuRequest> random_requests(Rng& rng, bool is_v8, uint32_t count,
                                        bool allow_unaligned) {
    std::vector<MpuRequest> reqs;
    uint64_t cursor = 0x20000000u + 32u * rng.below(4096);
    const MpuPermissions* table = is_v8 ? kV8Perms : kV7Perms;
    const uint32_t n_perms = is_v8 ? 5 : 7;
    for (uint32_t i = 0; i < count; ++i) {
        MpuRequest q;
        const uint32_t align_log2 = 5 + rng.below(14); // 32 B .. 256 KiB
        const uint64_t align = uint64_t(1) << align_log2;
        if (i == 0 || rng.below(3) != 0)
            cursor = (cursor + align - 1) & ~(align - 1);
        const uint32_t size_log2 = 5 + rng.below(14);
        uint32_t size = (1u << size_log2) + (rng.below(2) ? rng.below(1u << size_log2) : 0u);
        if (size > 256 * 1024)
            size = 256 * 1024;
        size &= ~31u;
        if (size == 0)
            size = 32;
        if (rng.below(4) == 0)
            size = uint32_t(1) << size_log2; // exact power of two
        q.start = uint32_t(cursor);
        q.size_bytes = size;
        if (allow_unaligned && rng.below(8) == 0) {
            q.start += 1 + rng.below(31);
            q.size_bytes -= rng.below(16);
        }
        q.perms = (i > 0 && rng.below(4) == 0) ? reqs.back().perms : table[rng.below(n_perms)];
        reqs.push_back(q);
        cursor = uint64_t(q.start) + q.size_bytes;
        // Gaps keep unaligned neighbours out of each other's 32-byte granules.
        const uint32_t gap_kind = rng.below(4);
        cursor += gap_kind == 0 ? 0u : gap_kind == 1 ? 64u : uint64_t(64 + 32 * rng.below(2048));
        if (allow_unaligned)
            cursor = (cursor + 31) & ~uint64_t(31);
    }
    for (uint32_t i = count; i > 1; --i)
        std::swap(reqs[i - 1], reqs[rng.below(i)]);
    return reqs;
}

// Regions of the buddy decomposition of [s, e) into aligned powers of two (no subregions).
uint32_t buddy_count(uint64_t s, uint64_t e) {
    uint32_t n = 0;
    while (s < e) {
        uint64_t b = s == 0 ? (uint64_t(1) << 32) : (s & (~s + 1));
        while (s + b > e)
            b >>= 1;
        s += b;
        ++n;
    }
    return n;
}

// True iff request i's smallest containing aligned block avoids every request of other rights;
// sets its waste.
bool one_region_cover(const std::vector<MpuRequest>& reqs, size_t i, uint64_t& waste) {
    const uint64_t s = reqs[i].start & ~31u,
                   e = (uint64_t(reqs[i].start) + reqs[i].size_bytes + 31) & ~uint64_t(31);
    uint32_t k = 5;
    while (k < 32 && (s >> k) != ((e - 1) >> k))
        ++k;
    const uint64_t lo = (s >> k) << k, hi = lo + (uint64_t(1) << k);
    for (size_t j = 0; j < reqs.size(); ++j) {
        if (j == i || reqs[j].perms == reqs[i].perms)
            continue;
        if (lo < uint64_t(reqs[j].start) + reqs[j].size_bytes && reqs[j].start < hi)
            return false;
    }
    waste = (hi - lo) - reqs[i].size_bytes;
    return true;
}

struct RandomStats {
    uint32_t cases = 0, ok = 0, quota = 0, conflict = 0, exact = 0;
    uint64_t plan_waste = 0, naive = 0;
    uint32_t max_steps = 0;
};

void random_case(Rng& rng, bool is_v8, RandomStats& st, uint64_t seed, uint32_t index) {
    char ctx[96];
    snprintf(ctx, sizeof ctx, "%s seed %llu case %u", is_v8 ? "v8" : "v7",
             static_cast<unsigned long long>(seed), index);
    SCOPED_TRACE(ctx);
    const uint8_t total = rng.below(2) ? 16 : 8;
    const uint8_t budget = uint8_t(1 + rng.below(total));
    const uint8_t first = uint8_t(rng.below(total - budget + 1u));
    MpuConfig cfg = is_v8 ? v8(budget, total, first) : v7(budget, total, first);
    cfg.privdefena = rng.below(4) != 0;
    cfg.hfnmiena = rng.below(8) == 0;
    const bool unaligned = rng.below(3) == 0;
    const uint32_t count = 1 + rng.below(is_v8 ? 12 : 8);
    const std::vector<MpuRequest> reqs = random_requests(rng, is_v8, count, unaligned);
    MpuImage img;
    MpuPlanner planner(cfg);
    const MpuPlanResult r = planner.plan(reqs.data(), count, img);
    ++st.cases;
    st.max_steps = std::max(st.max_steps, planner.last_steps());
    if (r.ok()) {
        ++st.ok;
        check_plan(cfg, reqs, img, r, ctx);
        st.plan_waste += r.waste_bytes;
        st.naive += naive_waste(reqs.data(), count);
        if (!is_v8) {
            // Independent bounds: the buddy decomposition (exact) and one region per request.
            bool all_aligned = true;
            uint32_t buddies = 0;
            for (const MpuRequest& q : reqs) {
                all_aligned &= (q.start % 32 == 0) && (q.size_bytes % 32 == 0);
                buddies += buddy_count(q.start, uint64_t(q.start) + q.size_bytes);
            }
            if (all_aligned && buddies <= budget) {
                EXPECT_EQ(r.waste_bytes, 0u)
                    << "an exact cover with " << buddies << " regions exists";
                ++st.exact;
            }
            if (count <= budget) {
                uint64_t bound = 0, w = 0;
                bool valid = true;
                for (size_t i = 0; i < reqs.size() && valid; ++i) {
                    valid = one_region_cover(reqs, i, w);
                    bound += w;
                }
                if (valid) {
                    EXPECT_LE(r.waste_bytes, bound) << "worse than one region per request";
                }
            }
            // One more region never costs waste.
            if (uint32_t(first) + budget < total) {
                MpuConfig more = cfg;
                more.region_budget = uint8_t(budget + 1);
                MpuImage img2;
                const MpuPlanResult r2 = MpuPlanner(more).plan(reqs.data(), count, img2);
                ASSERT_TRUE(r2.ok());
                // The objective never increases with the budget; the union of spills may
                // (two runs spilling onto the same gap count twice in the objective).
                EXPECT_LE(r2.planned_waste_bytes, r.planned_waste_bytes);
            }
        } else {
            uint64_t rounding = 0;
            for (const MpuRequest& q : reqs)
                rounding += ((uint64_t(q.start) + q.size_bytes + 31) & ~uint64_t(31)) -
                            (q.start & ~31u) - q.size_bytes;
            EXPECT_EQ(r.waste_bytes, rounding) << "v8 waste is the 32-byte rounding only";
        }
        return;
    }
    ASSERT_LT(r.failed_request, count);
    if (r.status == RtStatus::QuotaExceeded) {
        ++st.quota;
        // The named request is the first whose prefix fails.
        MpuImage tmp;
        const uint32_t i = r.failed_request;
        if (i > 0) {
            const MpuPlanResult before = MpuPlanner(cfg).plan(reqs.data(), i, tmp);
            EXPECT_TRUE(before.ok()) << "prefix before the named request must fit";
            if (before.ok()) {
                std::vector<MpuRequest> prefix(reqs.begin(), reqs.begin() + i);
                check_plan(cfg, prefix, tmp, before, ctx);
            }
        }
        EXPECT_FALSE(MpuPlanner(cfg).plan(reqs.data(), i + 1, tmp).ok());
        return;
    }
    ADD_FAILURE() << "unexpected " << to_string(r.status) << " at request "
                  << int(r.failed_request);
}

void random_suite(bool is_v8, uint32_t cases) {
    const uint64_t seed = base_seed() + (is_v8 ? 1000003u : 0u);
    printf("[ seed     ] %s planner: EMSIM_MPU_SEED=%llu, %u cases\n", is_v8 ? "PMSAv8" : "PMSAv7",
           static_cast<unsigned long long>(base_seed()), cases);
    Rng rng(seed);
    RandomStats st;
    for (uint32_t i = 0; i < cases && !::testing::Test::HasFailure(); ++i)
        random_case(rng, is_v8, st, seed, i);
    printf("[ stats    ] ok %u, quota %u, exact-cover checks %u; waste %llu vs naive %llu bytes; "
           "max plan steps %u\n",
           st.ok, st.quota, st.exact, static_cast<unsigned long long>(st.plan_waste),
           static_cast<unsigned long long>(st.naive), st.max_steps);
    EXPECT_GT(st.ok, cases / 3);
    EXPECT_GT(st.quota, 0u);
}

TEST(MpuPlannerRandom, Pmsav7AgainstReferenceDecoder) {
    random_suite(false, 5000);
}
TEST(MpuPlannerRandom, Pmsav8AgainstReferenceDecoder) {
    random_suite(true, 3000);
}

TEST(MpuPlannerRandom, Pmsav8OverlapsAreRefused) {
    Rng rng(base_seed() + 7);
    for (uint32_t c = 0; c < 500; ++c) {
        std::vector<MpuRequest> reqs = random_requests(rng, true, 2 + rng.below(6), false);
        // A new request overlapping a random earlier one by at least one byte.
        const MpuRequest& victim = reqs[rng.below(uint32_t(reqs.size()))];
        MpuRequest bad = victim;
        bad.start = victim.start + rng.below(victim.size_bytes);
        bad.size_bytes = 1 + rng.below(4096);
        reqs.push_back(bad);
        MpuImage img;
        const MpuPlanResult r = plan(v8(16, 16), reqs, img);
        ASSERT_EQ(r.status, RtStatus::AddressConflict) << "case " << c;
        ASSERT_EQ(r.failed_request, reqs.size() - 1);
    }
}

} // namespace
} // namespace emsim::rt
