//! Security rules: requirements (global and per operation) and scheme definitions.
//!
//! A requirement is a list of alternatives, each a set of schemes (with
//! scopes) that must all be presented; no requirement, or an empty
//! alternative, is anonymous access. Alternatives that name the same schemes
//! are compared scope by scope. The others are judged by who can still get
//! in: an OLD alternative breaks clients only if no NEW alternative is
//! satisfied by the same credentials, and a NEW alternative breaks servers
//! only if no OLD alternative is satisfied by its credentials.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::resolve::{Doc, Node};
use super::{At, Context, Differ, Rule};
use crate::error::Result;

/// One alternative: scheme name to the scopes it must carry.
type Alternative = BTreeMap<String, BTreeSet<String>>;

/// The alternatives of a `security` array; none (or an empty array) is anonymous access.
fn alternatives(node: Option<&Node<'_>>) -> Vec<Alternative> {
    let list = node.and_then(|n| n.value.as_array()).filter(|list| !list.is_empty());
    let Some(list) = list else { return vec![Alternative::new()] };
    list.iter()
        .filter_map(Value::as_object)
        .map(|alternative| {
            alternative
                .iter()
                .map(|(scheme, scopes)| {
                    let scopes =
                        scopes.as_array().map(|s| s.iter().filter_map(Value::as_str).map(str::to_owned).collect()).unwrap_or_default();
                    (scheme.clone(), scopes)
                })
                .collect()
        })
        .collect()
}

/// Whether credentials that satisfy `wider` also satisfy `narrower`.
fn satisfied_by(narrower: &Alternative, wider: &Alternative) -> bool {
    narrower.iter().all(|(scheme, scopes)| wider.get(scheme).is_some_and(|have| scopes.is_subset(have)))
}

