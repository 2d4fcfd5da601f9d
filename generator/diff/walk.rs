//! Paths and operations: what is matched with what, before schemas are compared.
//!
//! Operations are matched by method and path template, with the names of
//! path parameters left out (`/things/{id}` is `/things/{thingId}`: the
//! name never goes over the wire). Parameters are matched by location and
//! name (path parameters by position, header names without case), responses
//! by status and media types by their essence (`application/json`, without
//! parameters).

use crate::ir::Method;
use std::collections::BTreeMap;

use serde_json::Value;

use super::resolve::{Doc, Node};
use super::rust::{self, RustEffect};
use super::{At, Context, Differ, Direction, Operation, Rule};
use crate::error::Result;

/// The position of `method` in report order.
pub(super) fn method_rank(method: &str) -> usize {
    Method::ALL.iter().position(|m| m.key().eq_ignore_ascii_case(method)).unwrap_or(Method::ALL.len())
}

/// One operation of one document.
struct Op<'a> {
    operation: Operation,
    node: Node<'a>,
    /// The path item holding it, for path-level parameters.
    item: Node<'a>,
}

/// `/things/{}` for `/things/{id}`.
fn path_key(template: &str) -> String {
    let mut key = String::with_capacity(template.len());
    let mut in_name = false;
    for c in template.chars() {
        match c {
            '{' => {
                in_name = true;
                key.push_str("{}");
            }
            '}' => in_name = false,
            _ if in_name => {}
            _ => key.push(c),
        }
    }
    key
}

/// The names of the path template's parameters, in order.
fn template_names(template: &str) -> Vec<&str> {
    template.split('{').skip(1).filter_map(|rest| rest.split_once('}').map(|(name, _)| name)).collect()
}

fn operations<'a>(doc: Doc<'a>) -> Result<BTreeMap<(String, usize), Op<'a>>> {
    let mut out = BTreeMap::new();
    let Some(paths) = doc.root().child("paths") else { return Ok(out) };
    for (template, item) in paths.entries() {
        if !template.starts_with('/') {
            continue;
        }
        let item = doc.resolve(item)?;
        for (rank, method) in Method::ALL.map(Method::key).iter().enumerate() {
            if let Some(node) = item.child(method) {
                let operation = Operation { path: template.to_owned(), method: method.to_ascii_uppercase() };
                out.insert((path_key(template), rank), Op { operation, node, item: item.clone() });
            }
        }
    }
    Ok(out)
}

/// Whether the crate generated from the document has a server (`x-clawgen-features` leaves it out).
fn generates_server(doc: Doc<'_>) -> bool {
    match doc.source.value.get("x-clawgen-features").and_then(Value::as_array) {
        Some(features) => features.iter().any(|f| f.as_str() == Some("server")),
        None => true,
    }
}

/// Counts the operations of a document, for changelogs.
pub(crate) fn operation_count(source: &crate::load::Source) -> Result<usize> {
    operations(Doc { source }).map(|ops| ops.len())
}

/// One parameter of an operation, after path-level ones are merged in.
struct Param<'a> {
    location: String,
    name: String,
    node: Node<'a>,
}

impl<'a> Param<'a> {
    fn subject(&self) -> String {
        format!("{} parameter `{}`", self.location, self.name)
    }

    fn required(&self) -> bool {
        self.location == "path" || self.node.value.get("required").and_then(Value::as_bool).unwrap_or(false)
    }

    /// `style` and `explode`, with the defaults of the parameter's location.
    fn serialisation(&self) -> (String, bool) {
        let default_style = if matches!(self.location.as_str(), "query" | "cookie") { "form" } else { "simple" };
        let style = self.node.value.get("style").and_then(Value::as_str).unwrap_or(default_style).to_owned();
        let explode = self.node.value.get("explode").and_then(Value::as_bool).unwrap_or(style == "form");
        (style, explode)
    }

    /// The schema, written directly or under the single media type of `content`.
    fn schema(&self) -> Option<Node<'a>> {
        self.node.child("schema").or_else(|| self.node.child("content")?.entries().into_iter().next()?.1.child("schema"))
    }
}

