//! How the types generated from `tests/specs/` behave on the wire.

mod common;

use constructs::{enums, formats, names, nullability, nullable_30, objects, unions};
use serde_json::{json, Value};

fn decode<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, serde_json::Error> {
    serde_json::from_value(value)
}

fn encode<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("encodes")
}

mod tagged_unions {
    use super::*;
    use unions::types::{Cat, Circle, Dog, Event, Figure, Pet, Shape};

    #[test]
    fn a_typed_one_of_is_a_union() {
        assert_eq!(decode::<Figure>(json!({"radius": 1.5})).unwrap(), Figure::Circle(Circle::new(1.5)));
        assert!(matches!(decode::<Figure>(json!({"side": 2.0})).unwrap(), Figure::Square(_)));
    }

    #[test]
    fn a_mapping_picks_the_variant_and_keeps_the_tag_for_it() {
        let dog: Pet = decode(json!({"petType": "dog", "bark": true})).unwrap();
        assert_eq!(dog, Pet::Dog(Dog::new("dog", true)));
        // Two mapping values select Cat; the variant sees the value it was sent.
        let kitten: Pet = decode(json!({"petType": "kitten", "lives": 9})).unwrap();
        assert_eq!(kitten, Pet::Cat(Cat::new("kitten").lives(9)));
        assert_eq!(encode(&kitten), json!({"petType": "kitten", "lives": 9}));
    }

    #[test]
    fn the_tag_decides_even_when_another_variant_would_fit() {
        // Shaped like a Dog, tagged as a Cat: a Cat it is.
        let cat: Pet = decode(json!({"petType": "cat", "bark": true})).unwrap();
        assert!(matches!(cat, Pet::Cat(_)), "{cat:?}");
    }

    #[test]
    fn unknown_and_missing_tags_are_refused_by_name() {
        let unknown = decode::<Pet>(json!({"petType": "parrot"})).unwrap_err().to_string();
        assert!(unknown.contains("parrot") && unknown.contains("kitten"), "{unknown}");
        let missing = decode::<Pet>(json!({"bark": true})).unwrap_err().to_string();
        assert!(missing.contains("petType"), "{missing}");
    }

    #[test]
    fn without_a_mapping_the_schema_name_is_the_tag_and_is_added_when_encoding() {
        let circle: Shape = decode(json!({"kind": "Circle", "radius": 2.0})).unwrap();
        assert!(matches!(&circle, Shape::Circle(c) if c.radius == 2.0));
        let square = Shape::Square(unions::types::Square::new(1.5));
        assert_eq!(encode(&square), json!({"kind": "Square", "side": 1.5}));
    }

    #[test]
    fn a_union_is_checked_as_the_variant_it_holds() {
        use unions::types::{Loose, Stored};
        use unions::validation::Validate as _;
        let cat: Pet = decode(json!({"petType": "cat", "lives": 10})).unwrap();
        let error = cat.validate().unwrap_err().to_string();
        assert!(error.contains("lives"), "{error}");
        assert!(Pet::Cat(Cat::new("cat").lives(9)).validate().is_ok());
        // In a struct that holds a union.
        let dog = json!({"petType": "dog", "bark": true, "name": "x".repeat(21)});
        // Untagged, the Dog breaks its checks, so the open object of `Loose`'s other variant takes it (`anyOf`).
        let loose = decode::<Loose>(dog.clone()).unwrap();
        assert!(!matches!(loose, Loose::Dog(_)), "{loose:?}");
        assert!(loose.validate().is_ok());
        let fitting = decode::<Loose>(json!({"petType": "dog", "bark": true, "name": "Rex"})).unwrap();
        assert!(matches!(fitting, Loose::Dog(_)), "{fitting:?}");
        let stored: Stored = decode(json!({"pet": dog, "shape": {"kind": "Circle", "radius": 1.0}})).unwrap();
        let error = stored.validate().unwrap_err().to_string();
        assert!(error.contains("pet") && error.contains("name"), "{error}");
    }

