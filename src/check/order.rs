//! Dependency order: what each score and flag uses, the order that puts every one after
//! what it uses, and the cycles that make such an order impossible.

use super::{cycle_note, Checker, MAX_CYCLE_NAMES};
use crate::check::model::*;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use std::collections::HashMap;

/// A depth-first search for the dependency order, with an explicit stack rather than
/// recursion, so a chain of dependencies may be as long as the model.
#[derive(Default)]
struct OrderSearch {
    /// Nodes being visited (on the stack, at this depth) or done.
    marks: HashMap<Node, Mark>,
    /// Scores and flags, each after what it uses.
    out: Vec<Node>,
    /// Each cycle found.
    cycles: Vec<Cycle>,
}

/// A cycle of uses: its first [`MAX_CYCLE_NAMES`] nodes (from where it starts), its
/// length, and the use that closes it. (Only a prefix is kept: a model can close many
/// long cycles, and keeping each whole could take memory quadratic in the model.)
struct Cycle {
    first: Vec<Node>,
    len: usize,
    closed_at: Span,
}

#[derive(Clone, Copy, PartialEq)]
enum Mark {
    /// On the search's path, at this depth.
    InProgress(usize),
    Done,
}

impl OrderSearch {
    /// Visits `root` and everything it uses, in the order of `deps`: each node goes to
    /// `out` after its dependencies; a use of a node on the path closes a cycle.
    fn visit(&mut self, root: Node, deps: &HashMap<Node, Vec<(Node, Span)>>) {
        if self.marks.contains_key(&root) {
            return;
        }
        let uses = |node: &Node| deps.get(node).map(Vec::as_slice).unwrap_or(&[]);
        self.marks.insert(root, Mark::InProgress(0));
        // The path: each node with how many of its uses have been followed.
        let mut path: Vec<(Node, usize)> = vec![(root, 0)];
        while let Some((node, followed)) = path.last_mut() {
            let node = *node;
            let Some(&(used, span)) = uses(&node).get(*followed) else {
                path.pop();
                self.marks.insert(node, Mark::Done);
                self.out.push(node);
                continue;
            };
            *followed += 1;
            match self.marks.get(&used) {
                Some(Mark::Done) => {}
                Some(&Mark::InProgress(depth)) => self.cycles.push(Cycle {
                    first: path[depth..]
                        .iter()
                        .take(MAX_CYCLE_NAMES)
                        .map(|(n, _)| *n)
                        .collect(),
                    len: path.len() - depth,
                    closed_at: span,
                }),
                None => {
                    self.marks.insert(used, Mark::InProgress(path.len()));
                    path.push((used, 0));
                }
            }
        }
    }
}

impl Checker<'_> {
    /// Records that `owner` (when there is one) uses `used`, at `span`.
    pub(super) fn uses(&mut self, owner: Option<Node>, used: Node, span: Span) {
        if let Some(owner) = owner {
            self.deps.entry(owner).or_default().push((used, span));
        }
    }

    /// Orders scores and flags so each comes after what it uses; reports cycles.
    pub(super) fn order(&mut self) -> Vec<Node> {
        let mut search = OrderSearch::default();
        for &node in &self.node_order {
            search.visit(node, &self.deps);
        }
        for cycle in std::mem::take(&mut search.cycles) {
            let first = self.node_name(cycle.first[0]);
            let names: Vec<String> = cycle.first.iter().map(|n| self.node_name(*n)).collect();
            let note = cycle_note(&names, cycle.len);
            self.report(
                Diagnostic::new(
                    Code::Cycle,
                    format!("`{first}` depends on itself"),
                    cycle.closed_at,
                    "this use closes the cycle",
                )
                .with_note(note)
                .with_help(if cycle.first.iter().any(|n| matches!(n, Node::Grade(_))) {
                    "a grade is chosen after what its bands use, so they cannot depend on `grade(…)` of the grade itself"
                } else {
                    "a score or flag can only use ones that do not use it back"
                }),
            );
        }
        search.out
    }

    /// The declared name of a score or flag; `grade(S)` for the grade of S.
    fn node_name(&self, node: Node) -> String {
        match node {
            Node::Score(id) => self.scores[id.0 as usize].decl.name.text.clone(),
            Node::Flag(id) => self.flags[id.0 as usize].decl.name.text.clone(),
            Node::Grade(id) => format!("grade({})", self.scores[id.0 as usize].decl.name.text),
        }
    }
}