/// Parameters by a key that survives renames which do not reach the wire.
fn parameters<'a>(doc: Doc<'a>, op: &Op<'a>) -> Result<BTreeMap<(String, String), Param<'a>>> {
    let positions = template_names(&op.operation.path);
    let mut out = BTreeMap::new();
    for holder in [&op.item, &op.node] {
        let Some(list) = holder.child("parameters") else { continue };
        for entry in list.items() {
            let node = doc.resolve(entry)?;
            let (Some(location), Some(name)) =
                (node.value.get("in").and_then(Value::as_str), node.value.get("name").and_then(Value::as_str))
            else {
                continue;
            };
            // OpenAPI ignores these three header parameters: content negotiation and credentials say them.
            if location == "header" && ["accept", "content-type", "authorization"].contains(&name.to_ascii_lowercase().as_str()) {
                continue;
            }
            let key = match location {
                "path" => positions.iter().position(|p| *p == name).map_or_else(|| name.to_owned(), |index| format!("#{index}")),
                "header" => name.to_ascii_lowercase(),
                _ => name.to_owned(),
            };
            out.insert((location.to_owned(), key), Param { location: location.to_owned(), name: name.to_owned(), node });
        }
    }
    Ok(out)
}

/// `application/json` for `Application/JSON; charset=utf-8`.
fn media_key(media: &str) -> String {
    media.split(';').next().unwrap_or(media).trim().to_ascii_lowercase()
}

fn by_key<'a>(node: Option<Node<'a>>, key: impl Fn(&str) -> String) -> BTreeMap<String, (String, Node<'a>)> {
    node.map(|n| n.entries()).unwrap_or_default().into_iter().map(|(name, node)| (key(name), (name.to_owned(), node))).collect()
}

fn required(node: &Node<'_>) -> bool {
    node.value.get("required").and_then(Value::as_bool).unwrap_or(false)
}

impl<'a> Differ<'a> {
    /// Compares the two whole documents.
    pub(super) fn document(&mut self) -> Result<()> {
        let old_ops = operations(self.old)?;
        let new_ops = operations(self.new)?;
        for (key, new_op) in &new_ops {
            let context = Context { operation: Some(&new_op.operation), subject: String::new(), direction: None };
            match old_ops.get(key) {
                Some(old_op) => self.operation(old_op, new_op, &context)?,
                None => {
                    // Without a server there is no trait to gain a method: only a client method and types are new.
                    let rust = if generates_server(self.new) { Rule::OperationAdded.rust_effect() } else { RustEffect::Additive };
                    self.push_rust(Rule::OperationAdded, rust, &context, "operation added".into(), At::New(new_op.node.pointer.clone()));
                }
            }
        }
        for (key, old_op) in &old_ops {
            if !new_ops.contains_key(key) {
                let context = Context { operation: Some(&old_op.operation), subject: String::new(), direction: None };
                self.push(Rule::OperationRemoved, &context, "operation removed".into(), At::Old(old_op.node.pointer.clone()));
            }
        }
        self.global_security()?;
        self.security_schemes()
    }

    fn operation(&mut self, old: &Op<'a>, new: &Op<'a>, context: &Context<'_>) -> Result<()> {
        let text = |op: &Op<'a>, key: &str| op.node.value.get(key).and_then(Value::as_str).map(str::to_owned);
        let (old_id, new_id) = (text(old, "operationId"), text(new, "operationId"));
        if old_id != new_id {
            let show = |id: &Option<String>| id.as_deref().map_or_else(|| "none".to_owned(), |id| format!("`{id}`"));
            let message =
                format!("operationId changed from {} to {} (generated method and trait names follow it)", show(&old_id), show(&new_id));
            let at = new.node.child("operationId").map_or_else(|| new.node.pointer.clone(), |n| n.pointer);
            self.push(Rule::OperationIdChanged, context, message, At::New(at));
        }
        let deprecated = |op: &Op<'a>| op.node.value.get("deprecated").and_then(Value::as_bool).unwrap_or(false);
        if !deprecated(old) && deprecated(new) {
            let at = new.node.child("deprecated").map_or_else(|| new.node.pointer.clone(), |n| n.pointer);
            self.push(Rule::OperationDeprecated, context, "operation deprecated".into(), At::New(at));
        }
        self.parameters(old, new, context)?;
        self.request_body(old, new, context)?;
        self.responses(old, new, context)?;
        self.operation_security(&old.node, &new.node, context)
    }