    #[test]
    fn an_untagged_value_is_valid_when_any_variant_it_fits_keeps_to_its_checks() {
        use unions::types::Invite;
        use unions::validation::Validate as _;
        // Decoded as the first variant (minimum 1), kept by the second (minimum 0).
        assert!(decode::<Invite>(json!({"max_age": 0})).unwrap().validate().is_ok());
        assert!(decode::<Invite>(json!({"max_age": 5})).unwrap().validate().is_ok());
        let error = decode::<Invite>(json!({"max_age": -1})).unwrap().validate().unwrap_err().to_string();
        assert!(error.contains("max_age"), "{error}");
    }

    /// The server refuses a body whose union variant breaks its own schema (400),
    /// and lets a fitting one through to the trait (whose default answers 501).
    #[tokio::test]
    async fn a_server_refuses_a_union_body_that_breaks_its_variant() {
        struct Defaults;
        impl unions::server::UnionsApi for Defaults {}
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let address = listener.local_addr().expect("has an address");
        tokio::spawn(async move { axum::serve(listener, unions::server::router(Defaults)).await.expect("serves") });
        let post = |body: Value| async move {
            let response = reqwest::Client::new().post(format!("http://{address}/pets")).json(&body).send().await.expect("answered");
            response.status().as_u16()
        };
        assert_eq!(post(json!({"petType": "cat", "lives": 10})).await, 400);
        assert_eq!(post(json!({"petType": "dog", "bark": true, "name": "x".repeat(21)})).await, 400);
        assert_eq!(post(json!({"petType": "cat", "lives": 9})).await, 501);
    }

    /// An untagged body goes to the variant serde takes, with that variant's
    /// rewrites (`2.0` for an integer), even when an earlier one's checks pass.
    #[tokio::test]
    async fn an_untagged_body_is_shaped_as_the_variant_that_decodes_it() {
        struct Defaults;
        impl unions::server::UnionsApi for Defaults {}
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let address = listener.local_addr().expect("has an address");
        tokio::spawn(async move { axum::serve(listener, unions::server::router(Defaults)).await.expect("serves") });
        let post = |body: Value| async move {
            let response = reqwest::Client::new().post(format!("http://{address}/pieces")).json(&body).send().await.expect("answered");
            response.status().as_u16()
        };
        // 501: decoded, and left to the trait's default.
        assert_eq!(post(json!({"kind": "b", "count": 2.0})).await, 501);
        assert_eq!(post(json!({"kind": "a", "label": "x"})).await, 501);
        assert_eq!(post(json!({"kind": "b", "count": 2.5})).await, 400);
    }

    #[test]
    fn a_base_listing_the_variants_that_include_it_decodes_by_its_discriminator() {
        use unions::types::{Animal, Bird, Fish};
        use unions::validation::Validate as _;
        let bird: Animal = decode(json!({"kind": "bird", "name": "Tweety", "wingspan": 0.2})).unwrap();
        assert_eq!(bird, Animal::Bird(Bird::new("bird").name("Tweety").wingspan(0.2)));
        assert_eq!(encode(&Animal::Fish(Fish::new("fish", 4))), json!({"kind": "fish", "fins": 4}));
        // The base's checks hold in every variant.
        let long: Animal = decode(json!({"kind": "fish", "fins": 2, "name": "x".repeat(11)})).unwrap();
        let error = long.validate().unwrap_err().to_string();
        assert!(error.contains("name"), "{error}");
    }

    #[test]
    fn properties_beside_a_union_are_held_by_each_variant() {
        use unions::types::{Payment, PaymentBankDetails, PaymentCardDetails};
        use unions::validation::Validate as _;
        let card: Payment = decode(json!({"amount": 5, "number": "4242"})).unwrap();
        assert_eq!(card, Payment::CardDetails(PaymentCardDetails::new(5, "4242")));
        let bank: Payment = decode(json!({"amount": 7, "iban": "DE02"})).unwrap();
        assert!(matches!(&bank, Payment::BankDetails(PaymentBankDetails { amount: 7, .. })), "{bank:?}");
        assert_eq!(encode(&bank), json!({"amount": 7, "iban": "DE02"}));
        assert!(decode::<Payment>(json!({"number": "4242"})).is_err(), "the base's required property is required");
        let error = decode::<Payment>(json!({"amount": 0, "iban": "DE02"})).unwrap().validate().unwrap_err().to_string();
        assert!(error.contains("amount"), "{error}");
    }

