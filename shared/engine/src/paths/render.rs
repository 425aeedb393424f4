//! Attack paths as graphs: Graphviz DOT and Mermaid flowcharts. A node per ARN (shared by the
//! paths that pass through it, coloured by the worst of them), an edge per step of each kind,
//! labelled with the kind and coloured by the path's severity. Labels are escaped for each
//! language; nodes and edges come in the order of the paths given.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;

use crate::severity::Severity;

use super::{AttackPath, Step};

/// The nodes and edges of a set of paths.
struct Graph<'p> {
    /// Each node's first step and the worst severity of the paths through it.
    nodes: Vec<(&'p Step, Severity)>,
    ids: HashMap<&'p str, usize>,
    /// (from node, to node, kind, severity of the first path with that edge).
    edges: Vec<(usize, usize, &'static str, Severity)>,
}

impl<'p> Graph<'p> {
    fn new(paths: &'p [AttackPath]) -> Graph<'p> {
        let mut graph = Graph {
            nodes: Vec::new(),
            ids: HashMap::new(),
            edges: Vec::new(),
        };
        let mut seen = HashSet::new();
        for path in paths {
            let ids: Vec<usize> = path.steps.iter().map(|s| graph.node(s, path.severity)).collect();
            for pair in ids.windows(2) {
                if seen.insert((pair[0], pair[1], path.kind)) {
                    graph.edges.push((pair[0], pair[1], path.kind, path.severity));
                }
            }
        }
        graph
    }

    fn node(&mut self, step: &'p Step, severity: Severity) -> usize {
        if let Some(&i) = self.ids.get(step.arn.as_str()) {
            self.nodes[i].1 = self.nodes[i].1.max(severity);
            return i;
        }
        self.ids.insert(&step.arn, self.nodes.len());
        self.nodes.push((step, severity));
        self.nodes.len() - 1
    }
}

fn color(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "#b30000",
        Severity::High => "#e34a33",
        Severity::Medium => "#fc8d59",
        Severity::Low => "#fdbb84",
        Severity::Info => "#999999",
    }
}

/// True for the pseudo-nodes where a path starts outside the account.
fn outside(step: &Step) -> bool {
    matches!(step.resource_type.as_str(), "Internet" | "Public" | "AWS::Account")
}

/// A DOT double-quoted string: `\` and `"` escaped, line breaks as `\n`.
fn dot_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The paths as a Graphviz digraph (`dot -Tsvg`): node ids are the ARNs, labels the step label
/// over the resource type, tooltips the evidence.
pub fn to_dot(paths: &[AttackPath]) -> String {
    let graph = Graph::new(paths);
    let mut out = String::from("digraph attack_paths {\n  rankdir=LR;\n");
    out.push_str("  node [shape=box, style=\"rounded\", fontname=\"Helvetica\"];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=10];\n");
    for (step, severity) in &graph.nodes {
        let shape = if outside(step) { ", shape=ellipse" } else { "" };
        let _ = writeln!(
            out,
            "  {} [label={}, tooltip={}, color={}{shape}];",
            dot_quote(&step.arn),
            dot_quote(&format!("{}\n{}", step.label, step.resource_type)),
            dot_quote(&step.evidence),
            dot_quote(color(*severity)),
        );
    }
    for &(from, to, kind, severity) in &graph.edges {
        let _ = writeln!(
            out,
            "  {} -> {} [label={}, color={}];",
            dot_quote(&graph.nodes[from].0.arn),
            dot_quote(&graph.nodes[to].0.arn),
            dot_quote(kind),
            dot_quote(color(severity)),
        );
    }
    out.push_str("}\n");
    out
}

/// Text for a Mermaid quoted label: characters Mermaid would read as syntax or markup written
/// as entity codes, line breaks as spaces.
fn mermaid_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '#' => out.push_str("#35;"),
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '`' => out.push_str("#96;"),
            '|' => out.push_str("#124;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The paths as a Mermaid flowchart (left to right): nodes `n0`, `n1`… labelled with the step
/// label over the resource type, classed by severity; edges labelled with the path kind.
pub fn to_mermaid(paths: &[AttackPath]) -> String {
    let graph = Graph::new(paths);
    let mut out = String::from("flowchart LR\n");
    for (i, (step, _)) in graph.nodes.iter().enumerate() {
        let (open, close) = if outside(step) { ("([", "])") } else { ("[", "]") };
        let _ = writeln!(
            out,
            "  n{i}{open}\"{}<br/>{}\"{close}",
            mermaid_text(&step.label),
            mermaid_text(&step.resource_type)
        );
    }
    for &(from, to, kind, _) in &graph.edges {
        let _ = writeln!(out, "  n{from} -->|\"{}\"| n{to}", mermaid_text(kind));
    }
    for severity in Severity::ALL.into_iter().rev() {
        let members: Vec<String> = (graph.nodes.iter().enumerate())
            .filter(|(_, (_, s))| *s == severity)
            .map(|(i, _)| format!("n{i}"))
            .collect();
        if members.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "  classDef sev_{severity} stroke:{},stroke-width:2px",
            color(severity)
        );
        let _ = writeln!(out, "  class {} sev_{severity}", members.join(","));
    }
    for (i, &(_, _, _, severity)) in graph.edges.iter().enumerate() {
        let _ = writeln!(out, "  linkStyle {i} stroke:{}", color(severity));
    }
    out
}
