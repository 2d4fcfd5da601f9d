//! Schema rules: two [`Shape`]s compared keyword by keyword, then property by
//! property, item and alternative, recursively.
//!
//! Recursion follows `$ref`s; `visits` decides which pairs are worth
//! entering, which ends recursive schemas and keeps shared ones from being
//! compared (and reported) over and over.

use std::collections::BTreeSet;
use std::rc::Rc;

use serde_json::Value;

use super::resolve::{Doc, Node};
use super::shape::{ANY, Additional, Bound, COUNT_KEYWORDS, Shape, shape, tighter};
use super::{At, Constraint, Context, Differ, Direction, Rule, Side};
use crate::error::Result;

/// The constraint each of [`Shape::counts`] is, and whether it is a lower bound.
const COUNTS: [(Constraint, bool); 6] = [
    (Constraint::MinLength, true),
    (Constraint::MaxLength, false),
    (Constraint::MinItems, true),
    (Constraint::MaxItems, false),
    (Constraint::MinProperties, true),
    (Constraint::MaxProperties, false),
];

/// `data[].id` for property `id` of the items of `data`.
fn child_path(path: &str, segment: &str) -> String {
    match (path.is_empty(), segment.starts_with(['[', '('])) {
        (true, _) | (false, true) => format!("{path}{segment}"),
        (false, false) => format!("{path}.{segment}"),
    }
}

/// `string | integer`, `any type`, or `nothing` (only `null`, which nullability reports).
fn show_types(types: &Option<BTreeSet<String>>) -> String {
    match types {
        None => "any type".to_owned(),
        Some(types) if types.is_empty() => "nothing".to_owned(),
        Some(types) => types.iter().map(String::as_str).collect::<Vec<_>>().join(" | "),
    }
}

/// Whether every type of `inner` is one of `outer` (an `integer` is a `number`; `None` is every type).
fn covers(outer: &Option<BTreeSet<String>>, inner: &Option<BTreeSet<String>>) -> bool {
    match (outer, inner) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(outer), Some(inner)) => inner.iter().all(|t| outer.contains(t) || (t == "integer" && outer.contains("number"))),
    }
}

fn show_value(value: &Value) -> String {
    match value {
        Value::String(text) => format!("`{text}`"),
        other => format!("`{other}`"),
    }
}

fn show_values<'v>(values: impl IntoIterator<Item = &'v Value>) -> String {
    values.into_iter().map(show_value).collect::<Vec<_>>().join(", ")
}

/// How a format change moves the accepted values.
fn format_rule(old: Option<&str>, new: Option<&str>) -> Option<Rule> {
    Some(match (old, new) {
        (a, b) if a == b => return None,
        (None, Some(_)) => Rule::FormatNarrowed,
        (Some(_), None) => Rule::FormatWidened,
        (Some("int32"), Some("int64")) | (Some("float"), Some("double")) => Rule::FormatWidened,
        (Some("int64"), Some("int32")) | (Some("double"), Some("float")) => Rule::FormatNarrowed,
        _ => Rule::FormatChanged,
    })
}

/// Whether a property is left out of data travelling in `direction` (`readOnly` in requests, `writeOnly` in responses).
fn left_out(doc: Doc<'_>, node: &Node<'_>, direction: Option<Direction>) -> Result<bool> {
    let key = match direction {
        Some(Direction::Request) => "readOnly",
        Some(Direction::Response) => "writeOnly",
        None => return Ok(false),
    };
    let (hops, target) = doc.follow(node.clone())?;
    Ok(hops.iter().chain(std::iter::once(&target)).any(|n| n.value.get(key).and_then(Value::as_bool) == Some(true)))
}

