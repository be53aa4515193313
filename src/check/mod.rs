//! Stage 2: resolve names and check types, from parsed files to a [`Model`].
//!
//! The checker collects every declaration first (so order in the file does not
//! matter), then checks rules, flags and grades, orders scores and flags so that each
//! comes after what it uses, and finally looks for likely mistakes (warnings).

mod expr;
mod lint;
pub mod loader;
pub mod model;
mod test_blocks;

use crate::diagnostics::{did_you_mean, Code, Diagnostic, Diagnostics};
use crate::source::{Sources, Span};
use crate::syntax::ast;
use crate::syntax::keywords::KEYWORDS;
use loader::Loaded;
pub use model::*;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The value of a constant expression (literals, lists, constants, arithmetic on them).
pub fn fold_constant(e: &TExpr) -> Option<Const> {
    expr::fold(e)
}

/// Checks a loaded model. Returns the model when there are no errors.
pub fn check(loaded: &Loaded, sources: &Sources, diagnostics: &mut Diagnostics) -> Option<Model> {
    let mut checker = Checker::new(sources, diagnostics);
    let items: Vec<(crate::source::FileId, &ast::Item)> = loaded
        .files
        .iter()
        .flat_map(|(file, ast)| ast.items.iter().map(move |item| (*file, item)))
        .collect();
    checker.declare(&items, loaded.main);
    checker.check_lets();
    checker.check_scores();
    checker.check_flags();
    let order = checker.order();
    checker.check_grades(&items);
    let tests = checker.check_tests(&items, loaded.main);
    checker.lint();
    if checker.diagnostics.has_errors() {
        return None;
    }
    Some(Model {
        name: checker
            .model_name
            .unwrap_or_else(|| default_model_name(sources.name(loaded.main))),
        source_hash: source_hash(sources),
        lead_fields: checker.lead_fields,
        events: checker.events.into_iter().map(|e| e.def).collect(),
        scores: checker
            .scores
            .into_iter()
            .map(|s| s.def.expect("checked score"))
            .collect(),
        flags: checker
            .flags
            .into_iter()
            .map(|f| f.def.expect("checked flag"))
            .collect(),
        grades: checker.grades,
        order,
        tests,
    })
}

fn default_model_name(path: &str) -> String {
    std::path::Path::new(path)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("model")
        .to_string()
}

/// SHA-256 over every file's name and text, in load order.
fn source_hash(sources: &Sources) -> String {
    let mut hasher = Sha256::new();
    for file in sources.file_ids() {
        hasher.update(sources.text(file).as_bytes());
        hasher.update([0u8]);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A name in the shared namespace of constants, scores and flags.
#[derive(Debug, Clone, Copy)]
enum Global {
    Let(usize),
    Score(ScoreId),
    Flag(FlagId),
}

enum LetState {
    Pending,
    InProgress,
    Done(Const, Type),
    Failed,
}

struct LetEntry<'a> {
    decl: &'a ast::LetDecl,
    state: LetState,
    used: bool,
}

struct EventEntry {
    def: EventDef,
    props: HashMap<String, PropId>,
    used: bool,
}

struct ScoreEntry<'a> {
    decl: &'a ast::ScoreDecl,
    def: Option<ScoreDef>,
}

struct FlagEntry<'a> {
    decl: &'a ast::FlagDecl,
    def: Option<FlagDef>,
}

struct Checker<'a> {
    sources: &'a Sources,
    diagnostics: &'a mut Diagnostics,
    model_name: Option<String>,
    lead_fields: Vec<FieldDef>,
    lead_index: HashMap<String, FieldId>,
    lead_span: Option<Span>,
    events: Vec<EventEntry>,
    event_index: HashMap<String, EventId>,
    globals: HashMap<String, (Global, Span)>,
    lets: Vec<LetEntry<'a>>,
    scores: Vec<ScoreEntry<'a>>,
    flags: Vec<FlagEntry<'a>>,
    grades: Vec<GradeDef>,
    /// What each score or flag uses, with the place of the use.
    deps: HashMap<Node, Vec<(Node, Span)>>,
    /// Declaration order of scores and flags, for a stable evaluation order.
    node_order: Vec<Node>,
}

