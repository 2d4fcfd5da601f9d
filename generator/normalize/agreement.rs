//! The IR, `diff` and `validate` read a document the same way: one document
//! with every spelling of bounds, nullability and `$ref`s, each reader asked
//! about every property, and the answers compared.

use std::path::Path;

use serde_json::{Value, json};

use crate::ir::{Field, TypeKind};
use crate::load::Source;

const DOCUMENT: &str = r##"
openapi: 3.1.0
info: {title: readers, version: 1.0.0}
paths:
  /things/{thingId}:
    get:
      parameters:
        - name: thingId
          in: path
          required: true
          schema: {type: integer, minimum: 1, exclusiveMinimum: 1, maximum: 99}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Holder'}
components:
  schemas:
    Name: {type: string}
    Holder:
      type: object
      properties:
        looser_exclusive: {type: number, minimum: 5, exclusiveMinimum: 0}
        tighter_exclusive: {type: number, minimum: 0, exclusiveMinimum: 5}
        equal_bounds: {type: integer, minimum: 3, exclusiveMinimum: 3, maximum: 9, exclusiveMaximum: 9}
        only_exclusive: {type: number, exclusiveMinimum: 2, exclusiveMaximum: 4}
        boolean_exclusive: {type: number, minimum: 1, exclusiveMinimum: true, maximum: 7}
        upper_pair: {type: number, maximum: 10, exclusiveMaximum: 20}
        percent_encoded: {$ref: '#/paths/~1things~1%7BthingId%7D/get/parameters/0/schema'}
        nullable_30: {type: string, nullable: true}
        type_list: {type: [string, 'null']}
        one_of_null: {oneOf: [{type: string}, {type: 'null'}]}
        any_of_const_null: {anyOf: [{$ref: '#/components/schemas/Name'}, {const: null}]}
        ref_with_nullable: {$ref: '#/components/schemas/Name', nullable: true}
        all_of_nullable: {allOf: [{$ref: '#/components/schemas/Name'}], nullable: true}
        not_nullable: {type: string}
        enum_with_null: {type: string, enum: [a, null]}
"##;

/// What one reader says about a property: its bounds as `(limit, exclusive)` and whether it accepts `null`.
pub(crate) type Reading = (Option<(f64, bool)>, Option<(f64, bool)>, bool);

fn fields(source: &Source) -> Vec<Field> {
    let doc = super::normalize(source).expect("normalizes");
    let (api, _) = crate::ir::lower(source, &doc, "readers").expect("lowers");
    let holder = api.types.iter().find(|t| t.name == "Holder").expect("Holder");
    let TypeKind::Struct(st) = &holder.kind else { panic!("Holder is a struct") };
    st.fields.clone()
}

/// What `validate` says: the bounds found by probing at and around the limits the others give.
fn validate_reading(source: &Source, pointer: &str, like: &Reading) -> Reading {
    let accepts = |value: f64| crate::validate::accepts(source, pointer, &json!(value));
    let probe = |bound: Option<(f64, bool)>, lower: bool| {
        let (limit, _) = bound?;
        let outside = if lower { limit - 1.0 } else { limit + 1.0 };
        let inside = if lower { limit + 1.0 } else { limit - 1.0 };
        // A bound is there if it cuts between `outside` and `inside`; exclusive if the limit itself is refused.
        (accepts(inside) && !accepts(outside)).then(|| (limit, !accepts(limit)))
    };
    (probe(like.0, true), probe(like.1, false), crate::validate::accepts(source, pointer, &Value::Null))
}

#[test]
fn ir_diff_and_validate_agree_on_bounds_nullability_and_refs() {
    let source = Source::parse(Path::new("readers.yaml"), DOCUMENT.to_owned()).unwrap();
    let fields = fields(&source);
    let expected: [(&str, Reading); 15] = [
        ("looser_exclusive", (Some((5.0, false)), None, false)),
        ("tighter_exclusive", (Some((5.0, true)), None, false)),
        ("equal_bounds", (Some((3.0, true)), Some((9.0, true)), false)),
        ("only_exclusive", (Some((2.0, true)), Some((4.0, true)), false)),
        ("boolean_exclusive", (Some((1.0, true)), Some((7.0, false)), false)),
        ("upper_pair", (None, Some((10.0, false)), false)),
        ("percent_encoded", (Some((1.0, true)), Some((99.0, false)), false)),
        ("nullable_30", (None, None, true)),
        ("type_list", (None, None, true)),
        ("one_of_null", (None, None, true)),
        ("any_of_const_null", (None, None, true)),
        ("ref_with_nullable", (None, None, true)),
        ("all_of_nullable", (None, None, true)),
        ("not_nullable", (None, None, false)),
        ("enum_with_null", (None, None, false)),
    ];
    assert_eq!(fields.len(), expected.len());
    for (name, expected) in expected {
        let pointer = format!("/components/schemas/Holder/properties/{name}");
        let field = fields.iter().find(|f| f.wire_name == name).unwrap_or_else(|| panic!("field {name}"));
        let ir: Reading = (field.constraints.minimum, field.constraints.maximum, field.nullable);
        let diff = crate::diff::reading(&source, &pointer);
        let validate = validate_reading(&source, &pointer, &expected);
        assert_eq!(ir, expected, "the IR reads {name}");
        assert_eq!(diff, expected, "diff reads {name}");
        assert_eq!(validate, expected, "validate reads {name}");
    }
}
