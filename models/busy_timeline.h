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
#include <deque>

namespace emsim {

class BusyTimeline {
public:
    /// Earliest s >= t such that [s, s + length) overlaps no reservation.
    uint64_t earliest_fit(uint64_t t, uint64_t length) const {
        if (m_busy.empty() || t >= m_busy.back().end) return t; // the in-order fast path
        uint64_t s = t;
        for (const Interval& b : m_busy) {
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
        if (m_busy.empty() || start > m_busy.back().end) {
            m_busy.push_back({start, end});
            return;
        }
        if (start >= m_busy.back().start) { // extends the last interval
            m_busy.back().end = std::max(m_busy.back().end, end);
            return;
        }
        // Out of order (contended LT only): insert, then merge neighbours. Indices, not
        // iterators: a deque invalidates every iterator on a middle insert or erase.
        size_t i = static_cast<size_t>(
            std::lower_bound(m_busy.begin(), m_busy.end(), start,
                             [](const Interval& b, uint64_t s) { return b.start < s; }) -
            m_busy.begin());
        m_busy.insert(m_busy.begin() + static_cast<std::ptrdiff_t>(i), Interval{start, end});
        if (i > 0 && m_busy[i - 1].end >= m_busy[i].start) {
            m_busy[i - 1].end = std::max(m_busy[i - 1].end, m_busy[i].end);
            m_busy.erase(m_busy.begin() + static_cast<std::ptrdiff_t>(i));
            --i;
        }
        while (i + 1 < m_busy.size() && m_busy[i + 1].start <= m_busy[i].end) {
            m_busy[i].end = std::max(m_busy[i].end, m_busy[i + 1].end);
            m_busy.erase(m_busy.begin() + static_cast<std::ptrdiff_t>(i + 1));
        }
    }

    /// Drops reservations that end at or before `now`: no caller can ask about the past.
    void forget_before(uint64_t now) {
        while (!m_busy.empty() && m_busy.front().end <= now) m_busy.pop_front();
    }

    /// End of the latest reservation (0 when none).
    uint64_t last_end() const { return m_busy.empty() ? 0 : m_busy.back().end; }
    size_t size() const { return m_busy.size(); }

private:
    struct Interval {
        uint64_t start;
        uint64_t end;
    };
    std::deque<Interval> m_busy;
};

} // namespace emsim
