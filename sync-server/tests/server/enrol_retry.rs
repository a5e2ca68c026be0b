//! An enrolment whose answer was lost can be retried by the same phone (same code, same device id)
//! within the retry window, on both stores: it gets a fresh secret and the old one stops working;
//! anyone else, or the same phone too late, is refused.

use donghaeng_core::model::{new_id, OrgUnitKind, Role};
use donghaeng_sync_server::store::postgres::PgStore;
use donghaeng_sync_server::store::sqlite::SqliteStore;
use donghaeng_sync_server::store::{AuthStore, ENROL_RETRY_WINDOW_MS};

use crate::pg_harness::PgTestDb;

async fn retry_behaviour(store: &dyn AuthStore) {
    let now = 1_800_000_000_000_i64;
    let city = store
        .create_unit(OrgUnitKind::City, "서울특별시".into(), None)
        .await
        .unwrap();
    let user = store
        .create_user(city, "김간호".into(), Role::VisitingNurse)
        .await
        .unwrap();
    let code = store
        .issue_enrolment_code(user.id, now, 24 * 3_600_000)
        .await
        .unwrap()
        .code;
    let phone = new_id();
    let first = store.enrol(code.clone(), Some(phone), now).await.unwrap();
    assert_eq!(first.device_id, phone);

    // The answer was lost: the phone asks again a minute later and gets a fresh secret.
    let again = store
        .enrol(code.clone(), Some(phone), now + 60_000)
        .await
        .unwrap();
    assert_eq!(again.device_id, phone);
    assert_eq!(again.user_id, user.id);
    assert_eq!(again.role, Role::VisitingNurse);
    assert_ne!(again.device_secret, first.device_secret);
    let ttl = 900_000;
    let refused = store
        .issue_token(phone, first.device_secret.clone(), now + 61_000, ttl)
        .await
        .unwrap_err();
    assert_eq!(refused.code, "device_credential_invalid");
    store
        .issue_token(phone, again.device_secret.clone(), now + 61_000, ttl)
        .await
        .unwrap();

    // Another phone with the spent code, or no device id at all: the code is spent.
    for other in [Some(new_id()), None] {
        let e = store
            .enrol(code.clone(), other, now + 120_000)
            .await
            .unwrap_err();
        assert_eq!(e.code, "enrolment_code_invalid");
    }
    // The same phone after the window: refused too.
    let late = now + ENROL_RETRY_WINDOW_MS + 1;
    let e = store
        .enrol(code.clone(), Some(phone), late)
        .await
        .unwrap_err();
    assert_eq!(e.code, "enrolment_code_invalid");

    // A revoked phone cannot get a fresh secret by retrying.
    let code2 = store
        .issue_enrolment_code(user.id, now, 24 * 3_600_000)
        .await
        .unwrap()
        .code;
    let phone2 = new_id();
    store.enrol(code2.clone(), Some(phone2), now).await.unwrap();
    store.revoke_device(phone2, now + 1_000).await.unwrap();
    let e = store
        .enrol(code2, Some(phone2), now + 2_000)
        .await
        .unwrap_err();
    assert_eq!(e.code, "device_revoked");
}

#[tokio::test]
async fn a_lost_enrolment_answer_can_be_retried_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("s.db"), Default::default()).unwrap();
    retry_behaviour(&store).await;
}

#[tokio::test]
async fn a_lost_enrolment_answer_can_be_retried_on_postgres() {
    let Some(db) = PgTestDb::create().await else {
        return;
    };
    let store: PgStore = db.store(Default::default()).await;
    retry_behaviour(&store).await;
}
