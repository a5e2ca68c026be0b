//! What the worker is told after a failure of sync, enrolment or the store (조치 안내): one rule for
//! both phone apps, from the error's stable code. Each answer names the next step the app takes (the
//! screen it shows, the button it offers) and a short title and text in Korean and English.
//!
//! The texts say what happened and what to do, never more: no record, id or server detail, since
//! the screen may be seen by the household.

/// The app's next step after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum NextStep {
    /// Nothing is lost; the app syncs again by itself (no network, a slow or busy server).
    RetryLater,
    /// The server address is wrong or not trusted: the worker checks it (or asks support).
    CheckServerAddress,
    /// The enrolment code is wrong, spent or expired: a new one from the team lead.
    EnterNewCode,
    /// The phone's credential no longer works: enrol it again with a new code; local data stay.
    EnrolAgain,
    /// The phone was revoked: its data are deleted and it returns to enrolment.
    WipeAndEnrol,
    /// The app is older than the server or the file: update it.
    UpdateApp,
    /// The database key no longer opens the file: the file was kept aside for support.
    RecoverDatabaseKey,
    /// Anything else: support staff look at it; nothing recorded is lost.
    ContactSupport,
}

/// What to show: the step and its texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advice {
    pub step: NextStep,
    pub title_ko: &'static str,
    pub body_ko: &'static str,
    pub title_en: &'static str,
    pub body_en: &'static str,
}

/// The advice for an error code of the core (`CoreError::code`), the sync client
/// ([`super::errors`]) or the store.
pub fn advice_for(code: &str) -> Advice {
    use NextStep::*;
    let (step, title_ko, body_ko, title_en, body_en) = match code {
        "offline" => (
            RetryLater,
            "오프라인",
            "서버에 연결할 수 없습니다. 기록은 이 기기에 안전하게 남아 있고, 네트워크가 되면 자동으로 동기화합니다.",
            "Offline",
            "The server cannot be reached. Your records are safe on this phone and sync by themselves when the network is back.",
        ),
        "timeout" | "rate_limited" | "clock_unsettled" => (
            RetryLater,
            "잠시 후 다시 동기화합니다",
            "서버가 바쁘거나 응답이 늦습니다. 기록은 이 기기에 안전하게 남아 있고, 잠시 후 자동으로 다시 동기화합니다.",
            "Sync will retry shortly",
            "The server is busy or slow. Your records are safe on this phone; sync retries by itself shortly.",
        ),
        "invalid_url" | "insecure_server_url" | "server_certificate_untrusted"
        | "root_certificate_invalid" => (
            CheckServerAddress,
            "서버 주소를 확인하세요",
            "서버 주소가 틀렸거나 안전하게 연결할 수 없습니다. 팀장에게 받은 주소(https://…)를 다시 확인하세요.",
            "Check the server address",
            "The server address is wrong or cannot be reached securely. Check the https:// address your team lead gave you.",
        ),
        "enrolment_code_malformed" | "enrolment_code_refused" => (
            EnterNewCode,
            "등록 코드를 확인하세요",
            "코드가 틀렸거나 이미 쓰였거나 기한이 지났습니다. 팀장에게 새 등록 코드를 받아 입력하세요.",
            "Check the enrolment code",
            "The code is wrong, already used or expired. Ask your team lead for a new enrolment code.",
        ),
        "unauthorised" | "not_enrolled" => (
            EnrolAgain,
            "기기를 다시 등록하세요",
            "이 기기의 인증이 더 이상 유효하지 않습니다. 팀장에게 새 등록 코드를 받아 다시 등록하세요. 기기에 저장된 기록은 그대로 있습니다.",
            "Enrol this phone again",
            "This phone's credential is no longer valid. Ask your team lead for a new enrolment code. The records on this phone are kept.",
        ),
        "device_revoked" => (
            WipeAndEnrol,
            "이 기기의 사용 권한이 해지되었습니다",
            "관리자가 이 기기를 해지했습니다. 기기에 저장된 자료를 삭제했습니다. 계속 쓰려면 팀장에게 새 등록 코드를 받으세요.",
            "This phone was revoked",
            "An administrator revoked this phone, and its local data were deleted. Ask your team lead for a new enrolment code to go on.",
        ),
        "incompatible_version" | "schema_too_new" => (
            UpdateApp,
            "앱을 업데이트하세요",
            "이 앱은 서버 또는 저장된 자료보다 오래된 버전입니다. 앱을 최신 버전으로 업데이트하세요. 기록은 그대로 있습니다.",
            "Update the app",
            "This app is older than the server or the stored data. Update it; your records are kept.",
        ),
        "store_key_wrong" | "wrong_key" => (
            RecoverDatabaseKey,
            "저장된 자료를 열 수 없습니다",
            "이 기기의 암호 키로 자료 파일을 열 수 없어, 파일을 따로 보관하고 새로 시작했습니다. 서버에 있는 자료는 다음 동기화 때 다시 받습니다. 동기화하지 못한 기록이 있었을 수 있으니 지원 담당자에게 알리세요.",
            "The stored data cannot be opened",
            "This phone's key no longer opens the data file; it was kept aside and a fresh one started. Data on the server come back at the next sync. Tell support: changes not yet synced may be in the kept file.",
        ),
        _ => (
            ContactSupport,
            "문제가 생겼습니다",
            "작업을 마치지 못했습니다. 기록은 이 기기에 남아 있습니다. 문제가 계속되면 지원 담당자에게 오류 코드를 알려 주세요.",
            "Something went wrong",
            "The task could not be finished. Your records stay on this phone. If it goes on, tell support the error code.",
        ),
    };
    Advice {
        step,
        title_ko,
        body_ko,
        title_en,
        body_en,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_leads_to_its_step() {
        let cases = [
            ("offline", NextStep::RetryLater),
            ("timeout", NextStep::RetryLater),
            ("insecure_server_url", NextStep::CheckServerAddress),
            ("server_certificate_untrusted", NextStep::CheckServerAddress),
            ("enrolment_code_malformed", NextStep::EnterNewCode),
            ("enrolment_code_refused", NextStep::EnterNewCode),
            ("unauthorised", NextStep::EnrolAgain),
            ("not_enrolled", NextStep::EnrolAgain),
            ("device_revoked", NextStep::WipeAndEnrol),
            ("incompatible_version", NextStep::UpdateApp),
            ("schema_too_new", NextStep::UpdateApp),
            ("store_key_wrong", NextStep::RecoverDatabaseKey),
            ("server_refused", NextStep::ContactSupport),
            ("no_such_code", NextStep::ContactSupport),
        ];
        for (code, step) in cases {
            let a = advice_for(code);
            assert_eq!(a.step, step, "{code}");
            for text in [a.title_ko, a.body_ko, a.title_en, a.body_en] {
                assert!(!text.is_empty(), "{code}");
            }
        }
    }

    #[test]
    fn the_texts_of_a_retry_say_nothing_is_lost() {
        for code in ["offline", "timeout"] {
            let a = advice_for(code);
            assert!(a.body_ko.contains("안전하게"), "{code}");
            assert!(a.body_en.contains("safe"), "{code}");
        }
    }
}
