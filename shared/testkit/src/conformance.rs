//! The behaviour every `StateStore` must show, run by each implementation's tests (the memory
//! store in the engine's, DynamoDB on moto in the end-to-end tests).

use aidr_engine::ports::{Item, Members, StateStore, Window};

/// Runs the suite on `store`; `prefix` keeps keys apart when several runs share one store.
/// Panics on a violation.
pub async fn conformance(store: &dyn StateStore, prefix: &str) {
    let k = |name: &str| format!("{prefix}{name}");
    let now = 1_700_000_000;
    assert!(
        store.insert_if_absent(&k("a"), 1, now + 60, now).await.unwrap(),
        "first insert creates"
    );
    assert!(
        !store.insert_if_absent(&k("a"), 2, now + 60, now).await.unwrap(),
        "second insert is refused"
    );
    assert_eq!(store.get(&k("a"), now).await.unwrap().map(|i| i.value), Some(1));
    assert!(
        store.insert_if_absent(&k("a"), 3, now + 200, now + 61).await.unwrap(),
        "an expired item is replaced"
    );
    assert_eq!(
        store.get(&k("a"), now + 61).await.unwrap(),
        Some(Item {
            value: 3,
            expires_at: now + 200
        })
    );
    assert_eq!(
        store.get(&k("a"), now + 200).await.unwrap(),
        None,
        "expired items are absent"
    );

    assert_eq!(store.add(&k("n"), 1, now + 60, now).await.unwrap(), 1);
    assert_eq!(store.add(&k("n"), 5, now + 90, now).await.unwrap(), 6);
    assert_eq!(
        store.get(&k("n"), now).await.unwrap(),
        Some(Item {
            value: 6,
            expires_at: now + 90
        })
    );
    assert_eq!(
        store.add(&k("n"), 2, now + 300, now + 100).await.unwrap(),
        2,
        "an expired counter restarts"
    );

    store.set(&k("s"), 4, now + 10).await.unwrap();
    store.set(&k("s"), 5, now + 20).await.unwrap();
    assert_eq!(
        store.get(&k("s"), now).await.unwrap(),
        Some(Item {
            value: 5,
            expires_at: now + 20
        })
    );

    assert!(
        store.compare_and_set(&k("s"), 5, 6, now + 30, now).await.unwrap(),
        "compare-and-set replaces the expected value"
    );
    assert!(
        !store.compare_and_set(&k("s"), 5, 7, now + 30, now).await.unwrap(),
        "compare-and-set refuses another value"
    );
    assert!(
        !store.compare_and_set(&k("absent"), 0, 1, now + 30, now).await.unwrap(),
        "compare-and-set refuses an absent item"
    );
    assert!(
        !store.compare_and_set(&k("s"), 6, 8, now + 40, now + 30).await.unwrap(),
        "compare-and-set refuses an expired item"
    );
    store.set(&k("s"), 5, now + 20).await.unwrap();

    let w = |count, opened_by: &str, window_end| Window {
        count,
        opened_by: opened_by.to_owned(),
        window_end,
    };
    let key = k("w");
    assert_eq!(
        store
            .count_in_window(&key, "e1", now, now + 100, now + 200)
            .await
            .unwrap(),
        w(1, "e1", now + 100)
    );
    assert_eq!(
        store
            .count_in_window(&key, "e2", now + 50, now + 150, now + 250)
            .await
            .unwrap(),
        w(2, "e1", now + 100)
    );
    assert_eq!(
        store
            .count_in_window(&key, "e3", now + 100, now + 200, now + 300)
            .await
            .unwrap(),
        w(1, "e3", now + 200),
        "an ended window reopens"
    );

    let got = store.get_many(&[k("s"), k("absent"), k("a")], now).await.unwrap();
    let expected = vec![
        Some(Item {
            value: 5,
            expires_at: now + 20,
        }),
        None,
        Some(Item {
            value: 3,
            expires_at: now + 200,
        }),
    ];
    assert_eq!(got, expected, "get_many answers in the order asked");

    let names = |m: &Members| m.members.iter().cloned().collect::<Vec<_>>();
    let set = k("set");
    let m = store
        .append(&set, &["b".into(), "a".into()], now + 100, now)
        .await
        .unwrap();
    assert_eq!(
        (names(&m), m.expires_at),
        (vec!["a".to_string(), "b".to_string()], now + 100)
    );
    let m = store
        .append(&set, &["a".into(), "c".into()], now + 50, now + 10)
        .await
        .unwrap();
    assert_eq!(
        (names(&m), m.expires_at),
        (vec!["a".into(), "b".into(), "c".into()], now + 100),
        "expiry never moves back"
    );
    assert_eq!(names(&store.members(&set, now + 99).await.unwrap()).len(), 3);
    assert!(
        store.members(&set, now + 100).await.unwrap().members.is_empty(),
        "an expired set is empty"
    );
    let m = store.append(&set, &["z".into()], now + 300, now + 150).await.unwrap();
    assert_eq!(names(&m), vec!["z".to_string()], "an expired set starts over");
    assert!(store.members(&k("no-set"), now).await.unwrap().members.is_empty());

    store.remove(&k("n")).await.unwrap();
    store.remove(&k("never-there")).await.unwrap();
    assert_eq!(store.get(&k("n"), now).await.unwrap(), None);
}
