//! Chapter 08's std-only JSON against `serde_json`: what we write, serde_json reads back
//! unchanged; what serde_json writes, we read back unchanged; and on arbitrary text we
//! accept exactly what serde_json accepts (within our nesting limit), never panicking.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

use ch08_chat::json::{self, Object, Value};
use proptest::prelude::*;

/// Whether our value is serde's (numbers compared as f64; for a repeated key, the
/// first one, as `Value::get` reads it, against serde's last one is not compared).
fn same(ours: &Value, theirs: &serde_json::Value) -> bool {
    match (ours, theirs) {
        (Value::Null, serde_json::Value::Null) => true,
        (Value::Bool(a), serde_json::Value::Bool(b)) => a == b,
        (Value::Number(a), serde_json::Value::Number(b)) => Some(*a) == b.as_f64(),
        (Value::String(a), serde_json::Value::String(b)) => a == b,
        (Value::Array(a), serde_json::Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        (Value::Object(a), serde_json::Value::Object(b)) => a.iter().all(|(key, value)| {
            let repeated = a.iter().filter(|(k, _)| k == key).count() > 1;
            repeated || b.get(key).is_some_and(|theirs| same(value, theirs))
        }),
        _ => false,
    }
}

/// Arbitrary JSON values, nested a few levels.
fn values() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        (-1e12f64..1e12).prop_map(|n| serde_json::json!(n)),
        any::<String>().prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(serde_json::Value::Array),
            prop::collection::btree_map("\\PC{0,8}", inner, 0..8)
                .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn strings_we_write_serde_reads(text in any::<String>(), nick in "\\PC{0,40}") {
        let written = Object::new().string("type", "message").string("nick", &nick).string("text", &text).finish();
        let read: serde_json::Value = serde_json::from_str(&written).unwrap();
        prop_assert_eq!(&read["text"], &serde_json::Value::String(text.clone()));
        prop_assert_eq!(&read["nick"], &serde_json::Value::String(nick));
        // And our own parser agrees.
        let ours = json::parse(&written).unwrap();
        prop_assert_eq!(ours.get("text").and_then(Value::as_str), Some(text.as_str()));
    }

    #[test]
    fn strings_serde_writes_we_read(text in any::<String>()) {
        let written = serde_json::to_string(&serde_json::json!({"type": "message", "text": text})).unwrap();
        let ours = json::parse(&written).unwrap();
        prop_assert_eq!(ours.get("text").and_then(Value::as_str), Some(text.as_str()));
    }

    #[test]
    fn any_value_serde_writes_we_read(value in values(), pretty in any::<bool>()) {
        let written = if pretty {
            serde_json::to_string_pretty(&value).unwrap()
        } else {
            serde_json::to_string(&value).unwrap()
        };
        let ours = json::parse(&written).unwrap();
        prop_assert!(same(&ours, &value), "{} read as {:?}", written, ours);
    }

    #[test]
    fn arbitrary_text_is_accepted_exactly_when_serde_accepts_it(text in "[\\[\\]{}\",:0-9eE.+\\-tfrulnsa \\\\u]{0,24}") {
        let ours = json::parse(&text);
        let theirs: Result<serde_json::Value, _> = serde_json::from_str(&text);
        prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{:?}: ours {:?}, serde {:?}", text, ours, theirs);
        if let (Ok(ours), Ok(theirs)) = (ours, theirs) {
            prop_assert!(same(&ours, &theirs), "{:?}: {:?} vs {:?}", text, ours, theirs);
        }
    }
}