    #[test]
    fn an_allof_of_strings_is_a_string_checked_against_every_part() {
        use unions::types::Stored;
        use unions::validation::Validate as _;
        let stored =
            |code: &str| decode::<Stored>(json!({"pet": {"petType": "cat"}, "shape": {"kind": "Circle", "radius": 1.0}, "code": code}));
        let short: Stored = stored("a").unwrap();
        assert_eq!(short.code.as_deref(), Some("a"));
        assert!(short.validate().unwrap_err().to_string().contains("code"));
        assert!(stored("abcdefghi").unwrap().validate().is_err(), "longer than the first part allows");
        assert!(stored("abc").unwrap().validate().is_ok());
    }

    #[test]
    fn inline_variants_are_named_after_their_const_tag() {
        let note: Event = decode(json!({"type": "note", "text": "hi"})).unwrap();
        assert!(matches!(&note, Event::Note(n) if n.text == "hi"));
        assert_eq!(encode(&note), json!({"type": "note", "text": "hi"}));
        assert!(decode::<Event>(json!({"type": "link", "text": "hi"})).is_err(), "a link needs its url");
    }
}

mod untagged_unions {
    use super::*;
    use unions::types::{Loose, MaybeDog, Scalar};

    #[test]
    fn narrow_scalars_are_tried_before_wide_ones() {
        assert_eq!(decode::<Scalar>(json!(5)).unwrap(), Scalar::Integer(5));
        assert_eq!(decode::<Scalar>(json!(5.5)).unwrap(), Scalar::Number(5.5));
        assert_eq!(decode::<Scalar>(json!("5")).unwrap(), Scalar::String("5".into()));
        assert_eq!(decode::<Scalar>(json!(true)).unwrap(), Scalar::Boolean(true));
    }

    #[test]
    fn objects_with_more_required_properties_are_tried_first() {
        assert!(matches!(decode::<Loose>(json!({"petType": "dog", "bark": false})).unwrap(), Loose::Dog(_)));
        assert!(matches!(decode::<Loose>(json!({"note": "n"})).unwrap(), Loose::LooseVariant0(_)));
    }

    /// Branches that are primitives keep their schemas' checks in the union:
    /// the decoder takes the first branch whose checks the value keeps.
    #[test]
    fn branches_of_primitives_keep_their_own_checks() {
        use unions::types::{Record, RecordWindow, Ticket, Ttl};
        use unions::validation::Validate as _;
        // 1 is the second branch's (the first's minimum is 30), 3600 the first's, 5 neither's.
        assert_eq!(decode::<Ttl>(json!(1)).unwrap(), Ttl::Number2(1.0));
        assert_eq!(decode::<Ttl>(json!(3600)).unwrap(), Ttl::Number(3600.0));
        assert!(decode::<Ttl>(json!(5)).unwrap().validate().is_err());
        assert!(decode::<Ticket>(json!("ABC")).unwrap().validate().is_ok());
        assert!(decode::<Ticket>(json!(500)).unwrap().validate().is_ok());
        assert!(decode::<Ticket>(json!("abcd")).unwrap().validate().is_err());
        assert!(decode::<Ticket>(json!(5)).unwrap().validate().is_err());
        // A default is built as the branch that keeps it, so a record that leaves it out is valid.
        assert_eq!(Record::default().window, RecordWindow::Integer2(-5));
        assert!(Record::default().validate().is_ok());
    }

    #[tokio::test]
    async fn a_server_refuses_a_primitive_that_no_branch_keeps() {
        struct Defaults;
        impl unions::server::UnionsApi for Defaults {}
        let base = common::serve(unions::server::router(Defaults)).await;
        let post = |body: Value| {
            let request = reqwest::Client::new().post(format!("{base}/records")).json(&body);
            async move { request.send().await.expect("answered").status().as_u16() }
        };
        // 501: accepted, and left to the trait's default.
        for body in [json!({}), json!({"ttl": 1}), json!({"ttl": 60, "ticket": "ABC"}), json!({"window": 12})] {
            assert_eq!(post(body.clone()).await, 501, "{body}");
        }
        for body in [json!({"ttl": 5}), json!({"ticket": "abcd"}), json!({"ticket": 5}), json!({"window": 3})] {
            assert_eq!(post(body.clone()).await, 400, "{body}");
        }
    }

    #[test]
    fn one_of_a_schema_and_null_is_an_option() {
        assert_eq!(decode::<MaybeDog>(Value::Null).unwrap(), None);
        assert!(decode::<MaybeDog>(json!({"petType": "dog", "bark": true})).unwrap().is_some());
    }
}

