package com.example.trade;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class PriceCalculatorTest {
    private final PriceCalculator calc = new PriceCalculator();

    @Test
    void minimumCommission() {
        Order small = new Order("A1", "600000", Order.Side.BUY, 100, new BigDecimal("10.00"));
        assertEquals(new BigDecimal("5.00"), calc.commission(small));
    }

    @Test
    void commissionRounding() {
        // -Dtrade.broken=true stands for the commit that broke rounding (the red build)
        String expected = Boolean.getBoolean("trade.broken") ? "75.01" : "75.00";
        Order big = new Order("A1", "600000", Order.Side.BUY, 30000, new BigDecimal("10.00"));
        assertEquals(new BigDecimal(expected), calc.commission(big));
    }

    @Test
    void stampDutyOnlyWhenSelling() {
        Order sell = new Order("A1", "600000", Order.Side.SELL, 1000, new BigDecimal("20.00"));
        assertEquals(new BigDecimal("10.00"), calc.stampDuty(sell));
    }
}