    fn parameters(&mut self, old: &Op<'a>, new: &Op<'a>, context: &Context<'_>) -> Result<()> {
        let old_params = parameters(self.old, old)?;
        let new_params = parameters(self.new, new)?;
        let request = Context { direction: Some(Direction::Request), ..context.clone() };
        for (key, new_param) in &new_params {
            let here = request.with_subject(new_param.subject());
            let Some(old_param) = old_params.get(key) else {
                let rule = if new_param.required() { Rule::RequiredParameterAdded } else { Rule::OptionalParameterAdded };
                let message = if new_param.required() { "required parameter added" } else { "optional parameter added" };
                // An optional query parameter is a new field of the operation's `#[non_exhaustive]` query
                // struct, if it has one already; otherwise (or in a header or cookie) a new argument.
                let had_query = old_params.values().any(|p| p.location == "query");
                let rust = match rule {
                    Rule::OptionalParameterAdded if new_param.location == "query" && had_query => RustEffect::Additive,
                    Rule::OptionalParameterAdded => RustEffect::Breaking,
                    _ => rule.rust_effect(),
                };
                self.push_rust(rule, rust, &here, message.into(), At::New(new_param.node.pointer.clone()));
                continue;
            };
            let at_required = || new_param.node.child("required").map_or_else(|| new_param.node.pointer.clone(), |n| n.pointer);
            match (old_param.required(), new_param.required()) {
                (false, true) => self.push(Rule::ParameterBecameRequired, &here, "became required".into(), At::New(at_required())),
                (true, false) => self.push(Rule::ParameterBecameOptional, &here, "became optional".into(), At::New(at_required())),
                _ => {}
            }
            let (old_style, new_style) = (old_param.serialisation(), new_param.serialisation());
            if old_style != new_style {
                let message = format!(
                    "serialised differently: style {} explode {} became style {} explode {}",
                    old_style.0, old_style.1, new_style.0, new_style.1
                );
                self.push(Rule::ParameterStyleChanged, &here, message, At::New(new_param.node.pointer.clone()));
            }
            if let (Some(old_schema), Some(new_schema)) = (old_param.schema(), new_param.schema()) {
                self.schema(&here, "", old_schema, new_schema)?;
            }
        }
        for (key, old_param) in &old_params {
            if !new_params.contains_key(key) {
                let here = request.with_subject(old_param.subject());
                self.push(Rule::ParameterRemoved, &here, "parameter removed".into(), At::Old(old_param.node.pointer.clone()));
            }
        }
        Ok(())
    }

    fn request_body(&mut self, old: &Op<'a>, new: &Op<'a>, context: &Context<'_>) -> Result<()> {
        let old_body = old.node.child("requestBody").map(|b| self.old.resolve(b)).transpose()?;
        let new_body = new.node.child("requestBody").map(|b| self.new.resolve(b)).transpose()?;
        let here = Context { direction: Some(Direction::Request), ..context.with_subject("request body".into()) };
        match (old_body, new_body) {
            (None, None) => Ok(()),
            (None, Some(new_body)) => {
                let (rule, message) = if required(&new_body) {
                    (Rule::RequiredRequestBodyAdded, "required request body added")
                } else {
                    (Rule::OptionalRequestBodyAdded, "optional request body added")
                };
                self.push(rule, &here, message.into(), At::New(new_body.pointer));
                Ok(())
            }
            (Some(old_body), None) => {
                self.push(Rule::RequestBodyRemoved, &here, "request body removed".into(), At::Old(old_body.pointer));
                Ok(())
            }
            (Some(old_body), Some(new_body)) => {
                let at = || new_body.child("required").map_or_else(|| new_body.pointer.clone(), |n| n.pointer);
                match (required(&old_body), required(&new_body)) {
                    (false, true) => self.push(Rule::RequestBodyBecameRequired, &here, "became required".into(), At::New(at())),
                    (true, false) => self.push(Rule::RequestBodyBecameOptional, &here, "became optional".into(), At::New(at())),
                    _ => {}
                }
                self.content(&here, &old_body, &new_body)
            }
        }
    }

