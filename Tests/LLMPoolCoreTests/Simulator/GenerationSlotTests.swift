import Testing

@testable import LLMPoolSimulator

/// The slot's state machine on its own, with strings for waiters.
@Suite("GenerationSlot")
struct GenerationSlotTests {
    typealias Slot = GenerationSlot<String>

    // `#expect` cannot call a mutating method on its operand; these do it first.
    private func enter(_ slot: inout Slot, _ kind: Slot.Kind, singleSlot: Bool) -> Bool {
        slot.tryEnter(kind, singleSlot: singleSlot)
    }
    private func leave(_ slot: inout Slot, singleSlot: Bool) -> [String] { slot.leave(singleSlot: singleSlot) }
    private func admit(_ slot: inout Slot, singleSlot: Bool) -> [String] { slot.admitWaiting(singleSlot: singleSlot) }
    private func remove(_ slot: inout Slot, id: Int) -> String? { slot.remove(id: id) }

    @Test("With a single slot, generations and listings go in one at a time, in arrival order")
    func singleSlotOrder() {
        var slot = Slot()
        #expect(enter(&slot, .generation, singleSlot: true) == true)
        #expect(enter(&slot, .generation, singleSlot: true) == false)
        slot.enqueue(id: 1, kind: .generation, waiter: "g1")
        #expect(enter(&slot, .listing, singleSlot: true) == false)
        slot.enqueue(id: 2, kind: .listing, waiter: "l2")
        slot.enqueue(id: 3, kind: .generation, waiter: "g3")
        #expect(slot.waitingGenerations == 2)

        #expect(leave(&slot, singleSlot: true) == ["g1"])
        #expect(slot.generating == 1)
        // The listing goes in when g1 ends, and g3 with it: listings do not occupy the slot.
        #expect(leave(&slot, singleSlot: true) == ["l2", "g3"])
        #expect(slot.generating == 1)
        #expect(leave(&slot, singleSlot: true) == [])
        #expect(slot.generating == 0)
        #expect(slot.maxGenerating == 1)
    }

    @Test("Without a single slot, generations never wait; listings wait until none runs")
    func unlimited() {
        var slot = Slot()
        #expect(enter(&slot, .generation, singleSlot: false) == true)
        #expect(enter(&slot, .listing, singleSlot: false) == false)
        slot.enqueue(id: 1, kind: .listing, waiter: "l1")
        #expect(enter(&slot, .generation, singleSlot: false) == true)
        #expect(slot.maxGenerating == 2)
        #expect(leave(&slot, singleSlot: false) == [])
        #expect(leave(&slot, singleSlot: false) == ["l1"])
        #expect(enter(&slot, .listing, singleSlot: false) == true)
    }

    @Test("A waiter that gives up leaves the queue; switching the single slot off lets everyone in")
    func removalAndBehaviorChange() {
        var slot = Slot()
        #expect(enter(&slot, .generation, singleSlot: true) == true)
        slot.enqueue(id: 1, kind: .generation, waiter: "g1")
        slot.enqueue(id: 2, kind: .generation, waiter: "g2")
        slot.enqueue(id: 3, kind: .generation, waiter: "g3")
        #expect(remove(&slot, id: 2) == "g2")
        #expect(remove(&slot, id: 2) == nil)
        #expect(admit(&slot, singleSlot: true) == [])
        #expect(admit(&slot, singleSlot: false) == ["g1", "g3"])
        #expect(slot.generating == 3)
        #expect(slot.waitingGenerations == 0)
    }
}
