//! Dependency order: what each score and flag uses, the order that puts every one after
//! what it uses, and the cycles that make such an order impossible.

use super::Checker;
use crate::check::model::*;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use std::collections::HashMap;

impl Checker<'_> {
    /// Records that `owner` (when there is one) uses `used`, at `span`.
    pub(super) fn uses(&mut self, owner: Option<Node>, used: Node, span: Span) {
        if let Some(owner) = owner {
            self.deps.entry(owner).or_default().push((used, span));
        }
    }

    /// Orders scores and flags so each comes after what it uses; reports cycles.
    pub(super) fn order(&mut self) -> Vec<Node> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            InProgress,
            Done,
        }
        fn visit(
            node: Node,
            deps: &HashMap<Node, Vec<(Node, Span)>>,
            marks: &mut HashMap<Node, Mark>,
            path: &mut Vec<Node>,
            out: &mut Vec<Node>,
            cycles: &mut Vec<(Vec<Node>, Span)>,
        ) {
            match marks.get(&node) {
                Some(Mark::Done) => return,
                Some(Mark::InProgress) => return,
                None => {}
            }
            marks.insert(node, Mark::InProgress);
            path.push(node);
            for (dep, span) in deps.get(&node).map(Vec::as_slice).unwrap_or(&[]) {
                if marks.get(dep) == Some(&Mark::InProgress) {
                    let start = path.iter().position(|n| n == dep).unwrap_or(0);
                    cycles.push((path[start..].to_vec(), *span));
                    continue;
                }
                visit(*dep, deps, marks, path, out, cycles);
            }
            path.pop();
            marks.insert(node, Mark::Done);
            out.push(node);
        }
        let mut marks = HashMap::new();
        let mut out = Vec::new();
        let mut cycles = Vec::new();
        for node in self.node_order.clone() {
            visit(
                node,
                &self.deps,
                &mut marks,
                &mut Vec::new(),
                &mut out,
                &mut cycles,
            );
        }
        for (cycle, span) in cycles {
            let names: Vec<String> = cycle
                .iter()
                .chain(cycle.first())
                .map(|n| format!("`{}`", self.node_name(*n)))
                .collect();
            let first = self.node_name(cycle[0]).to_string();
            self.report(
                Diagnostic::new(
                    Code::Cycle,
                    format!("`{first}` depends on itself"),
                    span,
                    "this use closes the cycle",
                )
                .with_note(format!("cycle: {}", names.join(" → ")))
                .with_help("a score or flag can only use ones that do not use it back"),
            );
        }
        out
    }

    /// The declared name of a score or flag.
    fn node_name(&self, node: Node) -> &str {
        match node {
            Node::Score(id) => &self.scores[id.0 as usize].decl.name.text,
            Node::Flag(id) => &self.flags[id.0 as usize].decl.name.text,
        }
    }
}
