//! Values made from types: the place of a human-readable message in an error
//! body, and example values synthesised where the document gives none.

use serde_json::Value;

use super::{Access, CheckedFormat, Constraints, Field, Listed, TypeDef, TypeId, TypeKind, TypeRef};

/// Property names that carry a human-readable message, most telling first.
const MESSAGE_NAMES: [&str; 5] = ["message", "detail", "error", "error_description", "title"];

/// The JSON names leading to the string property of `ty` that holds a
/// message, looking one level into nested objects (`{error: {message}}`).
pub fn message_slot(types: &[TypeDef], ty: &TypeRef) -> Option<Vec<String>> {
    let TypeRef::Named(id) = ty else { return None };
    let TypeKind::Struct(st) = &super::definition(types, *id).kind else { return None };
    for wanted in MESSAGE_NAMES {
        if let Some(field) = st.fields.iter().find(|f| f.wire_name.eq_ignore_ascii_case(wanted) && f.ty == TypeRef::String) {
            return Some(vec![field.wire_name.clone()]);
        }
    }
    st.fields.iter().filter(|f| f.required).find_map(|field| {
        let TypeRef::Named(inner) = &field.ty else { return None };
        if inner == id {
            return None;
        }
        let TypeKind::Struct(nested) = &super::definition(types, *inner).kind else { return None };
        MESSAGE_NAMES.iter().find_map(|wanted| {
            nested
                .fields
                .iter()
                .find(|f| f.wire_name.eq_ignore_ascii_case(wanted) && f.ty == TypeRef::String)
                .map(|f| vec![field.wire_name.clone(), f.wire_name.clone()])
        })
    })
}

/// The JSON names leading to an integer property of `ty` that states a retry
/// delay in seconds (`retry_after`, `retryAfter`), looking one level deep.
pub fn retry_slot(types: &[TypeDef], ty: &TypeRef) -> Option<Vec<String>> {
    let is_retry = |f: &super::Field| {
        f.wire_name.replace(['_', '-'], "").eq_ignore_ascii_case("retryafter") && matches!(f.ty, TypeRef::I32 | TypeRef::I64)
    };
    let TypeRef::Named(id) = ty else { return None };
    let TypeKind::Struct(st) = &super::definition(types, *id).kind else { return None };
    if let Some(field) = st.fields.iter().find(|f| is_retry(f)) {
        return Some(vec![field.wire_name.clone()]);
    }
    st.fields.iter().filter(|f| f.required).find_map(|field| {
        let TypeRef::Named(inner) = &field.ty else { return None };
        let TypeKind::Struct(nested) = &super::definition(types, *inner).kind else { return None };
        nested.fields.iter().find(|f| is_retry(f)).map(|f| vec![field.wire_name.clone(), f.wire_name.clone()])
    })
}

/// A value of type `ty`: the type's own example where it has one, otherwise
/// the smallest value that has every property responses carry, each the
/// property's example or a value within its constraints (a pattern's
/// shortest match, a number within its bounds, enough array items).
pub fn synthesize(types: &[TypeDef], ty: &TypeRef) -> Value {
    example_or_synthesized(types, ty, &Constraints::default(), None)
}

/// "Use the example, else make a value up", decided here and nowhere else:
/// `example` where it is a value of `ty` within `checks`; else, for a named
/// type, the type's own example where it fits; else a value made from `ty`
/// within `checks`.
/// The mock's answers, the exercise's arguments and the server's documented
/// refusals all come from here, so they cannot disagree on which value to show.
pub fn example_or_synthesized(types: &[TypeDef], ty: &TypeRef, checks: &Constraints, example: Option<&Value>) -> Value {
    example_or_synthesized_at(types, ty, checks, example, &mut Vec::new())
}

/// The example shown where a value is optional and none is made up (it is
/// left out instead): `example` where it is a value of `ty` within `checks`.
/// An example that breaks its own schema's constraints would be refused by
/// the server that the mock answers for and the exercise calls.
pub fn fitting_example<'a>(types: &[TypeDef], ty: &TypeRef, checks: &Constraints, example: Option<&'a Value>) -> Option<&'a Value> {
    example.filter(|value| fits(types, ty, value) && keeps_within(types, ty, checks, value))
}

