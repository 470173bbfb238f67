//! Arithmetic: `(( ))` commands, `$(( ))` expansions, the three parts of a C-style
//! `for`, and the operands of `[[ a -eq b ]]`.
//!
//! Arithmetic runs no program, but it is not inert: its substitutions run, the
//! variables it assigns change (`x=rm; ((x++))` leaves `x` a number), and bash evaluates
//! a variable's value as an expression in turn, so a value holding an array subscript
//! with a substitution runs it: `x='a[$(id)]'; (( x ))` runs `id`.

use tree_sitter::Node;

use super::{At, Walker};
use crate::shell::embedded;
use crate::shell::expand::{collect_substitutions, text};
use crate::shell::invocation::Context;
use crate::shell::scope::{Scope, Value};

/// Operators that assign their left operand.
const ASSIGNING: &[&str] = &[
    "=", "+=", "-=", "*=", "/=", "%=", "**=", "<<=", ">>=", "&=", "^=", "|=",
];

impl Walker<'_> {
    /// Walk an arithmetic expression (or a node holding several, such as `(( a, b ))`).
    pub(super) fn walk_arithmetic(&mut self, node: Node, at: At, scope: &mut Scope) {
        let mut subs = Vec::new();
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            collect_substitutions(child, at.src.text, &mut subs);
        }
        self.walk_substitution_nodes(&subs, &[], at, scope);
        let mut names = Vec::new();
        arithmetic_names(node, at.src.text, false, &mut names);
        for (name, assigned) in names {
            if assigned {
                scope.assign(&name, Value::unknown(), at.frame.conditional);
                continue;
            }
            let Some(value) = scope.lookup(&name) else {
                continue;
            };
            let span = self.span(node, at);
            for v in &value.known {
                if !v.contains(['$', '`']) {
                    continue;
                }
                let mut f = at.frame.nested(Context::Substitution, span);
                f.conditional = at.frame.conditional;
                for code in embedded::substitutions(v) {
                    self.walk_code(&code, &f, &mut scope.clone());
                }
            }
        }
    }

    /// `[[ a -eq b ]]` and the other numeric comparisons evaluate both sides as
    /// arithmetic.
    pub(super) fn walk_test_arithmetic(&mut self, node: Node, at: At, scope: &mut Scope) {
        if node.kind() == "binary_expression"
            && node.child_by_field_name("operator").is_some_and(|o| {
                matches!(
                    text(o, at.src.text),
                    "-eq" | "-ne" | "-lt" | "-le" | "-gt" | "-ge"
                )
            })
        {
            for side in ["left", "right"] {
                if let Some(operand) = node.child_by_field_name(side) {
                    let mut names = Vec::new();
                    arithmetic_names(operand, at.src.text, false, &mut names);
                    if !names.is_empty() {
                        self.walk_arithmetic(operand, at, scope);
                    }
                }
            }
            return;
        }
        let mut cursor = node.walk();
        let children: Vec<Node> = node.named_children(&mut cursor).collect();
        for child in children {
            self.walk_test_arithmetic(child, at, scope);
        }
    }
}

/// The variables an arithmetic expression names, each with whether it assigns them.
fn arithmetic_names(node: Node, src: &str, assigned: bool, out: &mut Vec<(String, bool)>) {
    match node.kind() {
        // A substitution's inside is its own code, walked on its own.
        "command_substitution" | "process_substitution" => {}
        "variable_name" => out.push((text(node, src).to_owned(), assigned)),
        "word" if is_name(text(node, src)) => out.push((text(node, src).to_owned(), assigned)),
        "subscript" => {
            if let Some(name) = node.child_by_field_name("name") {
                out.push((text(name, src).to_owned(), assigned));
            }
            if let Some(index) = node.child_by_field_name("index") {
                arithmetic_names(index, src, false, out);
            }
        }
        "variable_assignment" => {
            if let Some(name) = node.child_by_field_name("name") {
                arithmetic_names(name, src, true, out);
            }
            if let Some(value) = node.child_by_field_name("value") {
                arithmetic_names(value, src, false, out);
            }
        }
        "binary_expression" => {
            let op = node
                .child_by_field_name("operator")
                .map(|o| text(o, src))
                .unwrap_or("");
            if let Some(left) = node.child_by_field_name("left") {
                arithmetic_names(left, src, ASSIGNING.contains(&op), out);
            }
            if let Some(right) = node.child_by_field_name("right") {
                arithmetic_names(right, src, false, out);
            }
        }
        "postfix_expression" | "unary_expression" => {
            let steps = node
                .child_by_field_name("operator")
                .is_some_and(|o| matches!(text(o, src), "++" | "--"));
            let mut cursor = node.walk();
            for child in node.named_children(&mut cursor) {
                arithmetic_names(child, src, steps, out);
            }
        }
        _ => {
            let mut cursor = node.walk();
            for child in node.named_children(&mut cursor) {
                arithmetic_names(child, src, false, out);
            }
        }
    }
}

fn is_name(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}