impl<'a> Differ<'a> {
    /// Compares the schemas `old` and `new` found at `path` (a property path, empty at the top) of `context`.
    ///
    /// The schema's own keywords are compared wherever it is used; what it contains (properties, items,
    /// alternatives) only where [`Visits`](super::visits::Visits) says it still needs comparing.
    pub(super) fn schema(&mut self, context: &Context<'_>, path: &str, old: Node<'a>, new: Node<'a>) -> Result<()> {
        let old_shape = self.shape(Side::Old, &old)?;
        let new_shape = self.shape(Side::New, &new)?;
        let here = if path.is_empty() { context.clone() } else { context.with_subject(format!("{} property `{path}`", context.subject)) };
        if !self.keywords(&here, &old_shape, &new_shape) {
            return Ok(());
        }
        // A `$ref` whose siblings add structure is its own schema; otherwise the target is what is compared.
        let key = if old_shape.refined || new_shape.refined {
            (old.pointer.clone(), new.pointer.clone(), context.direction)
        } else {
            (old_shape.pointer.clone(), new_shape.pointer.clone(), context.direction)
        };
        if !self.visits.enter(key) {
            return Ok(());
        }
        let before = self.changes.len();
        let result = self.structure(context, &here, path, (&old, &old_shape), (&new, &new_shape));
        self.visits.leave(self.changes.len() > before);
        result
    }