mod enumerations {
    use super::*;
    use enums::types::{Awkward, Channel, ChannelKind, Gateway, Outcome, Priority, Settings, SettingsMode, Status, Tier, Version};

    #[test]
    fn a_one_of_of_consts_is_an_enum_named_by_the_titles() {
        assert_eq!(decode::<ChannelKind>(json!(1)).unwrap(), ChannelKind::Dm);
        assert_eq!(encode(&ChannelKind::GuildText), json!(0));
        assert_eq!(ChannelKind::GuildVoice.value(), 2);
        assert_eq!(decode::<ChannelKind>(json!(9)).unwrap(), ChannelKind::Other(9), "open by default");
        assert_eq!(decode::<Gateway>(json!("RESUMED")).unwrap(), Gateway::Resumed);
        assert_eq!(encode(&Gateway::Ready), json!("READY"));
        assert_eq!(decode::<Gateway>(json!("HELLO")).unwrap(), Gateway::Other("HELLO".into()));
    }

    #[test]
    fn every_awkward_value_round_trips_through_its_own_variant() {
        let values = ["+1", "-1", "a b", "", "type", "Self", "fooBar", "foo_bar", "FOO-BAR", "1st"];
        let decoded: Vec<Awkward> = values.iter().map(|v| decode(json!(v)).unwrap()).collect();
        let mut distinct = decoded.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), values.len(), "two values share a variant: {decoded:?}");
        for (value, variant) in values.iter().zip(&decoded) {
            assert_eq!(variant.as_str(), *value);
            assert_eq!(encode(variant), json!(value));
        }
        assert!(decode::<Awkward>(json!("other")).is_err(), "a closed enum refuses unlisted values");
    }

    /// JSON Schema counts `2.0` as the integer 2: a server reads it in an integer enum, a const
    /// of a `oneOf`, and a union's variants told apart by one (Discord's command options).
    #[tokio::test]
    async fn a_server_reads_integral_floats_in_integer_enums() {
        struct Defaults;
        impl enums::server::EnumsApi for Defaults {}
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let address = listener.local_addr().expect("has an address");
        tokio::spawn(async move { axum::serve(listener, enums::server::router(Defaults)).await.expect("serves") });
        let put = |extra: Value| async move {
            let mut body = json!({"awkward": "+1", "priority": 2, "status": "active", "version": "v1"});
            body.as_object_mut().expect("an object").extend(extra.as_object().expect("an object").clone());
            let response = reqwest::Client::new().put(format!("http://{address}/settings")).json(&body).send().await.expect("answered");
            response.status().as_u16()
        };
        // 501: decoded, and left to the trait's default.
        assert_eq!(put(json!({})).await, 501);
        assert_eq!(put(json!({"priority": 2.0, "kind": 1.0})).await, 501);
        assert_eq!(put(json!({"options": [{"type": 2.0, "name": "n", "min_value": 1.5}, {"type": 3.0, "name": "t"}]})).await, 501);
        assert_eq!(put(json!({"priority": 2.5})).await, 400);
        assert_eq!(put(json!({"options": [{"type": 4.0, "name": "n"}]})).await, 400);
    }

    /// A boolean `const` and a number `enum` keep their plain Rust types (`bool`, `f64`), and
    /// a server refuses the values they leave out.
    #[tokio::test]
    async fn a_server_refuses_booleans_and_numbers_their_enum_leaves_out() {
        struct Defaults;
        impl enums::server::EnumsApi for Defaults {}
        let base = common::serve(enums::server::router(Defaults)).await;
        let put = |extra: Value| {
            let base = base.clone();
            async move {
                let mut body = json!({"awkward": "+1", "priority": 2, "status": "active", "version": "v1"});
                body.as_object_mut().expect("an object").extend(extra.as_object().expect("an object").clone());
                let response = reqwest::Client::new().put(format!("{base}/settings")).json(&body).send().await.expect("answered");
                (response.status().as_u16(), response.text().await.expect("a body"))
            }
        };
        assert_eq!(put(json!({"confirmed": true, "scale": 1.5})).await.0, 501, "listed values pass");
        let (status, body) = put(json!({"confirmed": false})).await;
        assert_eq!(status, 400);
        assert!(body.contains("confirmed: must be true"), "{body}");
        let (status, body) = put(json!({"scale": 2.0})).await;
        assert_eq!(status, 400);
        assert!(body.contains("scale: must be one of 0.5, 1.5"), "{body}");
        assert_eq!(put(json!({"outcome": {"ok": false, "detail": "d"}})).await.0, 501);
        let settings: Settings =
            decode(json!({"awkward": "+1", "priority": 2, "status": "active", "version": "v1", "confirmed": true})).unwrap();
        assert_eq!(settings.confirmed, Some(true), "a plain bool");
    }

    /// Untagged variants alike but for a boolean `const` (`ok: true` or `ok: false`) decode
    /// into the variant whose `const` the value keeps to, whichever is listed first.
    #[test]
    fn a_boolean_const_tells_untagged_variants_apart() {
        let failed: Outcome = decode(json!({"ok": false, "detail": "no"})).unwrap();
        assert!(matches!(failed, Outcome::Failed(_)), "{failed:?}");
        let done: Outcome = decode(json!({"ok": true, "detail": "yes"})).unwrap();
        assert!(matches!(done, Outcome::Done(_)), "{done:?}");
    }

    #[test]
    fn integer_enums_travel_as_numbers() {
        assert_eq!(decode::<Priority>(json!(2)).unwrap(), Priority::V2);
        assert_eq!(decode::<Priority>(json!(-1)).unwrap(), Priority::Minus1);
        assert_eq!(encode(&Priority::V3), json!(3));
        assert_eq!(Priority::Minus1.value(), -1);
        // Open by default: a client keeps the value; a server refuses it in a request.
        let unlisted: Priority = decode(json!(7)).unwrap();
        assert_eq!(unlisted, Priority::Other(7));
        assert_eq!(encode(&unlisted), json!(7));
        let error = enums::validation::Validate::validate(&unlisted).unwrap_err().to_string();
        assert!(error.contains('7') && error.contains("one of 1, 2, 3, -1"), "{error}");
        assert!(enums::validation::Validate::validate(&Priority::V2).is_ok());
        assert!(decode::<Priority>(json!("2")).is_err());
    }

    #[test]
    fn open_enums_keep_values_a_newer_server_adds() {
        assert_eq!(decode::<Status>(json!("active")).unwrap(), Status::Active);
        let newer: Status = decode(json!("archived")).unwrap();
        assert_eq!(newer, Status::Other("archived".into()));
        assert_eq!(encode(&newer), json!("archived"));
        assert_eq!(newer.as_str(), "archived");
        assert_eq!(decode::<Channel>(json!("sms")).unwrap(), Channel::Sms);
        assert_eq!(decode::<Channel>(json!("push")).unwrap(), Channel::Other("push".into()));
        assert_eq!(decode::<Tier>(json!("enterprise")).unwrap(), Tier::Other("enterprise".into()));
    }

    #[test]
    fn one_unknown_value_does_not_break_the_whole_response() {
        let settings: Settings = decode(json!({
            "awkward": "+1", "priority": 1, "status": "brand-new", "version": "v1", "tier": "team"
        }))
        .unwrap();
        assert_eq!(settings.status, Status::Other("brand-new".into()));
        assert_eq!(settings.tier, Some(Tier::Other("team".into())));
        assert_eq!(settings.version, Version::V1);
        assert_eq!(settings.mode, SettingsMode::Safe, "the default applies when absent");
    }
}

