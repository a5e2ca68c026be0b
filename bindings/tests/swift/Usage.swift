// How the iOS shell calls the generated Swift bindings (module donghaeng_ffi). No Swift compiler runs
// here: bindings/scripts/test.sh checks this file's syntax together with the generated Swift, so that
// it keeps matching the API's shape.

import Foundation

/// Milliseconds since the epoch, as every instant crosses the boundary.
func epochMs(_ date: Date) -> Int64 {
    Int64((date.timeIntervalSince1970 * 1000).rounded())
}

func todaysAgenda(databasePath: String, key: Data, workerId: String, day: String) -> [AgendaItem] {
    do {
        let store = try DonghaengStore.open(path: databasePath, key: key)
        defer { store.close() }
        return try store.agendaForWorker(workerId: workerId, day: day)
    } catch let DonghaengError.Invalid(code, field, ko, _) {
        print("입력 오류 \(code) \(field ?? "-"): \(ko)")
    } catch let DonghaengError.SchemaTooNew(_, _, ko, _) {
        print(ko)
    } catch let DonghaengError.WrongKey(code, _, ko, _) {
        print("키 오류 \(code): \(ko)")
    } catch let error as DonghaengError {
        print(error.localizedDescription)
    } catch {
        print("unexpected: \(error)")
    }
    return []
}

func registerAndVisit(store: DonghaengStore, dongId: String, planner: String, nurse: String) throws -> Visit {
    let household = try store.createHousehold(household: NewHousehold(
        dongId: dongId, headName: "김영희", address: "서울특별시 강남구 테헤란로 123", crisisLevel: 5,
        tags: [.livesAlone, .elderly], riskFlags: [.dog]))
    let start = Date()
    var visit = try store.planVisit(visit: NewVisit(
        householdId: household.id, purpose: .crisisMonitoring, contactMode: .home,
        windowStartMs: epochMs(start), windowEndMs: epochMs(start.addingTimeInterval(3600)),
        assigned: [planner, nurse]))
    visit = try store.startVisit(id: visit.id, atMs: epochMs(Date()))
    let checklist = WellnessChecklist(meals: .good, health: .concern, mood: .good, mobility: .good,
                                      housing: .good, heatingCooling: .good, loneliness: .concern)
    _ = try store.recordWellnessCheck(check: NewWellnessCheck(
        householdId: household.id, visitId: visit.id, workerId: nurse, checkedAtMs: epochMs(Date()),
        contactMode: .home, checklist: checklist))
    switch visit.status {
    case .planned, .inProgress:
        return try store.completeVisit(id: visit.id, atMs: epochMs(Date()), outcome: .met, note: "안부 확인")
    case .completed, .cancelled, .missed:
        return visit
    }
}

/// 서비스 제공 기록: the item decides which fields the form shows; the core checks the record.
func recordShortStay(store: DonghaengStore, householdId: String, worker: String, day: String) throws -> [ServiceItemUsage] {
    let info = serviceItemInfo(item: .shortStay)
    switch info.shape {
    case .paid:
        print("제공량 (\(info.unit?.labelKo() ?? "-"))")
    case .linked, .money:
        break
    }
    do {
        _ = try store.recordService(service: NewServiceProvision(
            householdId: householdId, item: .shortStay, providedOn: day, recordedBy: worker,
            quantity: 3, amountWon: 3 * 60_490))
    } catch let DonghaengError.Invalid(code, field, ko, _) {
        print("입력 오류 \(code) \(field ?? "-"): \(ko)")
    }
    let year = Int32(day.prefix(4)) ?? 0
    return try store.serviceYearUsage(householdId: householdId, year: year)
}
