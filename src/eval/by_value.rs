//! The results of conditions that read one text field of a lead and nothing else
//! (`lead.title matches "…"`, `lead.industry in [...]`), remembered by the field's value
//! as leads are packed: such a field takes a few hundred values over a million leads, and
//! a lookup costs less than running the condition (a regex above all). Each packing
//! thread keeps its own; the result for a value is the condition's, whatever the order
//! leads come in.

use std::collections::HashMap;

/// The most values a condition remembers results for.
const MOST_VALUES: usize = 4096;

/// Remembered results, one table per remembered condition (by its bit in the record).
#[derive(Debug, Default, Clone)]
pub(crate) struct ByValue {
    conditions: Vec<Remembered>,
}

#[derive(Debug, Default, Clone)]
struct Remembered {
    results: HashMap<Box<str>, bool, foldhash::fast::RandomState>,
    lookups: u64,
    misses: u64,
    /// Given up: the table is full and most values are new (an e-mail address, an id),
    /// so looking them up only costs.
    off: bool,
}

impl ByValue {
    /// The result of condition `bit` for a lead whose field holds `value`: remembered,
    /// or from `run` (and remembered while there is room).
    pub(crate) fn get(&mut self, bit: usize, value: &str, run: impl FnOnce() -> bool) -> bool {
        if self.conditions.len() <= bit {
            self.conditions.resize_with(bit + 1, Remembered::default);
        }
        let remembered = &mut self.conditions[bit];
        if remembered.off {
            return run();
        }
        remembered.lookups += 1;
        if let Some(&holds) = remembered.results.get(value) {
            return holds;
        }
        remembered.misses += 1;
        let holds = run();
        if remembered.results.len() < MOST_VALUES {
            remembered.results.insert(value.into(), holds);
        } else if remembered.misses * 2 > remembered.lookups {
            *remembered = Remembered {
                off: true,
                ..Remembered::default()
            };
        }
        holds
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    /// A value seen before is not run again; a condition whose values are mostly new
    /// stops remembering once its table is full, and still gives every result.
    #[test]
    fn values_are_run_once_until_most_are_new() {
        let mut memo = ByValue::default();
        let runs = Cell::new(0);
        let run = |holds: bool| {
            runs.set(runs.get() + 1);
            holds
        };
        assert!(memo.get(2, "CEO", || run(true)));
        assert!(memo.get(2, "CEO", || run(false)), "remembered");
        assert!(!memo.get(0, "CEO", || run(false)), "another condition");
        assert_eq!(runs.get(), 2);
        for i in 0..3 * MOST_VALUES {
            let value = format!("lead{i}@example.com");
            assert_eq!(memo.get(1, &value, || run(i % 2 == 0)), i % 2 == 0);
        }
        assert!(memo.conditions[1].off && memo.conditions[1].results.is_empty());
        assert!(!memo.conditions[2].off);
    }
}
