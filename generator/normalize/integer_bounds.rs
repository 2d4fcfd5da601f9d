//! The bounds of `type: integer` as 64-bit integers, which is how the 3.0
//! model holds them. Documents written by Python tools spell them as floats
//! (`minimum: 1.0`, `maximum: 1.8446744073709552e+19` for a Go `uint64`);
//! each has one exact reading for integers, found here.

use serde_json::{Map, Number, Value};

/// 2⁶³, the first integer an `i64` cannot hold (and `i64::MAX` written as a float).
const TWO_63: f64 = 9_223_372_036_854_775_808.0;

/// Rewrites the `minimum`, `maximum` and `multipleOf` of an integer schema that
/// are not `i64`s into ones that are, or drops them where the Rust type
/// already keeps to them. Returns the keywords it had to drop unread.
///
/// - an integral float is that integer (`1.0` is `1`);
/// - a fractional bound is the nearest integer inside it (integers above
///   `0.5` are those from `1`), inclusive;
/// - a bound beyond the `i64` range that the type already keeps (a minimum
///   of −2⁶³ or less, a maximum of 2⁶³ or more) says nothing more, except that
///   `minimum: 0` with a maximum beyond 2⁶³ and no `format` is a `uint64`
///   (`maximum: 1.8446744073709552e+19`, Go's `uint64` through JSON);
/// - `multipleOf` that is not an integer says nothing where it divides 1
///   (`0.5`), and is not read otherwise.
pub(super) fn read(map: &mut Map<String, Value>) -> Vec<&'static str> {
    let mut unread = Vec::new();
    if let Some(value) = map.get("minimum").filter(|v| v.as_i64().is_none()).and_then(Value::as_f64) {
        match value {
            v if v <= -TWO_63 => drop_bound(map, "minimum", "exclusiveMinimum"),
            v => set_bound(map, "minimum", "exclusiveMinimum", v.ceil(), v.fract() != 0.0),
        }
    }
    if let Some(value) = map.get("maximum").filter(|v| v.as_i64().is_none()).and_then(Value::as_f64) {
        let unsigned = map.get("minimum").and_then(Value::as_i64).is_some_and(|min| min >= 0) && !map.contains_key("format");
        match value {
            // `i64::MAX` as a float rounds up to 2⁶³.
            v if v == TWO_63 => drop_bound(map, "maximum", "exclusiveMaximum"),
            v if v > TWO_63 && unsigned => {
                map.insert("format".into(), Value::String("uint64".into()));
                if v < 2.0 * TWO_63 {
                    unread.push("maximum");
                }
                drop_bound(map, "maximum", "exclusiveMaximum");
            }
            v if v > TWO_63 => drop_bound(map, "maximum", "exclusiveMaximum"),
            v => set_bound(map, "maximum", "exclusiveMaximum", v.floor(), v.fract() != 0.0),
        }
    }
    if let Some(value) = map.get("multipleOf").filter(|v| v.as_i64().is_none()) {
        match value.as_f64().filter(|v| v.fract() == 0.0 && v.abs() < TWO_63) {
            Some(v) => {
                map.insert("multipleOf".into(), Value::Number(Number::from(v as i64)));
            }
            // Every integer is a multiple of 0.5.
            None if value.as_f64().is_some_and(|v| v > 0.0 && (1.0 / v).fract() == 0.0) => {
                map.remove("multipleOf");
            }
            None => {
                unread.push("multipleOf");
                map.remove("multipleOf");
            }
        }
    }
    unread
}

fn set_bound(map: &mut Map<String, Value>, keyword: &str, flag: &str, value: f64, fractional: bool) {
    map.insert(keyword.into(), Value::Number(Number::from(value as i64)));
    // Past a fraction, exclusive and inclusive bounds take the same integers.
    if fractional {
        map.remove(flag);
    }
}

fn drop_bound(map: &mut Map<String, Value>, keyword: &str, flag: &str) {
    map.remove(keyword);
    map.remove(flag);
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    fn read(schema: Value) -> (Value, Vec<&'static str>) {
        let Value::Object(mut map) = schema else { panic!("an object") };
        let unread = super::read(&mut map);
        (Value::Object(map), unread)
    }

    #[test]
    fn integral_floats_are_integers_and_fractions_round_inwards() {
        assert_eq!(read(json!({"minimum": 1.0, "maximum": 10000.0})).0, json!({"minimum": 1, "maximum": 10000}));
        let (inward, unread) = read(json!({"minimum": 0.5, "exclusiveMinimum": true, "maximum": 9.5, "exclusiveMaximum": true}));
        assert_eq!((inward, unread), (json!({"minimum": 1, "maximum": 9}), vec![]));
        assert_eq!(read(json!({"minimum": 1.0, "exclusiveMinimum": true})).0, json!({"minimum": 1, "exclusiveMinimum": true}));
        assert_eq!(read(json!({"minimum": -2.5})).0, json!({"minimum": -2}));
        assert_eq!(read(json!({"multipleOf": 2.0})).0, json!({"multipleOf": 2}));
    }

    #[test]
    fn bounds_the_type_already_keeps_say_nothing_more() {
        let both = json!({"minimum": -9223372036854776000.0, "maximum": 9223372036854776000.0});
        assert_eq!(read(both), (json!({}), vec![]));
        // i64::MAX as a float, beside a minimum of 0: still an i64.
        assert_eq!(read(json!({"minimum": 0, "maximum": 9223372036854776000.0})).0, json!({"minimum": 0}));
        assert_eq!(read(json!({"maximum": 1.8446744073709552e19})), (json!({}), vec![]), "no minimum: not unsigned");
    }

    #[test]
    fn from_zero_to_beyond_i64_is_a_uint64() {
        let (go, unread) = read(json!({"minimum": 0, "maximum": 1.8446744073709552e19}));
        assert_eq!((go, unread), (json!({"minimum": 0, "format": "uint64"}), vec![]));
        let (between, unread) = read(json!({"minimum": 0.0, "maximum": 1.0e19}));
        assert_eq!((between, unread), (json!({"minimum": 0, "format": "uint64"}), vec!["maximum"]), "a u64 bound the model cannot hold");
        let (int64, _) = read(json!({"minimum": 0, "maximum": 1.8446744073709552e19, "format": "int64"}));
        assert_eq!(int64, json!({"minimum": 0, "format": "int64"}), "a format says the type");
    }

    #[test]
    fn a_fractional_multiple_is_not_read() {
        assert_eq!(read(json!({"multipleOf": 0.3})), (json!({}), vec!["multipleOf"]));
        assert_eq!(read(json!({"multipleOf": 0.5})), (json!({}), vec![]), "every integer is a multiple of 0.5");
    }
}