/// Whether `value`, a value of `ty` ([`fits`]), keeps to `checks` and its
/// properties to their fields' constraints: whether the server's checks let it through.
pub fn keeps_within(types: &[TypeDef], ty: &TypeRef, checks: &Constraints, value: &Value) -> bool {
    keeps_to(value, checks) && properties_keep_to(types, ty, value, 0)
}

/// Whether the properties of `value` (a whole object's example, say) keep to
/// their fields' constraints, through named types, lists and maps. A union's
/// value is left to the server: which variant holds it is the decoder's call.
fn properties_keep_to(types: &[TypeDef], ty: &TypeRef, value: &Value, depth: usize) -> bool {
    if depth > crate::depth::MAX_DEPTH {
        return true;
    }
    match (ty, value) {
        (TypeRef::Nullable(inner), value) => properties_keep_to(types, inner, value, depth + 1),
        (TypeRef::Array(inner), Value::Array(items)) => items.iter().all(|item| properties_keep_to(types, inner, item, depth + 1)),
        (TypeRef::Map(inner), Value::Object(entries)) => entries.values().all(|entry| properties_keep_to(types, inner, entry, depth + 1)),
        (TypeRef::Named(id), value) => match &types[id.0].kind {
            TypeKind::Alias(inner) => properties_keep_to(types, inner, value, depth + 1),
            TypeKind::Struct(st) => value.as_object().is_none_or(|object| {
                st.fields.iter().all(|field| {
                    object.get(&field.wire_name).is_none_or(|property| {
                        property.is_null()
                            || keeps_to(property, &field.constraints) && properties_keep_to(types, &field.ty, property, depth + 1)
                    })
                })
            }),
            TypeKind::Union(_) | TypeKind::Enum(_) => true,
        },
        _ => true,
    }
}

/// Whether `value` keeps to `checks` as the generated server checks them
/// (`validation::number`, `multiple_of`, `chars`, `listed`, the pattern, the
/// counts of items and entries, and each item's, value's and key's own).
/// Formats are left to `fits` and to the server.
fn keeps_to(value: &Value, checks: &Constraints) -> bool {
    let within =
        |count: usize, min: Option<usize>, max: Option<usize>| min.is_none_or(|min| count >= min) && max.is_none_or(|max| count <= max);
    match value {
        Value::String(text) => {
            let listed = match &checks.listed {
                Some(Listed::Texts(texts)) => texts.contains(text),
                _ => true,
            };
            let matches = checks.pattern.as_deref().is_none_or(|pattern| super::pattern::is_match(pattern, text).unwrap_or(true));
            listed && matches && within(text.chars().count(), checks.min_length, checks.max_length)
        }
        Value::Number(number) => number.as_f64().is_none_or(|number| keeps_number(number, checks)),
        Value::Bool(flag) => !matches!(checks.listed, Some(Listed::Boolean(only)) if only != *flag),
        Value::Array(items) => {
            let unique = !checks.unique_items || items.iter().enumerate().all(|(index, item)| !items[..index].contains(item));
            let each = checks.items.as_deref().is_none_or(|inner| items.iter().all(|item| keeps_to(item, inner)));
            unique && each && within(items.len(), checks.min_items, checks.max_items)
        }
        Value::Object(entries) => {
            let values = checks.values.as_deref().is_none_or(|inner| entries.values().all(|entry| keeps_to(entry, inner)));
            let keys = checks.keys.as_deref().is_none_or(|inner| entries.keys().all(|key| keeps_to(&Value::String(key.clone()), inner)));
            values && keys && within(entries.len(), checks.min_properties, checks.max_properties)
        }
        Value::Null => true,
    }
}

/// A number's bounds, `multipleOf` (to within binary rounding) and listed values.
fn keeps_number(number: f64, checks: &Constraints) -> bool {
    let above = checks.minimum.is_none_or(|(limit, exclusive)| number > limit || !exclusive && number == limit);
    let below = checks.maximum.is_none_or(|(limit, exclusive)| number < limit || !exclusive && number == limit);
    let multiple = checks.multiple_of.is_none_or(|step| {
        let quotient = number / step;
        !quotient.is_finite() || (quotient - quotient.round()).abs() <= 1e-9 * quotient.abs().max(1.0)
    });
    let listed = match &checks.listed {
        Some(Listed::Numbers(numbers)) => numbers.contains(&number),
        _ => true,
    };
    above && below && multiple && listed
}

