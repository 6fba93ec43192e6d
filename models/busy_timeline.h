#pragma once
// BusyTimeline owns the reservations of one shared resource (a bank's array, an interconnect
// port) as disjoint busy intervals on the time axis, so a request can be placed at the earliest
// time it fits.
//
// Why intervals and not one "busy until" time: LT initiators run ahead of SystemC time (temporal
// decoupling) and call in the order the kernel runs them, not in time order. With a single
// busy-until, an initiator whose quantum is ahead reserves the future and pushes every earlier-timed
// access of the others behind it (leapfrogging). With intervals, an earlier-timed access takes the
// gap it really had. For requests that arrive in time order (AT, or one LT initiator) the
// earliest fit is always max(t, end of the last reservation), exactly the busy-until rule, so LT
// and AT keep computing the same cycles.
//
// Times are picoseconds (sc_time::value() at emsim's 1 ps resolution).

#include <algorithm>
#include <cstdint>
#include <vector>

namespace emsim {

class BusyTimeline {
public:
    /// Earliest s >= t such that [s, s + length) overlaps no reservation.
    uint64_t earliest_fit(uint64_t t, uint64_t length) const {
        if (m_head == m_busy.size() || t >= m_busy.back().end) return t; // the in-order fast path
        uint64_t s = t;
        for (size_t i = m_head; i < m_busy.size(); ++i) {
            const Interval& b = m_busy[i];
            if (b.end <= s) continue;
            if (s + length <= b.start) return s; // fits in the gap before b
            s = std::max(s, b.end);
        }
        return s;
    }

    /// Marks [start, start + length) busy; touching or overlapping intervals merge.
    void reserve(uint64_t start, uint64_t length) {
        if (length == 0) return;
        const uint64_t end = start + length;
        if (m_head == m_busy.size() || start > m_busy.back().end) {
            m_busy.push_back({start, end});
            return;
        }
        if (start >= m_busy.back().start) { // extends the last interval
            m_busy.back().end = std::max(m_busy.back().end, end);
            return;
        }
        insert_out_of_order(start, end);
    }

    /// Drops reservations that end at or before `now`: no caller can ask about the past.
    void forget_before(uint64_t now) {
        while (m_head < m_busy.size() && m_busy[m_head].end <= now) ++m_head;
        if (m_head == m_busy.size()) {
            m_busy.clear();
            m_head = 0;
        } else if (m_head >= 64 && m_head * 2 >= m_busy.size()) { // compact now and then
            m_busy.erase(m_busy.begin(), m_busy.begin() + static_cast<std::ptrdiff_t>(m_head));
            m_head = 0;
        }
    }

    /// End of the latest reservation (0 when none).
    uint64_t last_end() const { return m_head == m_busy.size() ? 0 : m_busy.back().end; }
    size_t size() const { return m_busy.size() - m_head; }

private:
    /// reserve()'s rare case, kept apart so the in-order path stays small enough to inline.
    void insert_out_of_order(uint64_t start, uint64_t end) {
        // Out of order (contended LT only): insert, then merge with the neighbours.
        auto at = std::lower_bound(m_busy.begin() + static_cast<std::ptrdiff_t>(m_head), m_busy.end(),
                                   start, [](const Interval& b, uint64_t s) { return b.start < s; });
        const auto inserted = m_busy.insert(at, Interval{start, end}); // may reallocate
        size_t i = static_cast<size_t>(inserted - m_busy.begin());
        if (i > m_head && m_busy[i - 1].end >= m_busy[i].start) {
            m_busy[i - 1].end = std::max(m_busy[i - 1].end, m_busy[i].end);
            m_busy.erase(m_busy.begin() + static_cast<std::ptrdiff_t>(i));
            --i;
        }
        size_t last = i;
        while (last + 1 < m_busy.size() && m_busy[last + 1].start <= m_busy[i].end)
            m_busy[i].end = std::max(m_busy[i].end, m_busy[++last].end);
        m_busy.erase(m_busy.begin() + static_cast<std::ptrdiff_t>(i + 1),
                     m_busy.begin() + static_cast<std::ptrdiff_t>(last + 1));
    }

    struct Interval {
        uint64_t start;
        uint64_t end;
    };
    std::vector<Interval> m_busy; ///< sorted, disjoint; entries before m_head are forgotten
    size_t m_head = 0;
};

} // namespace emsim