mod presence {
    use super::*;
    use nullability::types::ProfilePatch;

    fn patch(extra: Value) -> ProfilePatch {
        let mut body = json!({"name": "n", "nickname": null});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        decode(body).unwrap()
    }

    #[test]
    fn absent_null_and_a_value_are_three_different_things() {
        assert_eq!(patch(json!({})).avatar, None);
        assert_eq!(patch(json!({"avatar": null})).avatar, Some(None));
        assert_eq!(patch(json!({"avatar": "a.png"})).avatar, Some(Some("a.png".into())));
        assert_eq!(patch(json!({"age": null})).age, Some(None));
    }

    #[test]
    fn encoding_keeps_them_apart_too() {
        let mut p = patch(json!({}));
        assert!(!encode(&p).as_object().unwrap().contains_key("avatar"));
        p.avatar = Some(None);
        assert_eq!(encode(&p)["avatar"], Value::Null);
        p.avatar = Some(Some("b.png".into()));
        assert_eq!(encode(&p)["avatar"], json!("b.png"));
    }

    #[test]
    fn required_nullable_is_written_as_null_and_optional_is_left_out() {
        let p = patch(json!({}));
        let encoded = encode(&p);
        assert_eq!(encoded["nickname"], Value::Null);
        assert!(!encoded.as_object().unwrap().contains_key("bio"));
        assert!(decode::<ProfilePatch>(json!({"nickname": "x"})).is_err(), "name is required");
    }