    /// The shape of the schema at `node`, read once per document and pointer.
    fn shape(&mut self, side: Side, node: &Node<'a>) -> Result<Rc<Shape<'a>>> {
        let key = (side, node.pointer.clone());
        if let Some(shape) = self.shapes.get(&key) {
            return Ok(Rc::clone(shape));
        }
        let doc = if side == Side::Old { self.old } else { self.new };
        let shape = Rc::new(shape(doc, node.clone())?);
        self.shapes.insert(key, Rc::clone(&shape));
        Ok(shape)
    }

    /// Compares the keywords about the value itself; returns whether what it contains is still worth comparing.
    fn keywords(&mut self, here: &Context<'_>, old: &Shape<'a>, new: &Shape<'a>) -> bool {
        let doc = self.new;
        let at = |keyword: &str| At::New(keyword_pointer(doc, new, keyword));
        if old.nothing != new.nothing {
            let (rule, message) = if new.nothing {
                (Rule::TypeNarrowed, "no value is valid any more")
            } else {
                (Rule::TypeWidened, "values are valid again")
            };
            self.push(rule, here, message.into(), at(""));
            return false;
        }
        if !old.variants.is_empty() || !new.variants.is_empty() {
            // The alternatives carry the types; they are compared one by one.
            self.nullability(here, old, new);
            return true;
        }
        if !self.types(here, old, new) {
            // Once the type is replaced, its keywords are not worth comparing one by one.
            return false;
        }
        self.nullability(here, old, new);
        if let Some(rule) = format_rule(old.format.as_deref(), new.format.as_deref()) {
            let show = |f: &Option<String>| f.as_deref().map_or_else(|| "none".to_owned(), |f| format!("`{f}`"));
            let message = format!("format changed from {} to {}", show(&old.format), show(&new.format));
            self.push(rule, here, message, at("format"));
        }
        self.values(here, old, new);
        self.bounds(here, old, new);
        self.counts(here, old, new);
        self.pattern_and_flags(here, old, new);
        true
    }

    /// Compares what the schema contains: alternatives, or properties and items.
    fn structure(
        &mut self,
        base: &Context<'_>,
        here: &Context<'_>,
        path: &str,
        (old_node, old): (&Node<'a>, &Shape<'a>),
        (new_node, new): (&Node<'a>, &Shape<'a>),
    ) -> Result<()> {
        if !old.variants.is_empty() || !new.variants.is_empty() {
            return self.variants(base, path, (old_node, old), (new_node, new));
        }
        self.properties(base, path, old, new)?;
        self.additional(base, here, path, old, new)?;
        self.items(base, path, old, new)
    }

    /// Reports a type change; returns whether the rest of the schema is still worth comparing.
    fn types(&mut self, here: &Context<'_>, old: &Shape<'a>, new: &Shape<'a>) -> bool {
        let widened = covers(&new.types, &old.types);
        let narrowed = covers(&old.types, &new.types);
        if widened && narrowed {
            return true;
        }
        let rule = match (widened, narrowed) {
            (true, false) => Rule::TypeWidened,
            (false, true) => Rule::TypeNarrowed,
            _ => Rule::TypeChanged,
        };
        let message = format!("type changed from {} to {}", show_types(&old.types), show_types(&new.types));
        self.push(rule, here, message, At::New(keyword_pointer(self.new, new, "type")));
        rule != Rule::TypeChanged
    }

    fn nullability(&mut self, here: &Context<'_>, old: &Shape<'a>, new: &Shape<'a>) {
        // A schema of any type accepts `null` whatever `nullable` says; a change to or from it is a type change.
        let any = |s: &Shape<'a>| s.types.is_none() && s.variants.is_empty();
        if any(old) || any(new) || old.nullable == new.nullable {
            return;
        }
        let at = At::New(keyword_pointer(self.new, new, if new.nullable { "nullable" } else { "type" }));
        if new.nullable {
            self.push(Rule::BecameNullable, here, "became nullable".into(), at);
        } else {
            self.push(Rule::BecameNonNullable, here, "no longer nullable".into(), at);
        }
    }

    fn values(&mut self, here: &Context<'_>, old: &Shape<'a>, new: &Shape<'a>) {
        let doc = self.new;
        let keyword = if doc.at(&format!("{}/const", new.pointer)).is_some() { "const" } else { "enum" };
        let at = || At::New(keyword_pointer(doc, new, keyword));
        match (&old.values, &new.values) {
            (Some(old_values), Some(new_values)) => {
                let removed: Vec<&Value> = old_values.iter().filter(|v| !new_values.contains(v)).collect();
                let added: Vec<&Value> = new_values.iter().filter(|v| !old_values.contains(v)).collect();
                if !removed.is_empty() {
                    self.push(Rule::EnumValuesRemoved, here, format!("enum values removed: {}", show_values(removed)), at());
                }
                if !added.is_empty() {
                    self.push(Rule::EnumValuesAdded, here, format!("enum values added: {}", show_values(added)), at());
                }
            }
            (None, Some(new_values)) => {
                self.push(Rule::EnumAdded, here, format!("restricted to the values {}", show_values(new_values)), at());
            }
            (Some(old_values), None) => {
                let message = format!("no longer restricted to the values {}", show_values(old_values));
                self.push(Rule::EnumRemoved, here, message, At::New(new.pointer.clone()));
            }
            (None, None) => {}
        }
    }

    fn bounds(&mut self, here: &Context<'_>, old: &Shape<'a>, new: &Shape<'a>) {
        for (lower, old_bound, new_bound) in [(true, &old.minimum, &new.minimum), (false, &old.maximum, &new.maximum)] {
            let (constraint, name, keywords) = if lower {
                (Constraint::Minimum, "minimum", ["minimum", "exclusiveMinimum"])
            } else {
                (Constraint::Maximum, "maximum", ["maximum", "exclusiveMaximum"])
            };
            let doc = self.new;
            let at = || {
                let keyword = keywords.into_iter().find(|k| doc.at(&format!("{}/{k}", new.pointer)).is_some()).unwrap_or("");
                At::New(keyword_pointer(doc, new, keyword))
            };
            let show = |b: &Bound| b.describe(lower);
            let (rule, message) = match (old_bound, new_bound) {
                (None, Some(b)) => (Rule::ConstraintTightened(constraint), format!("{name} added: {}", show(b))),
                (Some(a), None) => (Rule::ConstraintLoosened(constraint), format!("{name} removed (was {})", show(a))),
                (Some(a), Some(b)) if tighter(b, a, lower) => {
                    (Rule::ConstraintTightened(constraint), format!("{name} tightened from {} to {}", show(a), show(b)))
                }
                (Some(a), Some(b)) if tighter(a, b, lower) => {
                    (Rule::ConstraintLoosened(constraint), format!("{name} loosened from {} to {}", show(a), show(b)))
                }
                _ => continue,
            };
            let at = at();
            self.push(rule, here, message, at);
        }
    }

    fn counts(&mut self, here: &Context<'_>, old: &Shape<'a>, new: &Shape<'a>) {
        for (index, (constraint, lower)) in COUNTS.into_iter().enumerate() {
            let keyword = COUNT_KEYWORDS[index];
            let (old_count, new_count) = (old.counts[index], new.counts[index]);
            // A missing minimum is 0, a missing maximum is none.
            let (old_count, new_count) = if lower { (old_count.or(Some(0)), new_count.or(Some(0))) } else { (old_count, new_count) };
            let show = |c: Option<u64>| c.map_or_else(|| "none".to_owned(), |c| c.to_string());
            let tightened = match (old_count, new_count) {
                (a, b) if a == b => continue,
                (None, Some(_)) => true,
                (Some(_), None) => false,
                (Some(a), Some(b)) => (b > a) == lower,
                (None, None) => continue,
            };
            let (rule, verb) = if tightened {
                (Rule::ConstraintTightened(constraint), "tightened")
            } else {
                (Rule::ConstraintLoosened(constraint), "loosened")
            };
            let message = format!("{keyword} {verb} from {} to {}", show(old_count), show(new_count));
            self.push(rule, here, message, At::New(keyword_pointer(self.new, new, keyword)));
        }
    }

    fn pattern_and_flags(&mut self, here: &Context<'_>, old: &Shape<'a>, new: &Shape<'a>) {
        let doc = self.new;
        let at = |keyword: &str| At::New(keyword_pointer(doc, new, keyword));
        let pattern = match (&old.pattern, &new.pattern) {
            (None, Some(b)) => Some((Rule::ConstraintTightened(Constraint::Pattern), format!("pattern added: `{b}`"))),
            (Some(a), None) => Some((Rule::ConstraintLoosened(Constraint::Pattern), format!("pattern removed (was `{a}`)"))),
            (Some(a), Some(b)) if a != b => {
                Some((Rule::ConstraintChanged(Constraint::Pattern), format!("pattern changed from `{a}` to `{b}`")))
            }
            _ => None,
        };
        if let Some((rule, message)) = pattern {
            self.push(rule, here, message, at("pattern"));
        }
        match (old.unique_items, new.unique_items) {
            (false, true) => {
                self.push(Rule::ConstraintTightened(Constraint::UniqueItems), here, "items must be unique".into(), at("uniqueItems"))
            }
            (true, false) => self.push(
                Rule::ConstraintLoosened(Constraint::UniqueItems),
                here,
                "items no longer need to be unique".into(),
                at("uniqueItems"),
            ),
            _ => {}
        }
        let multiple = match (&old.multiple_of, &new.multiple_of) {
            (None, Some(b)) => Some((Rule::ConstraintTightened(Constraint::MultipleOf), format!("multipleOf added: {b}"))),
            (Some(a), None) => Some((Rule::ConstraintLoosened(Constraint::MultipleOf), format!("multipleOf removed (was {a})"))),
            (Some(a), Some(b)) if a != b => {
                Some((Rule::ConstraintChanged(Constraint::MultipleOf), format!("multipleOf changed from {a} to {b}")))
            }
            _ => None,
        };
        if let Some((rule, message)) = multiple {
            self.push(rule, here, message, at("multipleOf"));
        }
    }

    fn properties(&mut self, base: &Context<'_>, path: &str, old: &Shape<'a>, new: &Shape<'a>) -> Result<()> {
        let direction = base.direction;
        for (name, new_property) in &new.properties {
            let child = child_path(path, name);
            let this = base.with_subject(format!("{} property `{child}`", base.subject));
            let new_present = !left_out(self.new, new_property, direction)?;
            let old_property = match old.property(name) {
                Some(property) if !left_out(self.old, property, direction)? => Some(property.clone()),
                _ => None,
            };
            let new_required = new.required.contains(name);
            match (old_property, new_present) {
                (Some(old_property), true) => {
                    let doc = self.new;
                    let at = || At::New(keyword_pointer(doc, new, "required"));
                    match (old.required.contains(name), new_required) {
                        (false, true) => self.push(Rule::PropertyBecameRequired, &this, "became required".into(), at()),
                        (true, false) => self.push(Rule::PropertyBecameOptional, &this, "became optional".into(), at()),
                        _ => {}
                    }
                    self.schema(base, &child, old_property, new_property.clone())?;
                }
                (None, true) => {
                    let (rule, message) = if new_required {
                        (Rule::RequiredPropertyAdded, "required property added")
                    } else {
                        (Rule::OptionalPropertyAdded, "optional property added")
                    };
                    self.push(rule, &this, message.into(), At::New(new_property.pointer.clone()));
                }
                (Some(old_property), false) => {
                    self.push(Rule::PropertyRemoved, &this, "property removed".into(), At::Old(old_property.pointer));
                }
                (None, false) => {}
            }
        }
        for (name, old_property) in &old.properties {
            if new.property(name).is_none() && !left_out(self.old, old_property, direction)? {
                let this = base.with_subject(format!("{} property `{}`", base.subject, child_path(path, name)));
                self.push(Rule::PropertyRemoved, &this, "property removed".into(), At::Old(old_property.pointer.clone()));
            }
        }
        Ok(())
    }

    fn additional(&mut self, base: &Context<'_>, here: &Context<'_>, path: &str, old: &Shape<'a>, new: &Shape<'a>) -> Result<()> {
        let at = At::New(keyword_pointer(self.new, new, "additionalProperties"));
        let any = |shape: &Shape<'a>| Node { value: &ANY, pointer: format!("{}/additionalProperties", shape.pointer) };
        let (old_schema, new_schema) = match (&old.additional, &new.additional) {
            (Additional::Forbidden, Additional::Forbidden) | (Additional::Any, Additional::Any) => return Ok(()),
            (_, Additional::Forbidden) => {
                self.push(Rule::AdditionalPropertiesForbidden, here, "properties not listed are no longer allowed".into(), at);
                return Ok(());
            }
            (Additional::Forbidden, _) => {
                self.push(Rule::AdditionalPropertiesAllowed, here, "properties not listed are now allowed".into(), at);
                return Ok(());
            }
            (Additional::Schema(a), Additional::Schema(b)) => (a.clone(), b.clone()),
            (Additional::Any, Additional::Schema(b)) => (any(old), b.clone()),
            (Additional::Schema(a), Additional::Any) => (a.clone(), any(new)),
        };
        self.schema(base, &child_path(path, "*"), old_schema, new_schema)
    }

    fn items(&mut self, base: &Context<'_>, path: &str, old: &Shape<'a>, new: &Shape<'a>) -> Result<()> {
        let any = |shape: &Shape<'a>| Node { value: &ANY, pointer: format!("{}/items", shape.pointer) };
        let (old_items, new_items) = match (&old.items, &new.items) {
            (None, None) => return Ok(()),
            (Some(a), Some(b)) => (a.clone(), b.clone()),
            (None, Some(b)) => (any(old), b.clone()),
            (Some(a), None) => (a.clone(), any(new)),
        };
        self.schema(base, &child_path(path, "[]"), old_items, new_items)
    }

    /// Compares `oneOf`/`anyOf` alternatives by name (the component they refer to) or position.
    fn variants(&mut self, base: &Context<'_>, path: &str, old: (&Node<'a>, &Shape<'a>), new: (&Node<'a>, &Shape<'a>)) -> Result<()> {
        // A plain schema on one side is compared as that side's only alternative.
        let alternatives = |(node, shape): (&Node<'a>, &Shape<'a>)| -> Vec<(String, Node<'a>)> {
            if shape.variants.is_empty() {
                vec![(shape.name.clone().unwrap_or_else(|| "#0".to_owned()), node.clone())]
            } else {
                shape.variants.clone()
            }
        };
        let old_variants = alternatives(old);
        let new_variants = alternatives(new);
        for (name, new_variant) in &new_variants {
            let child = child_path(path, &format!("({name})"));
            match old_variants.iter().find(|(key, _)| key == name) {
                Some((_, old_variant)) => self.schema(base, &child, old_variant.clone(), new_variant.clone())?,
                None => {
                    let this =
                        if path.is_empty() { base.clone() } else { base.with_subject(format!("{} property `{path}`", base.subject)) };
                    self.push(Rule::VariantAdded, &this, format!("alternative `{name}` added"), At::New(new_variant.pointer.clone()));
                }
            }
        }
        for (name, old_variant) in &old_variants {
            if !new_variants.iter().any(|(key, _)| key == name) {
                let this = if path.is_empty() { base.clone() } else { base.with_subject(format!("{} property `{path}`", base.subject)) };
                self.push(Rule::VariantRemoved, &this, format!("alternative `{name}` removed"), At::Old(old_variant.pointer.clone()));
            }
        }
        Ok(())
    }
}

/// The pointer of `keyword` in `shape` when the NEW document writes it there, else of the schema.
fn keyword_pointer(doc: Doc<'_>, shape: &Shape<'_>, keyword: &str) -> String {
    let pointer = format!("{}/{keyword}", shape.pointer);
    if !keyword.is_empty() && doc.at(&pointer).is_some() { pointer } else { shape.pointer.clone() }
}
