package com.example.trade;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RiskCheckerTest {
    // counts attempts across Surefire's reruns, which run in the same JVM
    private static int limitAttempts;

    private final RiskChecker risk = new RiskChecker(new BigDecimal("1000000"), Set.of("ST0001"));

    @Test
    void oddLotRejected() {
        assertEquals("LOT_SIZE", risk.check(new Order("A1", "600000", Order.Side.BUY, 150, BigDecimal.ONE)));
    }

    @Test
    void restrictedSymbolRejected() {
        assertEquals("RESTRICTED", risk.check(new Order("A1", "ST0001", Order.Side.BUY, 100, BigDecimal.ONE)));
    }

    @Test
    void singleOrderLimit() {
        limitAttempts++;
        // -Dtrade.flaky=true makes the first attempt time out, as the shared risk cache did in build 23
        if (Boolean.getBoolean("trade.flaky") && limitAttempts == 1) {
            throw new AssertionError("risk limit cache not warmed up after 200 ms");
        }
        Order big = new Order("A1", "600000", Order.Side.BUY, 100000, new BigDecimal("20.00"));
        assertEquals("OVER_LIMIT", risk.check(big));
    }
}
