//! The engine's queue of change times: a radix heap over microseconds.
//!
//! Times only move forward here: every time queued is at or after the last one taken
//! out (the engine's clock never goes back, and a lead's next change is after the time
//! it was looked at). A radix heap uses that: an entry sits in the bucket of the
//! highest bit in which its time differs from the last one taken out, so a push is an
//! append and a pop scans one bucket now and then, sequentially, rather than jumping
//! through a binary heap's levels (each a likely cache miss with a million leads).

/// Bucket `b > 0` holds times whose highest bit differing from `last` is bit `b - 1`;
/// bucket 0 those equal to it.
const BUCKETS: usize = 65;

/// The most entries of a bucket spread out that [`TimeQueue::pop_until`] names as the
/// next to come out (more would be asked for too early to stay in the cache).
const AHEAD: usize = 16;

/// Lead indices by the time they are due, earliest first.
#[derive(Debug, Clone)]
pub(super) struct TimeQueue {
    /// No entry is earlier than this (the time last taken out).
    last: i64,
    buckets: Vec<Vec<(i64, u32)>>,
    len: usize,
    /// The earliest time queued, when known.
    least: Option<i64>,
}

impl TimeQueue {
    /// An empty queue taking times from `floor` on.
    pub(super) fn new(floor: i64) -> TimeQueue {
        TimeQueue {
            last: floor,
            buckets: vec![Vec::new(); BUCKETS],
            len: 0,
            least: None,
        }
    }

    /// The earliest time an entry may have.
    pub(super) fn floor(&self) -> i64 {
        self.last
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Queues `lead` at `at` (not before the floor).
    pub(super) fn push(&mut self, at: i64, lead: u32) {
        debug_assert!(at >= self.last, "queued before the floor");
        self.buckets[bucket(self.last, at)].push((at, lead));
        self.least = match self.least {
            Some(least) => Some(least.min(at)),
            None if self.len == 0 => Some(at),
            None => None,
        };
        self.len += 1;
    }

    /// Takes out an entry of the earliest time, if that time is at most `to`; the floor
    /// moves to it. When that spreads out a bucket of at most [`AHEAD`] entries, they are
    /// given to `ahead` first: they are the next to come out, in some order (unless
    /// earlier ones are queued meanwhile), so their memory can be asked for now.
    pub(super) fn pop_until(
        &mut self,
        to: i64,
        ahead: impl FnOnce(&[(i64, u32)]),
    ) -> Option<(i64, u32)> {
        if self.buckets[0].is_empty() {
            // Asked at every event, and mostly nothing is due: known without a look
            // at the buckets.
            if self.least.is_some_and(|least| least > to) {
                return None;
            }
            let first = self.buckets.iter().position(|b| !b.is_empty())?;
            let least = match self.least {
                Some(least) => least,
                None => self.buckets[first].iter().map(|&(at, _)| at).min()?,
            };
            self.least = Some(least);
            if least > to {
                return None;
            }
            // The entries of the first bucket, spread out again from the new floor:
            // those equal to it land in bucket 0, the others lower than they were.
            self.last = least;
            if self.buckets[first].len() <= AHEAD {
                ahead(&self.buckets[first]);
            }
            // Every entry lands in a lower bucket, so the emptied one is put back
            // with its room: the buckets stop allocating once they have grown.
            let mut spread = std::mem::take(&mut self.buckets[first]);
            for &(at, lead) in &spread {
                self.buckets[bucket(least, at)].push((at, lead));
            }
            spread.clear();
            self.buckets[first] = spread;
        }
        if self.last > to {
            return None;
        }
        let entry = self.buckets[0].pop()?;
        self.len -= 1;
        if self.buckets[0].is_empty() {
            self.least = None;
        }
        Some(entry)
    }
}

/// The bucket of time `at` relative to the floor `last`.
fn bucket(last: i64, at: i64) -> usize {
    let differ = (at ^ last) as u64;
    (u64::BITS - differ.leading_zeros()) as usize
}

#[cfg(test)]
mod tests {
    use super::TimeQueue;

    /// Pops whatever is due by `to`, in order.
    fn drain(queue: &mut TimeQueue, to: i64) -> Vec<(i64, u32)> {
        std::iter::from_fn(|| queue.pop_until(to, |_| {})).collect()
    }