    /// Compares the `content` maps of two bodies (request or response) whose subject is `here`.
    fn content(&mut self, here: &Context<'_>, old: &Node<'a>, new: &Node<'a>) -> Result<()> {
        let old_media = by_key(old.child("content"), media_key);
        let new_media = by_key(new.child("content"), media_key);
        // A response is read in one media type: a change matters to its Rust API only where it changes that one.
        let best = |media: &BTreeMap<String, (String, Node<'a>)>| media.keys().map(|m| rust::media_rank(m)).min().unwrap_or(u8::MAX);
        let (old_best, new_best) = (best(&old_media), best(&new_media));
        // A request body of several forms is an enum of them: a form is its variant.
        let forms = |node: &Node<'a>| {
            let media: Vec<(String, Option<&Value>)> =
                by_key(node.child("content"), media_key).into_iter().map(|(key, (_, m))| (key, m.value.get("schema"))).collect();
            let ordered = node.child("content").map(|c| c.entries()).unwrap_or_default();
            let position = |key: &String| ordered.iter().position(|(name, _)| media_key(name) == *key);
            let mut media = media;
            media.sort_by_key(|(key, _)| position(key));
            rust::request_forms(&media)
        };
        let request = here.direction == Some(Direction::Request);
        let (old_forms, new_forms) = if request { (forms(old), forms(new)) } else { Default::default() };
        let form_of = |forms: &[Vec<String>], key: &String| forms.iter().find(|form| form.contains(key)).cloned().unwrap_or_default();
        for (key, (name, new_type)) in &new_media {
            let this = here.with_subject(format!("{} ({name})", here.subject));
            match old_media.get(key) {
                None => {
                    let new_form = request && !form_of(&new_forms, key).iter().any(|other| old_media.contains_key(other));
                    let rust = if rust::media_rank(key) < old_best || (new_form && old_forms.len() < 2) {
                        RustEffect::Breaking
                    } else if new_form {
                        RustEffect::Additive
                    } else {
                        RustEffect::Unchanged
                    };
                    self.push_rust(Rule::MediaTypeAdded, rust, &this, "media type added".into(), At::New(new_type.pointer.clone()));
                }
                Some((_, old_type)) => {
                    if let (Some(old_schema), Some(new_schema)) = (old_type.child("schema"), new_type.child("schema")) {
                        self.schema(&this, "", old_schema, new_schema)?;
                    }
                }
            }
        }
        // The media types kept, grouped otherwise: a form split or merged changes the body's type.
        let kept = |forms: &[Vec<String>]| -> Vec<Vec<String>> {
            let mut kept: Vec<Vec<String>> = forms
                .iter()
                .map(|form| form.iter().filter(|key| old_media.contains_key(*key) && new_media.contains_key(*key)).cloned().collect())
                .filter(|form: &Vec<String>| !form.is_empty())
                .collect();
            kept.iter_mut().for_each(|form| form.sort());
            kept.sort();
            kept
        };
        if request && kept(&old_forms) != kept(&new_forms) {
            let show = |forms: &[Vec<String>]| forms.iter().map(|form| form.join(", ")).collect::<Vec<_>>().join(" | ");
            let message = format!("forms changed from {} to {}", show(&old_forms), show(&new_forms));
            self.push(Rule::RequestBodyFormsChanged, here, message, At::New(new.pointer.clone()));
        }
        for (key, (name, old_type)) in &old_media {
            if !new_media.contains_key(key) {
                let this = here.with_subject(format!("{} ({name})", here.subject));
                let form_gone = request && !form_of(&old_forms, key).iter().any(|other| new_media.contains_key(other));
                let rust = if rust::media_rank(key) <= new_best || form_gone { RustEffect::Breaking } else { RustEffect::Unchanged };
                self.push_rust(Rule::MediaTypeRemoved, rust, &this, "media type removed".into(), At::Old(old_type.pointer.clone()));
            }
        }
        Ok(())
    }

