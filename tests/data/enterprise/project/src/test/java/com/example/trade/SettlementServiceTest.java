package com.example.trade;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.LocalDate;
import org.junit.jupiter.api.Test;

class SettlementServiceTest {
    private final SettlementService settlement = new SettlementService();

    @Test
    void fridayTradeSettlesMonday() {
        assertEquals(LocalDate.of(2026, 11, 30), settlement.settlementDate(LocalDate.of(2026, 11, 27)));
    }

    @Test
    void midweekTradeSettlesNextDay() {
        assertEquals(LocalDate.of(2026, 11, 26), settlement.settlementDate(LocalDate.of(2026, 11, 25)));
    }
}