/// `on_path` holds the named types being made up further up: a type met
/// again is a cycle of required properties, which has no finite value, so it
/// ends in `null` there. Nothing else stops the recursion, which lowering has
/// bounded (`ir::depth`).
fn example_or_synthesized_at(
    types: &[TypeDef],
    ty: &TypeRef,
    checks: &Constraints,
    example: Option<&Value>,
    on_path: &mut Vec<TypeId>,
) -> Value {
    let own = match ty {
        TypeRef::Named(id) => types[id.0].example.as_ref(),
        _ => None,
    };
    match fitting_example(types, ty, checks, example).or_else(|| fitting_example(types, ty, checks, own)) {
        Some(value) => value.clone(),
        None => made_up(types, ty, checks, on_path),
    }
}

/// A value of `ty` within `checks`, made from the type alone (its parts may
/// still be their own examples).
fn made_up(types: &[TypeDef], ty: &TypeRef, checks: &Constraints, on_path: &mut Vec<TypeId>) -> Value {
    match (ty, &checks.listed) {
        (TypeRef::Bool, Some(Listed::Boolean(only))) => return Value::Bool(*only),
        (TypeRef::F32 | TypeRef::F64, Some(Listed::Numbers(numbers))) if !numbers.is_empty() => return Value::from(numbers[0]),
        _ => {}
    }
    match ty {
        TypeRef::Bool => Value::Bool(false),
        TypeRef::I32 | TypeRef::I64 | TypeRef::U32 | TypeRef::U64 => Value::from(integer_within(checks)),
        TypeRef::F32 | TypeRef::F64 => number_within(checks),
        TypeRef::String => match &checks.listed {
            Some(Listed::Texts(texts)) if !texts.is_empty() => Value::String(texts[0].clone()),
            _ => Value::String(text_within(checks)),
        },
        // A file travels in JSON as its text (see `media::File`).
        TypeRef::Base64 | TypeRef::File => Value::String(String::new()),
        TypeRef::Uuid => Value::String("00000000-0000-0000-0000-000000000000".into()),
        TypeRef::DateTime => Value::String("1970-01-01T00:00:00Z".into()),
        TypeRef::Date => Value::String("1970-01-01".into()),
        TypeRef::Json | TypeRef::Nullable(_) | TypeRef::Raw | TypeRef::External(_) => Value::Null,
        TypeRef::Array(item) => {
            let item_checks = checks.items.as_deref().cloned().unwrap_or_default();
            let one = example_or_synthesized_at(types, item, &item_checks, None, on_path);
            // Equal items would break `uniqueItems`; one item is the most that stays valid then.
            let count = checks.min_items.unwrap_or(0).min(if checks.unique_items { 1 } else { usize::MAX });
            Value::Array(vec![one; count])
        }
        // A stream of one event: the mock's answer where the document shows none.
        TypeRef::EventStream(item) => Value::Array(vec![example_or_synthesized_at(types, item, &Constraints::default(), None, on_path)]),
        TypeRef::Tuple(items) => {
            Value::Array(items.iter().map(|item| example_or_synthesized_at(types, item, &Constraints::default(), None, on_path)).collect())
        }
        // As few entries as `minProperties` allows, each value within the values' constraints,
        // their keys the ones `propertyNames` lists where it lists them.
        TypeRef::Map(value) => {
            let value_checks = checks.values.as_deref().cloned().unwrap_or_default();
            let count = checks.min_properties.unwrap_or(0);
            let one = if count == 0 { Value::Null } else { example_or_synthesized_at(types, value, &value_checks, None, on_path) };
            let listed = match checks.keys.as_deref().and_then(|keys| keys.listed.as_ref()) {
                Some(Listed::Texts(texts)) => texts.iter().take(count).cloned().collect(),
                _ => (1..=count).map(|n| format!("key{n}")).collect::<Vec<_>>(),
            };
            Value::Object(listed.into_iter().map(|key| (key, one.clone())).collect())
        }
        TypeRef::Named(id) => {
            if on_path.contains(id) {
                return Value::Null;
            }
            on_path.push(*id);
            let value = match &types[id.0].kind {
                TypeKind::Struct(st) => Value::Object(
                    st.fields
                        .iter()
                        .filter(|f| f.required || (f.schema_required && f.access == Access::ReadOnly))
                        .map(|f| (f.wire_name.clone(), property_value(types, f, on_path)))
                        .collect(),
                ),
                TypeKind::Enum(e) => e.variants.first().map_or(Value::Null, |v| v.value.to_json()),
                TypeKind::Alias(inner) => example_or_synthesized_at(types, inner, checks, None, on_path),
                TypeKind::Union(u) => {
                    u.variants.first().map_or(Value::Null, |v| example_or_synthesized_at(types, &v.ty, &v.constraints, None, on_path))
                }
            };
            on_path.pop();
            value
        }
    }
}