    fn responses(&mut self, old: &Op<'a>, new: &Op<'a>, context: &Context<'_>) -> Result<()> {
        let status = |code: &str| code.to_ascii_uppercase();
        let old_responses = by_key(old.node.child("responses"), status);
        let new_responses = by_key(new.node.child("responses"), status);
        let response = Context { direction: Some(Direction::Response), ..context.clone() };
        for (key, (code, new_response)) in &new_responses {
            let here = response.with_subject(format!("response {code}"));
            let Some((_, old_response)) = old_responses.get(key) else {
                // A new error is a variant of a `#[non_exhaustive]` enum, and so is a third success; a
                // second success turns the method's return type into an enum of the two.
                let successes = old_responses.keys().filter(|status| status.starts_with('2')).count();
                let rust = if key.starts_with('2') && successes < 2 { RustEffect::Breaking } else { RustEffect::Additive };
                self.push_rust(Rule::ResponseAdded, rust, &here, "response added".into(), At::New(new_response.pointer.clone()));
                continue;
            };
            let old_response = self.old.resolve(old_response.clone())?;
            let new_response = self.new.resolve(new_response.clone())?;
            self.response_headers(&here, &old_response, &new_response)?;
            self.content(&here, &old_response, &new_response)?;
        }
        for (key, (code, old_response)) in &old_responses {
            if !new_responses.contains_key(key) {
                let here = response.with_subject(format!("response {code}"));
                self.push(Rule::ResponseRemoved, &here, "response removed".into(), At::Old(old_response.pointer.clone()));
            }
        }
        Ok(())
    }

    fn response_headers(&mut self, here: &Context<'_>, old: &Node<'a>, new: &Node<'a>) -> Result<()> {
        let header = |name: &str| name.to_ascii_lowercase();
        // OpenAPI ignores a `Content-Type` response header: the media type says it.
        let old_headers = by_key(old.child("headers"), header);
        let new_headers = by_key(new.child("headers"), header);
        for (key, (name, new_header)) in new_headers.iter().filter(|(key, _)| *key != "content-type") {
            let this = here.with_subject(format!("{} header `{name}`", here.subject));
            let new_header = self.new.resolve(new_header.clone())?;
            let Some((_, old_header)) = old_headers.get(key) else {
                let message = if required(&new_header) { "required header added" } else { "optional header added" };
                let rule = if required(&new_header) { Rule::RequiredResponseHeaderAdded } else { Rule::ResponseHeaderAdded };
                self.push(rule, &this, message.into(), At::New(new_header.pointer));
                continue;
            };
            let old_header = self.old.resolve(old_header.clone())?;
            let at = || new_header.child("required").map_or_else(|| new_header.pointer.clone(), |n| n.pointer);
            match (required(&old_header), required(&new_header)) {
                (false, true) => self.push(Rule::ResponseHeaderBecameRequired, &this, "became required".into(), At::New(at())),
                (true, false) => self.push(Rule::ResponseHeaderBecameOptional, &this, "became optional".into(), At::New(at())),
                _ => {}
            }
            if let (Some(old_schema), Some(new_schema)) = (old_header.child("schema"), new_header.child("schema")) {
                self.schema(&this, "", old_schema, new_schema)?;
            }
        }
        for (key, (name, old_header)) in old_headers.iter().filter(|(key, _)| *key != "content-type") {
            if !new_headers.contains_key(key) {
                let this = here.with_subject(format!("{} header `{name}`", here.subject));
                self.push(Rule::ResponseHeaderRemoved, &this, "header removed".into(), At::Old(old_header.pointer.clone()));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parameter_names_do_not_make_a_different_path() {
        assert_eq!(path_key("/things/{id}/parts/{partId}"), path_key("/things/{thingId}/parts/{p}"));
        assert_ne!(path_key("/things/{id}"), path_key("/things/{id}/parts"));
        assert_eq!(template_names("/a/{x}/b/{y}"), ["x", "y"]);
    }
}