impl<'a> Checker<'a> {
    fn new(sources: &'a Sources, diagnostics: &'a mut Diagnostics) -> Self {
        Checker {
            sources,
            diagnostics,
            model_name: None,
            lead_fields: Vec::new(),
            lead_index: HashMap::new(),
            lead_span: None,
            events: Vec::new(),
            event_index: HashMap::new(),
            globals: HashMap::new(),
            lets: Vec::new(),
            scores: Vec::new(),
            flags: Vec::new(),
            grades: Vec::new(),
            deps: HashMap::new(),
            node_order: Vec::new(),
        }
    }

    fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    fn origin(&self, span: Span) -> Origin {
        let position = self.sources.position(span.file, span.start);
        Origin {
            span,
            file: self.sources.name(span.file).to_string(),
            line: position.line,
            text: self
                .sources
                .slice(span)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        }
    }

    // ------------------------------------------------------------ declarations

    fn declare(
        &mut self,
        items: &[(crate::source::FileId, &'a ast::Item)],
        main: crate::source::FileId,
    ) {
        let mut model_lines: HashMap<crate::source::FileId, Span> = HashMap::new();
        for (file, item) in items {
            match item {
                ast::Item::Model { name, span } => {
                    if let Some(first) = model_lines.get(file) {
                        self.report(
                            Diagnostic::new(
                                Code::DuplicateModel,
                                "this file names its model twice",
                                *span,
                                "second model name",
                            )
                            .with_label(*first, "first named here")
                            .with_help("keep one `model` line"),
                        );
                    } else {
                        model_lines.insert(*file, *span);
                        if *file == main {
                            self.model_name = Some(name.clone());
                        }
                    }
                }
                ast::Item::Import { .. } | ast::Item::Test(_) => {}
                ast::Item::Lead { fields, span } => self.declare_lead(fields, *span),
                ast::Item::Event(event) => self.declare_event(event),
                ast::Item::Let(decl) => {
                    if self.declare_global(&decl.name, Global::Let(self.lets.len())) {
                        self.lets.push(LetEntry {
                            decl,
                            state: LetState::Pending,
                            used: false,
                        });
                    }
                }
                ast::Item::Score(decl) => {
                    let id = ScoreId(self.scores.len() as u32);
                    if self.declare_global(&decl.name, Global::Score(id)) {
                        self.scores.push(ScoreEntry { decl, def: None });
                        self.node_order.push(Node::Score(id));
                    }
                }
                ast::Item::Flag(decl) => {
                    let id = FlagId(self.flags.len() as u32);
                    if self.declare_global(&decl.name, Global::Flag(id)) {
                        self.flags.push(FlagEntry { decl, def: None });
                        self.node_order.push(Node::Flag(id));
                    }
                }
                ast::Item::Grade(_) => {}
            }
        }
    }

    /// Reports a keyword used as a name. Returns whether the name is usable.
    fn check_not_keyword(&mut self, name: &ast::Ident) -> bool {
        if KEYWORDS.contains(&name.text.as_str()) {
            self.report(
                Diagnostic::new(
                    Code::ReservedName,
                    format!("`{}` is a keyword and cannot be used as a name", name.text),
                    name.span,
                    "keyword",
                )
                .with_help(format!("choose another name, like `{}_`", name.text)),
            );
            return false;
        }
        true
    }

    fn duplicate(&mut self, what: &str, name: &ast::Ident, first: Span) {
        self.report(
            Diagnostic::new(
                Code::DuplicateName,
                format!("{what} `{}` is declared twice", name.text),
                name.span,
                "declared again here",
            )
            .with_label(first, "first declared here")
            .with_help("rename one of them, or remove the copy"),
        );
    }

    fn declare_global(&mut self, name: &ast::Ident, global: Global) -> bool {
        if !self.check_not_keyword(name) {
            return false;
        }
        if let Some((_, first)) = self.globals.get(&name.text) {
            let first = *first;
            self.duplicate("the name", name, first);
            return false;
        }
        self.globals.insert(name.text.clone(), (global, name.span));
        true
    }

    fn declare_fields(
        &mut self,
        fields: &[ast::Field],
        what: &str,
    ) -> (Vec<FieldDef>, HashMap<String, u32>) {
        let mut defs: Vec<FieldDef> = Vec::new();
        let mut index = HashMap::new();
        for field in fields {
            if !self.check_not_keyword(&field.name) {
                continue;
            }
            if let Some(&i) = index.get(&field.name.text) {
                let first = defs[i as usize].span;
                self.duplicate(what, &field.name, first);
                continue;
            }
            let ty = self.field_type(&field.ty);
            index.insert(field.name.text.clone(), defs.len() as u32);
            defs.push(FieldDef {
                name: field.name.text.clone(),
                ty,
                span: field.name.span,
            });
        }
        (defs, index)
    }

    fn field_type(&mut self, ty: &ast::TypeExpr) -> Type {
        const NAMES: &[&str] = &["string", "int", "number", "bool", "time", "duration"];
        let found = match ty.name.text.as_str() {
            "string" => Type::String,
            "int" => Type::Int,
            "number" => Type::Number,
            "bool" => Type::Bool,
            "time" => Type::Time,
            "duration" => Type::Duration,
            "list" => {
                self.report(
                    Diagnostic::new(
                        Code::UnknownType,
                        "a field cannot be a list",
                        ty.span,
                        "list type",
                    )
                    .with_note("lists exist only as literals in a model, like `[\"PL\", \"DE\"]`")
                    .with_help(
                        "store one value per field, or a delimited string matched with `contains`",
                    ),
                );
                return Type::Error;
            }
            other => {
                let help = did_you_mean(other, NAMES.iter().copied())
                    .unwrap_or_else(|| format!("use one of {}", NAMES.join(", ")));
                self.report(
                    Diagnostic::new(
                        Code::UnknownType,
                        format!("unknown type `{other}`"),
                        ty.name.span,
                        "not a type",
                    )
                    .with_help(help),
                );
                return Type::Error;
            }
        };
        if let Some(param) = &ty.param {
            self.report(Diagnostic::new(
                Code::UnknownType,
                format!("`{}` takes no type parameter", ty.name.text),
                param.span,
                "unexpected parameter",
            ));
        }
        found
    }

    fn declare_lead(&mut self, fields: &[ast::Field], span: Span) {
        if let Some(first) = self.lead_span {
            self.report(
                Diagnostic::new(
                    Code::DuplicateLead,
                    "a model has one `lead` block",
                    span,
                    "second lead block",
                )
                .with_label(first, "first lead block")
                .with_help("merge the fields into one `lead { … }` block"),
            );
            return;
        }
        self.lead_span = Some(span);
        let (defs, index) = self.declare_fields(fields, "the lead field");
        self.lead_fields = defs;
        self.lead_index = index.into_iter().map(|(k, v)| (k, FieldId(v))).collect();
    }

    fn declare_event(&mut self, event: &ast::EventDecl) {
        if let Some(&id) = self.event_index.get(&event.name.text) {
            let first = self.events[id.0 as usize].def.span;
            self.duplicate("the event type", &event.name, first);
            return;
        }
        // `event score {}` would make `on score` read like a keyword; dotted names cannot.
        if !event.name.text.contains('.') {
            self.check_not_keyword(&event.name);
        }
        let (props, index) = self.declare_fields(&event.fields, "the property");
        let id = EventId(self.events.len() as u32);
        self.event_index.insert(event.name.text.clone(), id);
        self.events.push(EventEntry {
            def: EventDef {
                name: event.name.text.clone(),
                props,
                span: event.name.span,
            },
            props: index.into_iter().map(|(k, v)| (k, PropId(v))).collect(),
            used: false,
        });
    }

    /// Resolves an event type name, reporting unknown ones with a suggestion.
    fn resolve_event(&mut self, name: &ast::Ident) -> Option<EventId> {
        if let Some(&id) = self.event_index.get(&name.text) {
            self.events[id.0 as usize].used = true;
            return Some(id);
        }
        let help = did_you_mean(&name.text, self.events.iter().map(|e| e.def.name.as_str()))
            .unwrap_or_else(|| format!("declare it first: `event {} {{}}`", name.text));
        self.report(
            Diagnostic::new(
                Code::UnknownEvent,
                format!("unknown event type `{}`", name.text),
                name.span,
                "not declared",
            )
            .with_help(help),
        );
        None
    }

    // ------------------------------------------------------------ lets

    fn check_lets(&mut self) {
        for index in 0..self.lets.len() {
            self.let_value(index);
        }
    }

    /// The folded value of constant `index`, checking it on first use.
    fn let_value(&mut self, index: usize) -> Option<(Const, Type)> {
        match &self.lets[index].state {
            LetState::Done(c, t) => return Some((c.clone(), t.clone())),
            LetState::Failed => return None,
            LetState::InProgress => return None, // reported by the reference that closed the cycle
            LetState::Pending => {}
        }
        self.lets[index].state = LetState::InProgress;
        let decl = self.lets[index].decl;
        let cx = expr::Cx::constant();
        let typed = self.expr(&decl.value, &cx);
        let folded = if typed.ty.is_error() {
            None
        } else {
            match expr::fold(&typed) {
                Some(c) => Some((c, typed.ty.clone())),
                None => {
                    self.report(
                        Diagnostic::new(
                            Code::NotConstant,
                            format!("`{}` must be a constant", decl.name.text),
                            decl.value.span,
                            "not a constant expression",
                        )
                        .with_help("a `let` holds literals, lists or arithmetic on them, like `let limit = 2 * 50`"),
                    );
                    None
                }
            }
        };
        self.lets[index].state = match &folded {
            Some((c, t)) => LetState::Done(c.clone(), t.clone()),
            None => LetState::Failed,
        };
        folded
    }

    // ------------------------------------------------------------ scores

    fn check_scores(&mut self) {
        for index in 0..self.scores.len() {
            let decl = self.scores[index].decl;
            let node = Node::Score(ScoreId(index as u32));
            let body = match &decl.body {
                ast::ScoreBody::Derived(e) => {
                    let typed = self.expr(e, &expr::Cx::derived(node));
                    if !typed.ty.is_numeric() {
                        self.report(
                            Diagnostic::new(
                                Code::NotNumeric,
                                format!("score `{}` must be a number", decl.name.text),
                                e.span,
                                format!("this is {}", typed.ty.an()),
                            )
                            .with_help("a derived score is arithmetic over scores, lead fields and constants"),
                        );
                    }
                    ScoreBody::Derived(typed)
                }
                ast::ScoreBody::Rules(rules) => self.score_rules(decl, rules, node),
            };
            self.scores[index].def = Some(ScoreDef {
                name: decl.name.text.clone(),
                body,
                origin: match &decl.body {
                    // A derived score is explained by its whole definition.
                    ast::ScoreBody::Derived(_) => self.origin(decl.span),
                    ast::ScoreBody::Rules(_) => Origin {
                        text: format!("score {}", decl.name.text),
                        ..self.origin(decl.name.span)
                    },
                },
            });
        }
    }

    fn score_rules(&mut self, decl: &ast::ScoreDecl, rules: &[ast::Rule], node: Node) -> ScoreBody {
        let mut checked = Vec::new();
        let mut clamp: Option<Clamp> = None;
        if rules.is_empty() {
            self.report(
                Diagnostic::new(
                    Code::EmptyScore,
                    format!("score `{}` has no rules", decl.name.text),
                    decl.name.span,
                    "always 0",
                )
                .with_help("add rules like `when lead.industry == \"software\" +20`"),
            );
        }
        for rule in rules {
            if let ast::RuleKind::Clamp { low, high } = &rule.kind {
                if let Some(first) = &clamp {
                    self.report(
                        Diagnostic::new(
                            Code::DuplicateClamp,
                            "a score has at most one `clamp`",
                            rule.span,
                            "second clamp",
                        )
                        .with_label(first.origin.span, "first clamp")
                        .with_help("keep one `clamp LOW HIGH`"),
                    );
                    continue;
                }
                if low.0 > high.0 {
                    self.report(
                        Diagnostic::new(
                            Code::BadClamp,
                            format!("the clamp range is empty: {} is above {}", low.0, high.0),
                            low.1.to(high.1),
                            "low bound above high bound",
                        )
                        .with_help(format!(
                            "write the low bound first: `clamp {} {}`",
                            high.0, low.0
                        )),
                    );
                }
                clamp = Some(Clamp {
                    low: low.0,
                    high: high.0,
                    origin: self.origin(rule.span),
                });
                continue;
            }
            if let Some(kind) = self.rule(rule, node) {
                checked.push(RuleDef {
                    kind,
                    origin: self.origin(rule.span),
                });
            }
        }
        ScoreBody::Rules {
            rules: checked,
            clamp,
        }
    }

    fn rule(&mut self, rule: &ast::Rule, node: Node) -> Option<RuleKind> {
        match &rule.kind {
            ast::RuleKind::On {
                event,
                filter,
                points,
                within,
                max,
            } => {
                self.zero_points(points);
                let within =
                    self.single_option("within", within.iter().map(|d| (d.seconds, d.span)));
                let max = self
                    .single_option("max", max.iter().copied())
                    .and_then(|(k, span)| self.max_count(k, span));
                let id = self.resolve_event(event)?;
                let filter = filter
                    .as_ref()
                    .map(|f| self.condition(f, &expr::Cx::filter(id)));
                Some(RuleKind::On {
                    event: id,
                    filter,
                    points: points.value,
                    within: within.map(|(d, _)| d),
                    max,
                })
            }
            ast::RuleKind::When { condition, points } => {
                self.zero_points(points);
                let condition = self.condition(condition, &expr::Cx::condition(Some(node)));
                Some(RuleKind::When {
                    condition,
                    points: points.value,
                })
            }
            ast::RuleKind::Decay { points, per, reset } => {
                if points.value > 0.0 {
                    self.report(
                        Diagnostic::new(
                            Code::PositiveDecay,
                            "decay must take points away",
                            points.span,
                            "positive amount",
                        )
                        .with_help(format!("write `-{}`", points.value)),
                    );
                }
                self.zero_points(points);
                let reset = match reset {
                    ast::DecayReset::AnyEvent => None,
                    ast::DecayReset::Event { event, filter } => {
                        let id = self.resolve_event(event)?;
                        let filter = filter
                            .as_ref()
                            .map(|f| self.condition(f, &expr::Cx::filter(id)));
                        Some(EventMatch { event: id, filter })
                    }
                };
                Some(RuleKind::Decay {
                    points: points.value,
                    per: per.seconds,
                    reset,
                })
            }
            ast::RuleKind::Clamp { .. } => None,
        }
    }

    fn zero_points(&mut self, points: &ast::Points) {
        if points.value == 0.0 {
            self.report(
                Diagnostic::new(
                    Code::ZeroPoints,
                    "this rule is worth 0 points",
                    points.span,
                    "0 points",
                )
                .with_help("give it points, or remove the rule"),
            );
        }
    }

    /// Takes the first of a repeatable option, reporting repeats.
    fn single_option<T: Copy>(
        &mut self,
        name: &str,
        mut values: impl Iterator<Item = (T, Span)>,
    ) -> Option<(T, Span)> {
        let first = values.next()?;
        for (_, span) in values {
            self.report(
                Diagnostic::new(
                    Code::DuplicateOption,
                    format!("`{name}` is given twice"),
                    span,
                    "repeated",
                )
                .with_label(first.1, "first given here")
                .with_help(format!("keep one `{name}`")),
            );
        }
        Some(first)
    }

    fn max_count(&mut self, k: f64, span: Span) -> Option<u32> {
        if k >= 1.0 && k.fract() == 0.0 && k <= u32::MAX as f64 {
            return Some(k as u32);
        }
        self.report(
            Diagnostic::new(
                Code::BadMax,
                format!("`max {k}` is not a whole number of events of at least 1"),
                span,
                "invalid count",
            )
            .with_help("`max K` counts matching events at most K times: write `max 3`"),
        );
        None
    }

    /// Checks an expression that must be a condition (true/false).
    fn condition(&mut self, e: &ast::Expr, cx: &expr::Cx) -> TExpr {
        let typed = self.expr(e, cx);
        if typed.ty != Type::Bool && !typed.ty.is_error() {
            self.not_a_condition(&typed);
        }
        typed
    }

    fn not_a_condition(&mut self, typed: &TExpr) {
        let help = match typed.ty {
            Type::Int | Type::Number => "compare it, like `… >= 10`",
            Type::String => "compare it, like `… == \"software\"`, or test it with `has(…)`",
            _ => "use a comparison or `has(…)`",
        };
        self.report(
            Diagnostic::new(
                Code::NotACondition,
                "expected a condition (true or false)",
                typed.span,
                format!("this is {}", typed.ty.an()),
            )
            .with_help(help),
        );
    }

    // ------------------------------------------------------------ flags

    fn check_flags(&mut self) {
        for index in 0..self.flags.len() {
            let decl = self.flags[index].decl;
            let node = Node::Flag(FlagId(index as u32));
            let condition = self.condition(&decl.condition, &expr::Cx::condition(Some(node)));
            self.flags[index].def = Some(FlagDef {
                name: decl.name.text.clone(),
                condition,
                origin: self.origin(decl.span),
            });
        }
    }

    // ------------------------------------------------------------ order

    /// Orders scores and flags so each comes after what it uses; reports cycles.
    fn order(&mut self) -> Vec<Node> {
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

    fn node_name(&self, node: Node) -> &str {
        match node {
            Node::Score(id) => &self.scores[id.0 as usize].decl.name.text,
            Node::Flag(id) => &self.flags[id.0 as usize].decl.name.text,
        }
    }

    // ------------------------------------------------------------ grades

    fn check_grades(&mut self, items: &[(crate::source::FileId, &ast::Item)]) {
        let mut graded: HashMap<ScoreId, Span> = HashMap::new();
        for (_, item) in items {
            let ast::Item::Grade(grade) = item else {
                continue;
            };
            let Some(score) = self.grade_target(&grade.score) else {
                continue;
            };
            if let Some(first) = graded.get(&score) {
                self.report(
                    Diagnostic::new(
                        Code::DuplicateGrade,
                        format!("score `{}` already has a grade", grade.score.text),
                        grade.score.span,
                        "second grade",
                    )
                    .with_label(*first, "first grade")
                    .with_help("merge the bands into one grade"),
                );
                continue;
            }
            graded.insert(score, grade.score.span);
            let bands = self.bands(grade);
            self.grades.push(GradeDef {
                score,
                bands,
                origin: self.origin(grade.span),
            });
        }
    }

    fn grade_target(&mut self, name: &ast::Ident) -> Option<ScoreId> {
        if let Some((Global::Score(id), _)) = self.globals.get(&name.text) {
            return Some(*id);
        }
        let scores: Vec<&str> = self
            .scores
            .iter()
            .map(|s| s.decl.name.text.as_str())
            .collect();
        let help = did_you_mean(&name.text, scores.iter().copied())
            .unwrap_or_else(|| "a grade names a score of this model".into());
        self.report(
            Diagnostic::new(
                Code::UnknownScore,
                format!("there is no score `{}` to grade", name.text),
                name.span,
                "not a score",
            )
            .with_help(help),
        );
        None
    }

    fn bands(&mut self, grade: &ast::GradeDecl) -> Vec<BandDef> {
        let mut bands = Vec::new();
        for band in &grade.bands {
            let threshold = band.threshold.as_ref().and_then(|t| self.threshold(t));
            let condition = band
                .condition
                .as_ref()
                .map(|c| self.condition(c, &expr::Cx::condition(None)));
            bands.push(BandDef {
                name: band.name.text.clone(),
                threshold,
                condition,
                origin: self.origin(band.span),
            });
        }
        match grade.bands.last() {
            None => self.report(
                Diagnostic::new(Code::GradeNeedsDefault, "a grade needs at least one band", grade.score.span, "no bands")
                    .with_help("add bands like `hot >= 70; warm >= 30; cold`"),
            ),
            Some(last) if last.threshold.is_some() || last.condition.is_some() => self.report(
                Diagnostic::new(
                    Code::GradeNeedsDefault,
                    "the last band of a grade must be the default",
                    last.span,
                    "this band has a threshold or condition",
                )
                .with_note("the last band is chosen when no band above it holds, so it takes no `>=` and no `if`")
                .with_help("add a default band at the end, like `cold`"),
            ),
            Some(_) => {}
        }
        bands
    }

    fn threshold(&mut self, e: &ast::Expr) -> Option<f64> {
        let typed = self.expr(e, &expr::Cx::constant());
        if typed.ty.is_error() {
            return None;
        }
        match expr::fold(&typed) {
            Some(Const::Number(n)) => Some(n),
            Some(_) => {
                self.report(Diagnostic::new(
                    Code::NotNumeric,
                    "a band's threshold must be a number",
                    e.span,
                    format!("this is {}", typed.ty.an()),
                ));
                None
            }
            None => {
                self.report(
                    Diagnostic::new(
                        Code::NotConstant,
                        "a band's threshold must be a constant",
                        e.span,
                        "not constant",
                    )
                    .with_help("write a number, like `hot >= 70`, and put conditions in `if`"),
                );
                None
            }
        }
    }

    // ------------------------------------------------------------ shared helpers

    fn uses(&mut self, owner: Option<Node>, used: Node, span: Span) {
        if let Some(owner) = owner {
            self.deps.entry(owner).or_default().push((used, span));
        }
    }
}