/// A property's value: its example if that fits, else its default if that
/// fits, else `null` where allowed, else one made from its type and constraints.
fn property_value(types: &[TypeDef], field: &Field, on_path: &mut Vec<TypeId>) -> Value {
    let ty = if field.nullable { TypeRef::Nullable(Box::new(field.ty.clone())) } else { field.ty.clone() };
    let documented = [field.example.as_ref(), field.default.as_ref()].into_iter().flatten().find(|value| fits(types, &ty, value));
    example_or_synthesized_at(types, &ty, &field.constraints, documented, on_path)
}

/// The integer nearest zero within the bounds.
fn integer_within(checks: &Constraints) -> i64 {
    let low = checks.minimum.map(|(bound, exclusive)| if exclusive { bound.floor() + 1.0 } else { bound.ceil() });
    let high = checks.maximum.map(|(bound, exclusive)| if exclusive { bound.ceil() - 1.0 } else { bound.floor() });
    let chosen = match (low, high) {
        (Some(low), _) if low > 0.0 => low,
        (_, Some(high)) if high < 0.0 => high,
        _ => 0.0,
    };
    // Bounds beyond i64 are not checked (see `Constraints`), so saturating is safe.
    multiple_from(chosen, checks) as i64
}

/// The multiple of `multipleOf` next to `chosen`, away from zero (bounds only push a value
/// away from zero), where it stays within the bounds; else `chosen`.
fn multiple_from(chosen: f64, checks: &Constraints) -> f64 {
    let Some(step) = checks.multiple_of else { return chosen };
    let candidate = if chosen >= 0.0 { (chosen / step).ceil() * step } else { (chosen / step).floor() * step };
    let above = checks.minimum.is_none_or(|(low, exclusive)| candidate > low || !exclusive && candidate == low);
    let below = checks.maximum.is_none_or(|(high, exclusive)| candidate < high || !exclusive && candidate == high);
    if above && below { candidate } else { chosen }
}

/// The number nearest zero within the bounds, halfway into an open interval.
fn number_within(checks: &Constraints) -> Value {
    let chosen = match (checks.minimum, checks.maximum) {
        (Some((low, exclusive)), high) if low > 0.0 || (exclusive && low >= 0.0) => match (exclusive, high) {
            (false, _) => low,
            (true, Some((high, _))) => low + (high - low) / 2.0,
            (true, None) => low + 1.0,
        },
        (low, Some((high, exclusive))) if high < 0.0 || (exclusive && high <= 0.0) => match (exclusive, low) {
            (false, _) => high,
            (true, Some((low, _))) => high - (high - low) / 2.0,
            (true, None) => high - 1.0,
        },
        _ => 0.0,
    };
    serde_json::Number::from_f64(multiple_from(chosen, checks)).map_or(Value::from(0.0), Value::Number)
}

/// A string that passes the format, pattern and length checks, where one is found.
fn text_within(checks: &Constraints) -> String {
    let min = checks.min_length.unwrap_or(0);
    if let Some(format) = checks.format {
        return match format {
            CheckedFormat::Uri => "https://example.com/",
            CheckedFormat::Email => "user@example.com",
            CheckedFormat::Hostname => "example.com",
            CheckedFormat::Ipv4 => "192.0.2.1",
            CheckedFormat::Ipv6 => "2001:db8::1",
        }
        .to_owned();
    }
    if let Some(pattern) = &checks.pattern {
        return super::pattern::matching(pattern, min, checks.max_length).unwrap_or_default();
    }
    "x".repeat(min)
}