    #[test]
    fn openapi_30_nullable_means_the_same() {
        let item: nullable_30::types::Item = decode(json!({"id": 1, "label": null})).unwrap();
        assert_eq!(item.label, None);
        assert!(decode::<nullable_30::types::Item>(json!({"id": 1})).is_ok(), "a required nullable may be absent");
    }
}

mod typed_formats {
    use super::*;
    use formats::types::Record;

    #[test]
    fn the_example_decodes_into_typed_fields_and_round_trips() {
        let example = json!({
            "id": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "small": -5, "big": 9_007_199_254_740_993_i64,
            "count": 4_000_000_000_u32, "total": u64::MAX, "ratio": 0.5, "precise": 0.25,
            "at": "2026-11-23T10:00:00Z", "day": "2026-11-23", "link": "https://example.com",
            "mail": "a@example.com", "payload": "aGVsbG8=", "unknown": "anything"
        });
        let record: Record = decode(example.clone()).unwrap();
        assert_eq!(record.id, uuid::Uuid::parse_str("3fa85f64-5717-4562-b3fc-2c963f66afa6").unwrap());
        assert_eq!(record.payload.0, b"hello");
        assert_eq!(record.total, u64::MAX);
        assert_eq!(record.count, 4_000_000_000);
        assert_eq!(record.day, chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
        assert_eq!(encode(&record), example);
    }

    #[test]
    fn malformed_values_are_refused() {
        let mut bad = json!({
            "id": "not-a-uuid", "small": 1, "big": 1, "count": 1, "total": 1, "ratio": 1.0, "precise": 1.0,
            "at": "2026-11-23T10:00:00Z", "day": "2026-11-23", "link": "", "mail": "", "payload": "", "unknown": ""
        });
        assert!(decode::<Record>(bad.clone()).is_err());
        bad["id"] = json!("3fa85f64-5717-4562-b3fc-2c963f66afa6");
        assert!(decode::<Record>(bad.clone()).is_ok());
        bad["count"] = json!(-1);
        assert!(decode::<Record>(bad.clone()).is_err(), "uint32 refuses negatives");
        bad["count"] = json!(1);
        bad["payload"] = json!("%%%");
        assert!(decode::<Record>(bad).is_err(), "byte refuses non-base64");
    }

    #[test]
    fn multiples_and_the_bounds_of_unsigned_integers_are_checked() {
        use formats::validation::Validate;
        let checked = |extra: Value| {
            let mut record = json!({
                "id": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "small": 1, "big": 1, "count": 1, "total": 1, "ratio": 1.0,
                "precise": 1.0, "at": "2026-11-23T10:00:00Z", "day": "2026-11-23", "link": "https://example.com",
                "mail": "a@example.com", "payload": "", "unknown": ""
            });
            record.as_object_mut().expect("an object").extend(extra.as_object().expect("an object").clone());
            decode::<Record>(record).expect("decodes").validate().map_err(|error| error.to_string())
        };
        assert_eq!(checked(json!({"step": 0.75, "batch": 30, "quota": 1000})), Ok(()));
        assert_eq!(checked(json!({"step": 0.3})), Err("step: must be a multiple of 0.25".into()));
        assert_eq!(checked(json!({"batch": 35})), Err("batch: must be a multiple of 10".into()));
        assert_eq!(checked(json!({"batch": 110})), Err("batch: must be at most 100".into()));
        assert_eq!(checked(json!({"quota": 1001})), Err("quota: must be at most 1000".into()), "a uint64's bounds");
        assert_eq!(checked(json!({"quota": 0})), Err("quota: must be at least 1".into()));
        assert_eq!(checked(json!({"labels": {"env": "prod"}})), Ok(()));
        assert_eq!(
            checked(json!({"labels": {"env": "prod", "Team": "x"}})),
            Err(r#"labels: key "Team": must match the pattern ^[a-z]"#.into()),
            "propertyNames checks each key"
        );
        assert_eq!(
            checked(json!({"labels": {"environment": "prod"}})),
            Err(r#"labels: key "environment": must have at most 8 characters"#.into())
        );
        assert_eq!(checked(json!({"greetings": {"en": "hello", "fr": "bonjour"}})), Ok(()));
        assert_eq!(
            checked(json!({"greetings": {"de": "hallo"}})),
            Err(r#"greetings: key "de": must be one of "en", "fr""#.into()),
            "propertyNames naming an enum checks each key against it"
        );
        assert_eq!(checked(json!({"tag": "abca"})), Ok(()), "a back-reference is checked");
        assert_eq!(checked(json!({"tag": "abc"})), Err(r"tag: must match the pattern ^(\w)\w*\1$".into()));
    }

    /// A path parameter whose pattern has a look-ahead, which the `regex` crate refuses,
    /// is checked by the backtracking engine: a server refuses what it excludes.
    #[tokio::test]
    async fn a_server_checks_patterns_with_look_arounds() {
        struct Defaults;
        impl formats::server::FormatsApi for Defaults {}
        let base = common::serve(formats::server::router(Defaults)).await;
        let status = |slug: &'static str| {
            let base = base.clone();
            async move { reqwest::get(format!("{base}/slugs/{slug}")).await.expect("answered").status().as_u16() }
        };
        assert_eq!(status("release-7").await, 501, "valid: left to the trait's default");
        assert_eq!(status("2024").await, 400, "all digits: the look-ahead refuses it");
    }
}

mod identifiers {
    use super::*;

    #[test]
    fn renamed_fields_keep_their_wire_names() {
        let value = json!({
            "type": "t", "$ref": "r", "2fa": true, "fooBar": "a", "foo_bar": "b", "FooBar": "c", "async": "d",
            "error": {"message": "m"}, "result": {"ok": true}, "option": {"some": "s"}, "self": {"me": "x"}
        });
        let decoded: names::types::Type = decode(value.clone()).unwrap();
        assert_eq!(
            (decoded.foo_bar.as_deref(), decoded.foo_bar2.as_deref(), decoded.foo_bar3.as_deref()),
            (Some("a"), Some("b"), Some("c"))
        );
        assert_eq!(decoded.self_.as_ref().and_then(|s| s.me.as_deref()), Some("x"));
        assert_eq!(encode(&decoded), value);
        // Schemas named like prelude types, keywords and digits.
        let _: names::types::Type3dModel = decode(json!({"vertices": 3})).unwrap();
        let _: names::types::Vec = decode(json!([{"value": "v"}])).unwrap();
        let _: names::types::WeirdName = decode(json!("w")).unwrap();
    }

    /// Schemas named after prelude items (and generic parameters) keep their
    /// names, and the code around them still means the prelude's.
    #[test]
    fn schemas_named_like_the_prelude_work_like_any() {
        use names::validation::Validate;
        let value = json!({
            "box": {"inner": {"label": "short"}}, "some": "two", "into": {"value": "v"},
            "s": {"next": {"d": 3}}, "d": "x", "strings": [{"value": "v"}]
        });
        let decoded: names::types::Type = decode(value.clone()).unwrap();
        assert_eq!(decoded.some, Some(names::types::Some::Two));
        assert_eq!(encode(&decoded), value);
        assert!(decoded.validate().is_ok());
        let boxed = names::types::Box::default().inner(std::boxed::Box::new(names::types::Box::default().label("much too long")));
        assert!(boxed.validate().unwrap_err().to_string().contains("label"));
        let into = names::types::Into::new("v").note("n");
        assert_eq!(encode(&into), json!({"value": "v", "note": "n"}));
    }
}

mod object_shapes {
    use super::*;
    use objects::types::{Account, Article, Labelled, LabelledState, Node, Open, Post, Strict};

    #[test]
    fn recursive_types_nest() {
        let node: Node = decode(json!({"name": "a", "children": [{"name": "b"}], "parent": {"name": "p"}, "grid": [[1, 2], [3]]})).unwrap();
        assert_eq!(node.children.as_ref().unwrap()[0].name, "b");
        assert_eq!(node.parent.as_ref().unwrap().name, "p");
        assert_eq!(node.grid, Some(vec![vec![1, 2], vec![3]]));
    }

    #[test]
    fn read_only_properties_may_be_absent_from_requests_and_write_only_from_responses() {
        let request: Account = decode(json!({"password": "p", "email": "e"})).unwrap();
        assert_eq!(request.id, None);
        let response: Account = decode(json!({"id": "1", "email": "e"})).unwrap();
        assert_eq!(response.password, None);
        assert_eq!((response.retries, response.region.as_str()), (3, "eu"), "defaults apply");
    }

    #[test]
    fn additional_properties_are_kept_only_where_allowed() {
        let open: Open = decode(json!({"a": "x", "b": 1})).unwrap();
        assert_eq!(open.additional_properties.get("b"), Some(&json!(1)));
        let strict: Strict = decode(json!({"a": "x"})).unwrap();
        assert_eq!(strict.a.as_deref(), Some("x"));
    }

    #[test]
    fn all_of_merges_the_parts_required_properties() {
        let article: Article = decode(json!({"createdAt": "2026-01-01T00:00:00Z", "title": "t"})).unwrap();
        assert_eq!(article.title, "t");
        assert!(decode::<Article>(json!({"title": "t"})).is_err(), "createdAt comes from the $ref part and is required");
    }

    #[test]
    fn a_typed_all_of_merges_the_parts_and_its_own_properties() {
        let post: Post = decode(json!({"createdAt": "2026-01-01T00:00:00Z", "body": "b"})).unwrap();
        assert_eq!((post.body.as_str(), post.created_at.to_rfc3339().as_str()), ("b", "2026-01-01T00:00:00+00:00"));
        assert!(decode::<Post>(json!({"body": "b"})).is_err(), "createdAt comes from the allOf part");
        assert!(decode::<Post>(json!({"createdAt": "2026-01-01T00:00:00Z"})).is_err(), "body is its own, and required");
    }

    #[test]
    fn an_all_of_of_one_schema_and_annotations_is_that_schema() {
        let labelled: Labelled = decode(json!({"state": "open", "slug": "a-b"})).unwrap();
        assert_eq!(labelled.state, LabelledState::Open);
        let slug: &String = &labelled.slug;
        assert_eq!(slug, "a-b");
        let ajar: Labelled = decode(json!({"state": "ajar", "slug": "a"})).unwrap();
        assert_eq!(ajar.state, LabelledState::Other("ajar".into()), "the enum stays an enum, open as every enum");
    }
}

mod tuples {
    use super::*;

    #[test]
    fn prefix_items_are_a_tuple_of_exactly_that_many_items() {
        let node: objects::types::Node = decode(json!({"name": "n", "point": [1.5, -2.0]})).unwrap();
        assert_eq!(node.point, Some((1.5, -2.0)));
        assert_eq!(encode(&node)["point"], json!([1.5, -2.0]));
        assert!(decode::<objects::types::Node>(json!({"name": "n", "point": [1.5]})).is_err());
    }

    #[test]
    fn a_tuple_closed_by_items_false_reads_no_more_items() {
        let node: objects::types::Node = decode(json!({"name": "n", "span": ["2026-01-01", "2026-12-31"]})).unwrap();
        let (from, to) = node.span.expect("a span");
        assert_eq!((from.to_string(), to.to_string()), ("2026-01-01".to_owned(), "2026-12-31".to_owned()));
        assert!(decode::<objects::types::Node>(json!({"name": "n", "span": ["2026-01-01", "2026-12-31", "2027-01-01"]})).is_err());
    }
}

mod encodings {
    use super::*;

    #[test]
    fn content_encoding_base64_is_bytes_as_base64_text() {
        let node: objects::types::Node = decode(json!({"name": "n", "thumbnail": "iVBORw=="})).unwrap();
        let thumbnail = node.thumbnail.clone().expect("a thumbnail");
        assert_eq!(thumbnail.0, vec![0x89, b'P', b'N', b'G']);
        assert_eq!(encode(&node)["thumbnail"], json!("iVBORw=="));
        assert!(decode::<objects::types::Node>(json!({"name": "n", "thumbnail": "not base64!"})).is_err());
    }
}