fn describe(alternative: &Alternative) -> String {
    if alternative.is_empty() {
        return "anonymous access".to_owned();
    }
    alternative
        .iter()
        .map(|(scheme, scopes)| {
            if scopes.is_empty() {
                format!("`{scheme}`")
            } else {
                format!("`{scheme}` ({})", scopes.iter().map(String::as_str).collect::<Vec<_>>().join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

fn scopes(list: &BTreeSet<&String>) -> String {
    list.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
}

impl<'a> Differ<'a> {
    /// The document-wide `security`, which every operation without its own inherits.
    pub(super) fn global_security(&mut self) -> Result<()> {
        let old = self.old.root().child("security");
        let new = self.new.root().child("security");
        let context = Context { operation: None, subject: "global security".into(), direction: None };
        let new_at = new.as_ref().map_or_else(String::new, |n| n.pointer.clone());
        let old_at = old.as_ref().map_or_else(String::new, |n| n.pointer.clone());
        self.requirements(&context, &alternatives(old.as_ref()), &alternatives(new.as_ref()), (old_at, new_at));
        Ok(())
    }

    /// An operation's own `security`; when both inherit the global one, that is compared once, globally.
    pub(super) fn operation_security(&mut self, old: &Node<'a>, new: &Node<'a>, context: &Context<'_>) -> Result<()> {
        let (old_own, new_own) = (old.child("security"), new.child("security"));
        if old_own.is_none() && new_own.is_none() {
            return Ok(());
        }
        let effective = |doc: Doc<'a>, own: Option<Node<'a>>| own.or_else(|| doc.root().child("security"));
        let old_effective = effective(self.old, old_own);
        let new_effective = effective(self.new, new_own);
        let at = |effective: &Option<Node<'a>>, operation: &Node<'a>| {
            effective.as_ref().map_or_else(|| operation.pointer.clone(), |n| n.pointer.clone())
        };
        let places = (at(&old_effective, old), at(&new_effective, new));
        let here = context.with_subject("security".into());
        self.requirements(&here, &alternatives(old_effective.as_ref()), &alternatives(new_effective.as_ref()), places);
        Ok(())
    }

    fn requirements(&mut self, here: &Context<'_>, old: &[Alternative], new: &[Alternative], (old_at, new_at): (String, String)) {
        let mut old_left: Vec<&Alternative> = old.iter().filter(|a| !new.contains(a)).collect();
        let mut new_left: Vec<&Alternative> = new.iter().filter(|a| !old.contains(a)).collect();
        // Alternatives that name the same schemes differ in scopes only.
        let mut index = 0;
        while index < old_left.len() {
            let names: BTreeSet<&String> = old_left[index].keys().collect();
            match new_left.iter().position(|n| n.keys().collect::<BTreeSet<_>>() == names) {
                Some(found) => {
                    let (old_alt, new_alt) = (old_left.remove(index), new_left.remove(found));
                    self.scopes(here, old_alt, new_alt, &new_at);
                }
                None => index += 1,
            }
        }
        for old_alt in old_left {
            if !new.iter().any(|n| satisfied_by(n, old_alt)) {
                let message = if old_alt.is_empty() {
                    "anonymous access removed: credentials are now required".to_owned()
                } else {
                    format!("{} no longer accepted", describe(old_alt))
                };
                let at = if new_at.is_empty() { At::Old(old_at.clone()) } else { At::New(new_at.clone()) };
                self.push(Rule::SecurityRequirementRemoved, here, message, at);
            }
        }
        for new_alt in new_left {
            if !old.iter().any(|o| satisfied_by(o, new_alt)) {
                let message = if new_alt.is_empty() {
                    "anonymous access added: credentials are no longer required".to_owned()
                } else {
                    format!("{} now accepted", describe(new_alt))
                };
                let at = if new_at.is_empty() { At::Old(old_at.clone()) } else { At::New(new_at.clone()) };
                self.push(Rule::SecurityRequirementAdded, here, message, at);
            }
        }
    }

    fn scopes(&mut self, here: &Context<'_>, old: &Alternative, new: &Alternative, new_at: &str) {
        for (scheme, new_scopes) in new {
            let Some(old_scopes) = old.get(scheme) else { continue };
            let added: BTreeSet<&String> = new_scopes.difference(old_scopes).collect();
            let removed: BTreeSet<&String> = old_scopes.difference(new_scopes).collect();
            if !added.is_empty() {
                let message = format!("`{scheme}` now needs the scopes {}", scopes(&added));
                self.push(Rule::SecurityScopesAdded, here, message, At::New(new_at.to_owned()));
            }
            if !removed.is_empty() {
                let message = format!("`{scheme}` no longer needs the scopes {}", scopes(&removed));
                self.push(Rule::SecurityScopesRemoved, here, message, At::New(new_at.to_owned()));
            }
        }
    }

    /// Schemes defined in both documents whose credentials are sent differently.
    pub(super) fn security_schemes(&mut self) -> Result<()> {
        let schemes = |doc: Doc<'a>| doc.at("/components/securitySchemes").map(|n| n.entries()).unwrap_or_default();
        let old_schemes = schemes(self.old);
        for (name, new_scheme) in schemes(self.new) {
            let Some((_, old_scheme)) = old_schemes.iter().find(|(key, _)| *key == name) else { continue };
            let old_scheme = self.old.resolve(old_scheme.clone())?;
            let new_scheme = self.new.resolve(new_scheme)?;
            let wire = |node: &Node<'_>| {
                let text = |key: &str| node.value.get(key).and_then(Value::as_str).unwrap_or("").to_owned();
                // HTTP auth scheme names are case-insensitive; header names are too.
                let (kind, location) = (text("type"), text("in"));
                let name = if location == "header" { text("name").to_ascii_lowercase() } else { text("name") };
                (kind, location, name, text("scheme").to_ascii_lowercase())
            };
            let (old_wire, new_wire) = (wire(&old_scheme), wire(&new_scheme));
            if old_wire != new_wire {
                let show = |(kind, location, name, scheme): &(String, String, String, String)| {
                    [kind.as_str(), scheme.as_str(), location.as_str(), name.as_str()]
                        .into_iter()
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                let here = Context { operation: None, subject: format!("security scheme `{name}`"), direction: None };
                let message = format!("credentials are sent differently: {} became {}", show(&old_wire), show(&new_wire));
                self.push(Rule::SecuritySchemeChanged, &here, message, At::New(new_scheme.pointer.clone()));
            }
        }
        Ok(())
    }
}