/// Whether `value` can be a value of `ty` (the check behind defaults and examples).
pub fn fits(types: &[TypeDef], ty: &TypeRef, value: &Value) -> bool {
    fits_at(types, ty, value, 0)
}

fn fits_at(types: &[TypeDef], ty: &TypeRef, value: &Value, depth: usize) -> bool {
    // Values nest no deeper than the bound (the loader's), types no deeper
    // (lowering's): only a cycle of types without values reaches it.
    if depth > crate::depth::MAX_DEPTH {
        return true;
    }
    match (ty, value) {
        (TypeRef::Nullable(_) | TypeRef::Json, Value::Null) => true,
        (TypeRef::Nullable(inner), value) => fits_at(types, inner, value, depth + 1),
        (TypeRef::Json, _) => true,
        (TypeRef::Bool, Value::Bool(_)) => true,
        (TypeRef::I32, Value::Number(n)) => n.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
        (TypeRef::I64, Value::Number(n)) => n.is_i64(),
        (TypeRef::U32, Value::Number(n)) => n.as_u64().is_some_and(|n| u32::try_from(n).is_ok()),
        (TypeRef::U64, Value::Number(n)) => n.is_u64(),
        (TypeRef::F32 | TypeRef::F64, Value::Number(_)) => true,
        (TypeRef::String | TypeRef::File, Value::String(_)) => true,
        (TypeRef::Uuid, Value::String(s)) => is_uuid(s),
        (TypeRef::Base64, Value::String(s)) => is_base64(s),
        (TypeRef::Date, Value::String(s)) => is_date(s),
        (TypeRef::DateTime, Value::String(s)) => s.len() >= 20 && is_date(&s[..10]),
        (TypeRef::Array(inner), Value::Array(items)) => items.iter().all(|item| fits_at(types, inner, item, depth + 1)),
        (TypeRef::Tuple(types_), Value::Array(items)) => {
            types_.len() == items.len() && types_.iter().zip(items).all(|(ty, item)| fits_at(types, ty, item, depth + 1))
        }
        (TypeRef::Map(inner), Value::Object(entries)) => entries.values().all(|v| fits_at(types, inner, v, depth + 1)),
        (TypeRef::Named(id), value) => match &types[id.0].kind {
            TypeKind::Alias(inner) => fits_at(types, inner, value, depth + 1),
            TypeKind::Enum(e) => {
                let listed = e.variants.iter().any(|v| v.value.to_json() == *value);
                let other = if e.is_integer() { value.is_i64() } else { value.is_string() };
                // Only a document that declares the enum open makes an unlisted value valid.
                listed || (e.declared_open && other)
            }
            TypeKind::Union(u) => u.variants.iter().any(|v| fits_at(types, &v.ty, value, depth + 1)),
            TypeKind::Struct(st) => value.as_object().is_some_and(|object| {
                st.fields.iter().all(|f| match object.get(&f.wire_name) {
                    Some(Value::Null) => f.nullable || !f.required,
                    Some(v) => fits_at(types, &f.ty, v, depth + 1),
                    None => !f.required || f.nullable,
                })
            }),
        },
        _ => false,
    }
}

/// `YYYY-MM-DD`.
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10 && b[4] == b'-' && b[7] == b'-' && [0, 1, 2, 3, 5, 6, 8, 9].iter().all(|&i| b[i].is_ascii_digit())
}

/// `8-4-4-4-12` hexadecimal digits.
pub fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12]) && groups.iter().all(|g| g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Standard base64 with padding, as `format: byte` (RFC 4648) says.
pub fn is_base64(s: &str) -> bool {
    s.len() % 4 == 0
        && s.trim_end_matches('=').len() + 2 >= s.len()
        && s.trim_end_matches('=').chars().all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/')
}

/// One event of an example written in the `text/event-stream` format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleEvent {
    /// Its name (`event:`).
    pub event: Option<String>,
    /// Its id (`id:`).
    pub id: Option<String>,
    /// Its `data:` lines, joined with `\n`.
    pub data: String,
}