    #[test]
    fn entries_come_out_by_time_and_only_when_due() {
        let mut queue = TimeQueue::new(i64::MIN);
        for (at, lead) in [(50, 1), (-7, 2), (1 << 40, 3), (50, 4), (i64::MAX, 5)] {
            queue.push(at, lead);
        }
        assert_eq!(drain(&mut queue, -8), vec![]);
        assert_eq!(drain(&mut queue, -7), vec![(-7, 2)]);
        let mut at_50 = drain(&mut queue, 1 << 39);
        at_50.sort();
        assert_eq!(at_50, vec![(50, 1), (50, 4)]);
        // Pushed after the floor moved, earlier than what is still queued.
        queue.push(60, 6);
        assert_eq!(
            drain(&mut queue, i64::MAX),
            vec![(60, 6), (1 << 40, 3), (i64::MAX, 5)]
        );
        assert_eq!(queue.len(), 0);
    }

    #[test]
    fn the_extreme_times_and_a_clock_behind_the_floor() {
        let mut queue = TimeQueue::new(i64::MIN);
        queue.push(i64::MAX, 1);
        queue.push(i64::MIN, 2);
        assert_eq!(queue.pop_until(i64::MIN, |_| {}), Some((i64::MIN, 2)));
        queue.push(0, 3);
        assert_eq!(queue.pop_until(0, |_| {}), Some((0, 3)));
        assert_eq!(queue.floor(), 0);
        // Asked for times before the floor: nothing, and nothing moves.
        queue.push(0, 4);
        assert_eq!(queue.pop_until(-1, |_| {}), None);
        assert_eq!((queue.floor(), queue.len()), (0, 2));
        assert_eq!(drain(&mut queue, i64::MAX), vec![(0, 4), (i64::MAX, 1)]);
    }

    #[test]
    fn it_orders_like_a_sort_for_any_monotone_use() {
        // A fixed pseudo-random walk: pushes after the floor, pops up to a moving clock.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut queue = TimeQueue::new(0);
        let mut model: Vec<(i64, u32)> = Vec::new();
        let mut clock = 0_i64;
        for step in 0..20_000_u32 {
            if next() % 3 != 0 {
                let at = clock + (next() % 1_000_000) as i64;
                queue.push(at, step);
                model.push((at, step));
            } else {
                clock += (next() % 300_000) as i64;
                let mut got = drain(&mut queue, clock);
                let mut due: Vec<_> = model.iter().copied().filter(|e| e.0 <= clock).collect();
                model.retain(|e| e.0 > clock);
                assert!(got.windows(2).all(|w| w[0].0 <= w[1].0), "in time order");
                got.sort();
                due.sort();
                assert_eq!(got, due);
                assert_eq!(queue.len(), model.len());
            }
        }
    }

    #[test]
    fn a_bucket_spread_out_keeps_its_room_for_the_next_entries() {
        let mut queue = TimeQueue::new(0);
        // All in the bucket of bit 40, then spread out by the first pop.
        for lead in 0..1000_u32 {
            queue.push((1 << 40) + i64::from(lead) * 3, lead);
        }
        assert_eq!(queue.pop_until(i64::MAX, |_| {}), Some((1 << 40, 0)));
        assert!(queue.buckets[41].is_empty());
        assert!(queue.buckets[41].capacity() >= 1000);
    }

    #[test]
    fn the_leads_named_ahead_are_the_next_to_come_out() {
        let mut queue = TimeQueue::new(0);
        let times = [900, 17, 5_000_000, 18, 40, 41, 1 << 30, 44, 3, 700];
        for (lead, &at) in times.iter().enumerate() {
            queue.push(at, lead as u32);
        }
        let mut out = Vec::new();
        let mut named: Vec<(usize, u32)> = Vec::new();
        loop {
            let popped = out.len();
            let name = |spread: &[(i64, u32)]| {
                named.extend(spread.iter().map(|&(_, lead)| (popped, lead)));
            };
            let Some((_, lead)) = queue.pop_until(i64::MAX, name) else {
                break;
            };
            out.push(lead);
        }
        assert_eq!(out.len(), times.len());
        assert!(!named.is_empty());
        // Named while the `k`th entry was being taken out: among the next ones out,
        // within as many places as were named then.
        for &(k, lead) in &named {
            let batch = named.iter().filter(|&&(j, _)| j == k).count();
            assert!(
                out[k..k + batch].contains(&lead),
                "{lead} named at {k}: {out:?}"
            );
        }
    }
}