/// The events of an example written in the `text/event-stream` format (`data: …` lines and
/// blank lines between events); none when `text` has no `data:` line.
pub fn example_events(text: &str) -> Vec<ExampleEvent> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut events = Vec::new();
    for block in text.split("\n\n") {
        let mut event = ExampleEvent { event: None, id: None, data: String::new() };
        let mut data = Vec::new();
        for line in block.lines().filter(|line| !line.starts_with(':')) {
            let (field, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value).to_owned();
            match field {
                "event" => event.event = Some(value),
                "id" => event.id = Some(value),
                "data" => data.push(value),
                _ => {}
            }
        }
        if !data.is_empty() {
            event.data = data.join("\n");
            events.push(event);
        }
    }
    events
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{example_or_synthesized, synthesize};
    use crate::ir::{Api, Constraints, TypeKind, TypeRef};

    fn lowered(schemas: &str) -> Api {
        let text = format!("openapi: 3.1.0\ninfo: {{title: t, version: 1.0.0}}\npaths: {{}}\ncomponents:\n  schemas:\n{schemas}");
        let source = crate::load::Source::parse(std::path::Path::new("t.yaml"), text).expect("parses");
        let doc = crate::normalize::normalize(&source).expect("normalizes");
        crate::ir::lower(&source, &doc, "t").expect("lowers").0
    }

    fn made_up(api: &Api, name: &str) -> serde_json::Value {
        let id = api.types.iter().position(|def| def.name == name).expect("the type exists");
        synthesize(&api.types, &TypeRef::Named(crate::ir::TypeId(id)))
    }

    #[test]
    fn made_up_values_keep_to_their_constraints() {
        let api = lowered(
            r#"
    Guild:
      type: object
      required: [id, name, size, ratio, tags, owner, site, level, labels]
      properties:
        id: {$ref: '#/components/schemas/Snowflake'}
        name: {type: string, minLength: 3}
        size: {type: integer, minimum: 10, maximum: 20}
        ratio: {type: number, exclusiveMinimum: 0, maximum: 1}
        tags: {type: array, minItems: 2, items: {type: string, pattern: '^t[0-9]$'}}
        owner: {type: string, format: email}
        site: {type: string, format: uri}
        level: {type: integer, exclusiveMaximum: -3}
        labels: {type: object, minProperties: 2, additionalProperties: {type: string, minLength: 2}}
    Snowflake: {type: string, pattern: '^(0|[1-9][0-9]*)$'}
"#,
        );
        assert_eq!(
            made_up(&api, "Guild"),
            json!({
                "id": "0", "name": "xxx", "size": 10, "ratio": 0.5, "tags": ["t0", "t0"],
                "owner": "user@example.com", "site": "https://example.com/", "level": -4,
                "labels": {"key1": "xx", "key2": "xx"}
            })
        );
    }

    #[test]
    fn an_example_that_breaks_its_own_constraints_gives_way_to_a_made_up_value() {
        let api = lowered(
            r#"
    Image:
      type: object
      required: [id, variant, size, step, tags, names]
      properties:
        id: {type: string, maxLength: 32, example: 107b9558-dd06-4bbd-5fef-9c2c16bb7900}
        variant: {type: string, pattern: '^[a-z]$', example: hero}
        size: {type: integer, minimum: 1, example: 0}
        step: {type: number, multipleOf: 0.5, example: 1.5}
        tags: {type: array, uniqueItems: true, items: {type: string}, example: [a, a]}
        names: {type: object, additionalProperties: {type: string}, propertyNames: {enum: [en]}, example: {de: x}}
        kept: {type: string, maxLength: 4, example: abcd}
"#,
        );
        let image = made_up(&api, "Image");
        assert_eq!(image, json!({"id": "", "variant": "a", "size": 1, "step": 1.5, "tags": [], "names": {}}));
        // A whole object's example is held to its properties' constraints too.
        let gallery = lowered(
            r#"
    Gallery:
      type: object
      required: [cover]
      properties:
        cover: {$ref: '#/components/schemas/Picture'}
    Picture:
      type: object
      required: [id]
      properties:
        id: {type: string, maxLength: 4}
      example: {id: too-long}
"#,
        );
        assert_eq!(made_up(&gallery, "Gallery"), json!({"cover": {"id": ""}}));
        let TypeKind::Struct(st) = &api.types.iter().find(|def| def.name == "Image").expect("Image").kind else { panic!("a struct") };
        let field = |name: &str| st.fields.iter().find(|f| f.wire_name == name).expect("the field");
        let (kept, id) = (field("kept"), field("id"));
        assert_eq!(super::fitting_example(&api.types, &kept.ty, &kept.constraints, kept.example.as_ref()), Some(&json!("abcd")));
        assert_eq!(super::fitting_example(&api.types, &id.ty, &id.constraints, id.example.as_ref()), None);
    }

    #[test]
    fn wrappers_keep_the_constraints_of_the_schema_they_wrap() {
        let api = lowered(
            r#"
    Message:
      type: object
      properties:
        channel_id: {oneOf: [{type: 'null'}, {$ref: '#/components/schemas/Snowflake'}]}
        author_id: {$ref: '#/components/schemas/Snowflake', description: A $ref with a sibling.}
        nonce: {allOf: [{$ref: '#/components/schemas/Snowflake'}], maxLength: 25}
    Snowflake: {type: string, pattern: '^(0|[1-9][0-9]*)$'}
"#,
        );
        let TypeKind::Struct(message) = &api.types.iter().find(|def| def.name == "Message").expect("Message").kind else {
            panic!("Message is a struct")
        };
        let pattern = |name: &str| message.fields.iter().find(|f| f.wire_name == name).and_then(|f| f.constraints.pattern.clone());
        assert_eq!(pattern("channel_id").as_deref(), Some("^(0|[1-9][0-9]*)$"), "through a nullable oneOf");
        assert_eq!(pattern("author_id").as_deref(), Some("^(0|[1-9][0-9]*)$"), "through a $ref with siblings");
        assert_eq!(pattern("nonce").as_deref(), Some("^(0|[1-9][0-9]*)$"), "through an allOf of one reference");
    }

    #[test]
    fn responses_carry_required_read_only_properties_and_examples_win() {
        let api = lowered(
            r#"
    Planet:
      type: object
      required: [id, name]
      properties:
        id: {type: integer, readOnly: true, examples: [7]}
        name: {type: string, example: Mars}
        secret: {type: string, writeOnly: true}
        moons: {type: integer}
"#,
        );
        assert_eq!(made_up(&api, "Planet"), json!({"id": 7, "name": "Mars"}));
    }

    #[test]
    fn an_example_is_used_where_it_fits_else_a_value_is_made_up_within_the_constraints() {
        let api = lowered(
            r#"
    Point:
      type: object
      required: [x]
      properties:
        x: {type: integer}
    Tagged:
      type: object
      required: [x]
      properties:
        x: {type: integer}
      example: {x: "not a number"}
"#,
        );
        let id = |name: &str| TypeRef::Named(crate::ir::TypeId(api.types.iter().position(|def| def.name == name).expect("exists")));
        let none = Constraints::default();
        let choose = |ty: &TypeRef, checks: &Constraints, example: Option<&serde_json::Value>| {
            example_or_synthesized(&api.types, ty, checks, example)
        };
        assert_eq!(choose(&id("Point"), &none, Some(&json!({"x": 3}))), json!({"x": 3}), "a fitting example wins");
        assert_eq!(choose(&id("Point"), &none, Some(&json!({"x": "3"}))), json!({"x": 0}), "one that does not fit is not shown");
        assert_eq!(choose(&id("Tagged"), &none, None), json!({"x": 0}), "nor is a type's own example that does not fit");
        let three = Constraints { min_length: Some(3), ..Constraints::default() };
        assert_eq!(choose(&TypeRef::String, &three, None), json!("xxx"), "a made-up value keeps the parameter's constraints");
        assert_eq!(choose(&TypeRef::String, &three, Some(&json!("abc"))), json!("abc"));
        assert_eq!(synthesize(&api.types, &id("Point")), choose(&id("Point"), &none, None));
    }
}
